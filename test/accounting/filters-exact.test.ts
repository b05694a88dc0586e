/**
 * Privacy filters add exactly (issue 10, item 9): no sequence of charges, however small, passes the
 * cap. Rule: src/accounting/filters.proof.md.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApproxDpFilter, DpEvents, isDpError, nextUp, Rational, RdpFilter, ZcdpFilter } from '../../src/index.js';

const tiny = fc.oneof(
  fc.constantFrom(5e-324, 1e-300, 1e-17, 2 ** -53, 1e-16, Number.MIN_VALUE),
  fc.double({ min: 0, max: 1e-10, noNaN: true }),
  fc.double({ min: 0, max: 2, noNaN: true }),
);

/** Charges until refused (or n tries); returns the accepted charges. */
function drive(charge: (x: number) => void, costs: number[]): number[] {
  const accepted: number[] = [];
  for (const c of costs) {
    try {
      charge(c);
      accepted.push(c);
    } catch (e) {
      if (!isDpError(e, 'BUDGET_EXHAUSTED')) throw e;
    }
  }
  return accepted;
}

const exactSum = (xs: number[]) => xs.reduce((s, x) => s.add(Rational.fromNumberIntended(x)), Rational.ZERO);

describe('filters add exactly', () => {
  it('regression: after exhaustion, 10⁴ charges below half an ulp are all refused (ApproxDp, zCDP, RDP)', () => {
    const a = new ApproxDpFilter({ epsilon: 1, delta: 1e-6 });
    a.charge(1, 1e-6);
    const z = new ZcdpFilter(1);
    z.charge(1);
    let refusedA = 0;
    let refusedZ = 0;
    for (let i = 0; i < 10_000; i++) {
      try {
        a.charge(1e-17, 0);
      } catch (e) {
        if (isDpError(e, 'BUDGET_EXHAUSTED')) refusedA++;
      }
      try {
        z.charge(1e-17);
      } catch (e) {
        if (isDpError(e, 'BUDGET_EXHAUSTED')) refusedZ++;
      }
    }
    expect(refusedA).toBe(10_000);
    expect(refusedZ).toBe(10_000);
    // An RDP filter exhausted to within two ulps: the budget is the (rounded) cost of one event.
    const big = DpEvents.gaussian(3);
    const probe = new RdpFilter({ order: 8, budget: 10 });
    probe.chargeEvent(big);
    const r = new RdpFilter({ order: 8, budget: nextUp(probe.spent) });
    r.chargeEvent(big);
    // A Gaussian of huge σ has an RDP below half an ulp of the spent total: each still counts.
    const small = DpEvents.gaussian(1e9);
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      try {
        r.chargeEvent(small);
        accepted++;
      } catch (e) {
        if (!isDpError(e, 'BUDGET_EXHAUSTED')) throw e;
      }
    }
    expect(accepted).toBeLessThan(200); // at most (2 ulps of 0.44)/(4e-18)
    expect(r.spent).toBeLessThanOrEqual(1);
  });

  it('ten charges of 0.1 fit a budget of 1 (intended values, as PrivacyBudget)', () => {
    const a = new ApproxDpFilter({ epsilon: 1 });
    for (let i = 0; i < 10; i++) a.charge(0.1);
    expect(() => a.charge(5e-324)).toThrow(/budget/);
  });

  it('generative: no sequence of charges passes the cap (ApproxDp and zCDP, exact sums)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 10, noNaN: true }), fc.array(tiny, { minLength: 1, maxLength: 60 }), (budget, costs) => {
        const a = new ApproxDpFilter({ epsilon: budget, delta: Math.min(1, budget / 10) });
        const accA = drive((c) => a.charge(c, Math.min(1, c / 10)), costs);
        expect(exactSum(accA).le(Rational.fromNumberIntended(budget))).toBe(true);
        const z = new ZcdpFilter(budget);
        const accZ = drive((c) => z.charge(c), costs);
        expect(exactSum(accZ).le(Rational.fromNumberIntended(budget))).toBe(true);
        // Whatever was refused would indeed have passed the cap.
        expect(z.canCharge(0)).toBe(true);
      }),
      { numRuns: 300, seed: 9_2026 },
    );
  });

  it('generative: the RDP filter admits events while the rounded-up sum of their RDP fits', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 5, noNaN: true }),
        fc.array(fc.double({ min: Math.log10(0.5), max: 9, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (budget, logSigmas) => {
          const f = new RdpFilter({ order: 4, budget });
          let sum = 0;
          drive((s) => {
            const e = DpEvents.gaussian(10 ** s);
            const before = f.spent;
            f.chargeEvent(e);
            sum += f.costOf(e);
            expect(f.spent).toBeGreaterThan(before);
          }, logSigmas);
          expect(sum).toBeLessThanOrEqual(budget);
          expect(f.spent).toBeLessThanOrEqual(budget);
        },
      ),
      { numRuns: 200, seed: 9_2027 },
    );
  });
});
