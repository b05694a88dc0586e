/**
 * DP estimation of clamp bounds, in the style of Google's `ApproxBounds`:
 * a histogram over logarithmic bins (…, [−2, −1), [−1, 0), [0, 1), [1, 2),
 * [2, 4), …, [2⁶², ∞)) gets discrete Laplace noise; the lowest and highest
 * bins whose noisy count passes a threshold give the bounds.
 * @module
 */

import type { PrivacyBudget } from '../core/budget.js';
import { anyDomain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import type { LossKind, PrivacyLoss, PureLoss } from '../core/loss.js';
import type { Measurement } from '../core/measurement.js';
import { edgeNumber, edgeRecord } from '../numeric/edge.js';
import type { RandomSource } from '../random/source.js';
import { addNoise, calibrateNoise, checkPositive, checkPositiveInteger } from './_internal/noise.js';
import { boundedAggregate, noisyRelease, releaseFields, releaseWith, type SpendOptions } from './release-measurement.js';

/** Positive bins: [0,1), [1,2), [2,4), …, [2⁶¹, 2⁶²), [2⁶², ∞). Negative values mirror them. */
const POSITIVE_BINS = 64;

/**
 * The log-scale bin of a number: 0..63 for x ≥ 0, −1..−64 for x < 0 (±∞ fall in the end bins).
 * S7 edge (review S18): NaN has no bin and is INVALID_PARAMETER (it used to index no bin and let a TypeError out
 * of `LogHistogram.add`); the release path only ever adds finite values (the value rules run first).
 */
export function logBinIndex(x: number): number {
  edgeNumber(x, 'x');
  if (Number.isNaN(x)) throw new DpError('INVALID_PARAMETER', 'x must be a number, not NaN (NaN has no bin)', { parameter: 'x' });
  const a = Math.abs(x);
  const k = a < 1 ? 0 : Math.min(POSITIVE_BINS - 1, Math.floor(Math.log2(a)) + 1);
  return x < 0 ? -1 - k : k;
}

function binEdges(index: number): [number, number] {
  if (index >= 0) return [index === 0 ? 0 : 2 ** (index - 1), 2 ** index];
  const [lo, hi] = binEdges(-1 - index);
  return [-hi, -lo];
}

/** A log-scale histogram being filled. */
export class LogHistogram {
  /** counts[k + 64] for bin k ∈ [−64, 63]. */
  readonly counts = new Array<bigint>(2 * POSITIVE_BINS).fill(0n);
  /** Adds one value (its bin by {@link logBinIndex}). @throws DpError INVALID_PARAMETER on a non-number or NaN. */
  add(x: number): void {
    const i = logBinIndex(x) + POSITIVE_BINS;
    this.counts[i] = (this.counts[i] as bigint) + 1n;
  }
}

/** Options of `releaseApproximateBounds`. */
export interface ApproximateBoundsOptions extends SpendOptions {
  /** ε spent on the bounds (pure DP). */
  readonly epsilon: number;
  /** Rows a unit may contribute in total (maxPartitions · maxContributionsPerPartition). Default 1. */
  readonly maxRowsPerUnit?: number;
  /**
   * Probability that a bin with no rows passes the threshold, over all 128
   * bins (the threshold is set from it). Default 1e-6.
   */
  readonly falsePositive?: number;
  readonly rng?: RandomSource;
}

/** What an approximate-bounds release outputs (before its guarantee is attached). */
export interface ApproximateBoundsValue {
  /** Power-of-two edges, or undefined when no bin passes the threshold (the caller falls back to declared defaults). */
  readonly bounds: [number, number] | undefined;
  /** The threshold on the noisy counts (public). */
  readonly threshold: number;
}

/**
 * The measurement of an approximate-bounds release: the exact log histogram of
 * bounded data chained into discrete Laplace noise (L1 = maxRowsPerUnit) and a threshold.
 * @param options - ε, maxRowsPerUnit, falsePositive.
 * @returns a measurement from the histogram to the bounds.
 * @throws DpError INVALID_PARAMETER
 * @privacy `privacyMap(k)` = pure k·ε.
 * @example
 * makeApproximateBoundsMeasurement({ epsilon: 0.5 }).privacyMap(1); // { kind: 'pure', epsilon: 0.5 }
 */
export function makeApproximateBoundsMeasurement(
  options: Omit<ApproximateBoundsOptions, 'rng' | 'spendFrom'>,
): Measurement<LogHistogram, ApproximateBoundsValue, LossKind> {
  edgeRecord(options, 'options');
  const epsilon = checkPositive(options.epsilon, 'epsilon');
  const rows = BigInt(checkPositiveInteger(options.maxRowsPerUnit ?? 1, 'maxRowsPerUnit'));
  const falsePositive = options.falsePositive ?? 1e-6;
  if (!(falsePositive > 0 && falsePositive < 1)) {
    throw new DpError('INVALID_PARAMETER', 'falsePositive must be in (0, 1)', { parameter: 'falsePositive' });
  }
  const noise = calibrateNoise({ epsilon }, { l1: rows, l2Squared: rows * rows });
  // P(Z ≥ τ) = λ^τ/(1+λ) ≤ falsePositive / 128 for one empty bin.
  const threshold = Math.max(1, Math.ceil(noise.scale * Math.log((2 * POSITIVE_BINS) / falsePositive)));
  const domain = anyDomain('log histogram');
  const invoke = (histogram: LogHistogram, rng: RandomSource): ApproximateBoundsValue => {
    const noisy = histogram.counts.map((c) => addNoise(noise, c, Number(rows), rng, 'approximate-bounds'));
    let lowIndex: number | undefined;
    let highIndex: number | undefined;
    for (let i = 0; i < noisy.length; i++) {
      if ((noisy[i] as bigint) >= BigInt(threshold)) {
        lowIndex ??= i;
        highIndex = i;
      }
    }
    if (lowIndex === undefined || highIndex === undefined) return { bounds: undefined, threshold };
    const lower = binEdges(lowIndex - POSITIVE_BINS)[0];
    let upper = binEdges(highIndex - POSITIVE_BINS)[1];
    if (!(upper > lower)) upper = lower + 1;
    return { bounds: [lower, upper], threshold };
  };
  return boundedAggregate<LogHistogram>('log histogram', { maxContributionsPerPartition: Number(rows) }, domain).then(
    noisyRelease('noisy approximate bounds', domain, [noise], invoke),
  );
}

/**
 * Releases approximate bounds [lower, upper] of the values from their log histogram.
 * @param histogram - the exact log histogram of bounded data.
 * @param options - ε, maxRowsPerUnit, falsePositive, rng, `spendFrom`.
 * @returns bounds (power-of-two edges), the guarantee (the measurement's `privacyMap(1)`), or `undefined` bounds when no bin passes (the caller falls back to declared defaults).
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED (nothing charged) when `spendFrom` cannot pay.
 * @privacy ε-DP under add/remove one unit contributing at most `maxRowsPerUnit` rows (L1 sensitivity of the histogram).
 * @see Google differential-privacy, `algorithms/approx-bounds.h`.
 * @example
 * const h = new LogHistogram();
 * for (const x of [3, 5, 40]) h.add(x);
 * releaseApproximateBounds(h, { epsilon: 1 }).bounds;
 */
export function releaseApproximateBounds(
  histogram: LogHistogram,
  options: ApproximateBoundsOptions,
): ApproximateBoundsValue & { guarantee: PureLoss; charged?: PrivacyLoss; budgetAfter?: PrivacyBudget; notForRelease?: true } {
  const r = releaseWith(makeApproximateBoundsMeasurement(options), histogram, options);
  const fields = releaseFields(r);
  if (fields.guarantee.kind !== 'pure') throw new DpError('INTERNAL', 'approximate bounds are pure ε', {});
  return { ...r.value, ...fields, guarantee: fields.guarantee };
}
