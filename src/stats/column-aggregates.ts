/**
 * One-call DP aggregates over a single column, where each row is its own
 * privacy unit (add/remove one row): the fast path for arrays and typed
 * arrays. Each is a core `Measurement`: a row-level transformation to the
 * column's exact aggregate (`column-sums.ts`) chained into the release's
 * measurement (`release-count-sum.ts`, `release-mean-variance.ts`,
 * `quantile-selection.ts`, `quantile-tree.ts`), released by `releaseWith` so
 * that the guarantee, and the charge of a passed `spendFrom` budget, are its
 * `privacyMap(1)`. For privacy units, groups and budgets over many queries,
 * use `Session`.
 * @module
 */

import type { PrivacyBudget } from '../core/budget.js';
import { anyDomain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import type { LossKind, PrivacyLoss } from '../core/loss.js';
import type { Measurement } from '../core/measurement.js';
import { edgeArray, edgeArrayLike, edgeRecord } from '../numeric/edge.js';
import type { RandomSource } from '../random/source.js';
import { type OutputBudget, splitBudget } from './_internal/noise.js';
import { binCounts, gridSums, keyCounts, rowBins } from './column-sums.js';
import { meanGrid, sumGrid, varianceGrid } from './fixed-point-grid.js';
import { tracePublicParameter } from './public-parameters.js';
import { DEFAULT_QUANTILE_BINS } from './quantile-common.js';
import { fineQuantileGrid, makeFineQuantileMeasurement, makeQuantileMeasurement } from './quantile-selection.js';
import { sparseFromRowBins } from './quantile-sparse.js';
import { makeQuantileTreeMeasurement } from './quantile-tree.js';
import { makeCountMeasurement, makeSumMeasurement } from './release-count-sum.js';
import { makeMeanKnownSizeMeasurement, makeMeanMeasurement, makeVarianceMeasurement } from './release-mean-variance.js';
import { columnAggregate, noisyRelease, releaseFields, releaseWith, type SpendOptions } from './release-measurement.js';
import { saturateRelease } from './release-post.js';
import type { AggregateRelease } from './release-types.js';
import { checkInvalidValueRule, type InvalidValueRule } from './value-rules.js';

/** Options of the column aggregates. */
export interface ColumnAggregateOptions extends SpendOptions {
  /** The budget of this release: `{ epsilon }` or `{ rho }`. */
  readonly budget: OutputBudget;
  readonly confidence?: number;
  readonly rng?: RandomSource;
  /** Missing/malformed values: 'drop' (default) or { impute: v }. */
  readonly onInvalid?: InvalidValueRule;
}

/** Options of value aggregates: declared public bounds. */
export interface BoundedColumnOptions extends ColumnAggregateOptions {
  readonly bounds: readonly [number, number];
}

/** The public parameters a column release's measurement is built from. */
function params(o: ColumnAggregateOptions): { budget: OutputBudget; confidence?: number } {
  return o.confidence === undefined ? { budget: o.budget } : { budget: o.budget, confidence: o.confidence };
}

/** Releases a column through `chain(transformation, measurement)` and attaches its guarantee. */
function releaseColumn<C, X>(
  what: string,
  exact: (column: C) => X,
  m: Measurement<X, Omit<AggregateRelease, 'guarantee'>, LossKind>,
  column: C,
  o: ColumnAggregateOptions,
): AggregateRelease {
  const measurement = columnAggregate<C, X>(what, m.inputDomain, exact).then(m);
  const r = releaseWith(measurement, column, o);
  return saturateRelease({ ...r.value, ...releaseFields(r) });
}

/**
 * DP count of rows (each row its own unit).
 * @param values - the column, or a row count.
 * @param options - budget, confidence, rng, `spendFrom`.
 * @returns the noisy count; its guarantee is the measurement's `privacyMap(1)`.
 * @privacy ε-DP / ρ-zCDP under add/remove one row.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @example
 * dpCount(ages, { budget: { epsilon: 1 } }).value;
 */
export function dpCount(values: ArrayLike<unknown> | number, options: ColumnAggregateOptions): AggregateRelease {
  if (typeof values !== 'number') edgeArrayLike(values, 'values');
  edgeRecord(options, 'options');
  return releaseColumn(
    'row count',
    (v: ArrayLike<unknown> | number) => BigInt(typeof v === 'number' ? v : v.length),
    makeCountMeasurement(params(options)),
    values,
    options,
  );
}

/**
 * DP sum of clamped values, exact (fixed-point grid).
 * @param values - the column.
 * @param options - bounds, budget, confidence, rng, onInvalid, `spendFrom`.
 * @returns the noisy sum; its guarantee is the measurement's `privacyMap(1)`.
 * @privacy ε-DP / ρ-zCDP under add/remove one row; sensitivity max(|lower|, |upper|).
 * @throws DpError INVALID_PARAMETER on bad bounds or budget; BUDGET_EXHAUSTED with `spendFrom`.
 * @example
 * dpSum(new Float64Array([1, 2, 3]), { bounds: [0, 10], budget: { epsilon: 1 } });
 */
export function dpSum(values: ArrayLike<unknown>, options: BoundedColumnOptions): AggregateRelease {
  edgeArrayLike(values, 'values');
  edgeRecord(options, 'options');
  const grid = sumGrid(options.bounds);
  const rule = checkInvalidValueRule(options.onInvalid);
  return releaseColumn(
    'clamped grid sum',
    (v: ArrayLike<unknown>) => gridSums(v, grid, rule, false).units,
    makeSumMeasurement({ ...params(options), bounds: options.bounds }),
    values,
    options,
  );
}

/**
 * DP mean of clamped values (Google's BoundedMean: noisy count and noisy midpoint-shifted sum).
 * With `size: n` the number of rows is a DECLARED public value (diffprivlib's and OpenDP's sized mean): only the
 * sum is noised, over exactly n rows — the first n values (rows beyond them are dropped), missing rows and invalid
 * values counted as the midpoint. The size is never read from the data (`values.length` would publish it: the
 * noise scale is (upper − lower)/n; review finding mean-public-size), and adding or removing one row changes at
 * most one of the n rows, so the guarantee holds for add/remove and change-one neighbours alike.
 * @param values - the column.
 * @param options - bounds, budget, confidence, rng, onInvalid, `size` (declared, public), `spendFrom`.
 * @returns the noisy mean; its guarantee is the measurement's `privacyMap(1)`.
 * @privacy ε-DP / ρ-zCDP under add/remove one row (with `size`: also under change-one).
 * @throws DpError INVALID_PARAMETER (also for the removed `publicSize`: declare `size`); BUDGET_EXHAUSTED with `spendFrom`.
 * @example
 * dpMean(ages, { bounds: [17, 90], budget: { epsilon: 1 } }).value;
 * dpMean(ages, { bounds: [17, 90], budget: { epsilon: 1 }, size: 30_162 }).value; // the census says 30,162 people
 */
export function dpMean(values: ArrayLike<unknown>, options: BoundedColumnOptions & { size?: number }): AggregateRelease {
  edgeArrayLike(values, 'values');
  edgeRecord(options, 'options');
  const grid = meanGrid(options.bounds);
  if (typeof options === 'object' && options !== null && 'publicSize' in options) {
    throw new DpError('INVALID_PARAMETER', 'publicSize is replaced by size: declare the public number of rows (size: n)', {
      parameter: 'publicSize',
    });
  }
  if (options.size !== undefined) {
    const size = options.size;
    tracePublicParameter('size', size);
    // Missing rows and invalid values count as the midpoint (0 grid units), so the sum is over exactly `size` rows.
    const rule =
      options.onInvalid === undefined || options.onInvalid === 'drop' ? { impute: grid.shift } : checkInvalidValueRule(options.onInvalid);
    const measurement = makeMeanKnownSizeMeasurement({ ...params(options), bounds: options.bounds, size });
    return releaseColumn(
      `clamped grid sum over the first ${size} rows (declared size)`,
      (v: ArrayLike<unknown>) => gridSums(firstRows(v, size), grid, rule, false).units,
      measurement,
      values,
      options,
    );
  }
  const rule = checkInvalidValueRule(options.onInvalid);
  return releaseColumn(
    'count and clamped grid sum',
    (v: ArrayLike<unknown>) => {
      const s = gridSums(v, grid, rule, false);
      return { count: BigInt(s.count), units: s.units };
    },
    makeMeanMeasurement({ ...params(options), bounds: options.bounds }),
    values,
    options,
  );
}

/** The first `n` items of `v` (all of them when there are fewer): a public rule, whatever the data. */
function firstRows(v: ArrayLike<unknown>, n: number): ArrayLike<unknown> {
  return v.length <= n ? v : Array.prototype.slice.call(v, 0, n);
}

function varianceColumn(values: ArrayLike<unknown>, options: BoundedColumnOptions, root: boolean): AggregateRelease {
  const grid = varianceGrid(options.bounds);
  const rule = checkInvalidValueRule(options.onInvalid);
  return releaseColumn(
    'count, clamped grid sum and sum of squares',
    (v: ArrayLike<unknown>) => {
      const s = gridSums(v, grid, rule, true);
      return { count: BigInt(s.count), units: s.units, squaredUnits: s.squares };
    },
    makeVarianceMeasurement({ ...params(options), bounds: options.bounds }, root),
    values,
    options,
  );
}

/**
 * DP population variance of clamped values.
 * @param values - the column.
 * @param options - bounds, budget, confidence, rng, onInvalid, `spendFrom`.
 * @returns the noisy variance; its guarantee is the measurement's `privacyMap(1)`.
 * @privacy ε-DP / ρ-zCDP under add/remove one row.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @example
 * dpVariance(ages, { bounds: [17, 90], budget: { epsilon: 1 } });
 */
export function dpVariance(values: ArrayLike<unknown>, options: BoundedColumnOptions): AggregateRelease {
  edgeArrayLike(values, 'values');
  edgeRecord(options, 'options');
  return varianceColumn(values, options, false);
}

/**
 * DP population standard deviation of clamped values.
 * @param values - the column.
 * @param options - as `dpVariance`.
 * @returns the noisy standard deviation (post-processing of the variance).
 * @privacy ε-DP / ρ-zCDP under add/remove one row.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @example
 * dpStddev(ages, { bounds: [17, 90], budget: { epsilon: 1 } });
 */
export function dpStddev(values: ArrayLike<unknown>, options: BoundedColumnOptions): AggregateRelease {
  edgeArrayLike(values, 'values');
  edgeRecord(options, 'options');
  return varianceColumn(values, options, true);
}

/**
 * DP quantile (exponential mechanism over the data intervals, Smith 2011): on the fine grid of 2³² bins,
 * or one bin per integer with `integer` and integer bounds (`fineQuantileGrid`, `makeFineQuantileMeasurement`),
 * unless `bins` names a grid of that many equal bins.
 * `intervalShare` (default 0) spends that share of the budget on the interval's two ends
 * (two more exponential mechanisms, see `releaseQuantile`); with 0 the interval is the bounds.
 * @param values - the column.
 * @param quantile - in [0, 1].
 * @param options - bounds, budget, bins, intervalShare, integer, confidence, rng, onInvalid, `spendFrom`.
 * @returns the quantile, its interval and rank-error bound; its guarantee is the measurement's `privacyMap(1)`.
 * @privacy ε-DP under add/remove one row (ε²/2-zCDP under a ρ budget).
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @example
 * dpQuantile(ages, 0.5, { bounds: [17, 90], budget: { epsilon: 1 }, intervalShare: 0.5 }).interval;
 */
export function dpQuantile(
  values: ArrayLike<unknown>,
  quantile: number,
  options: BoundedColumnOptions & { bins?: number; intervalShare?: number; integer?: boolean },
): AggregateRelease & { rankErrorBound: number } {
  edgeArrayLike(values, 'values');
  edgeRecord(options, 'options');
  const rule = checkInvalidValueRule(options.onInvalid);
  const p = {
    ...params(options),
    bounds: options.bounds,
    quantile,
    intervalShare: options.intervalShare ?? 0,
    integer: options.integer === true,
  };
  if (options.bins === undefined) {
    // The fine grid (2³² bins, or one per integer of a declared integer column), counted sparsely.
    const grid = fineQuantileGrid(options.bounds, p.integer);
    const m = makeFineQuantileMeasurement({ ...p, bounds: grid.bounds }, grid.bins);
    const measurement = columnAggregate('quantile sparse bin counts', m.inputDomain, (v: ArrayLike<unknown>) =>
      sparseFromRowBins(rowBins(v, grid.bounds, grid.bins, rule), grid.bins),
    ).then(m);
    const r = releaseWith(measurement, values, options);
    return { ...r.value, ...releaseFields(r) };
  }
  const bins = options.bins;
  const m = makeQuantileMeasurement(p, bins);
  const measurement = columnAggregate('quantile bin counts', m.inputDomain, (v: ArrayLike<unknown>): readonly bigint[] =>
    binCounts(v, options.bounds, bins, rule).map((c) => BigInt(c)),
  ).then(m);
  const r = releaseWith(measurement, values, options);
  return { ...r.value, ...releaseFields(r) };
}

/**
 * DP quantiles from one noisy quantile tree.
 * @param values - the column.
 * @param quantiles - each in [0, 1].
 * @param options - bounds, budget, bins, integer, confidence, rng, onInvalid, `spendFrom`.
 * @returns one release per quantile, all with the tree's guarantee (the measurement's `privacyMap(1)`, charged once).
 * @privacy ε-DP / ρ-zCDP under add/remove one row.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @example
 * dpQuantiles(ages, [0.25, 0.5, 0.75], { bounds: [17, 90], budget: { epsilon: 1 } });
 */
export function dpQuantiles(
  values: ArrayLike<unknown>,
  quantiles: readonly number[],
  options: BoundedColumnOptions & { bins?: number; integer?: boolean },
): AggregateRelease[] {
  edgeArrayLike(values, 'values');
  edgeRecord(options, 'options');
  const bins = options.bins ?? DEFAULT_QUANTILE_BINS;
  const rule = checkInvalidValueRule(options.onInvalid);
  const m = makeQuantileTreeMeasurement({ ...params(options), bounds: options.bounds, quantiles, integer: options.integer === true }, bins);
  const measurement = columnAggregate('quantile bin counts', m.inputDomain, (v: ArrayLike<unknown>): readonly bigint[] =>
    binCounts(v, options.bounds, bins, rule).map((c) => BigInt(c)),
  ).then(m);
  const r = releaseWith(measurement, values, options);
  const fields = releaseFields(r);
  return r.value.map((v) => saturateRelease({ ...v, ...fields }));
}

/** A released histogram over declared keys. */
export interface HistogramRelease {
  /** One release per declared key, in the declared order (keys with no rows included). */
  readonly bins: readonly { readonly key: unknown; readonly count: AggregateRelease }[];
  /** The histogram's measurement's `privacyMap(1)` (every bin shares it: a row lands in one bin). */
  readonly guarantee: PrivacyLoss;
  /** With `spendFrom`: exactly what was charged (equal to `guarantee`). */
  readonly charged?: PrivacyLoss;
  /** With `spendFrom`: the budget after the charge. */
  readonly budgetAfter?: PrivacyBudget;
  readonly notForRelease?: true;
}

/**
 * DP histogram over declared public keys: every declared key is released
 * (with a noisy count, even when empty); rows whose key is not declared are
 * dropped. Each row lands in one bin, so the whole histogram costs the budget
 * once: one measurement over the vector of counts (the count noise, L1 = L2 = 1 across bins).
 * @param values - the column.
 * @param options - keys (public), budget, confidence, rng, `spendFrom`.
 * @returns one noisy count per key and the histogram's guarantee (its measurement's `privacyMap(1)`).
 * @privacy ε-DP / ρ-zCDP under add/remove one row (L1 = L2 = 1 across bins).
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED with `spendFrom`.
 * @example
 * dpHistogram(education, { keys: ['HS-grad', 'Bachelors'], budget: { epsilon: 1 } });
 */
export function dpHistogram(values: ArrayLike<unknown>, options: ColumnAggregateOptions & { keys: readonly unknown[] }): HistogramRelease {
  edgeArrayLike(values, 'values');
  edgeRecord(options, 'options');
  edgeArray(options.keys, 'keys');
  const keys = options.keys;
  tracePublicParameter('keys', keys);
  // One bin's count measurement; a row lands in one bin, so the vector of bins has one bin's sensitivity
  // (L1 = L2 = 1 per row) and the same privacy map.
  const bin = makeCountMeasurement(params(options));
  const counts = columnAggregate('key counts', anyDomain('counts per declared key'), (v: ArrayLike<unknown>) =>
    [...keyCounts(v, keys)].map((c) => BigInt(c)),
  );
  const noisy = noisyRelease(
    'noisy histogram',
    anyDomain('counts per declared key'),
    [{ lossAt: (units: number) => bin.privacyMap(units) }],
    (x: readonly bigint[], rng: RandomSource) => x.map((c) => bin.invoke(c, rng)),
  );
  const r = releaseWith(counts.then(noisy), values, options);
  const fields = releaseFields(r);
  const bins = r.value.map((count, i) => ({ key: keys[i], count: saturateRelease({ ...count, ...fields }) }));
  return { bins, ...fields };
}

/** Splits a budget between several column releases by weights (each part rounded down). */
export function splitOutputBudget(budget: OutputBudget, weights: readonly number[]): OutputBudget[] {
  return splitBudget(budget, weights);
}
