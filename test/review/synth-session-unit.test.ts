/**
 * Review finding (ε understated without bound; class "one privacy-unit type", issue 10's calculus
 * section) — on wip/synth (d23ae6f), not on main 8b12d24: `synthesize({ budget: session })` charges a
 * `Session` (new `Session.charge`) the synthesizer's ρ, which is ρ-zCDP for adding or removing ONE
 * RECORD; but a session's privacy unit may be a person with many records (`privacyUnit: 'pid'`), and
 * synth neither bounds contributions per unit nor prices group privacy (k records cost k²ρ). The
 * same holds for the ledger charge (`{ ledger, scope }`, and `tsdp synth` charging the file ledger
 * under the data set's name): the data set's other spends are per person (DP SQL's schema), synth's
 * per record, summed in one total. Grey-box repro: one person with 30 records; the exact 1-way count
 * the discrete Gaussian is added to moves by 30 when that person is removed, against a declared
 * sensitivity of 1, while the person-level session is charged ρ.
 *
 * Rule that closes the class: a charge is made in the budget's own privacy unit. A release computed
 * per record may be charged to a budget whose unit is a column only after bounding each unit to the
 * budget's declared contribution bounds (m rows) and charging the group loss (m²ρ), or is refused;
 * the unit travels with every budget (Session, ledger scope) and every measurement states its own.
 * Owners: synth (synthesize.ts, cli/commands/synth.ts); stats (Session.charge should check the unit).
 */
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/session.js';
import { synthesize } from '../../src/synth/synthesize.js';

const sessionsCanBeCharged = typeof (Session.prototype as { charge?: unknown }).charge === 'function';

const schema = {
  columns: [
    { name: 'colour', type: 'categorical' as const, categories: ['red', 'green'] },
    { name: 'n', type: 'integer' as const, min: 0, max: 3 },
  ],
};
const others = Array.from({ length: 40 }, (_, i) => ({ pid: 100 + i, colour: i % 2 ? 'red' : 'green', n: i % 4 }));
const heavy = Array.from({ length: 30 }, () => ({ pid: 1, colour: 'red', n: 2 }));

describe('review: synthesize charges a person-level Session per record', () => {
  it('regression (review, fixed by stats: Session.charge takes the unit the loss is stated for): synthesize on a person-level Session is refused with DOMAIN_MISMATCH and spends nothing', async () => {
    const rows = [...others, ...heavy];
    const budget = PrivacyBudget.approximate(50, 1e-5);
    const session = Session.fromRecords(rows, { columns: ['pid', 'colour', 'n'], privacyUnit: 'pid', budget });
    const before = JSON.stringify(session.budget.spent);
    await expect(
      synthesize({
        data: rows,
        schema,
        epsilon: 1,
        delta: 1e-6,
        method: 'mst',
        rows: 5,
        iterations: 10,
        budget: session as never,
        rng: new SeededRandomSource(2),
      } as Parameters<typeof synthesize>[0]),
    ).rejects.toMatchObject({ code: 'DOMAIN_MISMATCH' });
    expect(JSON.stringify(session.budget.spent)).toBe(before);
  });
  (sessionsCanBeCharged ? it : it.skip)('control: the same person-level data on a row-level Session is synthesized', async () => {
    const rows = others;
    const budget = PrivacyBudget.approximate(50, 1e-5);
    const session = Session.fromRecords(rows, { columns: ['pid', 'colour', 'n'], budget });
    const before = JSON.stringify(session.budget.spent);
    const result = await synthesize({
      data: rows,
      schema,
      epsilon: 1,
      delta: 1e-6,
      method: 'mst',
      rows: 5,
      iterations: 10,
      budget: session as never,
      rng: new SeededRandomSource(2),
    } as Parameters<typeof synthesize>[0]);
    expect(result.records).toHaveLength(5);
    expect(JSON.stringify(session.budget.spent)).not.toBe(before);
  });
});
