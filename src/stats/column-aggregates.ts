/**
 * One-call DP aggregates over a single column, where each row is its own
 * privacy unit (add/remove one row): the fast path for arrays and typed
 * arrays, with tight loops that keep sums exact (fixed-point grid, doubles
 * flushed to BigInt every 2¹⁹ rows). For privacy units, groups and
 * budgets, use `Session`.
 * @module
 */
import type { PrivacyLoss } from '../core/loss.js';
import { tracePublic } from '../core/trace.js';
import { defaultRandomSource, type RandomSource } from '../random/source.js';
import { composeLosses } from './_internal/compose.js';
import { type OutputBudget, splitBudget } from './_internal/noise.js';
import { type FixedPointGrid, meanGrid, sumGrid, varianceGrid } from './fixed-point-grid.js';
import {
  type AggregateRelease,
  releaseCount,
  releaseMean,
  releaseMeanKnownSize,
  releaseStddev,
  releaseSum,
  releaseVariance,
} from './release-aggregates.js';
import { DEFAULT_QUANTILE_BINS, quantileBinIndex, releaseQuantile, releaseQuantiles } from './release-quantiles.js';
import { applyValueRule, checkInvalidValueRule, type InvalidValueRule } from './value-rules.js';

/** Options of the column aggregates. */
export interface ColumnAggregateOptions {
  /** The budget of this release: `{ epsilon }` or `{ rho }`. */
  readonly budget: OutputBudget;
  readonly confidence?: number;
  readonly rng?: RandomSource;
  /** Missing/malformed values: 'drop' (default) or { impute: v }. */
  readonly onInvalid?: InvalidValueRule;
}

/** Options of value aggregates: declared public bounds. */
export interface BoundedColumnOptions extends ColumnAggregateOptions {
  readonly bounds: readonly [number, number];
}

type NumericArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

function isNumericArray(a: ArrayLike<unknown>): a is NumericArray {
  return ArrayBuffer.isView(a) && !(a instanceof BigInt64Array) && !(a instanceof BigUint64Array) && !(a instanceof DataView);
}

const CHUNK = 1 << 19;

interface Sums {
  count: number;
  units: bigint;
  squares: bigint;
}

/**
 * The hot loop for typed arrays, kept small and monomorphic so the JIT
 * compiles it tightly: clamp, shift, scale by a power of two (exact), round,
 * add. Chunks of 2¹⁹ rows keep the double accumulator exact (|unit| ≤ 2³² + 1).
 */
function typedGridSum(
  values: NumericArray,
  lower: number,
  upper: number,
  shift: number,
  inverse: number,
  impute: number | undefined,
): { count: number; units: bigint } {
  const n = values.length;
  let count = 0;
  let units = 0n;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    let acc = chunkFast(values, start, end, lower, upper, shift, inverse);
    let kept = end - start;
    if (Number.isNaN(acc)) {
      // The chunk holds NaN or ±Infinity: redo it row by row under the value rule.
      const r = chunkCareful(values, start, end, lower, upper, shift, inverse, impute);
      acc = r.acc;
      kept = r.count;
    }
    count += kept;
    units += BigInt(acc);
  }
  return { count, units };
}

/** 1.5 · 2⁵²: adding and subtracting it rounds a double of magnitude < 2⁵¹ to the nearest integer (ties to even). */
const ROUNDER = 6755399441055744;

/**
 * Clamp, shift, scale, round, add — branch-free and unrolled by two. Returns
 * NaN when any value is NaN or ±Infinity (x − x is NaN exactly for those).
 * Rounding by the 1.5·2⁵² trick is monotone and exact for |y| ≤ 2³² + 1.
 */
function chunkFast(values: NumericArray, start: number, end: number, lower: number, upper: number, shift: number, inverse: number): number {
  let a = 0;
  let b = 0;
  let bad = 0;
  let i = start;
  for (; i + 1 < end; i += 2) {
    const x = values[i] as number;
    const y = values[i + 1] as number;
    bad += x - x + (y - y);
    a += (Math.max(lower, Math.min(upper, x)) - shift) * inverse + ROUNDER - ROUNDER;
    b += (Math.max(lower, Math.min(upper, y)) - shift) * inverse + ROUNDER - ROUNDER;
  }
  if (i < end) {
    const x = values[i] as number;
    bad += x - x;
    a += (Math.max(lower, Math.min(upper, x)) - shift) * inverse + ROUNDER - ROUNDER;
  }
  return a + b + bad;
}

function chunkCareful(
  values: NumericArray,
  start: number,
  end: number,
  lower: number,
  upper: number,
  shift: number,
  inverse: number,
  impute: number | undefined,
): { acc: number; count: number } {
  let acc = 0;
  let count = 0;
  for (let i = start; i < end; i++) {
    let x = values[i] as number;
    if (x - x !== 0) {
      if (impute === undefined) continue;
      x = impute;
    }
    acc += (Math.max(lower, Math.min(upper, x)) - shift) * inverse + ROUNDER - ROUNDER;
    count++;
  }
  return { acc, count };
}

