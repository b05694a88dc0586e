/**
 * DP aggregate statistics: contribution bounding, clamping, exact sums,
 * count / sum / mean / variance / quantiles / histograms, partition selection
 * and bounds estimation, each released with its guarantee and a confidence
 * interval.
 * @module
 */

export {
  type AggregateQueryResult,
  type AggregateQuerySpec,
  type AggregateRow,
  type AggregateSpec,
  checkAggregateQuery,
  describeNeighbouring,
  type NeighbouringRelation,
  type QueryBudgetPlan,
  runAggregateQuery,
  runAggregateQueryAsync,
} from './aggregate-query.js';
export {
  type ApproximateBoundsOptions,
  type ApproximateBoundsValue,
  LogHistogram,
  logBinIndex,
  makeApproximateBoundsMeasurement,
  releaseApproximateBounds,
} from './approximate-bounds.js';
export {
  type BoundedColumnOptions,
  type ColumnAggregateOptions,
  dpCount,
  dpHistogram,
  dpMean,
  dpQuantile,
  dpQuantiles,
  dpStddev,
  dpSum,
  dpVariance,
  type HistogramRelease,
  splitOutputBudget,
} from './column-aggregates.js';
export { type BoundingParameters, boundContributions, ContributionBounder } from './contribution-bounding.js';
export {
  type ArrowTableLike,
  type ArrowVectorLike,
  checkColumnList,
  type DataSource,
  type InMemoryTable,
  type StreamSource,
  tableFromArrow,
  tableFromColumns,
  tableFromRecords,
} from './data-source.js';
export {
  boundsMidpoint,
  checkBounds as checkClampBounds,
  type FixedPointGrid,
  makeFixedPointGrid,
  meanGrid,
  sumGrid,
  varianceGrid,
} from './fixed-point-grid.js';
export { outputLoss } from './output-budget.js';
export {
  makePartitionSelectionMeasurement,
  makePartitionSelector,
  type PartitionSelector,
  type PartitionSelectorOptions,
  type SelectedPartitions,
  selectPartitions,
  truncatedGeometricProbabilities,
} from './partition-selection.js';
export {
  type AggregateKind,
  type AggregatePlan,
  type AggregatePlanInput,
  type AggregateRelease,
  type ConfidenceInterval as AggregateInterval,
  type ContributionBounds,
  type ExactInteger,
  type MeanExact,
  makeCountMeasurement,
  makeMeanKnownSizeMeasurement,
  makeMeanMeasurement,
  makeSumMeasurement,
  makeVarianceMeasurement,
  type NoisePart,
  type OutputBudget,
  planAggregate,
  type ReleaseOptions,
  releaseCount,
  releaseCountDistinct,
  releaseMean,
  releaseMeanKnownSize,
  releaseStddev,
  releaseSum,
  releaseVariance,
  type SplitOptions,
  tracePublicParameter,
  type VarianceExact,
  type VarianceInput,
} from './release-aggregates.js';
export {
  boundedAggregate,
  columnAggregate,
  groupLoss,
  type MeasuredRelease,
  noisyRelease,
  releaseFields,
  releaseWith,
  type SpendOptions,
  type SpendRecord,
  type UnitBounds,
} from './release-measurement.js';
export type { ReleasedValue } from './release-post.js';
export {
  checkQuantileParameters,
  DEFAULT_QUANTILE_BINS,
  FINE_INTERVAL_BINS,
  FINE_QUANTILE_BINS,
  fineQuantileGrid,
  makeFineQuantileMeasurement,
  makeQuantileMeasurement,
  makeQuantileTreeMeasurement,
  type QuantileParameters,
  type QuantileTreeParameters,
  type QuantileValue,
  quantileBinIndex,
  releaseQuantile,
  releaseQuantiles,
  type SparseBins,
} from './release-quantiles.js';
export {
  type ExactPartition,
  type GroupKey,
  type ReleaseTableInput,
  releaseTable,
  type TableKeys,
  type TableOutput,
} from './release-table.js';
export {
  applyValueRule,
  checkDeclaredKeys,
  checkInvalidValueRule,
  type DeclaredKey,
  type InvalidValueRule,
  keyText,
  readFiniteNumber,
} from './value-rules.js';
