/**
 * Means, variances and standard deviations of one partition's exact
 * aggregates, in the manner of Google's `BoundedMean` / `BoundedVariance`:
 * noisy count, noisy midpoint-shifted sum (and sum of squares), combined and
 * clamped. Each is a core `Measurement` (the bounded exact aggregates chained
 * into the noise of each part; its privacy map composes the parts' maps) and
 * releases through `releaseWith`, so the guarantee and the charge are its
 * `privacyMap(1)` (`release-measurement.ts`).
 * @module
 */

import type { LossKind } from '../core/loss.js';
import type { Measurement } from '../core/measurement.js';
import { edgeRecord } from '../numeric/edge.js';
import type { RandomSource } from '../random/source.js';
import { addNoise, calibrateNoise, checkConfidence, checkPositiveInteger } from './_internal/noise.js';
import { partOf, planAggregate, type SplitOptions, sumSensitivity } from './aggregate-plan.js';
import { type FixedPointGrid, meanGrid, varianceGrid } from './fixed-point-grid.js';
import { boundedAggregate, noisyRelease, releaseFields, releaseWith } from './release-measurement.js';
import { clampTo, interval, type ReleasedValue, ratioRange, saturateRelease, toExactInteger } from './release-post.js';
import type { AggregateRelease, ExactInteger, ReleaseOptions } from './release-types.js';

/** Release options without the run-time parts (what a measurement is built from). */
type BuildOptions = Omit<ReleaseOptions, 'rng' | 'spendFrom'>;

/** The exact inputs of a mean: rows with a valid value and Σ `meanGrid(bounds).toUnits(x)`. */
export interface MeanExact {
  readonly count: bigint;
  readonly units: bigint;
}

function meanFrom(noisyCount: number, noisyUnits: number, grid: FixedPointGrid): number {
  const n = noisyCount < 1 ? 1 : noisyCount;
  return clampTo(grid.shift + (noisyUnits / n) * grid.granularity, grid);
}

/**
 * The measurement of a mean release: count and midpoint-shifted sum, each with its share of the budget.
 * @param options - bounds, budget, split, contribution bounds, confidence.
 * @returns a measurement from the exact `{count, units}` to the mean and its union-bound interval.
 * @throws DpError INVALID_PARAMETER
 * @privacy `privacyMap(k)` composes the two parts' maps; at k = 1 the output budget.
 * @example
 * makeMeanMeasurement({ bounds: [0, 100], budget: { epsilon: 1 } }).privacyMap(1); // ε = 1
 */
export function makeMeanMeasurement(
  options: BuildOptions & SplitOptions & { bounds: readonly [number, number] },
): Measurement<MeanExact, ReleasedValue, LossKind> {
  const plan = planAggregate('mean', options);
  const grid = meanGrid(options.bounds);
  const countPart = partOf(plan, 0);
  const sumPart = partOf(plan, 1);
  const confidence = plan.confidence;
  return boundedAggregate<MeanExact>('count and sum of grid units', options, { kind: 'any', description: 'count and unit sum' }).then(
    noisyRelease(
      'noisy mean',
      { kind: 'any', description: 'count and unit sum' },
      [countPart.noise, sumPart.noise],
      (x: MeanExact, rng: RandomSource): ReleasedValue => {
        const n = Number(addNoise(countPart.noise, x.count, Number(countPart.perPartition), rng, 'mean.count'));
        const s = Number(addNoise(sumPart.noise, x.units, Number(sumPart.perPartition) * grid.granularity, rng, 'mean.sum'));
        const alpha = 1 - confidence;
        const kn = countPart.noise.halfWidth(1 - alpha / 2);
        const ks = sumPart.noise.halfWidth(1 - alpha / 2);
        const r = ratioRange((s - ks) * grid.granularity, (s + ks) * grid.granularity, n - kn, n + kn);
        return {
          value: meanFrom(n, s, grid),
          interval: r
            ? interval(clampTo(grid.shift + r[0], grid), clampTo(grid.shift + r[1], grid), confidence, 'union-bound')
            : interval(grid.lower, grid.upper, confidence, 'union-bound'),
          noise: [
            { kind: countPart.noise.kind, scale: countPart.noise.scale },
            { kind: sumPart.noise.kind, scale: sumPart.noise.scale },
          ],
        };
      },
    ),
  );
}

