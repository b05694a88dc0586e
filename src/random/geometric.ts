/**
 * Exact geometric sampling with ratio exp(−x) (Canonne–Kamath–Steinke 2020, inside Algorithm 2).
 * @module
 */

import type { Rational } from '../numeric/rational.js';
import { geometricExpUnchecked } from './_internal/geometric-core.js';
import { checkPositiveRational } from './_internal/validate.js';
import type { RandomSource } from './source.js';

/**
 * A geometric integer k ≥ 0 with P(k) = (1 − e^{−x})·e^{−kx}, exactly, for a
 * rational x > 0.
 *
 * With x = a/b: draw U uniform in [0, b) and keep it with probability
 * exp(−U/b); count V, the number of successes of Bernoulli(e^{−1}) before the
 * first failure; then X = U + b·V has P(X) ∝ e^{−X/b}, and ⌊X/a⌋ is the
 * answer. Plain numbers are used where every intermediate is provably below
 * 2⁵³ (a, b < 2⁵³ and the bounds checked at each step); BigInt otherwise. For
 * b ≥ 2²⁰, U is drawn by a finer proposal with the same exact distribution
 * (see secure-noise.proof.md).
 *
 * @param x - a Rational > 0.
 * @param rng - the randomness.
 * @returns k ≥ 0 as a BigInt.
 * @throws DpError INVALID_PARAMETER when x is not a Rational > 0.
 * @privacy a building block; time depends only on `x` and the random words.
 * @see Canonne, Kamath, Steinke (2020), Algorithm 2, steps 3–9.
 */
export function sampleGeometricExp(x: Rational, rng: RandomSource): bigint {
  checkPositiveRational(x, 'x');
  return geometricExpUnchecked(x.num, x.den, rng);
}
