/**
 * DP quantiles from a histogram over a public grid of bins on [lower, upper],
 * so that a database can compute the bin counts and hand them over.
 *
 * - One quantile: the exponential mechanism over data intervals (Smith 2011)
 *   with the data snapped to the grid: the candidates are the bins, a bin's
 *   utility is minus the distance from the target rank q·n to the range of
 *   ranks its rows occupy, and its base measure is its width (all bins are
 *   equally wide). Sampled exactly: a uniformly proposed bin is accepted with
 *   probability exp(−ε·dist/(2Δ)) by the exact Bernoulli(exp(−x)) sampler.
 * - Several quantiles: a noisy B-ary tree over the bins (Google's quantile
 *   tree, as used by Privacy on Beam), read by descending the noisy counts.
 * @module
 */
import { DpError } from '../core/errors.js';
import { type PrivacyLoss, pure, zcdp } from '../core/loss.js';
import { traceNoise } from '../core/trace.js';
import { nextDown } from '../numeric/float-bits.js';
import { Rational } from '../numeric/rational.js';
import { isSecureSource, sampleBernoulliExp, sampleUniformBelow } from '../random/index.js';
import { defaultRandomSource, type RandomSource } from '../random/source.js';
import { composeLosses } from './_internal/compose.js';
import {
  addNoise,
  calibrateNoise,
  checkConfidence,
  checkPositiveInteger,
  type OutputBudget,
  readBounding,
  readBudget,
  showParameter,
  splitBudget,
} from './_internal/noise.js';
import { checkBounds } from './fixed-point-grid.js';
import type { AggregateRelease, ExactInteger, ReleaseOptions } from './release-types.js';

/** Default number of bins: 4096 = 16³ (a full tree of height 3 with branching 16). */
export const DEFAULT_QUANTILE_BINS = 4096;

/**
 * The bin of a value on the public grid: ⌊(clamp(x) − lower)/(upper − lower) · bins⌋, capped at bins − 1.
 * SQL may compute the same expression; any monotone rule that puts each row in one bin keeps the guarantee.
 * @param x - a finite value (NaN goes to bin 0; filter it first).
 */
export function quantileBinIndex(x: number, lower: number, upper: number, bins: number): number {
  const v = x < lower ? lower : x > upper ? upper : x;
  const i = Math.floor(((v - lower) / (upper - lower)) * bins);
  return i >= bins ? bins - 1 : i > 0 ? i : 0;
}

function readCounts(binCounts: readonly ExactInteger[]): bigint[] {
  if (!Array.isArray(binCounts) || binCounts.length < 2) {
    throw new DpError('INVALID_PARAMETER', 'binCounts must hold at least 2 bins', { parameter: 'binCounts' });
  }
  return binCounts.map((c) => {
    const b = typeof c === 'bigint' ? c : typeof c === 'number' && Number.isSafeInteger(c) ? BigInt(c) : -1n;
    if (b < 0n) throw new DpError('INVALID_PARAMETER', 'bin counts must be integers >= 0', { parameter: 'binCounts' });
    return b;
  });
}

function checkQuantile(q: number): number {
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
    throw new DpError('INVALID_PARAMETER', `a quantile must be in [0, 1], got ${showParameter(q)}`, { parameter: 'quantile' });
  }
  return q === 0 ? 0 : q;
}

/** ε per partition for an ε-DP selection, from the output budget (pure ε or ρ via ε²/2 ≤ ρ/maxPartitions). */
function perPartitionEpsilon(options: ReleaseOptions, partitions: number): { epsilon: number; guarantee: PrivacyLoss } {
  const b = readBudget(options.budget);
  if (b.kind === 'zcdp') {
    return { epsilon: nextDown(Math.sqrt((2 * b.rho) / partitions)), guarantee: zcdp(b.rho) };
  }
  return {
    epsilon: Rational.fromNumber(b.epsilon)
      .div(Rational.of(BigInt(partitions)))
      .toNumberDown(),
    guarantee: pure(b.epsilon),
  };
}

