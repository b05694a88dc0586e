/**
 * Releasing exact per-partition aggregates with DP: the step that turns what
 * a database (or `stats/`'s own one-pass aggregator) computed exactly into
 * noisy values with their guarantee and a confidence interval.
 *
 * Inputs are EXACT aggregates of one partition after contribution bounding:
 * every privacy unit contributes to at most `maxPartitions` partitions and at
 * most `maxContributionsPerPartition` rows in each. The guarantee is stated
 * for the neighbouring relation "add or remove one privacy unit" and covers
 * the whole vector of partitions released with the same budget (a unit
 * touches at most `maxPartitions` of them), so pass the budget of the OUTPUT
 * (e.g. "the mean column"), not a per-partition share.
 *
 * Sums are exact: values are clamped and mapped to a public fixed-point grid
 * (`sumGrid`, `meanGrid`, `varianceGrid`) and the integer sum is released with
 * integer noise (SECURITY.md §1, §3). Pure ε uses the discrete Laplace,
 * ρ-zCDP the discrete Gaussian (Canonne, Kamath, Steinke 2020).
 *
 * ## Rule: every released value is finite (issue 10, items 4 and 12)
 * A release is planned from its public parameters first (`planAggregate`;
 * `checkQuantileParameters` for quantiles; `checkAggregateQuery` for a whole
 * Session query, run before the charge). The plan refuses with
 * INVALID_PARAMETER, before anything is charged: bounds whose span or
 * magnitude is not a finite double (e.g. ±Number.MAX_VALUE), variance bounds
 * wider than 2⁵⁰⁰ (the variance's range must be finite), bounds × contributions
 * that overflow the double range, and budgets so small that the noise scale
 * passes 2⁸⁰ integer units (e.g. `{ rho: 5e-324 }`) or that the noise or
 * its interval, in value units, is not finite. What the data can still push
 * out of range (a sum of very many rows near the bounds) is saturated to
 * ±Number.MAX_VALUE — post-processing, the guarantee is unchanged — so every
 * value and interval end is finite.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { PrivacyLoss } from '../core/loss.js';
import { tracePublic } from '../core/trace.js';
import { nextUp } from '../numeric/float-bits.js';
import { defaultRandomSource, isSecureSource, type RandomSource } from '../random/source.js';
import { composeLosses } from './_internal/compose.js';
import {
  addNoise,
  type CalibratedNoise,
  calibrateNoise,
  checkConfidence,
  checkFiniteInValueUnits,
  checkPositiveInteger,
  type OutputBudget,
  readBounding,
  saturate,
  splitBudget,
} from './_internal/noise.js';
import { type FixedPointGrid, meanGrid, sumGrid, varianceGrid } from './fixed-point-grid.js';
import type { AggregateRelease, ConfidenceInterval, ContributionBounds, ExactInteger, ReleaseOptions } from './release-types.js';

export type { OutputBudget } from './output-budget.js';

export type {
  AggregateRelease,
  ConfidenceInterval,
  ContributionBounds,
  ExactInteger,
  ReleaseOptions,
} from './release-types.js';

function toBig(x: ExactInteger, name: string): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
  throw new DpError('INVALID_PARAMETER', `${name} must be a bigint or a safe integer`, { parameter: name });
}

/** Saturates value and interval to finite doubles (post-processing) and marks seeded results. */
function mark<T extends AggregateRelease>(x: T, rng: RandomSource): T {
  const finite = {
    ...x,
    value: saturate(x.value),
    interval: { ...x.interval, lower: saturate(x.interval.lower), upper: saturate(x.interval.upper) },
  };
  return !isSecureSource(rng) ? { ...finite, notForRelease: true } : finite;
}

function noiseInfo(...n: CalibratedNoise[]): { kind: string; scale: number }[] {
  return n.map((x) => ({ kind: x.kind, scale: x.scale }));
}

/** Sensitivity of a per-partition sum of per-row integers in [−k, k] under add/remove one unit. */
function sumSensitivity(perRow: bigint, o: ContributionBounds) {
  const { partitions, contributions } = readBounding(o);
  const perPartition = contributions * perRow;
  return { l1: partitions * perPartition, l2Squared: partitions * perPartition * perPartition, perPartition };
}

