import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addLoss, type ExactLoss, exactLoss, fitsCap, ZERO_LOSS } from '../../src/core/exact-loss.js';
import { approximate, pure, zcdp, zcdpToApproximate } from '../../src/core/loss.js';
import { decideCharge, type LedgerEntry, type LedgerScope, sumEntries } from '../../src/ledger/ledger.js';
import { Rational } from '../../src/numeric/rational.js';

const SEED = { seed: 20261205, numRuns: 150 };
const entry = (analyst: string, l: ExactLoss): LedgerEntry => ({ analyst, ...l, memo: 'q', at: '' });
const lossArb = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map((n) => exactLoss(pure(n / 1009))),
  fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 50 })).map(([e, d]) => exactLoss(approximate(e / 1009, d * 1e-8))),
  fc.integer({ min: 0, max: 300 }).map((n) => exactLoss(zcdp(n / 30011))),
);

describe('decideCharge (shared by the file and PostgreSQL ledgers)', () => {
  it('keeps ρ spends as ρ and converts the total once against the data set cap', () => {
    // Five ρ charges that are each "ε = 1 at δ = 1e-6" fit a cap of ε = 2.25, δ = 5e-6: one conversion costs ε ≈ 2.21.
    let rho = 0;
    let hi = 1;
    for (let i = 0; i < 100; i++) {
      const mid = (rho + hi) / 2;
      if (zcdpToApproximate(zcdp(mid), 1e-6).epsilon <= 1) rho = mid;
      else hi = mid;
    }
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.parse('2.25'), delta: Rational.parse('5e-6') } };
    const entries: LedgerEntry[] = [];
    for (let i = 0; i < 5; i++) {
      const s = decideCharge(entries, scope, exactLoss(zcdp(rho)));
      entries.push(entry('default', exactLoss(zcdp(rho))));
      expect(s.dataset.spent.rho.equals(Rational.fromNumberIntended(rho).mul(Rational.of(BigInt(i + 1))))).toBe(true);
    }
    const s = decideCharge(entries, scope, null);
    expect(s.dataset.guarantee.epsilon.toNumber()).toBeCloseTo(2.2128, 3);
    expect(s.dataset.guarantee.delta.toString()).toBe('1/200000');
  });

  it('says which part of the budget is the limit, ε or δ', () => {
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.parse('1e-6') } };
    expect(() => decideCharge([], scope, exactLoss(approximate(0.5, 2e-6)))).toThrow(/the δ of the budget of data set "d"/);
    expect(() => decideCharge([], scope, exactLoss(pure(2)))).toThrow(/the ε of the budget/);
    expect(() => decideCharge([entry('a', exactLoss(approximate(0, 1e-6)))], scope, exactLoss(zcdp(1e-9)))).toThrow(
      /none left to convert ρ/,
    );
  });

  it('refuses a cost that is not three Rationals >= 0 (INVALID_PARAMETER), recording nothing', () => {
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
    for (const bad of [
      { epsilon: Rational.ONE, delta: Rational.ZERO },
      { epsilon: Rational.of(-1n), delta: Rational.ZERO, rho: Rational.ZERO },
      { epsilon: 1, delta: 0, rho: 0 },
    ]) {
      expect(() => decideCharge([], scope, bad as unknown as ExactLoss)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    }
  });

  it('never lets the data set or an analyst pass its cap, whatever the interleaving of pure, approximate and zCDP spends (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('alice', 'bob', 'carol'), lossArb), { maxLength: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 100 }),
        (charges, e, d) => {
          const cap = { epsilon: Rational.of(BigInt(e), 4n), delta: Rational.of(BigInt(d), 100_000_000n) };
          const analystBudget = { epsilon: Rational.of(BigInt(e), 8n), delta: cap.delta };
          const entries: LedgerEntry[] = [];
          for (const [analyst, cost] of charges) {
            const scope: LedgerScope = { dataset: 'd', cap, analyst, analystBudget };
            const before = sumEntries(entries);
            let accepted = true;
            try {
              decideCharge(entries, scope, cost);
            } catch (err) {
              expect((err as { code?: string }).code).toBe('BUDGET_EXHAUSTED');
              accepted = false;
            }
            const mine = before.analysts.get(analyst) ?? ZERO_LOSS;
            expect(accepted).toBe(fitsCap(addLoss(before.dataset, cost), cap) && fitsCap(addLoss(mine, cost), analystBudget));
            if (accepted) entries.push(entry(analyst, cost));
            const after = sumEntries(entries);
            expect(fitsCap(after.dataset, cap)).toBe(true);
            for (const spent of after.analysts.values()) expect(fitsCap(spent, analystBudget)).toBe(true);
          }
          // Replaying from the totals gives the same status as replaying the entries.
          const scope: LedgerScope = { dataset: 'd', cap };
          expect(decideCharge(sumEntries(entries), scope, null)).toEqual(decideCharge(entries, scope, null));
        },
      ),
      SEED,
    );
  });
});
