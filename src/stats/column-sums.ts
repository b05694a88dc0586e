/**
 * Exact aggregates of one column, fast: grid sums (and sums of squares) on a
 * public fixed-point grid with tight loops over typed arrays (doubles flushed
 * to BigInt before they could lose a bit), quantile bin counts, and key
 * tallies for histograms. Deterministic: these are the transformations the
 * column releases (`column-aggregates.ts`) chain into their noise.
 * @module
 */
import type { FixedPointGrid } from './fixed-point-grid.js';
import { quantileBinIndex } from './quantile-common.js';
import { applyValueRule, type InvalidValueRule } from './value-rules.js';

/** The typed arrays the fast loops read. */
export type NumericArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

/** True for a numeric typed array (not BigInt64/BigUint64 or DataView). */
export function isNumericArray(a: ArrayLike<unknown>): a is NumericArray {
  return ArrayBuffer.isView(a) && !(a instanceof BigInt64Array) && !(a instanceof BigUint64Array) && !(a instanceof DataView);
}

const CHUNK = 1 << 19;

/** Exact grid sums of a column. */
export interface Sums {
  count: number;
  units: bigint;
  squares: bigint;
}

/** 1.5 · 2⁵²: adding it rounds a double of magnitude < 2⁵¹ to the nearest integer (ties to even); subtracting it again is exact. */
const ROUNDER = 6755399441055744;

/**
 * Rows per call of the fast loops. Short calls get the loops optimized as
 * ordinary functions: a loop compiled on-stack (entered mid-way through one
 * long call) keeps its accumulators and bounds as boxed values, several times slower.
 */
const BLOCK = 4096;

/**
 * The typed-array path: exact grid sums in chunks whose double accumulators
 * cannot lose a bit (at most 2⁵² / maxUnits rows: 2¹⁹ for the 32-bit grids),
 * each summed block by block by the fast loops. A block holding NaN or
 * ±Infinity is redone row by row under the value rule, so they never reach a sum.
 */
function typedGridSum(values: NumericArray, grid: FixedPointGrid, impute: number | undefined): { count: number; units: bigint } {
  const { lower, upper, shift, inverse, maxUnits } = grid;
  const n = values.length;
  let chunk = CHUNK;
  while (chunk > 1 && chunk * maxUnits > 2 ** 52) chunk /= 2;
  let count = 0;
  let units = 0n;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    let acc = 0;
    for (let from = start; from < end; from += BLOCK) {
      const to = Math.min(end, from + BLOCK);
      let part = blockShifted(values, from, to, lower, upper, shift, inverse);
      let kept = to - from;
      if (Number.isNaN(part)) {
        // NaN or ±Infinity in the block (or a finite value so large that z overflows): redo it row by row.
        const r = blockCareful(values, from, to, lower, upper, shift, inverse, impute);
        part = r.acc;
        kept = r.count;
      }
      acc += part;
      count += kept;
    }
    units += BigInt(acc);
  }
  return { count, units };
}

/*
 * The fast block loops work in the rounded domain: z = fl((x − shift)·inverse + 1.5·2⁵²)
 * is 1.5·2⁵² + the grid unit of x (the very rounding `toUnits` does), and
 * clamping z to [z(lower), z(upper)] equals rounding the clamped value, as
 * z is monotone in x. So each row costs a multiply, an add and two compares
 * (plain `<`/`>`, one branch each, where Math.min/max cost four), and pairs
 * are combined as z₀ + (z₁ − 2·1.5·2⁵²) = u₀ + u₁ exactly.
 * NaN fails both compares and reaches the sum; ±Infinity (or a finite value
 * so large that z overflows) is clamped by `bound + (z − z)`, which is the
 * bound for finite z and NaN for infinite z. So the result is NaN exactly
 * when the block needs the careful loop, at no cost for rows inside the bounds.
 */

/**
 * The fast loop: z = fl((x − shift)·inverse + 1.5·2⁵²). One loop for sums (shift 0) and means: x − 0 is x exactly
 * in IEEE arithmetic (−0, NaN and ±Infinity included), so shift 0 gives the sums the former separate loop gave.
 */
