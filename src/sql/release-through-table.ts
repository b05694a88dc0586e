/**
 * DP SQL's release through the one per-group release loop, stats'
 * `releaseTable` (issue 10: "the per-group release loop exists once, shared
 * by DP SQL and the Session"). The engine computed each group's exact,
 * bounded aggregates; this file reads them into `ExactPartition`s, states
 * which groups are released (every declared key combination, or DP partition
 * selection over the groups present), hands both to `releaseTable` with the
 * outputs `tableOutputs` built (and checked before the charge), and maps the
 * released rows back to the query's key values.
 *
 * Rules kept here: every engine group feeds at most one released row (two
 * engine rows with one key text are an INTERNAL error, not two releases);
 * keys outside declared categories are dropped before selection (a public
 * rule); the released order is the sorted key text, never the engine's.
 * Every engine value is read by a total reader (`engine-values.ts`).
 * @module
 */
import { DpError } from '../core/errors.js';
import { type ExactLoss, statedExactLoss } from '../core/exact-loss.js';
import type { RandomSource } from '../random/source.js';
import { tracePublicParameter } from '../stats/public-parameters.js';
import type { SparseBins } from '../stats/release-quantiles.js';
import { type ExactPartition, releaseTable, selectPartitions, type TableKeys } from '../stats/release-table.js';
import type { AggregateRelease } from '../stats/release-types.js';
import type { BudgetSplit } from './budget-split.js';
import type { CompiledDpQuery } from './compile.js';
import type { DpSqlValue } from './dp-sql-types.js';
import type { EngineRow, EngineValue } from './engine.js';
import { exactUnits, keyString, publicKey, toBig, toBin } from './engine-values.js';
import type { QueryPlan } from './plan.js';
import { releaseStreamedQuantiles, type StatementChunks } from './quantile-stream-sql.js';
import type { SqlTableOutputs } from './release-group.js';

/** One released group: its public key values and each aggregate output's release, by plan output index. */
export interface ReleasedGroup {
  readonly values: readonly DpSqlValue[];
  readonly releases: ReadonlyMap<number, AggregateRelease>;
}

/** The group-key values of an engine row (main or histogram), in GROUP BY order. */
function keyValues(compiled: CompiledDpQuery, r: EngineRow): EngineValue[] {
  return compiled.keyColumns.map((k) => r[k] ?? null);
}

/** The partition text of the no-GROUP-BY query (releaseTable's `single`). */
const SINGLE = '';

/**
 * Each histogram statement's rows as per-group sparse bin counts (one row per non-empty bin of the grid: at most `QUANTILE_BINS` per group, review S64).
 * Rule: never a dense array of the grid's bins (2³²); memory and time are linear in the rows the engine returned
 * (at most one per row read), sorted per group.
 * @param compiled - the compiled query (bins per histogram, key columns).
 * @param histRows - the rows of each histogram statement.
 * @returns per histogram, group key text → sparse bin counts.
 * @throws DpError INTERNAL on a bin or count that is not what the compiled statement returns.
 */
export function histogramsByGroup(compiled: CompiledDpQuery, histRows: readonly (readonly EngineRow[])[]): Map<string, SparseBins>[] {
  return histRows.map((rows, h) => {
    const size = compiled.histograms[h]?.bins ?? 0;
    const pairs = new Map<string, [number, bigint][]>();
    for (const r of rows) {
      const key = compiled.keyColumns.length === 0 ? SINGLE : keyString(keyValues(compiled, r));
      const list = pairs.get(key) ?? [];
      list.push([toBin(r.bin, size), toBig(r.n)]);
      pairs.set(key, list);
    }
    const m = new Map<string, SparseBins>();
    for (const [key, list] of pairs) {
      list.sort((a, b) => a[0] - b[0]);
      const index: number[] = [];
      const count: bigint[] = [];
      for (const [b, n] of list) {
        if (n <= 0n) continue; // a bin left empty by contribution bounding is not a non-empty bin
        if (index[index.length - 1] === b) count[count.length - 1] = (count[count.length - 1] as bigint) + n;
        else {
          index.push(b);
          count.push(n);
        }
      }
      m.set(key, { bins: size, index, count });
    }
    return m;
  });
}

/** One engine row as the exact partition `releaseTable` reads (maps keyed by the table output's position). */
function exactPartition(
  t: SqlTableOutputs,
  compiled: CompiledDpQuery,
  row: EngineRow,
  key: string,
  histograms: readonly Map<string, SparseBins>[],
): ExactPartition {
  const get = (col: string | undefined) => (col === undefined ? 0n : toBig(row[col]));
  const counts = new Map<number, bigint>();
  const sums = new Map<number, { count: bigint; units: bigint; squaredUnits: bigint }>();
  const bins = new Map<number, SparseBins>();
  t.planIndex.forEach((i, j) => {
    const inputs = compiled.inputs[i];
    if (!inputs) throw new DpError('INTERNAL', 'inconsistent compiled query');
    switch (inputs.kind) {
      case 'count':
        counts.set(j, get(inputs.count));
        break;
      case 'sum':
        sums.set(j, { count: 0n, units: exactUnits(row, inputs), squaredUnits: 0n });
        break;
      case 'mean':
        sums.set(j, { count: get(inputs.count), units: exactUnits(row, inputs), squaredUnits: 0n });
        break;
      case 'variance':
        sums.set(j, { count: get(inputs.count), units: get(inputs.units), squaredUnits: get(inputs.squares) });
        break;
      case 'quantile': {
        const h = histograms[inputs.histogram]?.get(key); // none for a streamed histogram (`quantile-stream-sql.ts`)
        if (h) bins.set(j, h);
        break;
      }
      default: {
        const never: never = inputs;
        throw new DpError('INTERNAL', `unknown output ${JSON.stringify(never)}`);
      }
    }
  });
  // `rows` is not read: every count output reads its own column through `counts`.
  return { rows: 0n, units: get(compiled.unitsColumn), sums, bins, counts };
}

