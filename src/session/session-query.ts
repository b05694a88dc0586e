/**
 * The query builder of a `Session`: an immutable description of a grouped
 * aggregation, priced from its declared parameters before it touches data.
 *
 * Size (about 550 lines, over the house's ~500): one public concept — the builder's methods (count, sums, means,
 * quantiles, histograms, groupBy, release) are each a few lines that record a frozen spec, and splitting them by
 * method would scatter one immutable type over several files; the pricing (stats/query-measurement.ts) and the
 * per-group release loop (shared with DP SQL) live elsewhere.
 * @module
 */

import type { PrivacyBudget } from '../core/budget.js';
import { DpError } from '../core/errors.js';
import { exactLoss, lossEquals, lossLe, lossToJson, ZERO_LOSS } from '../core/exact-loss.js';
import { approximate, type PrivacyLoss, pure, zcdp } from '../core/loss.js';
import { edgeOptionalRecord, edgeRead, edgeRecord, edgeString } from '../numeric/edge.js';
import { Rational } from '../numeric/rational.js';
import type { RandomSource } from '../random/source.js';
import {
  type AggregateQueryResult,
  type AggregateQuerySpec,
  type AggregateSpec,
  type QueryBudgetPlan,
  runAggregateQueryAsync,
} from '../stats/aggregate-query.js';
import { type DataSource, missingColumn } from '../stats/data-source.js';
import { checkBounds } from '../stats/fixed-point-grid.js';
import { checkPositive, checkPositiveInteger, readBudget, showParameter } from '../stats/output-budget.js';
import { tracePublicParameter } from '../stats/public-parameters.js';
import { DEFAULT_QUANTILE_BINS } from '../stats/quantile-common.js';
import { type AggregateQueryMeasurement, makeAggregateQueryMeasurement } from '../stats/query-measurement.js';
import { checkDeclaredKeys, checkInvalidValueRule, type InvalidValueRule } from '../stats/value-rules.js';

/** What a query needs from its session (internal wiring, not for users). */
export interface SessionAccess {
  readonly source: DataSource;
  readonly privacyUnit: string | undefined;
  readonly defaults: { maxPartitions: number; maxContributionsPerPartition: number };
  readonly rng: RandomSource;
  readonly budgetKind: PrivacyBudget['kind'];
  /** Charges atomically or throws BUDGET_EXHAUSTED having charged nothing. */
  charge(loss: PrivacyLoss): void;
}

/** How a query's budget is given at release. */
export type SessionReleaseSpec = ({ readonly epsilon: number; readonly delta?: number } | { readonly rho: number }) & {
  /**
   * Relative weights of the outputs, in the order they were added (array) or
   * by output name (record; missing names weigh 1). Partition selection, when
   * keys are not declared, is weighted by the name `partitionSelection`
   * (default 1) and takes all of δ.
   */
  readonly weights?: readonly number[] | Readonly<Record<string, number>>;
};

/** Options of a value aggregate. */
export interface ValueAggregateOptions {
  /** Public clamp bounds; absent = estimated with DP from a share of this output's budget (`boundsShare`, default 25%). */
  readonly bounds?: readonly [number, number];
  /** Output name (default e.g. `mean_age`). */
  readonly as?: string;
  /** Missing/malformed values: 'drop' (default) or { impute: v }. */
  readonly onInvalid?: InvalidValueRule;
}

/** Options of a quantile aggregate. */
export interface QuantileAggregateOptions extends ValueAggregateOptions {
  /** Number of equal bins on [lower, upper] (output resolution). Default 4096. */
  readonly bins?: number;
  /**
   * Single quantiles only: the share of this output's budget spent on a noisy
   * quantile tree that gives the confidence interval. Default 0.2; 0 gives the
   * bounds as the interval (coverage 1) and spends everything on the value.
   */
  readonly intervalShare?: number;
  /** The column holds integers (declared, public): report integer quantiles (post-processing). */
  readonly integer?: boolean;
}