function blockShifted(
  values: NumericArray,
  start: number,
  end: number,
  lower: number,
  upper: number,
  shift: number,
  inverse: number,
): number {
  const lo = (lower - shift) * inverse + ROUNDER;
  const hi = (upper - shift) * inverse + ROUNDER;
  const twice = 2 * ROUNDER;
  let a = 0;
  let b = 0;
  let i = start;
  for (; i + 3 < end; i += 4) {
    const x0 = values[i] as number;
    const x1 = values[i + 1] as number;
    const x2 = values[i + 2] as number;
    const x3 = values[i + 3] as number;
    let z0 = (x0 - shift) * inverse + ROUNDER;
    let z1 = (x1 - shift) * inverse + ROUNDER;
    let z2 = (x2 - shift) * inverse + ROUNDER;
    let z3 = (x3 - shift) * inverse + ROUNDER;
    z0 = z0 < lo ? lo + (z0 - z0) : z0 > hi ? hi + (z0 - z0) : z0;
    z1 = z1 < lo ? lo + (z1 - z1) : z1 > hi ? hi + (z1 - z1) : z1;
    z2 = z2 < lo ? lo + (z2 - z2) : z2 > hi ? hi + (z2 - z2) : z2;
    z3 = z3 < lo ? lo + (z3 - z3) : z3 > hi ? hi + (z3 - z3) : z3;
    a += z0 + (z1 - twice);
    b += z2 + (z3 - twice);
  }
  for (; i < end; i++) {
    const x = values[i] as number;
    const z = (x - shift) * inverse + ROUNDER;
    a += (z < lo ? lo + (z - z) : z > hi ? hi + (z - z) : z) - ROUNDER;
  }
  return a + b;
}

