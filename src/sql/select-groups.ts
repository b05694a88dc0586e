/**
 * Which groups a DP SQL result releases, and their exact inputs: every
 * combination of declared keys (even empty ones), or the keys that pass DP
 * partition selection (sorted, so the engine's group order cannot leak); and
 * each quantile output's per-group histogram.
 * @module
 */
import { tracePublic } from '../core/trace.js';
import type { RandomSource } from '../random/source.js';
import { makePartitionSelector } from '../stats/partition-selection.js';
import type { BudgetSplit } from './budget-split.js';
import type { CompiledDpQuery } from './compile.js';
import type { DpSqlValue } from './dp-sql-types.js';
import type { EngineRow } from './engine.js';
import { keyString, publicKey, toBig, toBin } from './engine-values.js';
import type { QueryPlan } from './plan.js';

/** One released group: its key string, its public key values and its engine row (absent for an empty declared group). */
export interface ReleasedGroup {
  readonly key: string;
  readonly values: readonly DpSqlValue[];
  readonly row: EngineRow | undefined;
}

/** The group-key values of an engine row (main or histogram), in GROUP BY order. */
function keyValues(compiled: CompiledDpQuery, r: EngineRow) {
  return compiled.keyColumns.map((k) => r[k] ?? null);
}

/**
 * The groups to release.
 * @param plan - the plan.
 * @param split - the budget split (partition selection's ε and δ).
 * @param compiled - the compiled query (key and units columns).
 * @param mainRows - the main statement's rows.
 * @param rng - the randomness of partition selection.
 * @returns the groups, in a data-independent order.
 * @privacy declared keys are public; other keys pass (ε, δ) partition selection with the split's share.
 */
export function selectGroups(
  plan: QueryPlan,
  split: BudgetSplit,
  compiled: CompiledDpQuery,
  mainRows: readonly EngineRow[],
  rng: RandomSource,
): ReleasedGroup[] {
  if (plan.groupBy.length === 0) return [{ key: keyString([]), values: [], row: mainRows[0] }];
  if (!split.selection) {
    const rowsByKey = new Map<string, EngineRow>();
    for (const r of mainRows) rowsByKey.set(keyString(keyValues(compiled, r)), r);
    let combos: DpSqlValue[][] = [[]];
    for (const k of plan.groupBy) {
      const cats = k.categories ?? [];
      tracePublic(`declared keys of ${k.name}`, cats);
      combos = combos.flatMap((c) => cats.map((v) => [...c, v]));
    }
    return combos.map((values) => {
      const key = keyString(values);
      return { key, values, row: rowsByKey.get(key) };
    });
  }
  const selector = makePartitionSelector({
    epsilon: split.selection.epsilon.toNumberDown(),
    delta: split.selection.delta.toNumberDown(),
    maxPartitions: split.partitions,
  });
  const declared = plan.groupBy.map((k) => (k.categories ? new Set(k.categories.map((c) => String(c))) : null));
  const groups: ReleasedGroup[] = [];
  for (const r of mainRows) {
    const values = keyValues(compiled, r);
    // Keys outside declared categories are dropped before selection (a public rule).
    if (values.some((v, i) => declared[i] && (v === null || !declared[i]?.has(String(v))))) continue;
    if (selector.keep(toBig(r[compiled.unitsColumn]), rng))
      groups.push({ key: keyString(values), values: values.map((v, i) => publicKey(v, compiled.keyTypes[i] ?? 'null')), row: r });
  }
  // Sorted by key: the engine's group order (a hash table's layout) may depend on keys that were not kept.
  return groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Each histogram statement's rows as per-group bin counts.
 * @param compiled - the compiled query (bins per histogram, key columns).
 * @param histRows - the rows of each histogram statement.
 * @returns per histogram, group key → exact bin counts.
 */
export function histogramsByGroup(compiled: CompiledDpQuery, histRows: readonly (readonly EngineRow[])[]): Map<string, bigint[]>[] {
  return histRows.map((rows, h) => {
    const m = new Map<string, bigint[]>();
    const size = compiled.histograms[h]?.bins ?? 0;
    for (const r of rows) {
      const key = keyString(keyValues(compiled, r));
      const bins = m.get(key) ?? new Array<bigint>(size).fill(0n);
      bins[toBin(r.bin, size)] = toBig(r.n);
      m.set(key, bins);
    }
    return m;
  });
}
