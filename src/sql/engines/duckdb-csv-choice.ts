/**
 * The typed/text reader choice of a declared CSV, folded into the first statement on each file version (issue 11,
 * stop 21; review S62, class 14). `duckdb-csv-typed.ts` says why the choice must be one bit of the file version; this
 * file says how it is made without a scan of its own.
 *
 * **One view per file version, three states in one variable.** The view reads
 * `typed WHERE state = 'typed' OR (state = 'force' AND <every typed column read>) UNION ALL text WHERE state = 'text'`
 * ({@link choiceReaderSql}), `state` being `getvariable(v)` with `v` one DuckDB variable per file version
 * (`tsdp_csv_reader_<n>`, set before the view is created; unset reads as `'force'`). DuckDB folds `getvariable` when it
 * plans a statement, so the two branches the state rules out are removed before execution (EXPLAIN shows one reader;
 * the typed reader of a file that holds a bad field never runs in state `'text'`). The view's text never changes
 * within a version (review S62's test); which reader runs is the variable's value, changed only by the engine, and
 * every prepared statement is dropped when it changes (a prepared plan keeps the state it was planned with).
 *
 * **`'force'` (undecided, after open and each rebuild).** The typed branch filters on `c IS NULL OR c IS NOT NULL` for
 * every typed column `c`: a predicate true on every row that DuckDB 1.5.6 does not simplify, so every typed column is
 * projected out of the scan and parsed on every line the scan reads, whatever columns the statement reads (checked at
 * run time on each plan, {@link foldablePlan}: every READ_CSV of the plan must project every typed column; and
 * generatively, `test/sql/typed-csv-fold.test.ts`). So a statement that scans the file fails (the typed reader's
 * refusal, `ignore_errors = false`) iff some typed field of some line does not parse — a function of the version.
 *
 * **Deciding from a statement (the fold).** The engine decides the version's state from a statement only when the
 * statement's plan proves that the forced scan reads every line (`duckdb.ts`, `query`):
 * - the plan (EXPLAIN with the statement's bound values, so folded constants prune as they will at run time) holds
 *   only operators that consume their whole input ({@link CONSUMING}: projections, filters, aggregates, sorts, windows,
 *   unions, CTEs, and the mark join of an `IN` list of constants ({@link constantMarkJoin}); no other join — DuckDB
 *   skips a probe side whose build side is empty — no LIMIT, no empty result);
 * - the engine holds exactly one view that reads through `read_csv` and it is undecided, so every READ_CSV of the plan
 *   is that file's forced reader, and each projects every typed column.
 * Then success decides `'typed'` (every line was read, every typed field parsed), and the typed reader's refusal —
 * the file unchanged since the statement began — decides `'text'`, after which the statement runs again on the text
 * path, in the same call and deadline. Either way the decision is the one a scan of every typed column would make.
 * A plan that does not read the file decides nothing (the view stays forced). Any other plan that reads an undecided
 * file — a join, a LIMIT, several undecided files — has each undecided file decided first by one scan of every typed
 * column of its own (`typedScanSql`, the stop-20 rule), then runs. Later statements on a decided version read only the
 * columns they need (the typed reader prunes, the text path casts only what is read).
 * @module
 */

import { sqlString } from './duckdb-csv.js';
import type { TypedCsvColumn } from './duckdb-csv-typed.js';

/** The reader state of one file version (module header). */
export type ReaderState = 'force' | 'typed' | 'text';

/**
 * Operators that consume their whole input, in DuckDB 1.5.6's physical plan names; any other operator makes a plan
 * not foldable (module header).
 */
const CONSUMING = new Set([
  'PROJECTION',
  'FILTER',
  'READ_CSV',
  'UNION',
  'HASH_GROUP_BY',
  'PERFECT_HASH_GROUP_BY',
  'UNGROUPED_AGGREGATE',
  'ORDER_BY',
  'WINDOW',
  'STREAMING_WINDOW',
  'CTE',
  'CTE_SCAN',
  'COLUMN_DATA_SCAN',
  'DUMMY_SCAN',
]);

/**
 * The reader of a file version that may read typed or as text (module header): columns `c1` … `c{width}`, the typed
 * ones of their type in both branches (the text branch casts with `TRY_CAST`, as the text path always did), so the
 * view's own casts of them are no-ops.
 * @param typedReader - `typedFieldsSql`'s subquery.
 * @param textReader - `nativeFieldsSql`'s subquery (every column VARCHAR).
 * @param types - the typed reader's types by header position.
 * @param variable - the version's state variable.
 * @returns a parenthesised subquery to select from.
 */
