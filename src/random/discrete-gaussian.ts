/**
 * Exact discrete Gaussian sampling (Canonne–Kamath–Steinke 2020, Algorithm 3).
 * @module
 */

import type { Rational } from '../numeric/rational.js';
import { type DiscreteGaussianContext, discreteGaussianContext, discreteGaussianCore } from './_internal/discrete-gaussian-core.js';
import { checkPositiveRational } from './_internal/validate.js';
import type { RandomSource } from './source.js';

/** The context of the last σ² (public parameters only), reused across calls. */
let lastContext: DiscreteGaussianContext | undefined;

/**
 * An integer k with P(k) ∝ exp(−k²/(2σ²)), exactly, for a rational σ² > 0.
 *
 * Proposal: discrete Laplace with scale t = ⌈σ⌉ (CKS use ⌊σ⌋ + 1; any t > 0 is
 * exact); accept with probability exp(−(|Y| − σ²/t)²/(2σ²)) — an exact
 * Bernoulli(exp(−x)) on the exact rational x, where a floating-point bracket
 * with a proven margin decides almost every trial from one 32-bit word and
 * BigInt interval arithmetic decides the rest. The Laplace proposal's own
 * rejection step is fused into this acceptance test, and for σ in [2²⁰, 2⁴⁰] a
 * finer geometric proposal is used (see secure-noise.proof.md); both leave the
 * output distribution exactly the discrete Gaussian.
 *
 * @param sigmaSquared - the variance parameter σ², a Rational > 0.
 * @param rng - the randomness.
 * @returns the noise as a BigInt.
 * @throws DpError INVALID_PARAMETER when sigmaSquared is not a Rational > 0.
 * @privacy adding it to an integer of sensitivity Δ gives ρ = Δ²/(2σ²) zCDP.
 *   Time depends only on σ² and the random words, never on the value it is added to.
 * @see Canonne, Kamath, Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS 2020, Algorithm 3.
 * @example
 * const noisy = 42n + sampleDiscreteGaussian(Rational.of(100n), defaultRandomSource()); // σ = 10
 */
export function sampleDiscreteGaussian(sigmaSquared: Rational, rng: RandomSource): bigint {
  checkPositiveRational(sigmaSquared, 'sigmaSquared');
  if (lastContext === undefined || lastContext.A !== sigmaSquared.num || lastContext.B !== sigmaSquared.den) {
    lastContext = discreteGaussianContext(sigmaSquared);
  }
  const k = discreteGaussianCore(lastContext, rng);
  return typeof k === 'bigint' ? k : BigInt(k);
}