/**
 * Releases one quantile of the values in a partition, from its bin counts.
 * @param input - `binCounts` over `bins` equal bins of `bounds` (see `quantileBinIndex`), `quantile` in [0, 1], and the release options.
 * @param input - also `intervalShare` (default 0): the share of the budget spent on a noisy quantile tree over the same bins, whose union-bound interval (widened to contain the value) is then returned.
 * @returns the midpoint of the chosen bin; without `intervalShare` the interval is the bounds (`method: 'bounds'`) — the exponential mechanism alone gives a rank-error bound (`rankErrorBound`), not a value interval.
 * @throws DpError INVALID_PARAMETER
 * @privacy ε-DP under add/remove one unit (utility sensitivity maxContributionsPerPartition·max(q, 1 − q), ε split over maxPartitions partitions); under a ρ budget, ε²/2-zCDP per partition.
 *   Not constant-time: the number of rejection-sampling proposals (≤ bins in expectation) depends on the data (SECURITY.md §11).
 * @see Smith (2011), "Privacy-preserving statistical estimation with optimal convergence rates", §3; McSherry & Talwar (2007).
 */
export function releaseQuantile(
  input: {
    binCounts: readonly ExactInteger[];
    bounds: readonly [number, number];
    quantile: number;
    intervalShare?: number;
    /** The column holds integers (public, declared): report the quantile rounded to an integer (post-processing). */
    integer?: boolean;
  } & ReleaseOptions,
): AggregateRelease & { rankErrorBound: number } {
  const share = input.intervalShare ?? 0;
  if (typeof share !== 'number' || !(share >= 0 && share < 1)) {
    throw new DpError('INVALID_PARAMETER', 'intervalShare must be in [0, 1)', { parameter: 'intervalShare' });
  }
  if (share > 0) {
    // Spend `share` of the budget on a noisy quantile tree whose union-bound interval is released with the EM value.
    const [pointBudget, treeBudget] = splitBudget(input.budget, [1 - share, share]) as [OutputBudget, OutputBudget];
    const point = releaseQuantile({ ...input, budget: pointBudget, intervalShare: 0 });
    const tree = releaseQuantiles({ ...input, budget: treeBudget, quantiles: [input.quantile] })[0] as AggregateRelease;
    return {
      ...point,
      guarantee: composeLosses([point.guarantee, tree.guarantee]),
      interval: { ...tree.interval, lower: Math.min(tree.interval.lower, point.value), upper: Math.max(tree.interval.upper, point.value) },
      noise: [...point.noise, ...tree.noise],
    };
  }
  const [lower, upper] = checkBounds(input.bounds);
  const counts = readCounts(input.binCounts);
  const q = checkQuantile(input.quantile);
  const partitions = checkPositiveInteger(input.maxPartitions ?? 1, 'maxPartitions');
  const contributions = checkPositiveInteger(input.maxContributionsPerPartition ?? 1, 'maxContributionsPerPartition');
  const rng = input.rng ?? defaultRandomSource();
  const confidence = checkConfidence(input.confidence ?? 0.95);
  const { epsilon, guarantee } = perPartitionEpsilon(input, partitions);
  if (!(epsilon > 0 && Number.isFinite((2 * contributions) / epsilon))) {
    throw new DpError('INVALID_PARAMETER', 'the budget is too small for a quantile: its selection scale would not be finite', {
      parameter: 'budget',
    });
  }
  const bins = counts.length;
  const prefix: bigint[] = [0n];
  for (const c of counts) prefix.push((prefix[prefix.length - 1] as bigint) + c);
  const n = prefix[bins] as bigint;
  // Target rank q·n and the factor ε/(2Δu), exact. The utility −dist(q·n, [lo, hi]) moves by at most
  // Δu = c·max(q, 1 − q) when one unit adds or removes c rows: lo and hi move by j ∈ [0, c] while q·n moves
  // by q·c, and the distance is 1-Lipschitz in both (for the median Δu = c/2, as diffprivlib's monotone case).
  const qExact = Rational.fromNumber(q);
  const oneMinusQ = Rational.ONE.sub(qExact);
  const spread = qExact.gt(oneMinusQ) ? qExact : oneMinusQ;
  const utilitySensitivity = Rational.of(BigInt(contributions)).mul(spread);
  const target = qExact.mul(Rational.of(n));
  const factor = Rational.fromNumber(epsilon).div(utilitySensitivity.mul(Rational.of(2n)));
  const scale = (2 * utilitySensitivity.toNumberUp()) / epsilon;
  traceNoise({
    primitive: 'exponential-mechanism:quantile',
    value: Number(n),
    sensitivity: utilitySensitivity.toNumberUp(),
    scale,
    extra: { quantile: q, bins },
  });
  const chosen = sampleExponentialOverBins(
    bins,
    (c) => {
      const lo = Rational.of(prefix[c] as bigint);
      const hi = Rational.of(prefix[c + 1] as bigint);
      const dist = target.lt(lo) ? lo.sub(target) : target.gt(hi) ? target.sub(hi) : Rational.ZERO;
      return dist.mul(factor);
    },
    rng,
  );
  const width = (upper - lower) / bins;
  const value = toColumnValue(Math.min(upper, Math.max(lower, lower + (chosen + 0.5) * width)), lower, upper, input.integer === true);
  // Exponential-mechanism utility bound: P(dist > 2Δ(ln bins + ln(1/β))/ε) ≤ β.
  const rankErrorBound = scale * (Math.log(bins) + Math.log(1 / (1 - confidence)));
  const release = {
    value,
    guarantee,
    interval: { lower, upper, confidence: 1, method: 'bounds' as const },
    noise: [{ kind: 'exponential-mechanism', scale }],
    rankErrorBound,
  };
  return !isSecureSource(rng) ? { ...release, notForRelease: true } : release;
}

