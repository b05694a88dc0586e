/**
 * Exact discrete Laplace sampling (Canonne–Kamath–Steinke 2020, Algorithm 2).
 * @module
 */

import type { Rational } from '../numeric/rational.js';
import { discreteLaplaceCore } from './_internal/geometric-core.js';
import { checkPositiveRational } from './_internal/validate.js';
import type { RandomSource } from './source.js';

/**
 * An integer k with P(k) = (e^{1/scale} − 1)/(e^{1/scale} + 1) · e^{−|k|/scale},
 * exactly, for a rational scale > 0.
 *
 * With scale = t/s: Y is geometric with ratio e^{−s/t} (see
 * {@link sampleGeometricExp}), a fair sign is attached, and "−0" is rejected so
 * that 0 is not counted twice. Plain numbers carry the computation when t, s
 * and every intermediate are below 2⁵³ (checked, see geometric-core.ts);
 * BigInt otherwise.
 *
 * @param scale - a Rational > 0 (the Laplace parameter b).
 * @param rng - the randomness.
 * @returns the noise as a BigInt.
 * @throws DpError INVALID_PARAMETER when scale is not a Rational > 0.
 * @privacy adding it to an integer of sensitivity Δ gives ε = Δ/scale (pure DP).
 *   Time depends only on `scale` and the random words, never on the value it is added to.
 * @see Canonne, Kamath, Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS 2020, Algorithm 2.
 * @example
 * const noisy = 42n + sampleDiscreteLaplace(Rational.of(10n), defaultRandomSource());
 */
export function sampleDiscreteLaplace(scale: Rational, rng: RandomSource): bigint {
  checkPositiveRational(scale, 'scale');
  const k = discreteLaplaceCore(scale.num, scale.den, rng);
  return typeof k === 'bigint' ? k : BigInt(k);
}
