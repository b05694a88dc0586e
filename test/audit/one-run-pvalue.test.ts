/**
 * `oneRunPValue` (src/learn/membership/one-run.ts) in O(r): one row of ln C(r, k) instead of one O(k) sum per
 * pmf. The row adds the same terms in the same order as `logAbsBinomial`, so the p-value must be bit-identical to
 * the O(r²) implementation it replaced (kept here, verbatim, as the oracle).
 * - Generative (fast-check, seed 1901): random m ≥ r ≥ v, ε ∈ [0, 50], δ ∈ [0, 1] — equal to the oracle (Object.is).
 * - Regression: the edge cases (v = 0, v = r, r = 0, ε = 0, q rounding to 1) and a large r agree too, and an r over
 *   MAX_BINOMIAL_K is refused as before (the oracle threw there through `logAbsBinomial`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oneRunPValue } from '../../src/learn/membership/one-run.js';
import { logAbsBinomial, MAX_BINOMIAL_K } from '../../src/numeric/special.js';

function oraclePmf(r: number, k: number, q: number): number {
  if (k < 0 || k > r) return 0;
  if (q <= 0) return k === 0 ? 1 : 0;
  if (q >= 1) return k === r ? 1 : 0;
  return Math.exp(logAbsBinomial(r, k) + k * Math.log(q) + (r - k) * Math.log1p(-q));
}

/** The O(r²) implementation before stop 19 (its argument checks left out: the cases here are valid). */
function oraclePValue(m: number, r: number, v: number, epsilon: number, delta: number): number {
  const q = 1 / (1 + Math.exp(-epsilon));
  let beta = 0;
  for (let k = v; k <= r; k++) beta += oraclePmf(r, k, q);
  let alpha = 0;
  let below = 0;
  for (let i = 1; i <= v; i++) {
    below += oraclePmf(r, v - i, q);
    alpha = Math.max(alpha, below / i);
  }
  return Math.min(1, (beta + alpha * delta * 2 * m) * (1 + 1e-9) + 1e-300);
}

describe('oneRunPValue in O(r)', () => {
  it('generative (fast-check, seed 1901): bit-identical to the O(r²) implementation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.nat(),
        fc.nat(),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
        (r, rawV, extra, epsilon, delta) => {
          const v = rawV % (r + 1);
          const m = r + (extra % 1000);
          expect(Object.is(oneRunPValue(m, r, v, epsilon, delta), oraclePValue(m, r, v, epsilon, delta))).toBe(true);
        },
      ),
      { seed: 1901, numRuns: 400 },
    );
  });

  it('agrees at the edges and at a large r', () => {
    const cases: [number, number, number, number, number][] = [
      [10, 0, 0, 1, 0],
      [10, 5, 0, 1, 1e-3],
      [10, 5, 5, 0, 0],
      [1000, 100, 100, 1, 0],
      [1000, 100, 60, 40, 1e-5],
      [50_000, 6_000, 3_600, 0.3, 1e-6],
    ];
    for (const [m, r, v, e, d] of cases) expect(Object.is(oneRunPValue(m, r, v, e, d), oraclePValue(m, r, v, e, d))).toBe(true);
  });

  it('refuses r over MAX_BINOMIAL_K, as the O(r²) version did', () => {
    expect(() => oneRunPValue(MAX_BINOMIAL_K + 5, MAX_BINOMIAL_K + 1, 3, 1, 0)).toThrow(/MAX|at most|k/);
  });
});