/** The result of a session query: the aggregate result plus what was charged. */
export interface SessionQueryResult extends AggregateQueryResult {
  /** Exactly what was charged to the session's budget. */
  readonly charged: PrivacyLoss;
}

interface QueryState {
  readonly groupBy?: string;
  readonly keys?: readonly (string | number | boolean | null)[];
  readonly maxPartitions?: number;
  readonly maxContributionsPerPartition?: number;
  readonly aggregates: readonly AggregateSpec[];
  readonly partitionSelection?: 'truncated-geometric' | 'laplace' | 'gaussian';
  readonly boundsShare?: number;
}

/**
 * S7 edge line of the builder methods: an options bag read once, totally (undefined → {}); a getter,
 * Proxy trap or non-object (null, 1n) is INVALID_PARAMETER, never a TypeError.
 */
function readOptions<T extends object>(options: T | undefined): T {
  return edgeRead('options', () => {
    edgeOptionalRecord(options, 'options');
    return (options === undefined ? {} : { ...options }) as T;
  });
}

/** S7 edge line of count/countDistinct: the optional `as`, read once, totally; a string when given. */
function readAs(options: unknown): string | undefined {
  return edgeRead('options', () => {
    edgeOptionalRecord(options, 'options');
    const as = (options as { as?: unknown } | undefined)?.as;
    if (as !== undefined) edgeString(as, 'options.as');
    return as as string | undefined;
  });
}

function checkColumn(column: string): string {
  if (typeof column !== 'string' || column === '')
    throw new DpError('INVALID_PARAMETER', 'a column name is required', { parameter: 'column' });
  return column;
}

/**
 * The quantiles argument read once, totally (S7 edge; review S18's `quantile('x', 1n)`): a non-empty array of
 * numbers, each read by index one time, copied and frozen — a bigint, a Symbol, NaN, a getter or a Proxy trap is
 * INVALID_PARAMETER here, and a later change to the caller's array cannot reach the query.
 */
function readQuantiles(x: unknown): readonly number[] {
  return edgeRead('quantiles', () => {
    if (!Array.isArray(x) || x.length === 0) {
      throw new DpError('INVALID_PARAMETER', 'quantiles must be a non-empty array', { parameter: 'quantiles' });
    }
    const n = x.length;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const q: unknown = x[i];
      if (typeof q !== 'number' || Number.isNaN(q)) {
        throw new DpError('INVALID_PARAMETER', 'each quantile must be a number in [0, 1]', { parameter: 'quantiles' });
      }
      out.push(q);
    }
    return Object.freeze(out);
  });
}

function quantileName(q: number): string {
  if (q === 0) return 'min';
  if (q === 1) return 'max';
  if (q === 0.5) return 'median';
  return `p${String(Math.round(q * 1e6) / 1e4).replace('.', '_')}`;
}

/**
 * An immutable query; every method returns a new one. Nothing runs until
 * `release`.
 * @example
 * session.query().groupBy('education', { keys }).count().mean('age', { bounds: [17, 90] })
 *   .release({ epsilon: 0.5, weights: { count: 1, mean_age: 3 } });
 */
export class SessionQuery {
  readonly #access: SessionAccess;
  readonly #state: QueryState;

  private constructor(access: SessionAccess, state: QueryState) {
    this.#access = access;
    this.#state = state;
  }

  /** @internal Used by `Session.query()`. */
  static start(access: SessionAccess): SessionQuery {
    return new SessionQuery(access, { aggregates: [] });
  }

  #with(patch: Partial<QueryState>): SessionQuery {
    return new SessionQuery(this.#access, { ...this.#state, ...patch });
  }

  #add(a: AggregateSpec): SessionQuery {
    const names = new Set(this.#state.aggregates.flatMap((x) => ('names' in x ? x.names : [x.name])));
    for (const n of 'names' in a ? a.names : [a.name]) {
      if (names.has(n))
        throw new DpError('INVALID_PARAMETER', `output name ${JSON.stringify(n)} is used twice; pass { as }`, { parameter: 'as' });
    }
    return this.#with({ aggregates: [...this.#state.aggregates, a] });
  }

