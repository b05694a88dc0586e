/**
 * Several DP quantiles of a partition from one noisy quantile tree over its
 * bin counts (Google's quantile tree, as used by Privacy on Beam): every node
 * count gets discrete Laplace (ε) or discrete Gaussian (ρ) noise, and each
 * quantile is read by descending the noisy counts. All quantiles share the
 * tree, so the cost does not grow with their number. The release is a core
 * `Measurement` (`makeQuantileTreeMeasurement`): the noise's map is the
 * guarantee and the charge (`release-measurement.ts`).
 * @module
 */

import { DpError } from '../core/errors.js';
import type { LossKind } from '../core/loss.js';
import type { Measurement } from '../core/measurement.js';
import { edgeRecord } from '../numeric/edge.js';
import type { RandomSource } from '../random/source.js';
import { addNoise, type CalibratedNoise, calibrateNoise, checkConfidence, checkPositiveInteger, readBounding } from './_internal/noise.js';
import { checkBounds } from './fixed-point-grid.js';
import { checkQuantile, readCounts, toColumnValue } from './quantile-common.js';
import { boundedAggregate, noisyRelease, releaseFields, releaseWith } from './release-measurement.js';
import type { ReleasedValue } from './release-post.js';
import type { AggregateRelease, ExactInteger, ReleaseOptions } from './release-types.js';

/** The shape of a quantile tree over `bins` leaves: its height and number of (padded) leaves. */
export function treeShape(bins: number, branching: number): { height: number; leaves: number } {
  let height = 1;
  let leaves = branching;
  while (leaves < bins) {
    leaves *= branching;
    height++;
  }
  return { height, leaves };
}

/**
 * The noise of a quantile tree: each row changes one node per level, so
 * L1 = height·maxPartitions·maxContributionsPerPartition.
 * @throws DpError INVALID_PARAMETER on a bad budget or bounds.
 */
export function treeNoise(o: Omit<ReleaseOptions, 'rng' | 'spendFrom'>, height: number): CalibratedNoise {
  const { partitions, contributions } = readBounding(o);
  const h = BigInt(height);
  return calibrateNoise(o.budget, { l1: h * partitions * contributions, l2Squared: h * partitions * contributions * contributions });
}

/**
 * Confidence intervals from the noisy tree alone (post-processing). With
 * probability ≥ confidence every node's noise is within k (union bound over
 * all nodes); then every noisy prefix count F̃(j) (a sum of at most
 * height·(branching − 1) nodes) is within τ of the exact one and the noisy
 * total within branching·k of n. The interval is [the largest bin edge b with
 * F̃(b) + τ < q(ñ − τₙ), the smallest b with F̃(b) − τ ≥ q(ñ + τₙ)]: under
 * that event the exact q-quantile lies inside.
 */
function treeIntervals(
  levels: number[][],
  branching: number,
  halfWidth: (confidence: number) => number,
  confidence: number,
  lower: number,
  width: number,
): (q: number, upper: number) => { lower: number; upper: number; confidence: number; method: 'union-bound' } {
  const height = levels.length;
  const nodes = levels.reduce((s, l) => s + l.length, 0);
  const k = halfWidth(1 - (1 - confidence) / nodes);
  const tau = height * (branching - 1) * k;
  const tauN = branching * k;
  const prefix = levels.map((row) => {
    const p = [0];
    for (const c of row) p.push((p[p.length - 1] as number) + c);
    return p;
  });
  const leaves = (levels[0] as number[]).length;
  const top = prefix[height - 1] as number[];
  const total = top[top.length - 1] as number;
  // F̃(j): noisy count of rows in leaves [0, j), from the canonical decomposition.
  const cdf = new Float64Array(leaves + 1);
  cdf[leaves] = total;
  for (let j = 0; j < leaves; j++) {
    let s = 0;
    let span = 1;
    for (let l = 0; l < height; l++) {
      const p = prefix[l] as number[];
      const hi = Math.floor(j / span);
      const lo = Math.floor(j / (span * branching)) * branching;
      s += (p[hi] as number) - (p[lo] as number);
      span *= branching;
    }
    cdf[j] = s;
  }
  return (q, upper) => {
    let lo = lower;
    let hi = upper;
    const needLow = q * (total - tauN);
    const needHigh = q * (total + tauN);
    for (let j = 0; j <= leaves; j++) {
      const edge = Math.min(upper, lower + j * width);
      if ((cdf[j] as number) + tau < needLow) lo = edge;
    }
    for (let j = leaves; j >= 0; j--) {
      const edge = Math.min(upper, lower + j * width);
      if ((cdf[j] as number) - tau >= needHigh && needHigh > 0) hi = edge;
    }
    return { lower: lo, upper: Math.max(lo, hi), confidence, method: 'union-bound' };
  };
}