/**
 * Post-processing of a released quantile for an integer column: the nearest
 * integer inside the bounds (unchanged when no integer lies inside them).
 */
function toColumnValue(x: number, lower: number, upper: number, integer: boolean): number {
  if (!integer) return x;
  const r = Math.round(x);
  const lo = Math.ceil(lower);
  const hi = Math.floor(upper);
  if (lo > hi) return x;
  return r < lo ? lo : r > hi ? hi : r;
}

/**
 * Validates the public parameters of a quantile release — bounds, bins,
 * quantiles, the interval share and the budget (each part must calibrate to
 * finite noise) — without reading any data, so a caller can refuse before it
 * charges. The same checks run again inside the release.
 * @throws DpError INVALID_PARAMETER
 * @privacy none (reads no data).
 */
export function checkQuantileParameters(
  input: {
    bounds: readonly [number, number];
    bins: number;
    quantiles: readonly number[];
    intervalShare?: number;
  } & Omit<ReleaseOptions, 'rng'>,
): void {
  checkBounds(input.bounds);
  if (!(Number.isSafeInteger(input.bins) && input.bins >= 2 && input.bins <= 1 << 20)) {
    throw new DpError('INVALID_PARAMETER', 'bins must be an integer in [2, 2^20]', { parameter: 'bins' });
  }
  if (!Array.isArray(input.quantiles) || input.quantiles.length === 0) {
    throw new DpError('INVALID_PARAMETER', 'quantiles must be a non-empty array', { parameter: 'quantiles' });
  }
  input.quantiles.forEach(checkQuantile);
  checkConfidence(input.confidence ?? 0.95);
  const partitions = checkPositiveInteger(input.maxPartitions ?? 1, 'maxPartitions');
  const contributions = checkPositiveInteger(input.maxContributionsPerPartition ?? 1, 'maxContributionsPerPartition');
  const share = input.intervalShare ?? 0;
  if (typeof share !== 'number' || !(share >= 0 && share < 1)) {
    throw new DpError('INVALID_PARAMETER', 'intervalShare must be in [0, 1)', { parameter: 'intervalShare' });
  }
  const single = input.quantiles.length === 1;
  const [pointBudget, treeBudget] =
    single && share > 0 ? (splitBudget(input.budget, [1 - share, share]) as [OutputBudget, OutputBudget]) : [input.budget, input.budget];
  if (single) {
    const { epsilon } = perPartitionEpsilon({ ...input, budget: pointBudget }, partitions);
    if (!(epsilon > 0 && Number.isFinite((2 * contributions) / epsilon))) {
      throw new DpError('INVALID_PARAMETER', 'the budget is too small for a quantile: its selection scale would not be finite', {
        parameter: 'budget',
      });
    }
  }
  if (!single || share > 0) {
    let height = 1;
    for (let leaves = 16; leaves < input.bins; leaves *= 16) height++;
    const h = BigInt(height);
    const p = BigInt(partitions);
    const c = BigInt(contributions);
    calibrateNoise(treeBudget, { l1: h * p * c, l2Squared: h * p * c * c });
  }
}

