/**
 * Class rule (issue 10, review S4): a classic model's fit is a per-record release, so its ledger charge states one
 * record as its unit whatever unit the caller's scope names; on a data set pinned to a unit column it is refused
 * (DOMAIN_MISMATCH, nothing recorded), on one pinned per record (or not yet pinned) it is charged per record.
 * Generative: random pins × random scope units × models.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactLoss } from '../../src/core/exact-loss.js';
import { pure } from '../../src/core/loss.js';
import { type PrivacyUnit, privacyUnit } from '../../src/core/privacy-unit.js';
import { GaussianNB, StandardScaler } from '../../src/learn/index.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { LedgerCap, LedgerScope } from '../../src/ledger/ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const cap: LedgerCap = { epsilon: Rational.of(50n), delta: Rational.parse('1e-5') };
const x = Array.from({ length: 20 }, (_, i) => [i % 5, (i * 3) % 5]);
const y = Array.from({ length: 20 }, (_, i) => i % 2);
const unitOf = (column: string | null): PrivacyUnit => privacyUnit(column);

async function fitWith(model: 'scaler' | 'nb', ledger: FileLedger, scope: LedgerScope): Promise<string> {
  const bounds = { lower: [0, 0], upper: [5, 5] };
  const rng = new SeededRandomSource(7);
  const run =
    model === 'scaler'
      ? new StandardScaler({ epsilon: 1, bounds }).fit(x, { budget: { ledger, scope }, rng })
      : new GaussianNB({ epsilon: 1, bounds, classes: 2 }).fit(x, y, { budget: { ledger, scope }, rng });
  return run.then(
    () => 'charged',
    (e: { code?: string }) => e.code ?? 'thrown',
  );
}

describe('classic models: the ledger charge states one record, whatever the scope says', () => {
  it('generative (fast-check, seed 41): refused on a data set pinned to a unit column, charged per record otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<string | null | undefined>(undefined, null, 'pid', 'household'),
        fc.constantFrom<string | null | undefined>(undefined, null, 'pid', 'household'),
        fc.constantFrom<'scaler' | 'nb'>('scaler', 'nb'),
        async (pin, stated, model) => {
          const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-fit-scope-')) });
          if (pin !== undefined) await ledger.charge({ dataset: 'd', cap, unit: unitOf(pin) }, exactLoss(pure(0.5)), 'pin');
          const before = (await ledger.entries('d')).length;
          const scope: LedgerScope = { dataset: 'd', cap, ...(stated !== undefined ? { unit: unitOf(stated) } : {}) };
          const outcome = await fitWith(model, ledger, scope);
          expect(outcome).toBe(pin === 'pid' || pin === 'household' ? 'DOMAIN_MISMATCH' : 'charged');
          if (outcome !== 'charged') expect((await ledger.entries('d')).length).toBe(before);
        },
      ),
      { seed: 41, numRuns: 24 },
    );
  }, 120_000);
});
