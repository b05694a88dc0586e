/**
 * Fixed-point grids that make sums exact (SECURITY.md §3; Casacuberta et al. 2022).
 *
 * Each clamped value `v` becomes the integer `round((v − shift) / g)` where the
 * granularity `g` is a power of two chosen from the public bounds only. Sums
 * of these integers are exact (BigInt, or doubles in chunks that cannot lose
 * a bit), so the sensitivity is an exact integer and no float rounding can
 * exceed it. The released value is `g · (Σ units + noise)`.
 *
 * The per-row map is monotone in `v`, so every row's integer lies in
 * `[−maxUnits, maxUnits]` whatever rounding rule (ties up, ties away from
 * zero, ties to even) the engine that computes it uses: a SQL engine may
 * compute `ROUND((LEAST(GREATEST(x, lower), upper) - shift) * inverse)` as
 * an exact integer (DuckDB HUGEINT, PostgreSQL NUMERIC) and hand the sum to
 * the release functions.
 * @module
 */

import { DpError } from '../core/errors.js';
import { edgeRecord } from '../numeric/edge.js';
import { ceilLog2, nextUp, powerOfTwo } from '../numeric/float-bits.js';
import { showParameter } from './_internal/noise.js';

/** 1.5 · 2⁵². */
const ROUNDER = 6755399441055744;

/** A public fixed-point grid for exact sums of clamped values. */
export interface FixedPointGrid {
  /** Lower clamp bound. */
  readonly lower: number;
  /** Upper clamp bound. */
  readonly upper: number;
  /** Subtracted before rounding (0 for sums, the midpoint for means and variances). */
  readonly shift: number;
  /** The granularity g, a power of two. */
  readonly granularity: number;
  /** 1/g, also a power of two (multiplying by it is exact). */
  readonly inverse: number;
  /** Every row's unit value lies in [−maxUnits, maxUnits]. */
  readonly maxUnits: number;
  /** Clamps, shifts and rounds one finite value to grid units (an integer-valued double). */
  toUnits(x: number): number;
}

/** Validates public clamp bounds: finite, lower < upper. */
export function checkBounds(bounds: readonly [number, number] | { lower: number; upper: number }): [number, number] {
  if (!Array.isArray(bounds)) edgeRecord(bounds, 'bounds');
  const [lower, upper] = Array.isArray(bounds)
    ? (bounds as readonly [number, number])
    : [(bounds as { lower: number }).lower, (bounds as { upper: number }).upper];
  if (typeof lower !== 'number' || typeof upper !== 'number' || !Number.isFinite(lower) || !Number.isFinite(upper) || !(lower < upper)) {
    throw new DpError(
      'INVALID_PARAMETER',
      `bounds must be finite numbers with lower < upper, got [${showParameter(lower)}, ${showParameter(upper)}]`,
      {
        parameter: 'bounds',
        expected: 'finite lower < upper',
      },
    );
  }
  // The span must be a finite double: midpoints, bin widths and grids are computed from it.
  if (!Number.isFinite(upper - lower)) {
    throw new DpError('INVALID_PARAMETER', 'bounds are too wide: upper - lower must be a finite double', {
      parameter: 'bounds',
      expected: 'upper - lower <= Number.MAX_VALUE',
    });
  }
  // −0 is read as 0 so it cannot flip a sign test downstream.
  return [lower === 0 ? 0 : lower, upper === 0 ? 0 : upper];
}

/**
 * Builds a grid for `[lower, upper]` with `bits` bits of resolution below the
 * largest |value − shift|.
 * @param bounds - public clamp bounds.
 * @param options - `shift` (default 0) and `bits` (default 32; at most 40).
 * @throws DpError INVALID_PARAMETER on bad bounds or options.
 * @example
 * const g = makeFixedPointGrid([0, 100]);
 * g.toUnits(3.25) * g.granularity; // 3.25 (to within g/2)
 */
export function makeFixedPointGrid(bounds: readonly [number, number], options: { shift?: number; bits?: number } = {}): FixedPointGrid {
  const [lower, upper] = checkBounds(bounds);
  const shift = options.shift ?? 0;
  const bits = options.bits ?? 32;
  if (!Number.isFinite(shift) || !Number.isInteger(bits) || bits < 1 || bits > 40) {
    throw new DpError('INVALID_PARAMETER', 'grid shift must be finite and bits an integer in [1, 40]', { parameter: 'grid' });
  }
  // fl(v − shift) is monotone in v, so its magnitude is at most the larger endpoint's (rounded up once more for safety).
  const reach = nextUp(Math.max(Math.abs(lower - shift), Math.abs(upper - shift)));
  if (!Number.isFinite(reach)) {
    throw new DpError('INVALID_PARAMETER', 'bounds are too large: |bound| must stay below Number.MAX_VALUE', { parameter: 'bounds' });
  }
  // Keep 1/g a finite double for tiny bounds (coarser grid, still exact).
  const exponent = Math.max(-1022, ceilLog2(reach) - bits);
  const granularity = powerOfTwo(exponent);
  const inverse = powerOfTwo(-exponent);
  const maxUnits = Math.ceil(reach * inverse);
  const toUnits = (x: number): number => {
    const v = x < lower ? lower : x > upper ? upper : x;
    // Round to nearest, ties to even, by adding and subtracting 1.5·2⁵² (exact for |y| < 2⁵¹;
    // here |y| ≤ 2⁴⁰ + 1). The same rule as the column fast path; adding 0 turns −0 into 0.
    return (v - shift) * inverse + ROUNDER - ROUNDER + 0;
  };
  return { lower, upper, shift, granularity, inverse, maxUnits, toUnits };
}

/** The grid `releaseSum` expects: shift 0, 32 bits. */
export function sumGrid(bounds: readonly [number, number]): FixedPointGrid {
  return makeFixedPointGrid(bounds, { shift: 0, bits: 32 });
}

/** The midpoint of public bounds, as a double. */
export function boundsMidpoint(bounds: readonly [number, number]): number {
  const [lower, upper] = checkBounds(bounds);
  return lower / 2 + upper / 2;
}

/** The grid `releaseMean` expects: shift = midpoint, 32 bits. */
export function meanGrid(bounds: readonly [number, number]): FixedPointGrid {
  return makeFixedPointGrid(bounds, { shift: boundsMidpoint(bounds), bits: 32 });
}

/** The grid `releaseVariance` expects: shift = midpoint, 16 bits (so squares of units stay below 2³³). */
export function varianceGrid(bounds: readonly [number, number]): FixedPointGrid {
  const [lower, upper] = checkBounds(bounds);
  // The variance lies in [0, ((upper − lower)/2)²] (and the sum of squares' noise scales with it): keep it finite.
  if (!(upper - lower <= 2 ** 500)) {
    throw new DpError('INVALID_PARAMETER', 'bounds are too wide for a variance: upper - lower must be at most 2^500', {
      parameter: 'bounds',
      expected: 'upper - lower <= 2^500',
    });
  }
  return makeFixedPointGrid(bounds, { shift: boundsMidpoint(bounds), bits: 16 });
}
