/**
 * Releasing exact per-partition aggregates with DP — the table of contents of
 * the aggregate releases, kept as one import path for DP SQL and the Session:
 *
 * - `aggregate-plan.ts`: the public half of a release (grid, noise, guarantee), built before any charge;
 * - `release-count-sum.ts`: counts and sums (`releaseCount`, `releaseCountDistinct`, `releaseSum`);
 * - `release-mean-variance.ts`: means, variances, standard deviations;
 * - `release-measurement.ts`: the calculus under all of them (each is a
 *   `Measurement`; the guarantee and the charge are its `privacyMap(1)`);
 * - `public-parameters.ts`: `tracePublicParameter`, the record of every value treated as public.
 * @module
 */

export {
  type AggregateKind,
  type AggregatePlan,
  type AggregatePlanInput,
  type NoisePart,
  planAggregate,
  type SplitOptions,
} from './aggregate-plan.js';
export type { OutputBudget } from './output-budget.js';
export { tracePublicParameter } from './public-parameters.js';
export { makeCountMeasurement, makeSumMeasurement, releaseCount, releaseCountDistinct, releaseSum } from './release-count-sum.js';
export {
  type MeanExact,
  makeMeanKnownSizeMeasurement,
  makeMeanMeasurement,
  makeVarianceMeasurement,
  releaseMean,
  releaseMeanKnownSize,
  releaseStddev,
  releaseVariance,
  type VarianceExact,
  type VarianceInput,
} from './release-mean-variance.js';
export type {
  AggregateRelease,
  ConfidenceInterval,
  ContributionBounds,
  ExactInteger,
  ReleaseOptions,
} from './release-types.js';
