/**
 * Review S24 (issue 10 class 9 "filters", class 12 "hostile parameters accepted"): no privacy filter accepts a spend
 * that lowers its spent total. Rule (src/accounting/filters.proof.md and the edge line of each `charge`/`spend`): a
 * spend is checked ≥ 0 (a Rational ≥ 0 for synth's exact ZcdpFilter, whose `spend(Rational.of(-1n))` used to lower
 * the total so that a run planned at ρ = 1 accepted 1 + 1 + 50) before anything changes; a refusal changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApproxDpFilter, DpError, Rational, ZcdpFilter } from '../../src/index.js';
import { ZcdpFilter as SynthZcdpFilter } from '../../src/synth/measure.js';

const event = { type: 'zcdp', rho: 1 } as never;

interface Filter {
  spend(amount: number): void;
  spent(): number;
}
const FILTERS: [string, () => Filter][] = [
  [
    'synth ZcdpFilter (exact)',
    () => {
      const f = new SynthZcdpFilter(Rational.of(1n));
      return { spend: (a) => f.spend(Rational.fromNumber(a), event), spent: () => f.spent.toNumber() };
    },
  ],
  [
    'ZcdpFilter',
    () => {
      const f = new ZcdpFilter(1);
      return { spend: (a) => f.charge(a), spent: () => f.spent };
    },
  ],
  [
    'ApproxDpFilter',
    () => {
      const f = new ApproxDpFilter({ epsilon: 1, delta: 1e-6 });
      return { spend: (a) => f.charge(a, 0), spent: () => f.spent.epsilon };
    },
  ],
];

describe('review S24: no filter accepts a spend that lowers its total', () => {
  it('regression: synth ZcdpFilter planned at ρ = 1 refuses spend(−1) and then refuses 1 + 1', () => {
    const f = new SynthZcdpFilter(Rational.of(1n));
    expect(() => f.spend(Rational.of(-1n), event)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    f.spend(Rational.ONE, event);
    expect(() => f.spend(Rational.ONE, event)).toThrow(DpError);
    expect(f.spent.equals(Rational.ONE)).toBe(true);
    expect(() => new SynthZcdpFilter(Rational.of(-1n))).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it.each(FILTERS)(
    'generative (%s): over random sequences with negative spends, the spent total never decreases and never passes the plan (fast-check, seed 24)',
    (_, make) => {
      fc.assert(
        fc.property(fc.array(fc.double({ min: -2, max: 0.6, noNaN: true }), { minLength: 1, maxLength: 12 }), (amounts) => {
          const f = make();
          let last = f.spent();
          for (const a of amounts) {
            try {
              f.spend(a);
            } catch (e) {
              expect(e).toBeInstanceOf(DpError);
              expect(f.spent()).toBe(last); // a refusal changes nothing
              continue;
            }
            expect(a >= 0).toBe(true); // only a spend ≥ 0 is accepted
            expect(f.spent() >= last).toBe(true);
            last = f.spent();
          }
          expect(last <= 1).toBe(true);
        }),
        { seed: 24, numRuns: 200 },
      );
    },
  );
});
