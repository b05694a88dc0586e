/**
 * DP quantiles from a histogram over a public grid of bins on [lower, upper],
 * so that a database can compute the bin counts and hand them over — the
 * table of contents of the quantile releases, kept as one import path:
 *
 * - `quantile-common.ts`: the grid (`quantileBinIndex`, `DEFAULT_QUANTILE_BINS`) and shared checks;
 * - `quantile-selection.ts`: one quantile by the exponential mechanism, with an interval from two more (`releaseQuantile`),
 *   also on the fine grid of 2³² bins from the non-empty bins alone (`makeFineQuantileMeasurement`);
 * - `quantile-sparse.ts`: the sparse histogram and the exact sampler over its non-empty bins and gaps;
 * - `quantile-stream.ts`: the same sampler from passes over the non-empty bins, O(1) state (`makeStreamedFineQuantile`, internal: DP SQL's coming streamed histograms);
 * - `quantile-tree.ts`: several quantiles from one noisy tree (`releaseQuantiles`).
 *
 * Each release is a core `Measurement` whose `privacyMap(1)` is its guarantee and charge.
 * @module
 */

import { DpError } from '../core/errors.js';
import { edgeRecord } from '../numeric/edge.js';
import { checkPositiveInteger } from './_internal/noise.js';
import { checkIntervalShare, makeFineQuantileMeasurement, makeQuantileMeasurement } from './quantile-selection.js';
import { makeQuantileTreeMeasurement } from './quantile-tree.js';
import type { ReleaseOptions } from './release-types.js';

export { DEFAULT_QUANTILE_BINS, quantileBinIndex } from './quantile-common.js';
export {
  FINE_INTERVAL_BINS,
  FINE_QUANTILE_BINS,
  fineQuantileGrid,
  makeFineQuantileMeasurement,
  makeQuantileMeasurement,
  type QuantileParameters,
  type QuantileValue,
  releaseQuantile,
  releaseSparseQuantile,
} from './quantile-selection.js';
export type { SparseBins } from './quantile-sparse.js';
export { makeQuantileTreeMeasurement, type QuantileTreeParameters, releaseQuantiles } from './quantile-tree.js';

/**
 * Validates the public parameters of a quantile release — bounds, bins,
 * quantiles, the interval share and the budget (each mechanism must calibrate
 * to a finite scale) — without reading any data, by building the release's
 * measurement, so a caller can refuse before it charges. The same checks run
 * again inside the release.
 * @param input - bounds, bins, quantiles, intervalShare (single quantile), budget, contribution bounds, confidence.
 * @throws DpError INVALID_PARAMETER
 * @privacy none (reads no data).
 * @example
 * checkQuantileParameters({ bounds: [0, 100], bins: 4096, quantiles: [0.5], intervalShare: 0.5, budget: { epsilon: 1 } });
 */
export function checkQuantileParameters(
  input: {
    bounds: readonly [number, number];
    bins: number;
    quantiles: readonly number[];
    intervalShare?: number;
    /** The release reads sparse bins on a fine grid (`releaseSparseQuantile`): one quantile, bins in [2, 2^52]. */
    sparse?: boolean;
  } & Omit<ReleaseOptions, 'rng' | 'spendFrom'>,
): void {
  edgeRecord(input, 'input');
  if (input.sparse === true) {
    const [one, ...more] = Array.isArray(input.quantiles) ? input.quantiles : [];
    if (one === undefined || more.length > 0) {
      throw new DpError('INVALID_PARAMETER', 'a sparse quantile release has exactly one quantile', { parameter: 'quantiles' });
    }
    checkPositiveInteger(input.maxPartitions ?? 1, 'maxPartitions');
    checkIntervalShare(input.intervalShare ?? 0);
    makeFineQuantileMeasurement({ ...input, quantile: one }, input.bins);
    return;
  }
  if (!(Number.isSafeInteger(input.bins) && input.bins >= 2 && input.bins <= 1 << 20)) {
    throw new DpError('INVALID_PARAMETER', 'bins must be an integer in [2, 2^20]', { parameter: 'bins' });
  }
  if (!Array.isArray(input.quantiles) || input.quantiles.length === 0) {
    throw new DpError('INVALID_PARAMETER', 'quantiles must be a non-empty array', { parameter: 'quantiles' });
  }
  checkPositiveInteger(input.maxPartitions ?? 1, 'maxPartitions');
  checkIntervalShare(input.intervalShare ?? 0);
  const [only] = input.quantiles;
  if (input.quantiles.length === 1 && only !== undefined) {
    makeQuantileMeasurement({ ...input, quantile: only }, input.bins);
  } else {
    makeQuantileTreeMeasurement(input, input.bins);
  }
}