/** The aggregates `planAggregate` prices. */
export type AggregateKind = 'count' | 'sum' | 'mean' | 'variance' | 'stddev';

/** One noisy part of a release: its noise, its per-partition sensitivity (integer units) and the value of one unit. */
export interface NoisePart {
  readonly noise: CalibratedNoise;
  readonly perPartition: bigint;
  /** The value of one integer unit (1 for counts, the grid's granularity for sums, its square for sums of squares). */
  readonly unit: number;
}

/**
 * The public half of a release, computed from parameters only (never from
 * data): the grid, the calibrated noise of each part and the guarantee. Every
 * release function starts from its plan, and the Session and DP SQL build the
 * plan BEFORE they charge, so a parameter that cannot give a finite release
 * (bounds too wide, a budget too small) is refused with INVALID_PARAMETER
 * having charged nothing.
 */
export interface AggregatePlan {
  readonly kind: AggregateKind;
  /** The fixed-point grid (undefined for counts). */
  readonly grid: FixedPointGrid | undefined;
  readonly parts: readonly NoisePart[];
  /** The loss of the whole release (all parts composed). */
  readonly guarantee: PrivacyLoss;
  readonly confidence: number;
}

/** Parameters of `planAggregate`. */
export interface AggregatePlanInput extends ContributionBounds, SplitOptions {
  readonly budget: OutputBudget;
  /** Clamp bounds (all kinds but count). */
  readonly bounds?: readonly [number, number];
  readonly confidence?: number;
  /** Extra per-partition sensitivity in grid units (float sums; internal). */
  readonly widening?: bigint;
}

/**
 * Plans a release from its public parameters: validates them, builds the grid
 * and calibrates each part's noise, and checks that every value the release
 * can produce is finite (the per-unit contribution, the noise scale and the
 * interval half-width, in value units).
 * @param kind - count, sum, mean, variance or stddev.
 * @param input - budget, bounds, contribution bounds, confidence, split.
 * @returns the plan; its `guarantee` is what the release will state.
 * @throws DpError INVALID_PARAMETER when a parameter is invalid or the release could not be finite.
 * @privacy none (reads no data).
 * @example
 * planAggregate('mean', { bounds: [0, 100], budget: { epsilon: 1 } }).guarantee; // { kind: 'pure', epsilon: 1 }
 */
export function planAggregate(kind: AggregateKind, input: AggregatePlanInput): AggregatePlan {
  const confidence = checkConfidence(input.confidence ?? 0.95);
  const bounds = (): readonly [number, number] => {
    if (input.bounds === undefined) throw new DpError('INVALID_PARAMETER', `a ${kind} needs bounds`, { parameter: 'bounds' });
    return input.bounds;
  };
  const grid =
    kind === 'count' ? undefined : kind === 'sum' ? sumGrid(bounds()) : kind === 'mean' ? meanGrid(bounds()) : varianceGrid(bounds());
  const g = grid?.granularity ?? 1;
  const d = BigInt(grid?.maxUnits ?? 1);
  // Per-row magnitudes (integer units) and unit values of each part.
  const shapes: Array<[bigint, number]> =
    kind === 'count'
      ? [[1n, 1]]
      : kind === 'sum'
        ? [[d + (input.widening ?? 0n), g]]
        : kind === 'mean'
          ? [
              [1n, 1],
              [d, g],
            ]
          : [
              [1n, 1],
              [d, g],
              [d * d - (d * d) / 2n, g * g],
            ];
  const defaultSplit = shapes.map(() => 1);
  const budgets = shapes.length === 1 ? [input.budget] : splitBudget(input.budget, input.split ?? defaultSplit);
  if (budgets.length !== shapes.length) {
    throw new DpError('INVALID_PARAMETER', `split must have ${shapes.length} weights`, { parameter: 'split' });
  }
  const parts = shapes.map(([perRow, unit], i) => {
    const extra = kind === 'sum' ? perRow - d : 0n;
    const sens = sumSensitivity(perRow - extra, input);
    const perPartition = sens.perPartition + extra;
    const { partitions } = readBounding(input);
    const noise = calibrateNoise(budgets[i] as OutputBudget, {
      l1: partitions * perPartition,
      l2Squared: partitions * perPartition * perPartition,
    });
    // What one unit can move the released values by must be a finite double, and so must the noise.
    if (!Number.isFinite(Number(partitions * perPartition) * unit * 4)) {
      throw new DpError('INVALID_PARAMETER', 'bounds times contributions overflow the double range: narrow the bounds', {
        parameter: 'bounds',
      });
    }
    checkFiniteInValueUnits(noise, unit, confidence);
    return { noise, perPartition, unit };
  });
  const guarantee = parts.length === 1 ? (parts[0] as NoisePart).noise.guarantee : composeLosses(parts.map((p) => p.noise.guarantee));
  return { kind, grid, parts, guarantee, confidence };
}