/**
 * Releases a mean of clamped values the way Google's `BoundedMean` does:
 * a noisy count and a noisy sum of values shifted by the bounds' midpoint
 * (halving the sum's sensitivity), divided, shifted back and clamped.
 *
 * Give `count` (rows with a valid value, after bounding) and `units`, the exact
 * sum of `meanGrid(bounds).toUnits(x)`.
 * @param input - the exact aggregates, bounds and release options (`spendFrom` to charge a `PrivacyBudget`).
 * @returns value in [lower, upper], guarantee (the measurement's `privacyMap(1)`: both parts composed), and a union-bound interval (count and sum each at level 1 − α/2).
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @privacy ε-DP (or ρ-zCDP) under add/remove one unit; the budget is split between count and sum (`split`, default equal).
 * @see Google differential-privacy, `algorithms/bounded-mean.h`.
 * @example
 * releaseMean({ count: 10n, units: 0n, bounds: [0, 100], budget: { epsilon: 1 } });
 */
export function releaseMean(
  input: { count: ExactInteger; units: ExactInteger; bounds: readonly [number, number] } & ReleaseOptions & SplitOptions,
): AggregateRelease {
  const m = makeMeanMeasurement(input);
  const exact = { count: toExactInteger(input.count, 'count'), units: toExactInteger(input.units, 'units') };
  const r = releaseWith(m, exact, input);
  return saturateRelease({ ...r.value, ...releaseFields(r) });
}

/**
 * The measurement of a mean with a PUBLIC size: only the shifted sum is
 * noised, for change-one-unit neighbours (one unit's rows replaced).
 * @param options - `size`, bounds, budget, contribution bounds, confidence.
 * @returns a measurement from the exact unit sum to the mean.
 * @throws DpError INVALID_PARAMETER
 * @privacy `privacyMap(k)` for k units changed; at k = 1 the output budget.
 */
export function makeMeanKnownSizeMeasurement(
  options: BuildOptions & { size: number; bounds: readonly [number, number] },
): Measurement<bigint, ReleasedValue, LossKind> {
  edgeRecord(options, 'options');
  const grid = meanGrid(options.bounds);
  const size = checkPositiveInteger(options.size, 'size');
  const confidence = checkConfidence(options.confidence ?? 0.95);
  // Replacing a row moves its shifted unit value by at most 2·maxUnits.
  const s = sumSensitivity(2n * BigInt(grid.maxUnits), options);
  const noise = calibrateNoise(options.budget, s);
  const k = noise.halfWidth(confidence);
  const at = (u: number) => clampTo(grid.shift + (u / size) * grid.granularity, grid);
  return boundedAggregate<bigint>(`sum of grid units over ${size} rows`, options, { kind: 'bigint' }).then(
    noisyRelease('noisy mean (public size)', { kind: 'bigint' }, [noise], (units: bigint, rng: RandomSource): ReleasedValue => {
      const noisy = Number(addNoise(noise, units, Number(s.perPartition) * grid.granularity, rng, 'mean.known-size'));
      return {
        value: at(noisy),
        interval: interval(at(noisy - k), at(noisy + k), confidence, 'analytic'),
        noise: [{ kind: noise.kind, scale: noise.scale }],
      };
    }),
  );
}

/**
 * Releases a mean when the number of rows is PUBLIC (`size`), as diffprivlib
 * and OpenDP's sized means do: only the midpoint-shifted sum is noised, and the
 * guarantee is stated for **change-one** neighbours (one unit's rows replaced,
 * the size kept), not add/remove. Give `units`, the exact sum of
 * `meanGrid(bounds).toUnits(x)` over exactly `size` rows (impute invalid
 * values; do not drop them, or the size is no longer what was declared).
 * @param input - `size`, `units`, bounds and release options.
 * @returns value in [lower, upper], guarantee (the measurement's `privacyMap(1)`), analytic interval.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @privacy ε-DP (or ρ-zCDP) under change-one-unit neighbours: L1 sensitivity maxPartitions·maxContributionsPerPartition·(upper − lower) (in grid units).
 * @example
 * releaseMeanKnownSize({ size: 100, units: 0n, bounds: [0, 1], budget: { epsilon: 1 } });
 */