/**
 * Releases several quantiles of a partition from its bin counts with a noisy
 * quantile tree (branching 16 by default): every node count over the bins
 * gets discrete Laplace (ε) or discrete Gaussian (ρ) noise; each quantile is
 * found by descending from the root to the child whose noisy cumulative count
 * crosses q·total, then interpolating inside the leaf. All quantiles share one
 * tree, so the cost does not grow with their number; min and max are q = 0, 1.
 * @param input - `binCounts` (padded with empty bins to a power of the branching), `quantiles`, options; `branching` default 16.
 * @returns one release per quantile, in order, each with a union-bound interval read from the same noisy tree (no extra cost).
 * @throws DpError INVALID_PARAMETER
 * @privacy ε-DP (ρ-zCDP) under add/remove one unit: each row changes one node per level, L1 = height·maxPartitions·maxContributionsPerPartition.
 * @see Google differential-privacy, `algorithms/quantile-tree.h`.
 */
export function releaseQuantiles(
  input: {
    binCounts: readonly ExactInteger[];
    bounds: readonly [number, number];
    quantiles: readonly number[];
    branching?: number;
    /** The column holds integers (public, declared): report integer quantiles (post-processing). */
    integer?: boolean;
  } & ReleaseOptions,
): AggregateRelease[] {
  edgeRecord(input, 'input');
  const counts = readCounts(input.binCounts);
  const m = makeQuantileTreeMeasurement(input, counts.length);
  const r = releaseWith(m, counts, input);
  const fields = releaseFields(r);
  return r.value.map((v) => ({ ...v, ...fields }));
}

/** Parameters of a quantile tree (public). */
export interface QuantileTreeParameters extends Omit<ReleaseOptions, 'rng' | 'spendFrom'> {
  readonly bounds: readonly [number, number];
  readonly quantiles: readonly number[];
  /** Branching of the tree. Default 16. */
  readonly branching?: number;
  readonly integer?: boolean;
}

/**
 * The measurement of a quantile-tree release: the exact bin counts (bounded
 * data) chained into one noisy tree, read for every quantile.
 * @param p - bounds, quantiles, branching, budget, contribution bounds, confidence, integer.
 * @param bins - the number of bins the counts will have (public).
 * @returns a measurement from the bin counts to one released value per quantile.
 * @throws DpError INVALID_PARAMETER
 * @privacy `privacyMap(k)` = the tree noise's map (L1 = height·maxPartitions·maxContributionsPerPartition per unit); at k = 1 the output budget.
 * @see Google differential-privacy, `algorithms/quantile-tree.h`.
 * @example
 * makeQuantileTreeMeasurement({ bounds: [0, 1], quantiles: [0.25, 0.75], budget: { rho: 0.1 } }, 256).privacyMap(1); // ρ = 0.1
 */