/**
 * Releases a count of rows (after contribution bounding) with discrete
 * Laplace or discrete Gaussian noise.
 * @param input - `count`: the exact count; plus the release options.
 * @returns the noisy count (an integer, possibly negative: clamp it yourself if you prefer bias), its guarantee and an analytic interval.
 * @throws DpError INVALID_PARAMETER on a bad budget, bounds or count.
 * @privacy ε-DP (or ρ-zCDP) under add/remove one unit: L1 sensitivity maxPartitions·maxContributionsPerPartition.
 * @see Canonne, Kamath, Steinke (2020); Google DP `Count`.
 * @example
 * releaseCount({ count: 1234n, budget: { epsilon: 0.5 } }).value;
 */
export function releaseCount(input: { count: ExactInteger } & ReleaseOptions): AggregateRelease {
  const plan = planAggregate('count', input);
  const count = toBig(input.count, 'count');
  const rng = input.rng ?? defaultRandomSource();
  const { noise, perPartition } = plan.parts[0] as NoisePart;
  const noisy = Number(addNoise(noise, count, Number(perPartition), rng, 'count'));
  const k = noise.halfWidth(plan.confidence);
  return mark(
    {
      value: noisy,
      guarantee: plan.guarantee,
      interval: { lower: noisy - k, upper: noisy + k, confidence: plan.confidence, method: 'analytic' as const },
      noise: noiseInfo(noise),
    },
    rng,
  );
}

/**
 * Releases the number of distinct privacy units in a partition. Each unit
 * counts once per partition, so only `maxPartitions` matters.
 * @privacy ε-DP (or ρ-zCDP) under add/remove one unit: L1 sensitivity maxPartitions.
 * @throws DpError INVALID_PARAMETER
 */
export function releaseCountDistinct(
  input: { units: ExactInteger } & Omit<ReleaseOptions, 'maxContributionsPerPartition'>,
): AggregateRelease {
  return releaseCount({ ...input, count: input.units, maxContributionsPerPartition: 1 });
}

/**
 * Releases a sum of clamped values.
 *
 * Give `units`, the exact sum of `sumGrid(bounds).toUnits(x)` over the
 * partition's rows (what `ROUND(LEAST(GREATEST(x, lower), upper) * inverse)`
 * sums to in SQL), for an exact release. Or give `floatSum`, a double sum of
 * clamped values computed in any order, with `rowBound`, a public bound on the
 * partition's row count that the caller enforces: the sensitivity is then
 * widened by the worst-case rounding error 2·γ(n−1)·n·M (Higham 2002, §4.2;
 * Casacuberta et al. 2022) and by one grid step.
 * @returns value, guarantee and an analytic interval for the sum of grid-rounded clamped values (within n·g/2 of the exact clamped sum).
 * @throws DpError INVALID_PARAMETER on bad bounds, budget or inputs.
 * @privacy ε-DP (or ρ-zCDP) under add/remove one unit: L1 sensitivity maxPartitions·maxContributionsPerPartition·max(|lower|, |upper|) (in grid units).
 * @see Casacuberta, Shoemate, Vadhan, Wagaman (2022), "Widespread underestimation of sensitivity in DP libraries".
 * @example
 * const g = sumGrid([0, 100]);
 * const units = [3.5, 99, 250].reduce((s, x) => s + BigInt(g.toUnits(x)), 0n);
 * releaseSum({ units, bounds: [0, 100], budget: { epsilon: 1 } });
 */
