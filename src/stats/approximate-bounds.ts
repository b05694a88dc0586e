/**
 * DP estimation of clamp bounds, in the style of Google's `ApproxBounds`:
 * a histogram over logarithmic bins (…, [−2, −1), [−1, 0), [0, 1), [1, 2),
 * [2, 4), …, [2⁶², ∞)) gets discrete Laplace noise; the lowest and highest
 * bins whose noisy count passes a threshold give the bounds.
 * @module
 */
import { DpError } from '../core/errors.js';
import { type PureLoss, pure } from '../core/loss.js';
import type { RandomSource } from '../random/source.js';
import { defaultRandomSource } from '../random/source.js';
import { addNoise, calibrateNoise, checkPositive, checkPositiveInteger } from './_internal/noise.js';

/** Positive bins: [0,1), [1,2), [2,4), …, [2⁶¹, 2⁶²), [2⁶², ∞). Negative values mirror them. */
const POSITIVE_BINS = 64;

/** The log-scale bin of a finite value: 0..63 for x ≥ 0, −1..−64 for x < 0. */
export function logBinIndex(x: number): number {
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
  /** Adds one finite value. */
  add(x: number): void {
    const i = logBinIndex(x) + POSITIVE_BINS;
    this.counts[i] = (this.counts[i] as bigint) + 1n;
  }
}

/** Options of `releaseApproximateBounds`. */
export interface ApproximateBoundsOptions {
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

/**
 * Releases approximate bounds [lower, upper] of the values from their log histogram.
 * @returns bounds (power-of-two edges), the ε spent, or `undefined` bounds when no bin passes (the caller falls back to declared defaults).
 * @throws DpError INVALID_PARAMETER
 * @privacy ε-DP under add/remove one unit contributing at most `maxRowsPerUnit` rows (L1 sensitivity of the histogram).
 * @see Google differential-privacy, `algorithms/approx-bounds.h`.
 */
export function releaseApproximateBounds(
  histogram: LogHistogram,
  options: ApproximateBoundsOptions,
): { bounds: [number, number] | undefined; guarantee: PureLoss; threshold: number } {
  const epsilon = checkPositive(options.epsilon, 'epsilon');
  const rows = BigInt(checkPositiveInteger(options.maxRowsPerUnit ?? 1, 'maxRowsPerUnit'));
  const falsePositive = options.falsePositive ?? 1e-6;
  if (!(falsePositive > 0 && falsePositive < 1)) {
    throw new DpError('INVALID_PARAMETER', 'falsePositive must be in (0, 1)', { parameter: 'falsePositive' });
  }
  const rng = options.rng ?? defaultRandomSource();
  const noise = calibrateNoise({ epsilon }, { l1: rows, l2Squared: rows * rows });
  // P(Z ≥ τ) = λ^τ/(1+λ) ≤ falsePositive / 128 for one empty bin.
  const b = noise.scale;
  const threshold = Math.max(1, Math.ceil(b * Math.log((2 * POSITIVE_BINS) / falsePositive)));
  const noisy = histogram.counts.map((c) => addNoise(noise, c, Number(rows), rng, 'approximate-bounds'));
  let lowIndex: number | undefined;
  let highIndex: number | undefined;
  for (let i = 0; i < noisy.length; i++) {
    if ((noisy[i] as bigint) >= BigInt(threshold)) {
      lowIndex ??= i;
      highIndex = i;
    }
  }
  const guarantee = pure(epsilon);
  if (lowIndex === undefined || highIndex === undefined) return { bounds: undefined, guarantee, threshold };
  const lower = binEdges(lowIndex - POSITIVE_BINS)[0];
  let upper = binEdges(highIndex - POSITIVE_BINS)[1];
  if (!(upper > lower)) upper = lower + 1;
  return { bounds: [lower, upper], guarantee, threshold };
}
