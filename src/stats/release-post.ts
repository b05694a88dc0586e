/**
 * Post-processing shared by the aggregate releases: what a release's
 * measurement returns before its guarantee is attached (`ReleasedValue`),
 * saturation to finite doubles, exact-integer inputs, and interval arithmetic
 * over noisy parts. Post-processing never changes a guarantee.
 * @module
 */
import { DpError } from '../core/errors.js';
import { saturate } from './_internal/noise.js';
import type { FixedPointGrid } from './fixed-point-grid.js';
import type { AggregateRelease, ConfidenceInterval, ExactInteger } from './release-types.js';

/** What a release's measurement outputs: the value, its interval and the noise used (the guarantee comes from the map). */
export type ReleasedValue = Pick<AggregateRelease, 'value' | 'interval' | 'noise'>;

/**
 * Reads an exact integer input (a bigint or a safe integer).
 * @param x - the value.
 * @param name - the parameter name for the error.
 * @returns the bigint.
 * @throws DpError INVALID_PARAMETER otherwise.
 */
export function toExactInteger(x: ExactInteger, name: string): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
  throw new DpError('INVALID_PARAMETER', `${name} must be a bigint or a safe integer`, { parameter: name });
}

/**
 * Saturates value and interval to finite doubles (post-processing).
 * @param x - a release.
 * @returns the same release with every number finite.
 */
export function saturateRelease<T extends AggregateRelease>(x: T): T {
  return {
    ...x,
    value: saturate(x.value),
    interval: { ...x.interval, lower: saturate(x.interval.lower), upper: saturate(x.interval.upper) },
  };
}

/** An interval. */
export function interval(lower: number, upper: number, confidence: number, method: ConfidenceInterval['method']): ConfidenceInterval {
  return { lower, upper, confidence, method };
}

/**
 * The range of ratios s/n over a box with n ≥ 1.
 * @returns [min, max], or undefined when the box reaches n < 1.
 */
export function ratioRange(sLo: number, sHi: number, nLo: number, nHi: number): [number, number] | undefined {
  if (!(nLo >= 1)) return undefined;
  const r = [sLo / nLo, sLo / nHi, sHi / nLo, sHi / nHi];
  return [Math.min(...r), Math.max(...r)];
}

/** Clamps to the grid's bounds. */
export function clampTo(x: number, grid: FixedPointGrid): number {
  return x < grid.lower ? grid.lower : x > grid.upper ? grid.upper : x;
}