export function releaseSum(
  input: ({ units: ExactInteger } | { floatSum: number; rowBound: number }) & { bounds: readonly [number, number] } & ReleaseOptions,
): AggregateRelease {
  const grid = sumGrid(input.bounds);
  const rng = input.rng ?? defaultRandomSource();
  let units: bigint;
  let widening = 0n;
  if ('units' in input) {
    units = toBig(input.units, 'units');
  } else {
    const rowBound = checkPositiveInteger(input.rowBound, 'rowBound');
    if (typeof input.floatSum !== 'number' || !Number.isFinite(input.floatSum)) {
      throw new DpError('INVALID_PARAMETER', 'floatSum must be a finite number', { parameter: 'floatSum' });
    }
    const m = Math.max(Math.abs(grid.lower), Math.abs(grid.upper));
    const u = 2 ** -53;
    const gamma = ((rowBound - 1) * u) / (1 - (rowBound - 1) * u);
    // Both neighbours may be off by the bound; one more grid step covers the final rounding.
    const error = nextUp(2 * gamma * rowBound * m);
    if (!Number.isFinite(error * grid.inverse)) {
      throw new DpError('INVALID_PARAMETER', 'bounds times rowBound overflow the double range', { parameter: 'rowBound' });
    }
    widening = BigInt(Math.ceil(error * grid.inverse)) + 1n;
    // A sum of at most rowBound clamped values lies within rowBound·maxUnits grid units (plus rounding): saturate
    // at twice that, so a sum that breaks the caller's row bound can never overflow to ±Infinity and throw.
    const cap = 2 * rowBound * grid.maxUnits;
    const scaled = input.floatSum * grid.inverse;
    units = BigInt(Math.round(Math.max(-cap, Math.min(cap, scaled))));
  }
  // The widening is per partition: a unit moves each of its partitions' sums by at most perPartition.
  const plan = planAggregate('sum', { ...input, widening });
  const { noise, perPartition } = plan.parts[0] as NoisePart;
  const noisyUnits = addNoise(noise, units, Number(perPartition) * grid.granularity, rng, 'sum');
  const k = noise.halfWidth(plan.confidence);
  const value = Number(noisyUnits) * grid.granularity;
  return mark(
    {
      value,
      guarantee: plan.guarantee,
      interval: {
        lower: (Number(noisyUnits) - k) * grid.granularity,
        upper: (Number(noisyUnits) + k) * grid.granularity,
        confidence: plan.confidence,
        method: 'analytic' as const,
      },
      noise: noiseInfo(noise),
    },
    rng,
  );
}

/** The division of a mean's (variance's) budget between its parts. */
export interface SplitOptions {
  /** Relative weights of count and normalized sum (and sum of squares). Default equal. */
  readonly split?: readonly number[];
}

function interval(lower: number, upper: number, confidence: number, method: ConfidenceInterval['method']): ConfidenceInterval {
  return { lower, upper, confidence, method };
}

/** Interval of ratios s/n over a box with n ≥ 1 (else undefined). */
function ratioRange(sLo: number, sHi: number, nLo: number, nHi: number): [number, number] | undefined {
  if (!(nLo >= 1)) return undefined;
  const r = [sLo / nLo, sLo / nHi, sHi / nLo, sHi / nHi];
  return [Math.min(...r), Math.max(...r)];
}

/**
 * Releases a mean of clamped values the way Google's `BoundedMean` does:
 * a noisy count and a noisy sum of values shifted by the bounds' midpoint
 * (halving the sum's sensitivity), divided, shifted back and clamped.
 *
 * Give `count` (rows with a valid value, after bounding) and `units`, the exact
 * sum of `meanGrid(bounds).toUnits(x)`.
 * @returns value in [lower, upper], guarantee (sum of both parts), and a union-bound interval (count and sum each at level 1 − α/2).
 * @throws DpError INVALID_PARAMETER
 * @privacy ε-DP (or ρ-zCDP) under add/remove one unit; the budget is split between count and sum (`split`, default equal).
 * @see Google differential-privacy, `algorithms/bounded-mean.h`.
 */