export function releaseMeanKnownSize(
  input: { size: number; units: ExactInteger; bounds: readonly [number, number] } & ReleaseOptions,
): AggregateRelease {
  const m = makeMeanKnownSizeMeasurement(input);
  const r = releaseWith(m, toExactInteger(input.units, 'units'), input);
  return saturateRelease({ ...r.value, ...releaseFields(r) });
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

/** The exact inputs of a variance, as bigints. */
export interface VarianceExact {
  readonly count: bigint;
  readonly units: bigint;
  readonly squaredUnits: bigint;
}

/**
 * The measurement of a variance (or, with `root`, standard deviation) release: count, sum and shifted sum of squares.
 * @param options - bounds, budget, split, contribution bounds, confidence.
 * @param root - release the square root (post-processing).
 * @returns a measurement from the exact `{count, units, squaredUnits}`.
 * @throws DpError INVALID_PARAMETER
 * @privacy `privacyMap(k)` composes the three parts' maps; at k = 1 the output budget.
 */
export function makeVarianceMeasurement(
  options: BuildOptions & SplitOptions & { bounds: readonly [number, number] },
  root = false,
): Measurement<VarianceExact, ReleasedValue, LossKind> {
  const plan = planAggregate(root ? 'stddev' : 'variance', options);
  const grid = varianceGrid(options.bounds);
  const confidence = plan.confidence;
  const cp = partOf(plan, 0);
  const sp = partOf(plan, 1);
  const qp = partOf(plan, 2);
  const d = BigInt(grid.maxUnits);
  const shift2 = (d * d) / 2n; // squares in [0, D²] shifted to [−⌊D²/2⌋, ⌈D²/2⌉]
  const g = grid.granularity;
  const maxVar = (Number(d) * g) ** 2;
  const clampVar = (v: number) => (v < 0 || Number.isNaN(v) ? 0 : v > maxVar ? maxVar : v);
  const invoke = (x: VarianceExact, rng: RandomSource): ReleasedValue => {
    const n = Number(addNoise(cp.noise, x.count, Number(cp.perPartition), rng, 'variance.count'));
    const s1 = Number(addNoise(sp.noise, x.units, Number(sp.perPartition) * g, rng, 'variance.sum'));
    const s2 = Number(addNoise(qp.noise, x.squaredUnits - x.count * shift2, Number(qp.perPartition) * g * g, rng, 'variance.sumOfSquares'));
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
    return {
      value: root ? Math.sqrt(variance) : variance,
      interval: root ? interval(Math.sqrt(lo), Math.sqrt(hi), confidence, 'union-bound') : interval(lo, hi, confidence, 'union-bound'),
      noise: [cp, sp, qp].map((p) => ({ kind: p.noise.kind, scale: p.noise.scale })),
    };
  };
  return boundedAggregate<VarianceExact>('count, sum and sum of squares of grid units', options, {
    kind: 'any',
    description: 'count and unit sums',
  }).then(
    noisyRelease(
      root ? 'noisy stddev' : 'noisy variance',
      { kind: 'any', description: 'count and unit sums' },
      [cp.noise, sp.noise, qp.noise],
      invoke,
    ),
  );
}

/**
 * Releases a variance of clamped values (population variance, divisor n) as
 * Google's `BoundedVariance` does: noisy count, noisy sum and noisy sum of
 * squares of midpoint-shifted values (the squares shifted by half their range),
 * combined as E[d²] − E[d]² and clamped to [0, ((upper − lower)/2)²].
 *
 * Give `count`, `units` = Σ d and `squaredUnits` = Σ d², where
 * d = `varianceGrid(bounds).toUnits(x)` (|d| ≤ 2¹⁶ + 1, so d² is exact in a double).
 * @param input - the exact aggregates, bounds and release options.
 * @returns value, guarantee (the measurement's `privacyMap(1)`: the three parts composed), union-bound interval (each part at 1 − α/3).
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @privacy ε-DP (or ρ-zCDP) under add/remove one unit; budget split in three (`split`, default equal).
 * @see Google differential-privacy, `algorithms/bounded-variance.h`.
 * @example
 * releaseVariance({ count: 10n, units: 0n, squaredUnits: 0n, bounds: [0, 1], budget: { rho: 0.5 } });
 */
export function releaseVariance(input: VarianceInput & ReleaseOptions & SplitOptions): AggregateRelease {
  return varianceRelease(input, false);
}

/**
 * Releases a standard deviation: the square root of `releaseVariance` (post-processing, same guarantee).
 * @param input - as `releaseVariance`.
 * @returns as `releaseVariance`, square-rooted.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @privacy as `releaseVariance`.
 * @example
 * releaseStddev({ count: 10n, units: 0n, squaredUnits: 0n, bounds: [0, 1], budget: { epsilon: 1 } });
 */
export function releaseStddev(input: VarianceInput & ReleaseOptions & SplitOptions): AggregateRelease {
  return varianceRelease(input, true);
}

function varianceRelease(input: VarianceInput & ReleaseOptions & SplitOptions, root: boolean): AggregateRelease {
  const m = makeVarianceMeasurement(input, root);
  const exact = {
    count: toExactInteger(input.count, 'count'),
    units: toExactInteger(input.units, 'units'),
    squaredUnits: toExactInteger(input.squaredUnits, 'squaredUnits'),
  };
  const r = releaseWith(m, exact, input);
  return saturateRelease({ ...r.value, ...releaseFields(r) });
}
