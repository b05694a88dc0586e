/**
 * Issue 10 (mixed guarantees: ε, δ plus ρ, converted and summed): `guaranteeOf` states ε + ρ + 2√(ρ ln(1/δ)) at 2δ with
 * every float step rounded outward. Oracle: exact rationals (src/numeric) for +, × and the square (√ checked by
 * squaring), with ln(1/δ) bounded below by the float log moved two ulps DOWN (Math.log is within one ulp).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExactLoss } from '../../src/core/exact-loss.js';
import { nextDown } from '../../src/numeric/float-bits.js';
import { Rational } from '../../src/numeric/rational.js';
import { guaranteeOf } from '../../src/sql/query-measurement.js';

const R = (x: number) => Rational.fromNumber(x);

/** True when `charged` ≥ ε + ρ + 2√(ρ·L) exactly, for L a lower bound on ln(1/δ). */
function atLeastExact(charged: number, loss: ExactLoss): boolean {
  const delta = loss.delta.toNumberDown();
  const lnLow = nextDown(nextDown(Math.log(1 / nextUp1(delta))));
  const rest = R(charged).sub(loss.epsilon).sub(loss.rho); // must be ≥ 2√(ρ L) ≥ 0
  if (rest.isNegative()) return false;
  if (lnLow <= 0) return true;
  const half = rest.div(Rational.of(2n));
  return half.mul(half).ge(loss.rho.mul(R(lnLow)));
}
/** δ moved up one ulp, so 1/δ and its log are moved down (a lower bound on ln(1/δ)). */
function nextUp1(x: number): number {
  return -nextDown(-x);
}

describe('guaranteeOf rounds a mixed guarantee up (no ulp-level under-charge)', () => {
  it('regression: ε = 0.1, δ = 1e-6, ρ = 0.3 states at least the exact value', () => {
    const loss = { epsilon: Rational.parse('0.1'), delta: Rational.parse('1e-6'), rho: Rational.parse('0.3') };
    const g = guaranteeOf(loss);
    expect(g.kind).toBe('approximate');
    expect(atLeastExact((g as { epsilon: number }).epsilon, loss)).toBe(true);
  });

  it('generative: random (ε, δ, ρ) mixes — the stated ε is ≥ the exact rational value (fast-check, seed 15)', () => {
    const amount = fc.oneof(
      fc.double({ min: 1e-12, max: 100, noNaN: true }),
      fc.integer({ min: 1, max: 1000 }).map((n) => n / 11),
      fc.constantFrom(0.1, 0.2, 0.3, 1 / 3, 5e-324, 2 ** -52),
    );
    const delta = fc.oneof(fc.double({ min: 1e-300, max: 0.49, noNaN: true }), fc.constantFrom(1e-6, 1e-5, 1e-9));
    fc.assert(
      fc.property(amount, delta, amount, (e, d, r) => {
        const loss = {
          epsilon: Rational.fromNumberIntended(e),
          delta: Rational.fromNumberIntended(d),
          rho: Rational.fromNumberIntended(r),
        };
        const g = guaranteeOf(loss) as { kind: string; epsilon: number; delta: number };
        expect(g.kind).toBe('approximate');
        expect(atLeastExact(g.epsilon, loss)).toBe(true);
        expect(R(g.delta).ge(loss.delta.mul(Rational.of(2n)))).toBe(true);
      }),
      { seed: 15, numRuns: 1000 },
    );
  });
});
