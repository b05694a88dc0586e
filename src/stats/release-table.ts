/**
 * The per-group release loop, once: exact per-partition aggregates in, one
 * released row per group out — declared keys all emitted (even with no
 * rows), undeclared keys chosen by DP partition selection — each output
 * released with its own budget, guarantee and interval.
 *
 * Used by the Session's one-pass aggregator (`aggregate-query.ts`) and shaped
 * so that DP SQL's `runDpSql` can hand it what the database computed: the
 * exact counts, grid-unit sums and bin counts of each partition.
 *
 * Privacy: each output's vector over partitions is released with that
 * output's budget (a unit touches at most `maxPartitions` partitions, which
 * the release functions' sensitivities include); partition selection costs
 * its (ε, δ); the losses returned compose to the query's privacy map.
 * @module
 */

import { DpError } from '../core/errors.js';
import { addLoss, type ExactLoss, statedExactLoss, ZERO_LOSS } from '../core/exact-loss.js';
import type { PrivacyLoss } from '../core/loss.js';
import { edgeArray, edgeKind, edgeRecord } from '../numeric/edge.js';
import { isSecureSource, type RandomSource } from '../random/source.js';
import { composeLosses } from './_internal/compose.js';
import { chargedLoss, type OutputBudget } from './output-budget.js';
import { makePartitionSelector } from './partition-selection.js';
import { denseFromSparse } from './quantile-sparse.js';
import { toExactInteger } from './release-post.js';
import { releaseQuantile, releaseQuantiles, releaseSparseQuantile, type SparseBins } from './release-quantiles.js';
import { type KeptMeasurement, keptMeasurement, type OutputParameters, releaseKept } from './release-table-measurement.js';
import type { AggregateRelease, ExactInteger } from './release-types.js';

/** A group key as released. */
export type GroupKey = string | number | boolean | null;

/** One output row: a group and its released aggregates. */
export interface AggregateRow {
  /** The group key (undefined without groupBy). */
  readonly key?: GroupKey;
  readonly values: Readonly<Record<string, AggregateRelease>>;
}

/** Exact aggregates of one partition, after contribution bounding. */
export interface ExactPartition {
  /** Rows kept. */
  readonly rows: bigint;
  /** Distinct privacy units kept. */
  readonly units: bigint;
  /** Per value output (by output index): rows with a valid value, Σ grid units and Σ squared grid units. */
  readonly sums: ReadonlyMap<number, { readonly count: bigint; readonly units: bigint; readonly squaredUnits: bigint }>;
  /**
   * Per quantile output (by output index): the bin counts (sparse for an output with `sparse`), or, for a sparse
   * output whose histogram was streamed, its release made already (`StreamedQuantileRelease`).
   */
  readonly bins: ReadonlyMap<number, readonly ExactInteger[] | SparseBins | StreamedQuantileRelease>;
  /**
   * Per count output (by output index), its own exact count when it is not `rows` (DP SQL's `COUNT(x)` counts
   * the rows where x is not NULL). Absent: a count output counts `rows`.
   */
  readonly counts?: ReadonlyMap<number, bigint>;
}

/** Options every output may carry. */
interface OutputOptions {
  /** The confidence level of this output's interval (default 0.95). */
  readonly confidence?: number;
}

/** One output of the table, with its budget and (for value outputs) its public or DP-estimated bounds. */
export type TableOutput = OutputOptions &
  (
    | { readonly kind: 'count' | 'countDistinct'; readonly name: string; readonly budget: OutputBudget }
    | {
        readonly kind: 'sum' | 'mean' | 'variance' | 'stddev';
        readonly name: string;
        readonly budget: OutputBudget;
        readonly bounds: readonly [number, number];
        /** The loss of estimating the bounds with DP, when they were not declared (added to each value's guarantee). */
        readonly boundsLoss?: PrivacyLoss;
        /** The output's whole budget when `budget` is what is left after estimating bounds (the table's loss counts it). */
        readonly totalBudget?: OutputBudget;
      }
    | {
        readonly kind: 'quantiles';
        readonly names: readonly string[];
        readonly quantiles: readonly number[];
        readonly budget: OutputBudget;
        readonly bounds: readonly [number, number];
        readonly bins: number;
        readonly intervalShare?: number;
        readonly integer?: boolean;
        /** One quantile on a fine grid of `bins` bins, read as `SparseBins` (`releaseSparseQuantile`). */
        readonly sparse?: boolean;
        readonly boundsLoss?: PrivacyLoss;
        readonly totalBudget?: OutputBudget;
      }
  );