/**
 * Releases every group of a charged query through `releaseTable`.
 * @param plan - the plan (group keys, declared categories, contribution bounds).
 * @param split - the budget split (partition selection's ε and δ, partitions per unit).
 * @param compiled - the compiled query (key and units columns, where each output's inputs are).
 * @param t - the outputs, as built and checked before the charge.
 * @param mainRows - the main statement's rows.
 * @param histRows - the histogram statements' rows (none for a streamed histogram).
 * @param rng - the randomness of selection and noise.
 * @param chunks - the engine's chunked reader, for streamed histograms (`quantile-stream-sql.ts`).
 * @returns the released groups, in a data-independent order (declared order, or sorted key text).
 * @throws DpError INTERNAL when an engine value is not what the compiled statement returns.
 * @privacy declared keys are public; other keys pass (ε, δ) partition selection with the split's share; each output
 *   is released with its own share under the contribution bounds the rewrite enforced (`releaseTable`).
 */
export async function releaseGroups(
  plan: QueryPlan,
  split: BudgetSplit,
  compiled: CompiledDpQuery,
  t: SqlTableOutputs,
  mainRows: readonly EngineRow[],
  histRows: readonly (readonly EngineRow[])[],
  rng: RandomSource,
  chunks: StatementChunks,
): Promise<{ groups: ReleasedGroup[]; losses: ExactLoss[] }> {
  const histograms = histogramsByGroup(compiled, histRows);
  const grouped = plan.groupBy.length > 0;
  const partitions = new Map<string, ExactPartition>();
  const engineKeys = new Map<string, EngineValue[]>();
  for (const r of mainRows) {
    const values = keyValues(compiled, r);
    const key = grouped ? keyString(values) : SINGLE;
    // Each engine group feeds at most one released row (the engine grouped by the converted key: never two rows).
    if (partitions.has(key)) throw new DpError('INTERNAL', 'two engine groups have one key (the key is withheld)', {});
    partitions.set(key, exactPartition(t, compiled, r, key, histograms));
    engineKeys.set(key, values);
  }

  let keys: TableKeys;
  // The losses the releases state (selection's, and releaseTable's composition of the outputs'): compared with the charge.
  const losses: ExactLoss[] = [];
  const released = new Map<string, readonly DpSqlValue[]>();
  if (!grouped) {
    keys = { kind: 'single' };
  } else if (!split.selection) {
    // Every combination of declared keys, even empty ones (public).
    let combos: DpSqlValue[][] = [[]];
    for (const k of plan.groupBy) {
      const cats = k.categories ?? [];
      tracePublicParameter(`declared keys of ${k.name}`, cats);
      combos = combos.flatMap((c) => cats.map((v) => [...c, v]));
    }
    for (const values of combos) released.set(keyString(values), values);
    keys = { kind: 'declared', keys: [...released.keys()].map((k) => [k, k] as const) };
  } else {
    // Keys outside declared categories are dropped before selection (a public rule).
    const declared = plan.groupBy.map((k) => (k.categories ? new Set(k.categories.map((c) => String(c))) : null));
    for (const [key, values] of engineKeys) {
      if (values.some((v, i) => declared[i] && (v === null || !declared[i]?.has(String(v))))) partitions.delete(key);
      else
        released.set(
          key,
          values.map((v, i) => publicKey(v, compiled.keyTypes[i] ?? 'null')),
        );
    }
    // Selection through releaseTable's own rule, then the kept keys released as declared ones: the query's loss
    // (selection's (ε, δ) beside zCDP outputs) is composed exactly by the caller's measurement, not by releaseTable.
    const rule = { kind: 'select', epsilon: split.selection.epsilon.toNumberDown(), delta: split.selection.delta.toNumberDown() } as const;
    const selected = selectPartitions(partitions, rule, split.partitions, rng);
    losses.push(statedExactLoss(selected.guarantee));
    keys = { kind: 'declared', keys: selected.keys };
  }

  // Streamed quantiles released first, group after group, and placed in their partitions (quantile-stream-sql.ts).
  const bounds = { maxPartitions: split.partitions, maxContributionsPerPartition: plan.privacy.maxContributionsPerPartition };
  const order = keys.kind === 'single' ? [SINGLE] : keys.keys.map(([k]) => k);
  await releaseStreamedQuantiles(compiled, t, partitions, order, bounds, chunks, rng);
  const table = releaseTable({
    partitions,
    keys,
    outputs: t.outputs,
    ...bounds,
    rng,
  });
  losses.push(table.exact);
  const groups = table.rows.map((row) => {
    const values = grouped ? released.get(String(row.key)) : [];
    if (!values) throw new DpError('INTERNAL', 'a released group without its key');
    const releases = new Map<number, AggregateRelease>();
    for (const i of t.planIndex) {
      const r = row.values[String(i)];
      if (!r) throw new DpError('INTERNAL', 'an output without its release');
      releases.set(i, r);
    }
    return { values, releases };
  });
  return { groups, losses };
}
