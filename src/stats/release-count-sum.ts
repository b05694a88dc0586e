/**
 * Counts and sums of one partition's exact aggregates, released with integer
 * noise (discrete Laplace for ε, discrete Gaussian for ρ; Canonne, Kamath,
 * Steinke 2020) — each a core `Measurement` (`makeCountMeasurement`,
 * `makeSumMeasurement`: the bounded exact aggregate chained into its noise)
 * whose `privacyMap(1)` is the stated guarantee and the charge
 * (`release-measurement.ts`).
 *
 * Inputs are EXACT aggregates of one partition after contribution bounding:
 * every privacy unit contributes to at most `maxPartitions` partitions and at
 * most `maxContributionsPerPartition` rows in each. The guarantee is stated
 * for "add or remove one privacy unit" and covers the whole vector of
 * partitions released with the same budget, so pass the budget of the OUTPUT.
 * Sums are exact on a public fixed-point grid (SECURITY.md §1, §3).
 * @module
 */

import { DpError } from '../core/errors.js';
import type { LossKind } from '../core/loss.js';
import type { Measurement } from '../core/measurement.js';
import { edgeRecord } from '../numeric/edge.js';
import { nextUp } from '../numeric/float-bits.js';
import type { RandomSource } from '../random/source.js';
import { addNoise, checkPositiveInteger } from './_internal/noise.js';
import { partOf, planAggregate } from './aggregate-plan.js';
import { sumGrid } from './fixed-point-grid.js';
import { boundedAggregate, noisyRelease, releaseFields, releaseWith } from './release-measurement.js';
import { type ReleasedValue, saturateRelease, toExactInteger } from './release-post.js';
import type { AggregateRelease, ExactInteger, ReleaseOptions } from './release-types.js';

/**
 * The measurement of a count release: the exact bounded count chained into
 * discrete Laplace / Gaussian noise calibrated to maxPartitions·maxContributionsPerPartition.
 * @param options - budget, contribution bounds, confidence.
 * @returns a measurement from the exact count (bigint) to the noisy count and its interval.
 * @throws DpError INVALID_PARAMETER on a bad budget or bounds.
 * @privacy `privacyMap(k)` = the noise's loss for k units added or removed; at k = 1 the output budget.
 * @example
 * makeCountMeasurement({ budget: { epsilon: 0.5 } }).privacyMap(1); // { kind: 'pure', epsilon: 0.5 }
 */
export function makeCountMeasurement(options: Omit<ReleaseOptions, 'rng' | 'spendFrom'>): Measurement<bigint, ReleasedValue, LossKind> {
  edgeRecord(options, 'options');
  const plan = planAggregate('count', options);
  const { noise, perPartition } = partOf(plan, 0);
  const k = noise.halfWidth(plan.confidence);
  return boundedAggregate<bigint>('count', options, { kind: 'bigint' }).then(
    noisyRelease('noisy count', { kind: 'bigint' }, [noise], (count: bigint, rng: RandomSource): ReleasedValue => {
      const noisy = Number(addNoise(noise, count, Number(perPartition), rng, 'count'));
      return {
        value: noisy,
        interval: { lower: noisy - k, upper: noisy + k, confidence: plan.confidence, method: 'analytic' },
        noise: [{ kind: noise.kind, scale: noise.scale }],
      };
    }),
  );
}

/**
 * Releases a count of rows (after contribution bounding) with discrete
 * Laplace or discrete Gaussian noise.
 * @param input - `count`: the exact count; plus the release options (`spendFrom` to charge a `PrivacyBudget`).
 * @returns the noisy count (an integer, possibly negative: clamp it yourself if you prefer bias), its guarantee (the measurement's `privacyMap(1)`) and an analytic interval.
 * @throws DpError INVALID_PARAMETER on a bad budget, bounds or count; BUDGET_EXHAUSTED (nothing charged) when `spendFrom` cannot pay.
 * @privacy ε-DP (or ρ-zCDP) under add/remove one unit: L1 sensitivity maxPartitions·maxContributionsPerPartition.
 * @see Canonne, Kamath, Steinke (2020); Google DP `Count`.
 * @example
 * releaseCount({ count: 1234n, budget: { epsilon: 0.5 } }).value;
 */
export function releaseCount(input: { count: ExactInteger } & ReleaseOptions): AggregateRelease {
  edgeRecord(input, 'input');
  const m = makeCountMeasurement(input);
  const r = releaseWith(m, toExactInteger(input.count, 'count'), input);
  return saturateRelease({ ...r.value, ...releaseFields(r) });
}

/**
 * Releases the number of distinct privacy units in a partition. Each unit
 * counts once per partition, so only `maxPartitions` matters.
 * @param input - `units`: the exact number of distinct units; plus the release options.
 * @returns as `releaseCount`.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @privacy ε-DP (or ρ-zCDP) under add/remove one unit: L1 sensitivity maxPartitions.
 * @example
 * releaseCountDistinct({ units: 40n, budget: { epsilon: 1 } });
 */
