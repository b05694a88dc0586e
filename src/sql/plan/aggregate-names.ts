/**
 * The names of the aggregate functions the checker knows (a function call by
 * one of these names is an aggregate, wherever it appears).
 * @module
 */

/** Aggregate function names (lower case). */
export const AGGREGATES: ReadonlySet<string> = new Set([
  'count',
  'sum',
  'avg',
  'mean',
  'var',
  'variance',
  'var_samp',
  'var_pop',
  'stddev',
  'stddev_samp',
  'stddev_pop',
  'std',
  'median',
  'quantile',
  'quantile_cont',
  'percentile_cont',
  'min',
  'max',
]);
