/**
 * Exact Bernoulli(2^a·exp(−x)) for rational x ≥ 0 and an integer a ≥ 0 with
 * a·ln 2 ≤ x: the acceptance step of a proposal with dyadic weights (the fine
 * quantile sampler, src/stats/quantile-sparse.ts).
 * @module
 */
import { DpError } from '../numeric/errors.js';
import type { Rational } from '../numeric/rational.js';
import { floorExpNegBits } from './_internal/exp-bounds.js';
import { checkNonNegativeRational } from './_internal/validate.js';
import { sampleBernoulliExp } from './bernoulli-exp.js';
import type { RandomSource } from './source.js';

/**
 * `true` with probability exactly `2^a·exp(−x)`.
 *
 * A uniform U in [0, 1) is drawn 32 bits at a time; after j words its first
 * 32j bits u_j bracket it in [u_j, u_j + 1)·2^(−32j), and F_j = ⌊2^(a + 32j)·exp(−x)⌋
 * (exact, `floorExpNegBits`) brackets p = 2^a·exp(−x) in [F_j, F_j + 1)·2^(−32j).
 * u_j < F_j proves U < p (accept), u_j > F_j proves U > p (reject); a tie draws
 * another word. For a > 0, x > 0 and exp(−x) is irrational (Lindemann–Weierstrass),
 * so ties recur with probability 2^(−32) per word and the loop ends with
 * probability 1. For a = 0 this is `sampleBernoulliExp`.
 *
 * @param x - a Rational ≥ 0.
 * @param a - a safe integer ≥ 0 with a·ln 2 ≤ x (so that p ≤ 1).
 * @param rng - the randomness.
 * @returns true with probability 2^a·exp(−x).
 * @throws DpError INVALID_PARAMETER on bad arguments; INTERNAL when p > 1 is found (a·ln 2 > x).
 * @privacy a building block; time depends only on `x`, `a` and the random words.
 * @example
 * sampleBernoulliExpPow2(Rational.of(1n), 1, defaultRandomSource()); // true w.p. 2/e
 */
export function sampleBernoulliExpPow2(x: Rational, a: number, rng: RandomSource): boolean {
  checkNonNegativeRational(x, 'x');
  if (!(Number.isSafeInteger(a) && a >= 0)) throw new DpError('INVALID_PARAMETER', 'a must be a safe integer >= 0', { parameter: 'a' });
  if (a === 0) return sampleBernoulliExp(x, rng);
  if (x.isZero()) throw new DpError('INTERNAL', 'Bernoulli(2^a·exp(−x)) with a > 0 and x = 0 has p > 1', {});
  let u = 0n;
  for (let j = 1; ; j++) {
    u = (u << 32n) | BigInt(rng.nextUint32());
    const f = floorExpNegBits(x, a + 32 * j);
    if (f > 1n << BigInt(32 * j)) throw new DpError('INTERNAL', 'Bernoulli(2^a·exp(−x)) with a·ln 2 > x', {});
    if (u < f) return true;
    if (u > f) return false;
  }
}

/**
 * An integer a ≥ 0 with a·ln 2 ≤ x, from a double `xLow` ≤ x, the exact x: ⌊xLow/ln 2⌋ or one less.
 * @param xLow - a lower bound on x (any double; NaN and values ≤ 0 give 0).
 * @returns a safe integer ≥ 0.
 * @example
 * dyadicExponentBelow(7); // 10 (10·ln 2 ≈ 6.93 ≤ 7)
 */
export function dyadicExponentBelow(xLow: number): number {
  // LN2_BELOW < ln 2, so xLow / LN2_BELOW ≥ xLow / ln 2; the factor 1 − 2⁻⁴⁰ absorbs that (relative 3.4·10⁻¹⁷)
  // and the division's rounding (2⁻⁵³), so the floor is at most xLow / ln 2 ≤ x / ln 2.
  if (!(xLow > 0)) return 0;
  const a = Math.floor((xLow / LN2_BELOW) * (1 - 2 ** -40));
  return a > 0 ? Math.min(a, Number.MAX_SAFE_INTEGER) : 0;
}

const LN2_BELOW = 0.6931471805599453; // the double nearest ln 2, below it by 2.3·10⁻¹⁷
