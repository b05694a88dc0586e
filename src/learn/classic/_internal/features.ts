/**
 * Public bounds and row clipping: the stable transformations in front of
 * every classic model. Each feature is clamped to its declared [lower, upper]
 * and divided by m = max(|lower|, |upper|) (so u ∈ [−1, 1] and a zero stays
 * zero: one-hot columns stay sparse), then the row is scaled down, if needed,
 * to the declared norm bound. Clamping and norm clipping change one row
 * only, so a removed or added row moves each statistic by at most its stated
 * sensitivity. Bounds are never read from the data.
 * @module
 */

import { DpError } from '../../../core/index.js';
import { edgeRead } from '../../../numeric/edge.js';
import { describeValue } from '../../_internal/describe.js';

/** Per-feature public bounds. */
export interface FeatureBounds {
  readonly lower: readonly number[];
  readonly upper: readonly number[];
}

/** @internal Validates bounds for `d` features (or infers d from them when d is undefined). */
export function checkBounds(bounds: unknown, name = 'bounds'): FeatureBounds {
  // Read once (review ML M9, options-snapshot.ts's rule one level down): each array and each entry is read
  // exactly once into a plain copy; the checks run on the copy and only the copy is kept.
  const copy = edgeRead(name, () => {
    const b = bounds as { lower?: unknown; upper?: unknown } | null;
    if (typeof b !== 'object' || b === null) return undefined;
    const lower = b.lower;
    const upper = b.upper;
    if (!Array.isArray(lower) || !Array.isArray(upper)) return undefined;
    return { lower: Array.from(lower as unknown[]), upper: Array.from(upper as unknown[]) };
  });
  if (copy === undefined || copy.lower.length !== copy.upper.length || copy.lower.length === 0) {
    throw new DpError(
      'INVALID_PARAMETER',
      `${name} must be { lower: number[], upper: number[] } of equal, non-zero length (public bounds, never read from the data)`,
      {
        parameter: name,
      },
    );
  }
  for (let i = 0; i < copy.lower.length; i++) {
    const lo = copy.lower[i];
    const hi = copy.upper[i];
    if (!(typeof lo === 'number' && typeof hi === 'number' && Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
      throw new DpError(
        'INVALID_PARAMETER',
        `${name}[${i}] must be finite with lower ≤ upper, got ${describeValue(lo)}, ${describeValue(hi)}`,
        {
          parameter: name,
        },
      );
    }
  }
  return { lower: Object.freeze(copy.lower as number[]), upper: Object.freeze(copy.upper as number[]) };
}

/**
 * @internal Feature names read once into a frozen copy (review ML M9); anything but an array is passed on
 * unchanged, for the input readers to refuse as before.
 */
export function copyFeatures(features: unknown): readonly string[] | undefined {
  if (!Array.isArray(features)) return features as undefined;
  return edgeRead('features', () => Object.freeze(Array.from(features as string[])));
}

/** @internal Throws INVALID_PARAMETER unless x is a finite number > 0. */
export function checkPositive(x: unknown, name: string): number {
  if (!(typeof x === 'number' && Number.isFinite(x) && x > 0)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number > 0, got ${describeValue(x)}`, { parameter: name });
  }
  return x;
}

/** @internal Throws INVALID_PARAMETER unless x is an integer in [min, max]. */
export function checkInteger(x: unknown, name: string, min: number, max: number): number {
  if (!(typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an integer in [${min}, ${max}], got ${describeValue(x)}`, { parameter: name });
  }
  return x;
}

/** @internal The divisor m_f = max(|lower|, |upper|) of each feature (1 where both are 0, the feature then reads 0). */
export function featureScales(bounds: FeatureBounds): Float64Array {
  return Float64Array.from(bounds.lower, (lo, i) => Math.max(Math.abs(lo), Math.abs(bounds.upper[i] as number)) || 1);
}

/** @internal u = clamp(x, lower, upper) / m, row by row, into a new array. */
export function scaleToUnit(values: Float64Array, rows: number, bounds: FeatureBounds, scales: Float64Array): Float64Array {
  const d = bounds.lower.length;
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < d; f++) {
      const x = values[r * d + f] as number;
      const c = Math.min(bounds.upper[f] as number, Math.max(bounds.lower[f] as number, x));
      out[r * d + f] = c / (scales[f] as number);
    }
  }
  return out;
}

/** @internal Scales each row (in place) so that its L1 norm is at most `bound`. */
export function clipRowsL1(u: Float64Array, rows: number, d: number, bound: number): void {
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let f = 0; f < d; f++) n += Math.abs(u[r * d + f] as number);
    if (n > bound) {
      const s = bound / n;
      for (let f = 0; f < d; f++) u[r * d + f] = (u[r * d + f] as number) * s;
    }
  }
}

/** @internal Scales each row (in place) so that its L2 norm is at most `bound`. */
export function clipRowsL2(u: Float64Array, rows: number, d: number, bound: number): void {
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let f = 0; f < d; f++) n += (u[r * d + f] as number) ** 2;
    n = Math.sqrt(n);
    if (n > bound) {
      const s = bound / n;
      for (let f = 0; f < d; f++) u[r * d + f] = (u[r * d + f] as number) * s;
    }
  }
}

/** @internal The declared L1 bound of a unit row: at most d (always true), default d. */
export function checkRowL1(x: unknown, d: number): number {
  if (x === undefined) return d;
  return Math.min(d, checkPositive(x, 'maxRowL1'));
}
