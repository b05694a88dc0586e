/**
 * Parameter initialisation from a {@link RandomSource}: the platform CSPRNG by
 * default, a seeded source in tests (initial weights are public in DP-SGD — they
 * do not depend on the data — so any source is private enough; the CSPRNG
 * default only avoids an accidental shared seed).
 * @module
 */
import { DpError } from '../core/index.js';
import type { RandomSource } from '../random/index.js';
import { describeValue } from './_internal/describe.js';
import { checkFloatArray, checkRandomSource } from './_internal/validate.js';

const TWO_POW_26 = 67_108_864;
const TWO_POW_MINUS_53 = 2 ** -53;

/**
 * A uniform double in [0, 1) on the 2⁻⁵³ grid, from two 32-bit words.
 * @param rng - the randomness.
 * @returns u ∈ [0, 1).
 * @example
 * uniformUnit(rng) < 0.5;
 */
export function uniformUnit(rng: RandomSource): number {
  checkRandomSource(rng, 'rng');
  return uniformUnitUnchecked(rng);
}

function uniformUnitUnchecked(rng: RandomSource): number {
  const a = rng.nextUint32() >>> 5;
  const b = rng.nextUint32() >>> 6;
  return (a * TWO_POW_26 + b) * TWO_POW_MINUS_53;
}

/**
 * Fills `out` with U(−bound, bound) values (PyTorch's default for Linear is
 * bound = 1/√fanIn, for weights and biases alike).
 * @param out - the array to fill.
 * @param bound - the half-width, a finite number ≥ 0.
 * @param rng - the randomness.
 * @throws DpError INVALID_PARAMETER when bound is negative or not finite.
 * @privacy data-independent: initial parameters carry no private information.
 * @example
 * fillUniform(weights, 1 / Math.sqrt(fanIn), defaultRandomSource());
 */
export function fillUniform(out: Float64Array, bound: number, rng: RandomSource): void {
  checkFloatArray(out, 'out');
  if (!(Number.isFinite(bound) && bound >= 0)) {
    throw new DpError('INVALID_PARAMETER', `bound must be a finite number ≥ 0, got ${describeValue(bound)}`, { parameter: 'bound' });
  }
  checkRandomSource(rng, 'rng');
  for (let i = 0; i < out.length; i++) out[i] = (2 * uniformUnitUnchecked(rng) - 1) * bound;
}