export function makeQuantileTreeMeasurement(
  p: QuantileTreeParameters,
  bins: number,
): Measurement<readonly bigint[], ReleasedValue[], LossKind> {
  edgeRecord(p, 'p');
  const [lower, upper] = checkBounds(p.bounds);
  if (!Array.isArray(p.quantiles)) throw new DpError('INVALID_PARAMETER', 'quantiles must be an array', { parameter: 'quantiles' });
  const qs = p.quantiles.map(checkQuantile);
  const branching = checkPositiveInteger(p.branching ?? 16, 'branching');
  if (branching < 2) throw new DpError('INVALID_PARAMETER', 'branching must be >= 2', { parameter: 'branching' });
  const confidence = checkConfidence(p.confidence ?? 0.95);
  const { contributions } = readBounding(p);
  const { height, leaves } = treeShape(bins, branching);
  const noise = treeNoise(p, height);
  const width = (upper - lower) / leaves;
  // Like Google's quantile tree, noisy counts at or below the noise's 95% half-width are read as empty
  // (post-processing): otherwise the noise of many empty bins drags extreme quantiles outwards.
  const cut = noise.halfWidth(0.95);
  const integer = p.integer === true;
  const invoke = (counts: readonly bigint[], rng: RandomSource): ReleasedValue[] => {
    // levels[0] = leaves; levels[height − 1] = the root's children.
    const levels: number[][] = [];
    let exact: bigint[] = Array.from({ length: leaves }, (_, i) => counts[i] ?? 0n);
    for (let level = 0; level < height; level++) {
      levels.push(exact.map((c) => Number(addNoise(noise, c, Number(contributions), rng, 'quantile-tree'))));
      const up: bigint[] = [];
      for (let i = 0; i < exact.length; i += branching) {
        let s = 0n;
        for (let j = 0; j < branching; j++) s += exact[i + j] ?? 0n;
        up.push(s);
      }
      exact = up;
    }
    const intervalOf = treeIntervals(levels, branching, noise.halfWidth.bind(noise), confidence, lower, width);
    return qs.map((q) => {
      const { leaf, fraction } = descend(levels, branching, cut, q);
      const value = toColumnValue(Math.min(upper, Math.max(lower, lower + (leaf + fraction) * width)), lower, upper, integer);
      return { value, interval: intervalOf(q, upper), noise: [{ kind: noise.kind, scale: noise.scale }] };
    });
  };
  return boundedAggregate<readonly bigint[]>(`bin counts over ${bins} bins`, p, {
    kind: 'vector',
    element: { kind: 'bigint' },
    size: bins,
  }).then(noisyRelease('quantile tree', { kind: 'vector', element: { kind: 'bigint' }, size: bins }, [noise], invoke));
}

/**
 * Reads quantile q from the noisy tree: from the root, the child whose noisy
 * cumulative count crosses q·total (the target rescaled at each level), then
 * the fraction inside the leaf. Post-processing.
 */
function descend(levels: readonly number[][], branching: number, cut: number, q: number): { leaf: number; fraction: number } {
  let node = 0; // index of the current node at the level below
  let target = q; // the target as a fraction of the current node's (noisy) mass
  let fraction = 0.5;
  for (let level = levels.length - 1; level >= 0; level--) {
    const row = levels[level] ?? [];
    const start = node * branching;
    let useCut = false;
    for (let j = 0; j < branching; j++) if ((row[start + j] ?? 0) > cut) useCut = true;
    const read = (j: number) => {
      const c = row[start + j] ?? 0;
      return useCut ? (c > cut ? c : 0) : Math.max(0, c);
    };
    let total = 0;
    for (let j = 0; j < branching; j++) total += read(j);
    let rank = target * total;
    let pick = branching - 1;
    fraction = 0.5;
    if (total > 0) {
      for (let j = 0; j < branching; j++) {
        const c = read(j);
        if (rank <= c && c > 0) {
          pick = j;
          fraction = rank / c;
          break;
        }
        rank -= c;
      }
    }
    node = start + pick;
    target = fraction;
  }
  return { leaf: node, fraction };
}