/** Which groups are released. */
export type TableKeys =
  /** No groupBy: one row, partition ''. */
  | { readonly kind: 'single' }
  /** Declared keys: [partition text, key as declared], all released. */
  | { readonly kind: 'declared'; readonly keys: readonly (readonly [string, GroupKey])[] }
  /** DP partition selection over the partitions present. */
  | {
      readonly kind: 'select';
      readonly epsilon: number;
      readonly delta: number;
      readonly method?: 'truncated-geometric' | 'laplace' | 'gaussian';
    };

/** Input of `releaseTable`. */
export interface ReleaseTableInput {
  readonly partitions: ReadonlyMap<string, ExactPartition>;
  readonly keys: TableKeys;
  readonly outputs: readonly TableOutput[];
  readonly maxPartitions: number;
  readonly maxContributionsPerPartition: number;
  readonly rng: RandomSource;
}

/**
 * A sparse quantile output's release made before `releaseTable` from a histogram read in passes (DP SQL on DuckDB,
 * `sql/quantile-stream-sql.ts`): `releaseStreamedQuantileGroups` (one group's entry) with exactly `sparseQuantileParameters(output, input)`, so
 * the same mechanism, law and guarantee as `releaseSparseQuantile` on the same bins (`releaseTable` is synchronous;
 * a pass is not). Rule: only for a `sparse` output, placed as it is, and the output's loss is counted by
 * `releaseTable` as for any output (the charge is unchanged).
 */
export interface StreamedQuantileRelease {
  readonly streamed: AggregateRelease;
}

/** The parameters of a sparse quantile output's release (`releaseSparseQuantile`'s, less the bins and the rng). */
export function sparseQuantileParameters(
  o: Extract<TableOutput, { kind: 'quantiles' }>,
  input: Pick<ReleaseTableInput, 'maxPartitions' | 'maxContributionsPerPartition'>,
): {
  gridBins: number;
  bounds: readonly [number, number];
  quantile: number;
  budget: OutputBudget;
  intervalShare: number;
  integer: boolean;
  maxPartitions: number;
  maxContributionsPerPartition: number;
  confidence?: number;
} {
  return {
    gridBins: o.bins,
    bounds: o.bounds,
    quantile: o.quantiles[0] as number,
    budget: o.budget,
    intervalShare: o.intervalShare ?? 0,
    integer: o.integer === true,
    maxPartitions: input.maxPartitions,
    maxContributionsPerPartition: input.maxContributionsPerPartition,
    ...(o.confidence === undefined ? {} : { confidence: o.confidence }),
  };
}

/** Whether a partition's quantile entry is a release made already. */
function isStreamed(held: unknown): held is StreamedQuantileRelease {
  return typeof held === 'object' && held !== null && !Array.isArray(held) && 'streamed' in held;
}

const EMPTY: ExactPartition = { rows: 0n, units: 0n, sums: new Map(), bins: new Map() };
const ZERO_SUM = { count: 0n, units: 0n, squaredUnits: 0n };

/**
 * DP partition selection over the partitions present: the keys kept (sorted, so the order does not reveal the
 * order rows came in) and the selection's guarantee. The `select` rule of `releaseTable`; exported for callers that
 * compose selection's (ε, δ) with zCDP outputs themselves (DP SQL charges the exact sum, `ExactLoss`), and then
 * release the kept keys with `{ kind: 'declared' }`.
 * @param partitions - the partitions present, with their unit counts.
 * @param rule - selection's ε, δ and method.
 * @param maxPartitions - partitions a unit may touch.
 * @param rng - the randomness.
 * @returns the kept keys as [partition text, key] and the selection's loss.
 * @throws DpError INVALID_PARAMETER on invalid parameters.
 * @privacy (ε, δ)-DP under add/remove one unit touching at most `maxPartitions` partitions.
 */
