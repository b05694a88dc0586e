/**
 * Floating-point-safe continuous Laplace noise: integer discrete-Laplace noise
 * on a power-of-two grid chosen from the public scale (Google's "Secure Noise
 * Generation"; OpenDP's equivalent). See secure-noise.proof.md.
 * @module
 */
import { discreteLaplaceNumber } from './_internal/geometric-core.js';
import { addNoiseOnGrid, divideByGrid, GRID_BITS, gridFor } from './_internal/grid.js';
import { checkFiniteValue, checkPositiveFinite } from './_internal/validate.js';
import type { RandomSource } from './source.js';

/**
 * The grid of {@link addSecureLaplaceNoise}: the smallest power of two
 * ≥ scale/2⁴⁰ (never below 2^−1074). It depends on the public scale only.
 *
 * @param scale - the Laplace scale b, a finite number > 0.
 * @returns g, a power of two with scale/2⁴⁰ ≤ g < scale/2³⁹ (for normal results).
 * @throws DpError INVALID_PARAMETER when scale is not a finite number > 0.
 * @privacy public; the guarantee of the noise is ε = (Δ + g)/scale.
 * @see Google, "Secure Noise Generation" (differential-privacy/common_docs), granularity 2^⌈log₂(b/2⁴⁰)⌉.
 */
export function laplaceGranularity(scale: number): number {
  checkPositiveFinite(scale, 'scale');
  return gridFor(scale, GRID_BITS);
}

interface LaplaceContext {
  readonly scale: number;
  readonly g: number;
  /** scale/g = t/s in lowest terms; both are safe integers (t < 2⁵³·s, s a power of two ≤ 2⁵³). */
  readonly t: number;
  readonly s: number;
}
let lastContext: LaplaceContext | undefined;

function laplaceContext(scale: number): LaplaceContext {
  if (lastContext !== undefined && lastContext.scale === scale) return lastContext;
  const g = gridFor(scale, GRID_BITS);
  const gridScale = divideByGrid(scale, g); // exact scale/g, in (2³⁹, 2⁴⁰] for normal g
  // scale = m·2^e with m < 2⁵³ and g = 2^k: scale/g = m·2^(e−k) lies in (2³⁹, 2⁴⁰] (or below,
  // when g is clamped at 2^−1074), so in lowest terms t < 2⁵³ and s ≤ 2⁵³: safe integers.
  lastContext = { scale, g, t: Number(gridScale.num), s: Number(gridScale.den) };
  return lastContext;
}

/**
 * `value` plus Laplace noise of scale `scale`, without floating-point leaks:
 * returns (round(value/g) + K)·g with g = {@link laplaceGranularity}(scale) and
 * K an exact discrete Laplace integer of scale scale/g (an exact rational).
 * Every output is a multiple of g, and the set of possible outputs is the same
 * for every input (all grid points), so the output's bit pattern cannot reveal
 * the input (Mironov 2012).
 *
 * Huge values are handled exactly: round(value/g) is the exact integer (as
 * BigInt where needed); the final double is the nearest to the exact grid point
 * (post-processing), clamped to the largest multiple of g within ±Number.MAX_VALUE.
 *
 * @param value - the (private) value, a finite number; −0 is treated as 0.
 * @param scale - the Laplace scale b, a finite number > 0 (public).
 * @param rng - the randomness (use the CSPRNG for releases).
 * @returns a multiple of g.
 * @throws DpError INVALID_PARAMETER when value is not finite (the message never echoes it) or scale is not a finite number > 0.
 * @privacy for inputs at distance ≤ Δ the rounded grid points are at distance ≤ Δ + g, so the release is
 *   ε = (Δ + g)/scale pure DP. The sampling time depends only on the scale and the random words, not on
 *   the value (Jin et al. 2022); only a constant-time rounding branch looks at |value|.
 * @see Mironov, "On Significance of the Least Significant Bits for Differential Privacy", CCS 2012.
 * @see Canonne, Kamath, Steinke (2020), Algorithm 2.
 * @example
 * const noisy = addSecureLaplaceNoise(count, 1 / epsilon, defaultRandomSource());
 */
export function addSecureLaplaceNoise(value: number, scale: number, rng: RandomSource): number {
  checkPositiveFinite(scale, 'scale');
  checkFiniteValue(value, 'value');
  const ctx = laplaceContext(scale);
  const k = discreteLaplaceNumber(ctx.t, ctx.s, rng);
  return addNoiseOnGrid(value, ctx.g, k);
}
