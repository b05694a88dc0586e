/**
 * Review finding (session 3, phase 2 on main 7cb69f5 — the ledger's new unit pin; calculus class "one
 * privacy-unit type", review R12's class at the ledger; severity: ε understated without bound): the ledger
 * now pins the privacy unit a data set's spends are stated for, and trusts the unit the CALLER writes in
 * `scope.unit`. The per-record releases that charge a caller's `{ ledger, scope }` pass that scope through
 * unchanged: `synthesize({ budget: { ledger, scope } })` (`src/synth/synthesize.ts` `chargeBudget`) and, on
 * wip/models, every classic model's `fit(x, y, { budget: { ledger, scope } })` (`fit-budget.ts`). A caller who
 * reuses the data set's scope — `{ dataset, cap, unit: privacyUnit('pid') }`, the one DP SQL states — gets a
 * per-RECORD ρ (synth) or ε (models) accepted as a per-PERSON spend: a person with k records loses k× (k²×
 * for ρ) what the ledger records. (The Session path states its own unit and is refused; `tsdp synth` states
 * none, i.e. one row, and is refused too.)
 *
 * Rule that closes the class: the unit of a charge is stated by the release that makes it, from its own
 * measurement (per record here), never copied from the caller's scope; a scope naming another unit is
 * refused with DOMAIN_MISMATCH before anything is recorded. Owners: synth (chargeBudget), models
 * (fit-budget.ts); ledger (LedgerScope.unit's contract).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactLoss } from '../../src/core/exact-loss.js';
import { pure } from '../../src/core/loss.js';
import { privacyUnit } from '../../src/core/privacy-unit.js';
import * as learn from '../../src/learn/index.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { LedgerCap, LedgerScope } from '../../src/ledger/ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { synthesize } from '../../src/synth/synthesize.js';

const cap: LedgerCap = { epsilon: Rational.of(20n), delta: Rational.parse('1e-5') };
const perPerson = privacyUnit('pid', { maxPartitions: 1, maxContributionsPerPartition: 1 });
const schema = {
  columns: [
    { name: 'colour', type: 'categorical' as const, categories: ['red', 'green'] },
    { name: 'n', type: 'integer' as const, min: 0, max: 3 },
  ],
};
// One person (pid 1) holds 30 records: a per-record loss understates theirs 30-fold (900-fold in ρ).
const rows = [
  ...Array.from({ length: 40 }, (_, i) => ({ pid: 100 + i, colour: i % 2 ? 'red' : 'green', n: i % 4 })),
  ...Array.from({ length: 30 }, () => ({ pid: 1, colour: 'red', n: 2 })),
];

/** A file ledger whose data set is pinned per person by a first (DP SQL-like) spend, and that scope. */
async function pinnedPerPerson(): Promise<{ ledger: FileLedger; scope: LedgerScope }> {
  const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'review-scope-unit-')) });
  const scope: LedgerScope = { dataset: 'people', cap, unit: perPerson };
  await ledger.charge(scope, exactLoss(pure(0.5)), 'SELECT COUNT(*) FROM people');
  return { ledger, scope };
}

describe('review: a per-record release charged through a caller scope that names a person unit', () => {
  it('regression (review S4, fixed by synth: the charge states one record whatever the scope says): synthesize({ budget: { ledger, scope } }) no longer records its per-record ρ as a per-person spend', async () => {
    const { ledger, scope } = await pinnedPerPerson();
    const outcome = await synthesize({
      data: rows,
      schema,
      epsilon: 1,
      delta: 1e-6,
      method: 'mst',
      rows: 5,
      iterations: 10,
      budget: { ledger, scope },
      rng: new SeededRandomSource(2),
    } as Parameters<typeof synthesize>[0]).then(
      () => 'charged',
      (e: { code?: string }) => e.code ?? 'thrown',
    );
    expect(outcome).toBe('DOMAIN_MISMATCH');
    expect((await ledger.entries('people')).length).toBe(1);
  });

  const LogisticRegression = (learn as Record<string, unknown>).LogisticRegression as
    | (new (o: {
        epsilon: number;
        featureCount: number;
        dataNorm: number;
        method?: string;
      }) => {
        fit(x: unknown, y: unknown, o: unknown): Promise<unknown>;
      })
    | undefined;
  it.skipIf(LogisticRegression === undefined)(
    "regression (review S4, fixed: the fit states one record whatever the scope says): a classic model's fit({ budget: { ledger, scope } }) no longer records its per-row ε as a per-person spend",
    async () => {
      const { ledger, scope } = await pinnedPerPerson();
      const model = new (LogisticRegression as NonNullable<typeof LogisticRegression>)({
        epsilon: 1,
        featureCount: 1,
        dataNorm: 3,
        method: 'output',
      });
      const outcome = await model
        .fit(
          rows.map((r) => [r.n]),
          rows.map((r) => (r.colour === 'red' ? 1 : 0)),
          { budget: { ledger, scope }, rng: new SeededRandomSource(3) },
        )
        .then(
          () => 'charged',
          (e: { code?: string }) => e.code ?? 'thrown',
        );
      expect(outcome).toBe('DOMAIN_MISMATCH');
    },
  );

  it('control: the same synthesis through a scope that states one row is refused on the per-person data set', async () => {
    const { ledger, scope } = await pinnedPerPerson();
    const outcome = await synthesize({
      data: rows,
      schema,
      epsilon: 1,
      delta: 1e-6,
      method: 'mst',
      rows: 5,
      iterations: 10,
      budget: { ledger, scope: { ...scope, unit: privacyUnit(null) } },
      rng: new SeededRandomSource(2),
    } as Parameters<typeof synthesize>[0]).then(
      () => 'charged',
      (e: { code?: string }) => e.code ?? 'thrown',
    );
    expect(outcome).toBe('DOMAIN_MISMATCH');
  });
});