  /**
   * Groups by a column. Declared `keys` are all released (even with no rows)
   * and other values are dropped; without keys, groups are chosen by DP
   * partition selection (needs δ at release).
   */
  groupBy(column: string, options0: { keys?: readonly (string | number | boolean | null)[] } = {}): SessionQuery {
    const options = readOptions(options0);
    if (this.#state.groupBy) throw new DpError('UNSUPPORTED_QUERY', 'only one groupBy column is supported', { construct: 'groupBy' });
    return options.keys !== undefined
      ? this.#with({ groupBy: checkColumn(column), keys: checkDeclaredKeys(options.keys) })
      : this.#with({ groupBy: checkColumn(column) });
  }

  /** Overrides the session's contribution bounds for this query. */
  bound(options: { maxPartitions?: number; maxContributionsPerPartition?: number }): SessionQuery {
    // S7 edge line: read the options once, totally.
    const o = edgeRead('options', () => {
      edgeRecord(options, 'options');
      const { maxPartitions, maxContributionsPerPartition } = options;
      return {
        ...(maxPartitions !== undefined ? { maxPartitions } : {}),
        ...(maxContributionsPerPartition !== undefined ? { maxContributionsPerPartition } : {}),
      };
    });
    return this.#with({ ...o });
  }

  /** Chooses the partition selection method (default truncated-geometric). */
  selectPartitionsWith(method: 'truncated-geometric' | 'laplace' | 'gaussian'): SessionQuery {
    return this.#with({ partitionSelection: method });
  }

  /** Sets the share of an output's budget spent estimating bounds that are not declared (default 0.25). */
  boundsShare(share: number): SessionQuery {
    return this.#with({ boundsShare: share });
  }

  /** Number of rows (after bounding). */
  count(options: { as?: string } = {}): SessionQuery {
    return this.#add({ kind: 'count', name: readAs(options) ?? 'count' });
  }
  /** Number of distinct privacy units. */
  countDistinct(options: { as?: string } = {}): SessionQuery {
    return this.#add({ kind: 'countDistinct', name: readAs(options) ?? 'count_distinct' });
  }
  /** Sum of clamped values (exact). */
  sum(column: string, options: ValueAggregateOptions = {}): SessionQuery {
    return this.#value('sum', column, options);
  }
  /** Mean of clamped values. */
  mean(column: string, options: ValueAggregateOptions = {}): SessionQuery {
    return this.#value('mean', column, options);
  }
  /** Population variance of clamped values. */
  variance(column: string, options: ValueAggregateOptions = {}): SessionQuery {
    return this.#value('variance', column, options);
  }
  /** Population standard deviation of clamped values. */
  stddev(column: string, options: ValueAggregateOptions = {}): SessionQuery {
    return this.#value('stddev', column, options);
  }
  /** One quantile (exponential mechanism, Smith 2011). */
  quantile(column: string, quantile: number, options0: QuantileAggregateOptions = {}): SessionQuery {
    const options = readOptions(options0);
    const share = options.intervalShare ?? 0.2;
    if (typeof share !== 'number' || !(share >= 0 && share < 1)) {
      throw new DpError('INVALID_PARAMETER', 'intervalShare must be in [0, 1)', { parameter: 'intervalShare' });
    }
    return this.quantiles(column, [quantile], { ...options, as: options.as ? [options.as] : undefined, intervalShare: share });
  }
  /** Several quantiles from one noisy quantile tree (one output; names default `p25_age`, `median_age`, …). */
  quantiles(
    column: string,
    quantiles0: readonly number[],
    options0: Omit<QuantileAggregateOptions, 'as'> & { as?: readonly string[] | undefined } = {},
  ): SessionQuery {
    const options = readOptions(options0);
    checkColumn(column);
    const quantiles = readQuantiles(quantiles0); // S7 edge: read once, totally; the query keeps this copy
    const names = options.as ?? quantiles.map((q) => `${quantileName(q)}_${column}`);
    if (names.length !== quantiles.length) throw new DpError('INVALID_PARAMETER', 'one name per quantile', { parameter: 'as' });
    const spec: AggregateSpec = {
      kind: 'quantiles',
      names,
      column,
      quantiles,
      ...(options.bounds ? { bounds: options.bounds } : {}),
      ...(options.bins ? { bins: options.bins } : {}),
      ...(options.onInvalid ? { onInvalid: options.onInvalid } : {}),
      ...(quantiles.length === 1 && options.intervalShare !== undefined ? { intervalShare: options.intervalShare } : {}),
      ...(options.integer === true ? { integer: true } : {}),
    };
    return this.#add(spec);
  }
  /** The median (quantile 0.5). */
  median(column: string, options: QuantileAggregateOptions = {}): SessionQuery {
    return this.quantile(column, 0.5, options);
  }
  /** The minimum, as the 0-quantile (within the bounds). */
  min(column: string, options: QuantileAggregateOptions = {}): SessionQuery {
    return this.quantile(column, 0, options);
  }
  /** The maximum, as the 1-quantile (within the bounds). */
  max(column: string, options: QuantileAggregateOptions = {}): SessionQuery {
    return this.quantile(column, 1, options);
  }
  /** A histogram: `groupBy(column, { keys }).count()`. */
  histogram(column: string, options0: { keys?: readonly (string | number | boolean | null)[]; as?: string } = {}): SessionQuery {
    const options = readOptions(options0);
    return this.groupBy(column, options.keys ? { keys: options.keys } : {}).count(options.as ? { as: options.as } : {});
  }

  #value(kind: 'sum' | 'mean' | 'variance' | 'stddev', column: string, options0: ValueAggregateOptions): SessionQuery {
    const options = readOptions(options0);
    checkColumn(column);
    return this.#add({
      kind,
      name: options.as ?? `${kind}_${column}`,
      column,
      ...(options.bounds ? { bounds: options.bounds } : {}),
      ...(options.onInvalid ? { onInvalid: options.onInvalid } : {}),
    });
  }

  /** The query as a plain spec (public parameters only). */
  get spec(): AggregateQuerySpec {
    const s = this.#state;
    const unit = this.#access.privacyUnit;
    return {
      ...(unit ? { privacyUnit: unit } : {}),
      ...(s.groupBy ? { groupBy: s.groupBy } : {}),
      ...(s.keys ? { keys: s.keys } : {}),
      maxPartitions: s.maxPartitions ?? this.#access.defaults.maxPartitions,
      maxContributionsPerPartition: s.maxContributionsPerPartition ?? this.#access.defaults.maxContributionsPerPartition,
      aggregates: s.aggregates,
      ...(s.partitionSelection ? { partitionSelection: s.partitionSelection } : {}),
      ...(s.boundsShare !== undefined ? { boundsShare: s.boundsShare } : {}),
    };
  }

  /**
   * The total loss the release would charge, from the declared parameters only.
   * @throws DpError INVALID_PARAMETER / UNSUPPORTED_QUERY when the query or spec is invalid.
   */
  price(release: SessionReleaseSpec): PrivacyLoss {
    return this.#check(release).charged;
  }

  /**
   * The budget plan of the release: each output's budget and partition
   * selection's, from the declared parameters only.
   * @throws DpError INVALID_PARAMETER / UNSUPPORTED_QUERY when the release spec is invalid.
   */
  budgetPlan(release: SessionReleaseSpec): QueryBudgetPlan {
    return this.#plan(release).plan;
  }

  #plan(release: SessionReleaseSpec): { charged: PrivacyLoss; plan: QueryBudgetPlan } {
    if (release === null || typeof release !== 'object') {
      throw new DpError('INVALID_PARAMETER', 'release needs { epsilon } or { rho }', { parameter: 'release' });
    }
    const aggs = this.#state.aggregates;
    if (aggs.length === 0) throw new DpError('UNSUPPORTED_QUERY', 'the query has no aggregate', { construct: 'select' });
    const needsSelection = this.#state.groupBy !== undefined && this.#state.keys === undefined;
    const names = aggs.map((a) => ('names' in a ? (a.names[0] as string) : a.name));
    const weightOf = (name: string, index: number): number => {
      const w = release.weights;
      if (w === undefined) return 1;
      if (Array.isArray(w)) return (w as readonly number[])[index] ?? Number.NaN;
      return (w as Readonly<Record<string, number>>)[name] ?? 1;
    };
    const weights = names.map(weightOf);
    if (Array.isArray(release.weights) && release.weights.length !== aggs.length) {
      throw new DpError('INVALID_PARAMETER', `weights must have one entry per output (${aggs.length})`, { parameter: 'weights' });
    }
    if ('rho' in release) {
      if (needsSelection) {
        throw new DpError(
          'UNSUPPORTED_QUERY',
          'group keys are not declared: declare keys, or release with { epsilon, delta } for partition selection',
          { construct: 'groupBy' },
        );
      }
      const rho = checkPositive(release.rho, 'rho');
      return { charged: zcdp(rho), plan: { outputs: splitExact(rho, weights).map((r) => ({ ...ZERO_LOSS, rho: r })) } };
    }
    const { epsilon, delta } = release;
    readBudget({ epsilon, delta }); // validates ε and δ
    if (needsSelection) {
      if (!(delta !== undefined && delta > 0)) {
        throw new DpError(
          'UNSUPPORTED_QUERY',
          'group keys are not declared: declare keys, or give a delta > 0 for DP partition selection',
          {
            construct: 'groupBy',
            hint: 'groupBy(column, { keys: [...] })',
          },
        );
      }
      const w = release.weights;
      const selectionWeight = w && !Array.isArray(w) ? ((w as Readonly<Record<string, number>>).partitionSelection ?? 1) : 1;
      const parts = splitExact(epsilon, [...weights, selectionWeight]).map((e) => ({ ...ZERO_LOSS, epsilon: e }));
      const selection = parts.pop();
      if (selection === undefined) throw new DpError('INTERNAL', 'a budget split lost a part', {});
      return {
        charged: approximate(epsilon, delta),
        plan: { outputs: parts, selection: { ...selection, delta: Rational.fromNumber(delta) } },
      };
    }
    // A δ given without partition selection is unused by the noise (discrete Laplace): charged as stated, never less.
    const charged = delta !== undefined && delta > 0 ? approximate(epsilon, delta) : pure(epsilon);
    return { charged, plan: { outputs: splitExact(epsilon, weights).map((e) => ({ ...ZERO_LOSS, epsilon: e })) } };
  }

  #check(release: SessionReleaseSpec): {
    charged: PrivacyLoss;
    plan: QueryBudgetPlan;
    spec: AggregateQuerySpec;
    columns: Set<string>;
    measurement: AggregateQueryMeasurement;
  } {
    const { charged: stated, plan } = this.#plan(release);
    // Validate the whole spec before charging (bad bounds must not cost budget).
    const spec = this.spec;
    validateSpec(spec);
    // The calculus prices the query: every output's grid and noise are checked (finite or refused) and the
    // measurement's privacy map gives the charge. The budget split states a cost too: the map may not exceed it.
    const measurement = makeAggregateQueryMeasurement(spec, plan);
    const charged = measurement.privacyMap(1);
    if (!lossLe(exactLoss(charged), exactLoss(stated))) {
      throw new DpError('INTERNAL', 'the privacy map of the query exceeds the cost its budget plan states', {});
    }
    recordPublicParameters(spec, plan);
    const columns = new Set<string>();
    if (spec.privacyUnit) columns.add(spec.privacyUnit);
    if (spec.groupBy) columns.add(spec.groupBy);
    for (const a of spec.aggregates) if ('column' in a) columns.add(a.column);
    return { charged, plan, spec, columns, measurement };
  }

  /** The result, stating the charged loss as its guarantee; the run's own composition must agree with the map. */
  static #settle(result: AggregateQueryResult, charged: PrivacyLoss): SessionQueryResult {
    if (!lossEquals(exactLoss(result.guarantee), exactLoss(charged))) {
      throw new DpError('INTERNAL', 'the released guarantee differs from the privacy map that was charged', {});
    }
    return { ...result, guarantee: charged, charged };
  }

  /** Column names are schema (declared or public structure, never the records' keys): a missing one is refused before charging. */
  static #checkColumns(names: readonly string[], columns: Set<string>): void {
    const known = new Set(names);
    for (const c of columns) if (!known.has(c)) throw missingColumn(c);
  }

  #charge(release: SessionReleaseSpec): { charged: PrivacyLoss; measurement: AggregateQueryMeasurement } {
    const source = this.#access.source;
    if (source.kind !== 'memory') throw new DpError('INTERNAL', 'a stream session is charged by releaseAsync', {});
    const { charged, columns, measurement } = this.#check(release);
    SessionQuery.#checkColumns(source.columnNames, columns);
    this.#access.charge(charged);
    return { charged, measurement };
  }

  /**
   * Prices, charges and runs the query (in-memory sessions).
   * @throws DpError BUDGET_EXHAUSTED (nothing charged) when it would pass the budget.
   * @throws DpError UNSUPPORTED_QUERY for CSV sessions (use `releaseAsync`) or undeclared keys without δ.
   */
  release(release: SessionReleaseSpec): SessionQueryResult {
    if (this.#access.source.kind !== 'memory') {
      throw new DpError('UNSUPPORTED_QUERY', 'a stream session reads its source asynchronously: use releaseAsync', {
        construct: 'release',
      });
    }
    const source = this.#access.source;
    const { charged, measurement } = this.#charge(release);
    return SessionQuery.#settle(measurement.invoke(source, this.#access.rng), charged);
  }

  /** As `release`, for any session (CSV files are streamed). The charge happens before the first row is read. */
  async releaseAsync(release: SessionReleaseSpec): Promise<SessionQueryResult> {
    const source = this.#access.source;
    if (source.kind === 'memory') return this.release(release);
    const { charged, plan, spec, columns } = this.#check(release);
    // The header is public structure: read (and a missing column refused) before the charge.
    SessionQuery.#checkColumns(await source.columnNames(), columns);
    this.#access.charge(charged);
    return SessionQuery.#settle(await runAggregateQueryAsync(source, spec, plan, this.#access.rng), charged);
  }
}