function blockCareful(
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
export function gridSums(values: ArrayLike<unknown>, grid: FixedPointGrid, rule: InvalidValueRule, squares: boolean): Sums {
  const n = values.length;
  let count = 0;
  let units = 0n;
  let sq = 0n;
  const impute = rule === 'drop' ? undefined : rule.impute;
  if (isNumericArray(values) && !squares) {
    const r = typedGridSum(values, grid, impute);
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

/** Row counts per quantile bin of a column, with the value rule. */
export function binCounts(values: ArrayLike<unknown>, bounds: readonly [number, number], bins: number, rule: InvalidValueRule): number[] {
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

/** The quantile bin of each valid row (rows the value rule drops are left out), with the value rule. */
export function rowBins(values: ArrayLike<unknown>, bounds: readonly [number, number], bins: number, rule: InvalidValueRule): Float64Array {
  const out = new Float64Array(values.length);
  const [lo, hi] = bounds;
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const x = applyValueRule(values[i], rule);
    if (x === undefined) continue;
    out[k++] = quantileBinIndex(x, lo, hi, bins);
  }
  return out.subarray(0, k);
}

/** Rows per flush of the histogram tallies: Int32 counters cannot overflow within one. */
const TALLY_FLUSH = 1 << 24;
/** Rows per call of the tally loops (short calls: see BLOCK). */
const TALLY_BLOCK = 1 << 16;

/**
 * Row counts of each byte value 0..255. Every byte indexes the table, so no
 * check is needed; four interleaved Int32 tables keep consecutive equal
 * codes from waiting on each other's store.
 */
function tallyBytes(values: Uint8Array): Float64Array {
  const n = values.length;
  const totals = new Float64Array(256);
  const t = new Int32Array(1024);
  for (let start = 0; start < n; start += TALLY_FLUSH) {
    const end = Math.min(n, start + TALLY_FLUSH);
    for (let from = start; from < end; from += TALLY_BLOCK) countBytes(values, from, Math.min(end, from + TALLY_BLOCK), t);
    for (let k = 0; k < 256; k++) {
      totals[k] = (totals[k] as number) + (t[k] as number) + (t[256 + k] as number) + (t[512 + k] as number) + (t[768 + k] as number);
    }
    t.fill(0);
  }
  return totals;
}

function countBytes(values: Uint8Array, start: number, end: number, t: Int32Array): void {
  let i = start;
  for (; i + 3 < end; i += 4) {
    const j0 = values[i] as number;
    const j1 = 256 + (values[i + 1] as number);
    const j2 = 512 + (values[i + 2] as number);
    const j3 = 768 + (values[i + 3] as number);
    t[j0] = (t[j0] as number) + 1;
    t[j1] = (t[j1] as number) + 1;
    t[j2] = (t[j2] as number) + 1;
    t[j3] = (t[j3] as number) + 1;
  }
  for (; i < end; i++) {
    const j = values[i] as number;
    t[j] = (t[j] as number) + 1;
  }
}

/**
 * Row counts of each integer code 0..maxKey of a typed array; other values
 * (negative, too large, fractional, NaN) land in an overflow slot and are not counted.
 */
function tallyCodes(values: NumericArray, maxKey: number): Float64Array {
  const n = values.length;
  const width = maxKey + 2;
  const totals = new Float64Array(width);
  const t = new Int32Array(4 * width);
  for (let start = 0; start < n; start += TALLY_FLUSH) {
    const end = Math.min(n, start + TALLY_FLUSH);
    for (let from = start; from < end; from += TALLY_BLOCK) countCodes(values, from, Math.min(end, from + TALLY_BLOCK), t, maxKey);
    for (let k = 0; k < width; k++) {
      totals[k] =
        (totals[k] as number) + (t[k] as number) + (t[width + k] as number) + (t[2 * width + k] as number) + (t[3 * width + k] as number);
    }
    t.fill(0);
  }
  return totals;
}

function countCodes(values: NumericArray, start: number, end: number, t: Int32Array, maxKey: number): void {
  const width = maxKey + 2;
  const over = maxKey + 1;
  const w2 = 2 * width;
  const w3 = 3 * width;
  let i = start;
  for (; i + 3 < end; i += 4) {
    const v0 = values[i] as number;
    const v1 = values[i + 1] as number;
    const v2 = values[i + 2] as number;
    const v3 = values[i + 3] as number;
    const j0 = v0 >= 0 && v0 <= maxKey && v0 === (v0 | 0) ? v0 : over;
    const j1 = width + (v1 >= 0 && v1 <= maxKey && v1 === (v1 | 0) ? v1 : over);
    const j2 = w2 + (v2 >= 0 && v2 <= maxKey && v2 === (v2 | 0) ? v2 : over);
    const j3 = w3 + (v3 >= 0 && v3 <= maxKey && v3 === (v3 | 0) ? v3 : over);
    t[j0] = (t[j0] as number) + 1;
    t[j1] = (t[j1] as number) + 1;
    t[j2] = (t[j2] as number) + 1;
    t[j3] = (t[j3] as number) + 1;
  }
  for (; i < end; i++) {
    const v = values[i] as number;
    const j = v >= 0 && v <= maxKey && v === (v | 0) ? v : over;
    t[j] = (t[j] as number) + 1;
  }
}

/**
 * Row counts per declared key, in the declared order: each row lands in at
 * most one slot (a key declared twice counts its rows once, in its last slot);
 * rows whose value is not declared are not counted.
 */
export function keyCounts(values: ArrayLike<unknown>, keys: readonly unknown[]): Float64Array {
  const counts = new Float64Array(keys.length);
  const smallInts = keys.every((k) => typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < 65536);
  if (smallInts && isNumericArray(values)) {
    // Direct index table for small integer codes.
    let maxKey = 0;
    for (const k of keys) maxKey = Math.max(maxKey, k as number);
    const tally = values instanceof Uint8Array ? tallyBytes(values) : tallyCodes(values, maxKey);
    const seen = new Set<unknown>();
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as number;
      if (seen.has(k)) continue;
      seen.add(k);
      // A Uint8Array holds no code above 255.
      counts[i] = k < tally.length ? (tally[k] as number) : 0;
    }
    return counts;
  }
  const index = new Map<unknown, number>();
  keys.forEach((k, i) => {
    index.set(k, i);
  });
  for (let i = 0; i < values.length; i++) {
    const slot = index.get(values[i]);
    if (slot !== undefined) counts[slot] = (counts[slot] as number) + 1;
  }
  return counts;
}