export function choiceReaderSql(
  typedReader: string,
  textReader: string,
  types: readonly (TypedCsvColumn | undefined)[],
  variable: string,
): string {
  const state = `coalesce(getvariable(${sqlString(variable)}), 'force')`;
  const names = types.map((_, i) => `c${i + 1}`);
  const text = types.map((t, i) => (t === undefined ? `c${i + 1}` : `TRY_CAST(c${i + 1} AS ${t}) AS c${i + 1}`));
  return (
    `(SELECT ${names.join(', ')} FROM ${typedReader} WHERE ${state} = 'typed' OR (${state} = 'force' AND ${forcedPredicate(types)}) ` +
    `UNION ALL SELECT ${text.join(', ')} FROM ${textReader} WHERE ${state} = 'text')`
  );
}

/** True on every row, and reads every typed column (module header, `'force'`). */
function forcedPredicate(types: readonly (TypedCsvColumn | undefined)[]): string {
  const checks = types.flatMap((t, i) => (t === undefined ? [] : [`(c${i + 1} IS NULL OR c${i + 1} IS NOT NULL)`]));
  return checks.length === 0 ? 'true' : checks.join(' AND ');
}

/** The statement that sets a version's state. */
export function setStateSql(variable: string, state: ReaderState): string {
  return `SET VARIABLE ${variable} = ${sqlString(state)}`;
}

/** One node of DuckDB's `EXPLAIN (FORMAT JSON)` output. */
interface PlanNode {
  readonly name?: unknown;
  readonly children?: unknown;
  readonly extra_info?: { readonly Projections?: unknown; readonly 'Join Type'?: unknown };
}

/**
 * True for the join DuckDB plans for `k IN (v1, …, vn)` with many constants (the declared-key filter of
 * `src/sql/declared-keys.ts` is one): a `HASH_JOIN` of type `MARK` whose build side (second child) is a
 * `COLUMN_DATA_SCAN` of the constants and nothing else. A mark join emits every probe row with its mark — DuckDB skips
 * the probe side only for join types whose result is empty when the build side is (inner, right, semi), never for
 * MARK — so it consumes its whole probe side like a FILTER (module header, "Deciding from a statement"). Any other
 * join stays not foldable.
 */
function constantMarkJoin(node: PlanNode): boolean {
  if (node.name !== 'HASH_JOIN' || node.extra_info?.['Join Type'] !== 'MARK') return false;
  if (!Array.isArray(node.children) || node.children.length !== 2) return false;
  const build = node.children[1] as PlanNode | null;
  return (
    typeof build === 'object' &&
    build !== null &&
    build.name === 'COLUMN_DATA_SCAN' &&
    Array.isArray(build.children) &&
    build.children.length === 0
  );
}

/**
 * What a statement's plan says about the one undecided file's forced scan (module header, "Deciding from a statement").
 * @param planJson - the `explain_value` of `EXPLAIN (FORMAT JSON)` over the statement with its values bound.
 * @param types - the undecided file's typed reader types by header position.
 * @returns `'none'` when no READ_CSV is in the plan (the file is not read); `'folded'` when every operator consumes
 *   its whole input and every READ_CSV projects every typed column; `'unknown'` otherwise (or when the plan cannot be
 *   read).
 */
export function foldablePlan(planJson: string, types: readonly (TypedCsvColumn | undefined)[]): 'none' | 'folded' | 'unknown' {
  let roots: unknown;
  try {
    roots = JSON.parse(planJson);
  } catch {
    return 'unknown';
  }
  const typedColumns = types.flatMap((t, i) => (t === undefined ? [] : [`c${i + 1}`]));
  let reads = 0;
  let consuming = true;
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) {
      consuming = false;
      return;
    }
    const { name, children, extra_info } = node as PlanNode;
    if (typeof name !== 'string' || !(CONSUMING.has(name) || constantMarkJoin(node as PlanNode))) consuming = false;
    if (name === 'READ_CSV') {
      reads++;
      const projected = Array.isArray(extra_info?.Projections) ? extra_info.Projections : [];
      if (!typedColumns.every((c) => projected.includes(c))) consuming = false;
    }
    if (Array.isArray(children)) children.forEach(visit);
    else consuming = false;
  };
  if (!Array.isArray(roots)) return 'unknown';
  roots.forEach(visit);
  if (reads === 0) return 'none';
  return consuming ? 'folded' : 'unknown';
}