export function selectPartitions(
  partitions: ReadonlyMap<string, ExactPartition>,
  rule: Extract<TableKeys, { kind: 'select' }>,
  maxPartitions: number,
  rng: RandomSource,
): { keys: Array<readonly [string, GroupKey]>; guarantee: PrivacyLoss } {
  const selector = makePartitionSelector({
    epsilon: rule.epsilon,
    delta: rule.delta,
    maxPartitions,
    method: rule.method ?? 'truncated-geometric',
  });
  // Sorted so the output order does not reveal the order rows came in.
  const keys = [...partitions.entries()]
    .filter(([, s]) => selector.keep(Number(s.units), rng))
    .map(([k]) => [k, k] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { keys, guarantee: selector.guarantee };
}

/**
 * Releases one row per group.
 * @param input - exact per-partition aggregates, the keys rule, the outputs with their budgets, the contribution bounds, the randomness.
 * @returns the rows (selected keys sorted, so the order does not reveal the data's), the loss of the whole table (outputs and selection composed,
 *   rounded up) and `exact`, the same composition in exact rationals of the doubles the noise uses.
 * @throws DpError INVALID_PARAMETER on invalid parameters (callers check them before charging, e.g. with `checkAggregateQuery` / `planAggregate`).
 * @privacy the composition of each output's budget and, with `select`, partition selection's (ε, δ), under add/remove one unit.
 * @example
 * releaseTable({ partitions, keys: { kind: 'declared', keys: [['a', 'a']] }, outputs: [{ kind: 'count', name: 'n', budget: { epsilon: 1 } }], maxPartitions: 1, maxContributionsPerPartition: 1, rng });
 */
export function releaseTable(input: ReleaseTableInput): { rows: AggregateRow[]; guarantee: PrivacyLoss; exact: ExactLoss } {
  edgeRecord(input, 'input');
  edgeKind(input.keys, 'input.keys');
  edgeArray(input.outputs, 'input.outputs');
  const { partitions, outputs, rng } = input;
  const losses: PrivacyLoss[] = [];
  let keys: Array<readonly [string, GroupKey]>;
  switch (input.keys.kind) {
    case 'single':
      keys = [['', null]];
      break;
    case 'declared':
      keys = [...input.keys.keys];
      break;
    case 'select': {
      const selected = selectPartitions(partitions, input.keys, input.maxPartitions, rng);
      losses.push(selected.guarantee);
      keys = selected.keys;
      break;
    }
    default:
      throw new DpError('INTERNAL', 'unknown keys rule', {});
  }
  const shared = { maxPartitions: input.maxPartitions, maxContributionsPerPartition: input.maxContributionsPerPartition, rng };
  const notForRelease = !isSecureSource(rng);
  // Each value output's measurement, built on its first release (so a table with no rows builds none, as before) and
  // used for every group after: public parameters only (release-table-measurement.ts has the rule).
  const kept: (KeptMeasurement<never> | undefined)[] = [];
  const keptOf = <K extends Parameters<typeof keptMeasurement>[0]>(index: number, kind: K, p: OutputParameters) => {
    const m = kept[index] ?? keptMeasurement(kind, p);
    kept[index] = m as KeptMeasurement<never>;
    return m as ReturnType<typeof keptMeasurement<K>>;
  };
  const rows: AggregateRow[] = keys.map(([k, original]) => {
    const s = partitions.get(k) ?? EMPTY;
    const values: Record<string, AggregateRelease> = {};
    outputs.forEach((o, index) => {
      const common = o.confidence === undefined ? shared : { ...shared, confidence: o.confidence };
      const params = { ...common, budget: o.budget };
      switch (o.kind) {
        case 'count': {
          const m = keptOf(index, 'count', params);
          values[o.name] = releaseKept(m, toExactInteger(s.counts?.get(index) ?? s.rows, 'count'), rng, notForRelease);
          return;
        }
        case 'countDistinct': {
          const m = keptOf(index, 'count', { ...params, maxContributionsPerPartition: 1 });
          values[o.name] = releaseKept(m, toExactInteger(s.units, 'count'), rng, notForRelease);
          return;
        }
        case 'quantiles': {
          const held = s.bins.get(index);
          if (o.sparse === true) {
            if (isStreamed(held)) {
              values[o.names[0] as string] = withBoundsCost(held.streamed, o.boundsLoss);
              return;
            }
            // Rule: a sparse output reads only SparseBins (an empty partition: no bins), never a dense array of o.bins.
            const sparse = held !== undefined && !Array.isArray(held) ? (held as SparseBins) : { bins: o.bins, index: [], count: [] };
            const r = releaseSparseQuantile({ bins: sparse, ...sparseQuantileParameters(o, input), rng });
            values[o.names[0] as string] = withBoundsCost(r, o.boundsLoss);
            return;
          }
          if (isStreamed(held)) throw new DpError('INTERNAL', 'a streamed quantile release for a dense output', {});
          // Rule (S66, class 11): partitions hold their quantile counts sparse (≤ the rows counted, never groups ×
          // bins); a dense output gets the dense array of ONE partition here, while that partition is released
          // (o.bins ≤ 2²⁰ numbers, public), and drops it after: the same histogram, so the same law and charge.
          const bins = Array.isArray(held)
            ? (held as readonly ExactInteger[])
            : held !== undefined
              ? denseFromSparse(held as SparseBins, o.bins)
              : new Array<number>(o.bins).fill(0);
          const rs =
            o.quantiles.length === 1
              ? [
                  releaseQuantile({
                    binCounts: bins,
                    bounds: o.bounds,
                    quantile: o.quantiles[0] as number,
                    budget: o.budget,
                    intervalShare: o.intervalShare ?? 0,
                    integer: o.integer === true,
                    ...common,
                  }),
                ]
              : releaseQuantiles({
                  binCounts: bins,
                  bounds: o.bounds,
                  quantiles: o.quantiles,
                  budget: o.budget,
                  integer: o.integer === true,
                  ...common,
                });
          rs.forEach((r, j) => {
            values[o.names[j] as string] = withBoundsCost(r, o.boundsLoss);
          });
          return;
        }
        case 'sum':
        case 'mean':
        case 'variance':
        case 'stddev': {
          const acc = s.sums.get(index) ?? ZERO_SUM;
          const p = { ...params, bounds: o.bounds };
          let r: AggregateRelease;
          if (o.kind === 'sum') {
            const units = toExactInteger(acc.units, 'units');
            r = releaseKept(keptOf(index, 'sum', p), units, rng, notForRelease);
          } else if (o.kind === 'mean') {
            const m = keptOf(index, 'mean', p);
            const exact = { count: toExactInteger(acc.count, 'count'), units: toExactInteger(acc.units, 'units') };
            r = releaseKept(m, exact, rng, notForRelease);
          } else {
            const m = keptOf(index, o.kind, p);
            const exact = {
              count: toExactInteger(acc.count, 'count'),
              units: toExactInteger(acc.units, 'units'),
              squaredUnits: toExactInteger(acc.squaredUnits, 'squaredUnits'),
            };
            r = releaseKept(m, exact, rng, notForRelease);
          }
          values[o.name] = withBoundsCost(r, o.boundsLoss);
          return;
        }
        default:
          throw new DpError('INTERNAL', 'unknown aggregate', {});
      }
    });
    return input.keys.kind === 'single' ? { values } : { key: original, values };
  });
  for (const o of outputs) losses.push(chargedLoss('totalBudget' in o && o.totalBudget ? o.totalBudget : o.budget));
  // `exact`: the same losses composed exactly (the doubles the noise uses, summed as rationals, no rounding), for a
  // caller that compares the release with its charge exactly (DP SQL's checkReleasedLosses).
  const exact = losses.reduce<ExactLoss>((t, l) => addLoss(t, statedExactLoss(l)), ZERO_LOSS);
  return { rows, guarantee: composeLosses(losses), exact };
}

function withBoundsCost(r: AggregateRelease, boundsLoss: PrivacyLoss | undefined): AggregateRelease {
  return boundsLoss ? { ...r, guarantee: composeLosses([r.guarantee, boundsLoss]) } : r;
}
