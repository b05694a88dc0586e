/**
 * Exact Bernoulli(exp(−x)) for rational x ≥ 0 (Canonne–Kamath–Steinke 2020, Algorithm 1).
 * @module
 */

import type { Rational } from '../numeric/rational.js';
import { bernoulliExpExact } from './_internal/bernoulli-exp-core.js';
import { checkNonNegativeRational } from './_internal/validate.js';
import type { RandomSource } from './source.js';

/**
 * `true` with probability exactly `exp(−x)`, for a rational `x ≥ 0`.
 *
 * Rather than CKS Algorithm 1's chain of Bernoulli(x/k) trials (same
 * distribution, more random words), the decision compares a uniform random
 * number, drawn 32 bits at a time, with the binary expansion of `exp(−x)`: a
 * fast floating-point bracket (with a proven error margin, see
 * _internal/exp-bounds.ts) settles almost every draw after one word, and an
 * exact BigInt interval evaluation of `exp(−x)` settles the rest. The result is
 * exact: no floating-point rounding can bias it.
 *
 * @param x - a Rational ≥ 0.
 * @param rng - the randomness.
 * @returns true with probability exp(−x).
 * @throws DpError INVALID_PARAMETER when x is not a Rational ≥ 0.
 * @privacy a building block; time depends only on `x` and the random words.
 * @see Canonne, Kamath, Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS 2020, Algorithm 1.
 * @example
 * sampleBernoulliExp(Rational.of(1n, 2n), defaultRandomSource()); // true w.p. e^{-1/2}
 */
export function sampleBernoulliExp(x: Rational, rng: RandomSource): boolean {
  checkNonNegativeRational(x, 'x');
  return bernoulliExpExact(x, rng);
}
