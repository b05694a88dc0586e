/**
 * The release of one aggregate output of one group: its exact inputs (from
 * the engine row or the histogram) handed to the statistics release
 * functions with the output's share of the budget, the contribution bounds
 * and the confidence level. Counts are post-processed to be non-negative;
 * a quantile buys its interval with a share of its own budget (a one-level
 * quantile tree over coarse bins).
 * @module
 */
import { DpError } from '../core/errors.js';
import { Rational } from '../numeric/rational.js';
import type { RandomSource } from '../random/source.js';
import {
  type AggregateRelease,
  type OutputBudget,
  planAggregate,
  releaseCount,
  releaseMean,
  releaseStddev,
  releaseSum,
  releaseVariance,
} from '../stats/release-aggregates.js';
import { checkQuantileParameters, releaseQuantile, releaseQuantiles } from '../stats/release-quantiles.js';
import type { OutputInputs } from './compile.js';
import { QUANTILE_INTERVAL_BINS } from './dp-sql-types.js';
import type { EngineRow } from './engine.js';
import { toBig } from './engine-values.js';
import type { PlanAggregate } from './plan.js';

/** Sums `bins` into `coarse` equal groups of adjacent bins, or null when they do not divide evenly. */
function coarsenBins(bins: readonly bigint[], coarse: number): bigint[] | null {
  if (bins.length <= coarse || bins.length % coarse !== 0) return null;
  const width = bins.length / coarse;
  return Array.from({ length: coarse }, (_, i) => bins.slice(i * width, (i + 1) * width).reduce((a, b) => a + b, 0n));
}

/** Splits one output's exact ε (or ρ) into (1 − share, share), each rounded down, so that the two never exceed it. */
function shareBudget(amount: Rational, share: number, noise: 'laplace' | 'gaussian'): [OutputBudget, OutputBudget] {
  const tree = Rational.fromNumber(share);
  const parts = [amount.mul(Rational.ONE.sub(tree)).toNumberDown(), amount.mul(tree).toNumberDown()];
  return parts.map((x) => (noise === 'gaussian' ? { rho: x } : { epsilon: x })) as [OutputBudget, OutputBudget];
}

/** What releasing one aggregate output of one group needs. */
export interface OutputRelease {
  readonly aggregate: PlanAggregate;
  /** Where its exact inputs are. */
  readonly inputs: OutputInputs;
  /** Its share of the budget: ε (Laplace) or ρ (Gaussian). */
  readonly share: Rational;
  readonly noise: 'laplace' | 'gaussian';
  /** The column holding the units count (COUNT(DISTINCT unit) reads it with sensitivity 1). */
  readonly unitsColumn: string;
  /** Partitions per unit the noise is calibrated for, and contributions per partition. */
  readonly partitions: number;
  readonly contributions: number;
  readonly confidence: number;
  /** The quantile interval share (0: none). */
  readonly intervalShare: number;
  /** The group's engine row (undefined for an empty declared group) and its histogram (quantiles). */
  readonly row: EngineRow | undefined;
  readonly histogram: readonly bigint[] | undefined;
  /** Bins of the quantile histogram, when the group has none. */
  readonly bins: number;
  readonly rng: RandomSource;
}

/**
 * Releases one aggregate output of one group.
 * @param o - the output, its inputs, budget share and bounds.
 * @returns the noisy value with its interval.
 * @throws DpError INTERNAL on an inconsistent compiled query or an engine value that is not an exact integer.
 * @privacy the output's share of the budget (ε-DP or ρ-zCDP) under the contribution bounds the rewrite enforced.
 */