export function releaseMean(
  input: { count: ExactInteger; units: ExactInteger; bounds: readonly [number, number] } & ReleaseOptions & SplitOptions,
): AggregateRelease {
  const plan = planAggregate('mean', input);
  const grid = plan.grid as FixedPointGrid;
  const confidence = plan.confidence;
  const rng = input.rng ?? defaultRandomSource();
  const [countPart, sumPart] = plan.parts as [NoisePart, NoisePart];
  const countNoise = countPart.noise;
  const sumNoise = sumPart.noise;
  const n = Number(addNoise(countNoise, toBig(input.count, 'count'), Number(countPart.perPartition), rng, 'mean.count'));
  const s = Number(addNoise(sumNoise, toBig(input.units, 'units'), Number(sumPart.perPartition) * grid.granularity, rng, 'mean.sum'));
  const value = meanFrom(n, s, grid);
  const alpha = 1 - confidence;
  const kn = countNoise.halfWidth(1 - alpha / 2);
  const ks = sumNoise.halfWidth(1 - alpha / 2);
  const r = ratioRange((s - ks) * grid.granularity, (s + ks) * grid.granularity, n - kn, n + kn);
  const iv = r
    ? interval(clampTo(grid.shift + r[0], grid), clampTo(grid.shift + r[1], grid), confidence, 'union-bound')
    : interval(grid.lower, grid.upper, confidence, 'union-bound');
  return mark({ value, guarantee: plan.guarantee, interval: iv, noise: noiseInfo(countNoise, sumNoise) }, rng);
}

/**
 * Releases a mean when the number of rows is PUBLIC (`size`), as diffprivlib
 * and OpenDP's sized means do: only the midpoint-shifted sum is noised, and the
 * guarantee is stated for **change-one** neighbours (one unit's rows replaced,
 * the size kept), not add/remove. Give `units`, the exact sum of
 * `meanGrid(bounds).toUnits(x)` over exactly `size` rows (impute invalid
 * values; do not drop them, or the size is no longer what was declared).
 * @returns value in [lower, upper], guarantee, analytic interval.
 * @throws DpError INVALID_PARAMETER
 * @privacy ε-DP (or ρ-zCDP) under change-one-unit neighbours: L1 sensitivity maxPartitions·maxContributionsPerPartition·(upper − lower) (in grid units).
 */
export function releaseMeanKnownSize(
  input: { size: number; units: ExactInteger; bounds: readonly [number, number] } & ReleaseOptions,
): AggregateRelease {
  const grid = meanGrid(input.bounds);
  const size = checkPositiveInteger(input.size, 'size');
  const confidence = checkConfidence(input.confidence ?? 0.95);
  const rng = input.rng ?? defaultRandomSource();
  // Replacing a row moves its shifted unit value by at most 2·maxUnits.
  const s = sumSensitivity(2n * BigInt(grid.maxUnits), input);
  const noise = calibrateNoise(input.budget, s);
  const noisy = Number(addNoise(noise, toBig(input.units, 'units'), Number(s.perPartition) * grid.granularity, rng, 'mean.known-size'));
  const k = noise.halfWidth(confidence);
  const at = (u: number) => clampTo(grid.shift + (u / size) * grid.granularity, grid);
  return mark(
    {
      value: at(noisy),
      guarantee: noise.guarantee,
      interval: interval(at(noisy - k), at(noisy + k), confidence, 'analytic'),
      noise: noiseInfo(noise),
    },
    rng,
  );
}

function clampTo(x: number, grid: FixedPointGrid): number {
  return x < grid.lower ? grid.lower : x > grid.upper ? grid.upper : x;
}

function meanFrom(noisyCount: number, noisyUnits: number, grid: FixedPointGrid): number {
  const n = noisyCount < 1 ? 1 : noisyCount;
  return clampTo(grid.shift + (noisyUnits / n) * grid.granularity, grid);
}

/** Exact inputs of a variance: see `releaseVariance`. */
export interface VarianceInput {
  /** Rows with a valid value, after bounding. */
  readonly count: ExactInteger;
  /** Σ d over rows, with d = varianceGrid(bounds).toUnits(x). */
  readonly units: ExactInteger;
  /** Σ d² over rows (same d). */
  readonly squaredUnits: ExactInteger;
  readonly bounds: readonly [number, number];
}