export function releaseCountDistinct(
  input: { units: ExactInteger } & Omit<ReleaseOptions, 'maxContributionsPerPartition'>,
): AggregateRelease {
  edgeRecord(input, 'input');
  return releaseCount({ ...input, count: input.units, maxContributionsPerPartition: 1 });
}

/**
 * The measurement of a sum release on `sumGrid(bounds)`: the exact grid-unit
 * sum chained into noise calibrated to maxPartitions·maxContributionsPerPartition·maxUnits (+ `widening`).
 * @param options - bounds, budget, contribution bounds, confidence, and `widening` (extra grid units per partition, for float sums).
 * @returns a measurement from the exact unit sum (bigint) to the noisy sum and its interval.
 * @throws DpError INVALID_PARAMETER
 * @privacy `privacyMap(1)` = the output budget.
 * @example
 * makeSumMeasurement({ bounds: [0, 10], budget: { rho: 0.5 } }).privacyMap(2); // { kind: 'zcdp', rho: 2 }
 */
export function makeSumMeasurement(
  options: Omit<ReleaseOptions, 'rng' | 'spendFrom'> & { bounds: readonly [number, number]; widening?: bigint },
): Measurement<bigint, ReleasedValue, LossKind> {
  edgeRecord(options, 'options');
  const grid = sumGrid(options.bounds);
  const plan = planAggregate('sum', options);
  const { noise, perPartition } = partOf(plan, 0);
  const k = noise.halfWidth(plan.confidence);
  const g = grid.granularity;
  return boundedAggregate<bigint>('sum of grid units', options, { kind: 'bigint' }).then(
    noisyRelease('noisy sum', { kind: 'bigint' }, [noise], (units: bigint, rng: RandomSource): ReleasedValue => {
      const noisyUnits = Number(addNoise(noise, units, Number(perPartition) * g, rng, 'sum'));
      return {
        value: noisyUnits * g,
        interval: { lower: (noisyUnits - k) * g, upper: (noisyUnits + k) * g, confidence: plan.confidence, method: 'analytic' },
        noise: [{ kind: noise.kind, scale: noise.scale }],
      };
    }),
  );
}

/** Grid units of a float sum of at most `rowBound` clamped values, and the widening that covers its rounding. */
function floatSumUnits(floatSum: number, rowBound: number, bounds: readonly [number, number]): { units: bigint; widening: bigint } {
  const grid = sumGrid(bounds);
  const rows = checkPositiveInteger(rowBound, 'rowBound');
  if (typeof floatSum !== 'number' || !Number.isFinite(floatSum)) {
    throw new DpError('INVALID_PARAMETER', 'floatSum must be a finite number', { parameter: 'floatSum' });
  }
  const m = Math.max(Math.abs(grid.lower), Math.abs(grid.upper));
  const u = 2 ** -53;
  const gamma = ((rows - 1) * u) / (1 - (rows - 1) * u);
  // Both neighbours may be off by the bound; one more grid step covers the final rounding.
  const error = nextUp(2 * gamma * rows * m);
  if (!Number.isFinite(error * grid.inverse)) {
    throw new DpError('INVALID_PARAMETER', 'bounds times rowBound overflow the double range', { parameter: 'rowBound' });
  }
  const widening = BigInt(Math.ceil(error * grid.inverse)) + 1n;
  // A sum of at most rowBound clamped values lies within rowBound·maxUnits grid units (plus rounding): saturate
  // at twice that, so a sum that breaks the caller's row bound can never overflow to ±Infinity and throw.
  const cap = 2 * rows * grid.maxUnits;
  const scaled = floatSum * grid.inverse;
  return { units: BigInt(Math.round(Math.max(-cap, Math.min(cap, scaled)))), widening };
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
 * @param input - `units` or `floatSum` + `rowBound`, `bounds`, and the release options.
 * @returns value, guarantee (the measurement's `privacyMap(1)`) and an analytic interval for the sum of grid-rounded clamped values (within n·g/2 of the exact clamped sum).
 * @throws DpError INVALID_PARAMETER on bad bounds, budget or inputs; BUDGET_EXHAUSTED with `spendFrom`.
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
  edgeRecord(input, 'input');
  const exact =
    'units' in input
      ? { units: toExactInteger(input.units, 'units'), widening: 0n }
      : floatSumUnits(input.floatSum, input.rowBound, input.bounds);
  const m = makeSumMeasurement({ ...input, widening: exact.widening });
  const r = releaseWith(m, exact.units, input);
  return saturateRelease({ ...r.value, ...releaseFields(r) });
}