/**
 * Exact exponential-mechanism sampling over `bins` candidates with weights
 * exp(−cost(c)), where min cost = 0: propose uniformly, accept with the exact
 * Bernoulli(exp(−cost)). Expected proposals ≤ bins.
 */
function sampleExponentialOverBins(bins: number, cost: (c: number) => Rational, rng: RandomSource): number {
  for (;;) {
    const c = sampleUniformBelow(bins, rng);
    const x = cost(c);
    if (x.isZero() || sampleBernoulliExp(x, rng)) return c;
  }
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
  const [lower, upper] = checkBounds(input.bounds);
  const counts = readCounts(input.binCounts);
  const qs = input.quantiles.map(checkQuantile);
  const branching = checkPositiveInteger(input.branching ?? 16, 'branching');
  if (branching < 2) throw new DpError('INVALID_PARAMETER', 'branching must be >= 2', { parameter: 'branching' });
  const { partitions, contributions } = readBounding(input);
  const rng = input.rng ?? defaultRandomSource();
  let height = 1;
  let leaves = branching;
  while (leaves < counts.length) {
    leaves *= branching;
    height++;
  }
  const h = BigInt(height);
  const noise = calibrateNoise(input.budget, {
    l1: h * partitions * contributions,
    l2Squared: h * partitions * contributions * contributions,
  });
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
  const width = (upper - lower) / leaves;
  // Like Google's quantile tree, noisy counts at or below the noise's 95% half-width are read as empty
  // (post-processing): otherwise the noise of many empty bins drags extreme quantiles outwards.
  const cut = noise.halfWidth(0.95);
  const intervalOf = treeIntervals(levels, branching, noise.halfWidth.bind(noise), checkConfidence(input.confidence ?? 0.95), lower, width);
  const out: AggregateRelease[] = [];
  for (const q of qs) {
    let node = 0; // index of the current node at the level below
    // The target as a fraction of the current node's (noisy) mass, rescaled at each level.
    let target = q;
    for (let level = height - 1; level >= 0; level--) {
      const row = levels[level] as number[];
      const start = node * branching;
      let total = 0;
      let useCut = false;
      for (let j = 0; j < branching; j++) if ((row[start + j] ?? 0) > cut) useCut = true;
      const read = (j: number) => {
        const c = row[start + j] ?? 0;
        return useCut ? (c > cut ? c : 0) : Math.max(0, c);
      };
      for (let j = 0; j < branching; j++) total += read(j);
      let rank = target * total;
      let pick = branching - 1;
      let fraction = 0.5;
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
      if (level === 0) {
        const value = toColumnValue(
          Math.min(upper, Math.max(lower, lower + (node + fraction) * width)),
          lower,
          upper,
          input.integer === true,
        );
        const r = {
          value,
          guarantee: noise.guarantee,
          interval: intervalOf(q, upper),
          noise: [{ kind: noise.kind, scale: noise.scale }],
        };
        out.push(!isSecureSource(rng) ? { ...r, notForRelease: true } : r);
      }
    }
  }
  return out;
}