export function releaseOutput(o: OutputRelease): AggregateRelease {
  const { inputs: inp, share: eps, rng } = o;
  const budget = o.noise === 'gaussian' ? { rho: eps.toNumberDown() } : { epsilon: eps.toNumberDown() };
  const C = o.contributions;
  const opts = { budget, maxPartitions: o.partitions, maxContributionsPerPartition: C, confidence: o.confidence, rng };
  const get = (col: string) => toBig(o.row?.[col]);
  const intervalShare = o.intervalShare;
  let rel: AggregateRelease;
  switch (inp.kind) {
    case 'count': {
      const isUnits = inp.count === o.unitsColumn;
      rel = releaseCount({ ...opts, count: get(inp.count), maxContributionsPerPartition: isUnits ? 1 : C });
      // Counts are post-processed to be non-negative; the exact count is ≥ 0, so the interval may be cut at 0 too.
      rel = {
        ...rel,
        value: Math.max(0, rel.value),
        interval: { ...rel.interval, lower: Math.max(0, rel.interval.lower), upper: Math.max(0, rel.interval.upper) },
      };
      break;
    }
    case 'sum':
      rel = releaseSum({ ...opts, units: get(inp.units), bounds: inp.bounds });
      break;
    case 'mean':
      rel = releaseMean({ ...opts, count: get(inp.count), units: get(inp.units), bounds: inp.bounds });
      break;
    case 'variance': {
      const a = o.aggregate;
      const vin = { ...opts, count: get(inp.count), units: get(inp.units), squaredUnits: get(inp.squares), bounds: inp.bounds };
      rel = a.kind === 'variance' && a.stddev ? releaseStddev(vin) : releaseVariance(vin);
      break;
    }
    case 'quantile': {
      const a = o.aggregate;
      const bins = o.histogram ? [...o.histogram] : new Array<bigint>(o.bins).fill(0n);
      const quantile = a.kind === 'quantile' ? a.p : 0.5;
      const coarse = coarsenBins(bins, QUANTILE_INTERVAL_BINS);
      if (intervalShare === 0 || !coarse) {
        // Part of this output's own budget buys a quantile tree over the same bins (as Session.quantile does).
        rel = releaseQuantile({ ...opts, binCounts: bins, bounds: inp.bounds, quantile, intervalShare });
        break;
      }
      // The value from the exponential mechanism over the fine bins; its interval from a one-level quantile tree over
      // QUANTILE_INTERVAL_BINS coarse bins (unions of fine ones, same edges), bought with `intervalShare` of this
      // output's budget. A one-level tree's union bound is about 6× tighter in rank than a two-level tree over 256 bins.
      const [pointBudget, treeBudget] = shareBudget(eps, intervalShare, o.noise);
      const point = releaseQuantile({ ...opts, budget: pointBudget, binCounts: bins, bounds: inp.bounds, quantile });
      const [tree] = releaseQuantiles({
        ...opts,
        budget: treeBudget,
        binCounts: coarse,
        bounds: inp.bounds,
        quantiles: [quantile],
        branching: QUANTILE_INTERVAL_BINS,
      });
      if (!tree) throw new DpError('INTERNAL', 'no quantile tree release');
      const lower = Math.min(tree.interval.lower, point.value);
      const upper = Math.max(tree.interval.upper, point.value);
      rel = { ...point, interval: { ...tree.interval, lower, upper } };
      break;
    }
    default: {
      const never: never = inp;
      throw new DpError('INTERNAL', `unknown output ${JSON.stringify(never)}`);
    }
  }
  return rel;
}

/**
 * Plans the release of one aggregate output from its public parameters only, as `releaseOutput` will make it:
 * the statistics layer's own checks (bounds, noise scale, finiteness in value units) run here, BEFORE the charge,
 * so a release that would refuse them is refused uncharged.
 * @param o - the output's parameters (no row or histogram is read).
 * @throws DpError INVALID_PARAMETER when the statistics layer would refuse the release.
 * @privacy reads no data.
 */
export function planOutput(o: Omit<OutputRelease, 'row' | 'histogram' | 'rng'>): void {
  const { inputs: inp, share: eps } = o;
  const budget = o.noise === 'gaussian' ? { rho: eps.toNumberDown() } : { epsilon: eps.toNumberDown() };
  const base = { budget, maxPartitions: o.partitions, maxContributionsPerPartition: o.contributions, confidence: o.confidence };
  switch (inp.kind) {
    case 'count':
      planAggregate('count', { ...base, maxContributionsPerPartition: inp.count === o.unitsColumn ? 1 : o.contributions });
      return;
    case 'sum':
    case 'mean':
      planAggregate(inp.kind, { ...base, bounds: inp.bounds });
      return;
    case 'variance': {
      const a = o.aggregate;
      planAggregate(a.kind === 'variance' && a.stddev ? 'stddev' : 'variance', { ...base, bounds: inp.bounds });
      return;
    }
    case 'quantile': {
      const a = o.aggregate;
      const quantile = a.kind === 'quantile' ? a.p : 0.5;
      if (o.intervalShare === 0) {
        checkQuantileParameters({ ...base, bounds: inp.bounds, bins: o.bins, quantiles: [quantile], intervalShare: 0 });
        return;
      }
      const [pointBudget, treeBudget] = shareBudget(eps, o.intervalShare, o.noise);
      checkQuantileParameters({ ...base, budget: pointBudget, bounds: inp.bounds, bins: o.bins, quantiles: [quantile] });
      checkQuantileParameters({ ...base, budget: treeBudget, bounds: inp.bounds, bins: QUANTILE_INTERVAL_BINS, quantiles: [quantile] });
      // The tree's per-bin count noise must stay within the statistics layer's largest scale (2⁸⁰), which
      // checkQuantileParameters does not check: a conservative bound (4× the count sensitivity over the budget).
      const tb = treeBudget as { epsilon?: number; rho?: number };
      const reach =
        tb.rho !== undefined
          ? (4 * Math.sqrt(o.partitions) * o.contributions) / Math.sqrt(2 * tb.rho)
          : (4 * o.partitions * o.contributions) / (tb.epsilon ?? 0);
      if (!(reach <= 2 ** 80))
        throw new DpError('INVALID_PARAMETER', 'the budget is too small for this sensitivity: the noise scale would pass 2^80', {
          parameter: 'budget',
        });
      return;
    }
    default: {
      const never: never = inp;
      throw new DpError('INTERNAL', `unknown output ${JSON.stringify(never)}`);
    }
  }
}
