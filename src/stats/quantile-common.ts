/**
 * What the quantile releases share: the public grid of bins on [lower, upper]
 * (`quantileBinIndex`, `DEFAULT_QUANTILE_BINS`), the reading of bin counts and
 * quantiles, the ε a per-partition exponential mechanism runs with, the
 * post-processing of integer columns (the exact sampler over bins is in
 * `quantile-sparse.ts`).
 * @module
 */

import { DpError } from '../core/errors.js';
import { edgeNumber } from '../numeric/edge.js';
import { nextDown } from '../numeric/float-bits.js';
import { Rational } from '../numeric/rational.js';
import { type OutputBudget, readBudget, showParameter } from './_internal/noise.js';
import type { ExactInteger } from './release-types.js';

/** Default number of bins: 4096 = 16³ (a full tree of height 3 with branching 16). */
export const DEFAULT_QUANTILE_BINS = 4096;

/**
 * The bin of a value on the public grid: ⌊(clamp(x) − lower)/(upper − lower) · bins⌋, capped at bins − 1.
 * SQL may compute the same expression; any monotone rule that puts each row in one bin keeps the guarantee.
 * @param x - a finite value (NaN goes to bin 0; filter it first).
 * @param lower - the grid's lower bound.
 * @param upper - the grid's upper bound.
 * @param bins - the number of bins.
 * @returns the bin, in [0, bins − 1].
 * @example
 * quantileBinIndex(50, 0, 100, 4); // 2
 */
export function quantileBinIndex(x: number, lower: number, upper: number, bins: number): number {
  edgeNumber(x, 'x');
  edgeNumber(lower, 'lower');
  edgeNumber(upper, 'upper');
  edgeNumber(bins, 'bins');
  const v = x < lower ? lower : x > upper ? upper : x;
  const i = Math.floor(((v - lower) / (upper - lower)) * bins);
  return i >= bins ? bins - 1 : i > 0 ? i : 0;
}

/** Reads bin counts: at least 2 bins, each an integer ≥ 0. @throws DpError INVALID_PARAMETER */
export function readCounts(binCounts: readonly ExactInteger[]): bigint[] {
  if (!Array.isArray(binCounts) || binCounts.length < 2) {
    throw new DpError('INVALID_PARAMETER', 'binCounts must hold at least 2 bins', { parameter: 'binCounts' });
  }
  return binCounts.map((c) => {
    const b = typeof c === 'bigint' ? c : typeof c === 'number' && Number.isSafeInteger(c) ? BigInt(c) : -1n;
    if (b < 0n) throw new DpError('INVALID_PARAMETER', 'bin counts must be integers >= 0', { parameter: 'binCounts' });
    return b;
  });
}

/** Reads a quantile in [0, 1]. @throws DpError INVALID_PARAMETER */
export function checkQuantile(q: number): number {
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
    throw new DpError('INVALID_PARAMETER', `a quantile must be in [0, 1], got ${showParameter(q)}`, { parameter: 'quantile' });
  }
  return q === 0 ? 0 : q;
}

/**
 * The ε of one partition's exponential mechanism, from an output budget spread
 * over `partitions` partitions: ε/p for pure ε (rounded down); for ρ, the
 * largest ε with p·ε²/2 ≤ ρ (pure ε implies ε²/2-zCDP).
 * @throws DpError INVALID_PARAMETER on a bad budget or one too small for a finite selection scale.
 */
export function perPartitionEpsilon(budget: OutputBudget, partitions: number, contributions: number): number {
  const b = readBudget(budget);
  const epsilon =
    b.kind === 'zcdp'
      ? nextDown(Math.sqrt((2 * b.rho) / partitions))
      : Rational.fromNumber(b.epsilon)
          .div(Rational.of(BigInt(partitions)))
          .toNumberDown();
  if (!(epsilon > 0 && Number.isFinite((2 * contributions) / epsilon))) {
    throw new DpError('INVALID_PARAMETER', 'the budget is too small for a quantile: its selection scale would not be finite', {
      parameter: 'budget',
    });
  }
  return epsilon;
}

/**
 * Post-processing of a released quantile for an integer column: the nearest
 * integer inside the bounds (unchanged when no integer lies inside them).
 */
export function toColumnValue(x: number, lower: number, upper: number, integer: boolean): number {
  if (!integer) return x;
  const r = Math.round(x);
  const lo = Math.ceil(lower);
  const hi = Math.floor(upper);
  if (lo > hi) return x;
  return r < lo ? lo : r > hi ? hi : r;
}
