/**
 * Floating-point-safe continuous Gaussian noise: exact discrete Gaussian noise
 * on a power-of-two grid chosen from the public σ. See secure-noise.proof.md.
 * @module
 */
import { type DiscreteGaussianContext, discreteGaussianContext, discreteGaussianCore } from './_internal/discrete-gaussian-core.js';
import { addNoiseOnGrid, divideByGrid, GRID_BITS, gridFor } from './_internal/grid.js';
import { checkFiniteValue, checkPositiveFinite } from './_internal/validate.js';
import type { RandomSource } from './source.js';

/**
 * The grid of {@link addSecureGaussianNoise}: the smallest power of two
 * ≥ σ/2⁴⁰ (never below 2^−1074), from the public σ only.
 *
 * @param sigma - the standard deviation, a finite number > 0.
 * @returns g, a power of two.
 * @throws DpError INVALID_PARAMETER when sigma is not a finite number > 0.
 * @privacy public; the noise then gives ρ = (Δ + g)²/(2σ²) zCDP.
 */
export function gaussianGranularity(sigma: number): number {
  checkPositiveFinite(sigma, 'sigma');
  return gridFor(sigma, GRID_BITS);
}

interface GaussianContext {
  readonly sigma: number;
  readonly g: number;
  readonly dg: DiscreteGaussianContext;
}
let lastContext: GaussianContext | undefined;

function gaussianContext(sigma: number): GaussianContext {
  if (lastContext !== undefined && lastContext.sigma === sigma) return lastContext;
  const g = gridFor(sigma, GRID_BITS);
  const gridSigma = divideByGrid(sigma, g); // exact σ/g
  lastContext = { sigma, g, dg: discreteGaussianContext(gridSigma.mul(gridSigma)) };
  return lastContext;
}

/**
 * `value` plus Gaussian noise of standard deviation σ, without floating-point
 * leaks: (round(value/g) + K)·g with g = {@link gaussianGranularity}(σ) and K an
 * exact discrete Gaussian on the integers with parameter σ/g (σ² exact rational).
 * Every output is a multiple of g; the final double is the nearest to the exact
 * grid point (post-processing), clamped to the largest multiple of g within ±Number.MAX_VALUE.
 *
 * @param value - the (private) value, a finite number; −0 is treated as 0.
 * @param sigma - the standard deviation, a finite number > 0 (public).
 * @param rng - the randomness (use the CSPRNG for releases).
 * @returns a multiple of g.
 * @throws DpError INVALID_PARAMETER when value is not finite (never echoed) or sigma is not a finite number > 0.
 * @privacy inputs at distance ≤ Δ become grid points at distance ≤ Δ + g: ρ = (Δ + g)²/(2σ²) zCDP
 *   (and the (ε, δ) of the discrete Gaussian, CKS 2020 Thm. 7, with Δ + g). Sampling time depends only on σ
 *   and the random words, not on the value (Jin et al. 2022).
 * @see Canonne, Kamath, Steinke (2020), Algorithm 3.
 * @example
 * const noisy = addSecureGaussianNoise(sum, 4.2, defaultRandomSource());
 */
export function addSecureGaussianNoise(value: number, sigma: number, rng: RandomSource): number {
  checkPositiveFinite(sigma, 'sigma');
  checkFiniteValue(value, 'value');
  const ctx = gaussianContext(sigma);
  const k = discreteGaussianCore(ctx.dg, rng);
  return addNoiseOnGrid(value, ctx.g, k);
}