/**
 * Records every value the query treats as public through `tracePublicParameter`
 * (public-parameters.ts's rule), before the charge: the privacy unit and its
 * caps, the group column and its declared keys, and per output its column,
 * bounds (declared; estimated bounds are released with DP instead), bins,
 * quantiles, interval share, integer declaration, value rule and budget, and
 * partition selection's budget and method. Test: test/session/public-trace.test.ts.
 */
function recordPublicParameters(spec: AggregateQuerySpec, plan: QueryBudgetPlan): void {
  tracePublicParameter('session.privacyUnit', spec.privacyUnit ?? 'row');
  tracePublicParameter('session.maxPartitions', spec.maxPartitions ?? 1);
  tracePublicParameter('session.maxContributionsPerPartition', spec.maxContributionsPerPartition ?? 1);
  if (spec.groupBy !== undefined) tracePublicParameter('session.groupBy', spec.groupBy);
  if (spec.keys !== undefined) tracePublicParameter('session.keys', spec.keys);
  if (spec.boundsShare !== undefined) tracePublicParameter('session.boundsShare', spec.boundsShare);
  spec.aggregates.forEach((a, i) => {
    const name = `session.output.${'names' in a ? a.names.join(',') : a.name}`;
    tracePublicParameter(`${name}.kind`, a.kind);
    const planned = plan.outputs[i];
    if (planned) tracePublicParameter(`${name}.budget`, lossToJson(planned));
    if (a.kind === 'count' || a.kind === 'countDistinct') return;
    tracePublicParameter(`${name}.column`, a.column);
    if (a.bounds !== undefined) tracePublicParameter(`${name}.bounds`, a.bounds);
    if (a.onInvalid !== undefined) tracePublicParameter(`${name}.onInvalid`, a.onInvalid);
    if (a.kind === 'quantiles') {
      tracePublicParameter(`${name}.quantiles`, a.quantiles);
      tracePublicParameter(`${name}.bins`, a.bins ?? DEFAULT_QUANTILE_BINS);
      if (a.intervalShare !== undefined) tracePublicParameter(`${name}.intervalShare`, a.intervalShare);
      if (a.integer === true) tracePublicParameter(`${name}.integer`, true);
    }
  });
  if (plan.selection) {
    tracePublicParameter('session.partitionSelection.budget', lossToJson(plan.selection));
    tracePublicParameter('session.partitionSelection.method', spec.partitionSelection ?? 'truncated-geometric');
  }
}