/** Exact grid sums of a column (and of squares when asked), with the value rule. */
function gridSums(values: ArrayLike<unknown>, grid: FixedPointGrid, rule: InvalidValueRule, squares: boolean): Sums {
  const { lower, upper, shift, inverse } = grid;
  const n = values.length;
  let count = 0;
  let units = 0n;
  let sq = 0n;
  const impute = rule === 'drop' ? undefined : rule.impute;
  if (isNumericArray(values) && !squares) {
    const r = typedGridSum(values, lower, upper, shift, inverse, impute);
    return { count: r.count, units: r.units, squares: 0n };
  }
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    let acc = 0;
    let acc2 = 0;
    for (let i = start; i < end; i++) {
      const x = applyValueRule(values[i], rule);
      if (x === undefined) continue;
      const u = grid.toUnits(x);
      acc += u;
      acc2 += u * u;
      count++;
    }
    units += BigInt(acc);
    if (squares) sq += BigInt(acc2);
  }
  return { count, units, squares: sq };
}

/**
 * DP count of rows (each row its own unit).
 * @param values - the column, or a row count.
 * @privacy ε-DP / ρ-zCDP under add/remove one row.
 * @throws DpError INVALID_PARAMETER
 * @example
 * dpCount(ages, { budget: { epsilon: 1 } }).value;
 */
export function dpCount(values: ArrayLike<unknown> | number, options: ColumnAggregateOptions): AggregateRelease {
  const n = typeof values === 'number' ? values : values.length;
  return releaseCount({ count: n, budget: options.budget, ...common(options) });
}

function common(o: ColumnAggregateOptions): { rng: RandomSource; confidence?: number } {
  const rng = o.rng ?? defaultRandomSource();
  return o.confidence === undefined ? { rng } : { rng, confidence: o.confidence };
}

/**
 * DP sum of clamped values, exact (fixed-point grid).
 * @privacy ε-DP / ρ-zCDP under add/remove one row; sensitivity max(|lower|, |upper|).
 * @throws DpError INVALID_PARAMETER on bad bounds or budget.
 * @example
 * dpSum(new Float64Array([1, 2, 3]), { bounds: [0, 10], budget: { epsilon: 1 } });
 */
export function dpSum(values: ArrayLike<unknown>, options: BoundedColumnOptions): AggregateRelease {
  const grid = sumGrid(options.bounds);
  const s = gridSums(values, grid, checkInvalidValueRule(options.onInvalid), false);
  return releaseSum({ units: s.units, bounds: options.bounds, budget: options.budget, ...common(options) });
}

/**
 * DP mean of clamped values (Google's BoundedMean: noisy count and noisy midpoint-shifted sum).
 * With `publicSize: true` the number of rows is treated as public (diffprivlib's
 * convention): only the sum is noised and the guarantee is for change-one-row
 * neighbours; invalid values are then imputed (default: the midpoint).
 * @privacy ε-DP / ρ-zCDP under add/remove one row (change-one row with `publicSize`).
 * @throws DpError INVALID_PARAMETER
 * @example
 * dpMean(ages, { bounds: [17, 90], budget: { epsilon: 1 } }).value;
 */
export function dpMean(values: ArrayLike<unknown>, options: BoundedColumnOptions & { publicSize?: boolean }): AggregateRelease {
  const grid = meanGrid(options.bounds);
  if (options.publicSize) {
    // The row count is public: invalid values must be imputed (default: the midpoint) so the size stays as declared.
    const rule =
      options.onInvalid === undefined || options.onInvalid === 'drop' ? { impute: grid.shift } : checkInvalidValueRule(options.onInvalid);
    const s = gridSums(values, grid, rule, false);
    return releaseMeanKnownSize({
      size: values.length,
      units: s.units,
      bounds: options.bounds,
      budget: options.budget,
      ...common(options),
    });
  }
  const s = gridSums(values, grid, checkInvalidValueRule(options.onInvalid), false);
  return releaseMean({ count: s.count, units: s.units, bounds: options.bounds, budget: options.budget, ...common(options) });
}

/**
 * DP population variance of clamped values.
 * @privacy ε-DP / ρ-zCDP under add/remove one row.
 * @throws DpError INVALID_PARAMETER
 */
export function dpVariance(values: ArrayLike<unknown>, options: BoundedColumnOptions): AggregateRelease {
  const s = gridSums(values, varianceGrid(options.bounds), checkInvalidValueRule(options.onInvalid), true);
  return releaseVariance({
    count: s.count,
    units: s.units,
    squaredUnits: s.squares,
    bounds: options.bounds,
    budget: options.budget,
    ...common(options),
  });
}

/**
 * DP population standard deviation of clamped values.
 * @privacy ε-DP / ρ-zCDP under add/remove one row.
 * @throws DpError INVALID_PARAMETER
 */
export function dpStddev(values: ArrayLike<unknown>, options: BoundedColumnOptions): AggregateRelease {
  const s = gridSums(values, varianceGrid(options.bounds), checkInvalidValueRule(options.onInvalid), true);
  return releaseStddev({
    count: s.count,
    units: s.units,
    squaredUnits: s.squares,
    bounds: options.bounds,
    budget: options.budget,
    ...common(options),
  });
}