/**
 * Releases a variance of clamped values (population variance, divisor n) as
 * Google's `BoundedVariance` does: noisy count, noisy sum and noisy sum of
 * squares of midpoint-shifted values (the squares shifted by half their range),
 * combined as E[d²] − E[d]² and clamped to [0, ((upper − lower)/2)²].
 *
 * Give `count`, `units` = Σ d and `squaredUnits` = Σ d², where
 * d = `varianceGrid(bounds).toUnits(x)` (|d| ≤ 2¹⁶ + 1, so d² is exact in a double).
 * @returns value, guarantee (sum of the three parts), union-bound interval (each part at 1 − α/3).
 * @throws DpError INVALID_PARAMETER
 * @privacy ε-DP (or ρ-zCDP) under add/remove one unit; budget split in three (`split`, default equal).
 * @see Google differential-privacy, `algorithms/bounded-variance.h`.
 */
export function releaseVariance(input: VarianceInput & ReleaseOptions & SplitOptions): AggregateRelease {
  return varianceRelease(input, false);
}

/**
 * Releases a standard deviation: the square root of `releaseVariance` (post-processing, same guarantee).
 * @throws DpError INVALID_PARAMETER
 * @privacy as `releaseVariance`.
 */
export function releaseStddev(input: VarianceInput & ReleaseOptions & SplitOptions): AggregateRelease {
  return varianceRelease(input, true);
}

function varianceRelease(input: VarianceInput & ReleaseOptions & SplitOptions, root: boolean): AggregateRelease {
  const plan = planAggregate(root ? 'stddev' : 'variance', input);
  const grid = plan.grid as FixedPointGrid;
  const confidence = plan.confidence;
  const rng = input.rng ?? defaultRandomSource();
  const [cp, sp, qp] = plan.parts as [NoisePart, NoisePart, NoisePart];
  const d = BigInt(grid.maxUnits);
  const d2 = d * d;
  const shift2 = d2 / 2n; // squares in [0, D²] shifted to [−⌊D²/2⌋, ⌈D²/2⌉]
  const count = toBig(input.count, 'count');
  const g = grid.granularity;
  const n = Number(addNoise(cp.noise, count, Number(cp.perPartition), rng, 'variance.count'));
  const s1 = Number(addNoise(sp.noise, toBig(input.units, 'units'), Number(sp.perPartition) * g, rng, 'variance.sum'));
  const s2 = Number(
    addNoise(
      qp.noise,
      toBig(input.squaredUnits, 'squaredUnits') - count * shift2,
      Number(qp.perPartition) * g * g,
      rng,
      'variance.sumOfSquares',
    ),
  );
  const maxVar = (Number(d) * g) ** 2;
  const clampVar = (v: number) => (v < 0 || Number.isNaN(v) ? 0 : v > maxVar ? maxVar : v);
  const nn = n < 1 ? 1 : n;
  const mean1 = s1 / nn;
  const mean2 = s2 / nn + Number(shift2);
  const variance = clampVar((mean2 - mean1 * mean1) * g * g);
  const alpha = 1 - confidence;
  const kn = cp.noise.halfWidth(1 - alpha / 3);
  const ks = sp.noise.halfWidth(1 - alpha / 3);
  const kq = qp.noise.halfWidth(1 - alpha / 3);
  const e1 = ratioRange(s1 - ks, s1 + ks, n - kn, n + kn);
  const e2 = ratioRange(s2 - kq, s2 + kq, n - kn, n + kn);
  let lo = 0;
  let hi = maxVar;
  if (e1 && e2) {
    const sq = [e1[0] * e1[0], e1[1] * e1[1]];
    const sqLo = e1[0] <= 0 && e1[1] >= 0 ? 0 : Math.min(...sq);
    const sqHi = Math.max(...sq);
    lo = clampVar((e2[0] + Number(shift2) - sqHi) * g * g);
    hi = clampVar((e2[1] + Number(shift2) - sqLo) * g * g);
  }
  const iv = root ? interval(Math.sqrt(lo), Math.sqrt(hi), confidence, 'union-bound') : interval(lo, hi, confidence, 'union-bound');
  return mark(
    {
      value: root ? Math.sqrt(variance) : variance,
      guarantee: plan.guarantee,
      interval: iv,
      noise: noiseInfo(cp.noise, sp.noise, qp.noise),
    },
    rng,
  );
}

/**
 * Records a public value on the trace hook (for grey-box audits). Exported for
 * the SQL layer, which treats declared keys and bounds as public.
 */
export function tracePublicParameter(name: string, value: unknown): void {
  tracePublic(name, value);
}