/**
 * Splits an amount exactly in proportion to `weights` (rationals: the parts sum
 * to the amount exactly; each output's noise is calibrated to its part rounded
 * down, see `budgetOfLoss`).
 * @throws DpError INVALID_PARAMETER unless every weight is a finite number > 0.
 */
function splitExact(amount: number, weights: readonly number[]): Rational[] {
  if (!(weights.length > 0 && weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w > 0))) {
    throw new DpError('INVALID_PARAMETER', 'weights must be finite numbers > 0', { parameter: 'weights' });
  }
  const total = weights.reduce((t, w) => t.add(Rational.fromNumber(w)), Rational.ZERO);
  const a = Rational.fromNumber(amount);
  return weights.map((w) => a.mul(Rational.fromNumber(w)).div(total));
}

function validateSpec(spec: AggregateQuerySpec): void {
  const method = spec.partitionSelection;
  if (method !== undefined && method !== 'truncated-geometric' && method !== 'laplace' && method !== 'gaussian') {
    throw new DpError('INVALID_PARAMETER', `unknown partition selection method ${showParameter(method)}`, { parameter: 'method' });
  }
  for (const a of spec.aggregates) {
    if ('onInvalid' in a) checkInvalidValueRule(a.onInvalid);
    if ('bounds' in a && a.bounds !== undefined) checkBounds(a.bounds);
    if (a.kind === 'quantiles') {
      for (const q of a.quantiles) {
        if (!(typeof q === 'number' && q >= 0 && q <= 1))
          throw new DpError('INVALID_PARAMETER', 'quantiles must be in [0, 1]', { parameter: 'quantile' });
      }
      if (a.bins !== undefined && !(Number.isSafeInteger(a.bins) && a.bins >= 2 && a.bins <= 1 << 20)) {
        throw new DpError('INVALID_PARAMETER', 'bins must be an integer in [2, 2^20]', { parameter: 'bins' });
      }
    }
  }
  if (spec.maxPartitions !== undefined) checkPositiveInteger(spec.maxPartitions, 'maxPartitions');
  if (spec.maxContributionsPerPartition !== undefined)
    checkPositiveInteger(spec.maxContributionsPerPartition, 'maxContributionsPerPartition');
  if (spec.boundsShare !== undefined && !(spec.boundsShare > 0 && spec.boundsShare < 1)) {
    throw new DpError('INVALID_PARAMETER', 'boundsShare must be in (0, 1)', { parameter: 'boundsShare' });
  }
}