function binCounts(values: ArrayLike<unknown>, bounds: readonly [number, number], bins: number, rule: InvalidValueRule): number[] {
  const counts = new Array<number>(bins).fill(0);
  const [lo, hi] = bounds;
  for (let i = 0; i < values.length; i++) {
    const x = applyValueRule(values[i], rule);
    if (x === undefined) continue;
    const b = quantileBinIndex(x, lo, hi, bins);
    counts[b] = (counts[b] as number) + 1;
  }
  return counts;
}

/**
 * DP quantile (exponential mechanism over the data intervals on a grid of `bins` bins, Smith 2011).
 * `intervalShare` (default 0) spends that share of the budget on a quantile tree for a confidence interval.
 * @privacy ε-DP under add/remove one row (ε²/2-zCDP under a ρ budget).
 * @throws DpError INVALID_PARAMETER
 * @example
 * dpQuantile(ages, 0.5, { bounds: [17, 90], budget: { epsilon: 1 } }).value;
 */
export function dpQuantile(
  values: ArrayLike<unknown>,
  quantile: number,
  options: BoundedColumnOptions & { bins?: number; intervalShare?: number },
): AggregateRelease {
  const counts = binCounts(values, options.bounds, options.bins ?? DEFAULT_QUANTILE_BINS, checkInvalidValueRule(options.onInvalid));
  return releaseQuantile({
    binCounts: counts,
    bounds: options.bounds,
    quantile,
    budget: options.budget,
    intervalShare: options.intervalShare ?? 0,
    ...common(options),
  });
}

/**
 * DP quantiles from one noisy quantile tree.
 * @privacy ε-DP / ρ-zCDP under add/remove one row.
 * @throws DpError INVALID_PARAMETER
 */
export function dpQuantiles(
  values: ArrayLike<unknown>,
  quantiles: readonly number[],
  options: BoundedColumnOptions & { bins?: number },
): AggregateRelease[] {
  const counts = binCounts(values, options.bounds, options.bins ?? DEFAULT_QUANTILE_BINS, checkInvalidValueRule(options.onInvalid));
  return releaseQuantiles({ binCounts: counts, bounds: options.bounds, quantiles, budget: options.budget, ...common(options) });
}

/** A released histogram over declared keys. */
export interface HistogramRelease {
  /** One release per declared key, in the declared order (keys with no rows included). */
  readonly bins: readonly { readonly key: unknown; readonly count: AggregateRelease }[];
  readonly guarantee: PrivacyLoss;
}

/**
 * DP histogram over declared public keys: every declared key is released
 * (with a noisy count, even when empty); rows whose key is not declared are
 * dropped. Each row lands in one bin, so the whole histogram costs the budget once.
 * @privacy ε-DP / ρ-zCDP under add/remove one row (L1 = L2 = 1 across bins).
 * @throws DpError INVALID_PARAMETER
 * @example
 * dpHistogram(education, { keys: ['HS-grad', 'Bachelors'], budget: { epsilon: 1 } });
 */
export function dpHistogram(values: ArrayLike<unknown>, options: ColumnAggregateOptions & { keys: readonly unknown[] }): HistogramRelease {
  const keys = options.keys;
  tracePublic('keys', keys);
  const counts = new Float64Array(keys.length);
  const smallInts = keys.every((k) => typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < 65536);
  if (smallInts && isNumericArray(values)) {
    // Direct index table for small integer codes.
    let maxKey = 0;
    for (const k of keys as number[]) maxKey = Math.max(maxKey, k);
    const table = new Int32Array(maxKey + 1).fill(-1);
    (keys as number[]).forEach((k, i) => {
      table[k] = i;
    });
    const tally = new Float64Array(maxKey + 2);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      // Codes outside the table (or not integers) fall in the overflow slot and are dropped.
      const idx = v >= 0 && v <= maxKey && v === (v | 0) ? v : maxKey + 1;
      tally[idx] = (tally[idx] as number) + 1;
    }
    for (let k = 0; k <= maxKey; k++) {
      const slot = table[k] as number;
      if (slot >= 0) counts[slot] = (counts[slot] as number) + (tally[k] as number);
    }
  } else {
    const index = new Map<unknown, number>();
    keys.forEach((k, i) => {
      index.set(k, i);
    });
    for (let i = 0; i < values.length; i++) {
      const slot = index.get(values[i]);
      if (slot !== undefined) counts[slot] = (counts[slot] as number) + 1;
    }
  }
  const bins = keys.map((key, i) => ({
    key,
    count: releaseCount({ count: counts[i] as number, budget: options.budget, ...common(options) }),
  }));
  const first = bins[0];
  return { bins, guarantee: first ? first.count.guarantee : composeLosses([]) };
}

/** Splits a budget between several column releases by weights (each part rounded down). */
export function splitOutputBudget(budget: OutputBudget, weights: readonly number[]): OutputBudget[] {
  return splitBudget(budget, weights);
}
