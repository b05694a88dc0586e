/**
 * The typed/text reader choice of a declared CSV, folded into the first statement on each file version (issue 11,
 * stop 21; review S62, class 14). `duckdb-csv-typed.ts` says why the choice must be one bit of the file version; this
 * file says how it is made without a scan of its own.
 *
 * **One view per file version, three states in one variable.** The view reads
 * `typed WHERE state = 'typed' UNION ALL counted WHERE state = 'force' UNION ALL text WHERE state = 'text'`
 * ({@link choiceReaderSql}), `state` being `getvariable(v)` with `v` one DuckDB variable per file version
 * (`tsdp_csv_reader_<n>`, set before the view is created; unset reads as `'force'`). DuckDB folds `getvariable` when it
 * plans a statement, so the two branches the state rules out are removed before execution (EXPLAIN shows one reader;
 * the typed reader of a file that holds a bad field never runs in state `'text'`). The view's text never changes
 * within a version (review S62's test); which reader runs is the variable's value, changed only by the engine, and
 * every prepared statement is dropped when it changes (a prepared plan keeps the state it was planned with).
 *
 * **`'force'` (undecided, after open and each rebuild): the counted scan** ({@link countedReaderSql}). The typed
 * reader with `ignore_errors = true` and no `store_rejects` (review S68: stored rejects cost ≈ 2.6 KB and 10–40 µs
 * each, outside the memory limit): a line with a field that does not parse, or with too many fields, is skipped and
 * nothing of it is kept, and the scan goes on to the file's end — so the deciding scan's time depends on the file's
 * size, not on where (or how many) such lines are (class 14; review stop 21, second shift: the strict reader stopped
 * at the first bad field, so its time showed where that field lay). Directly above the scan a projection makes one
 * struct of every column of the line, `CASE WHEN nextval(s) > 0 THEN {c1, …, c{width + 1}} ELSE error(…) END`, and
 * every column of the view is a field of that struct: every column is projected out of the scan and parsed on every
 * line, whatever columns the statement reads, and no predicate of the statement can be pushed below the projection
 * (DuckDB keeps a filter over a projection's side-effecting output above it) — checked at run time on each plan,
 * {@link foldablePlan}; generatively, `test/sql/typed-csv-fold.test.ts`. (Stop 22, first shift, had the counter in a
 * FILTER above the scan: DuckDB merged a statement's own predicates into it, the mark of an `IN` list before the
 * counter, so those plans could not fold and paid a second scan.)
 *
 * **Counting.** `s` is one temporary sequence per version (`tsdp_csv_lines_<n>`): the CASE's condition draws one value
 * for each line the lenient reader produced, in the projection directly above the scan. The version reads typed iff the
 * lines counted equal the file's lines after the header as the line check counted them from the bytes
 * (`NativeLineCheck.dataLines`, `line-check.ts`) — both functions of the file version, so the decision is one bit of
 * it: "does every line parse with every typed field (and no line hold too many fields)", exactly what the strict
 * reader's success decided before. Why the count is every line produced: the plan check ({@link foldablePlan},
 * `countedFirst`) admits a plan only when its one READ_CSV has no pushed-down filter and its parent is the projection
 * of the counter's struct (named after the sequence), which DuckDB evaluates on every row of every chunk the scan
 * emits; every operator above consumes its whole input (below). Two READ_CSVs in a plan would both count: such a plan
 * is not folded. When the counts differ the statement's answer (read from the lines that parsed) is discarded, never
 * released, and it runs again on the text
 * path. `test/sql/typed-csv-fold.test.ts` checks generatively, with statements that filter, that the decision is the
 * version's and every released answer the text path's.
 *
 * **Deciding from a statement (the fold).** The engine decides the version's state from a statement only when the
 * statement's plan proves that the forced scan reads every line (`duckdb.ts`, `query`):
 * - the plan (EXPLAIN with the statement's bound values, so folded constants prune as they will at run time) holds
 *   only operators that consume their whole input ({@link CONSUMING}: projections, filters, aggregates, sorts, windows,
 *   unions, CTEs, and the mark join of an `IN` list of constants ({@link constantMarkJoin}); no other join — DuckDB
 *   skips a probe side whose build side is empty — no LIMIT, no empty result);
 * - the engine holds exactly one view that reads through `read_csv` and it is undecided, so every READ_CSV of the plan
 *   is that file's forced reader, and each projects every typed column.
 * Then the statement's run decides by its count ("Counting"): `'typed'` when every line was produced (its answer
 * stands), `'text'` otherwise, after which the statement runs again on the text path, in the same call and deadline
 * (the file unchanged since the statement began; a changed file is rebuilt and the statement runs again). Either way
 * the decision is the one the lenient scan of every typed column makes.
 * A plan that does not read the file decides nothing (the view stays forced). Any other plan that reads an undecided
 * file — a join, a LIMIT, several undecided files — has each undecided file decided first by one scan of every typed
 * column of its own (`typedScanSql`: the same lenient reader, its line count compared the same way), then runs. Later statements on a decided version read only the
 * columns they need (the typed reader prunes, the text path casts only what is read).
 *
 * **A statement that reads no typed field decides nothing: it runs on the text path** (issue 11, stop 25;
 * {@link textOnlyPlan}). The forced scan's price — every typed column parsed on every line, and the counter's `nextval`
 * per line (≈ 0.45 s CPU per 10⁷ lines, a mutex each) — bought nothing for a statement such as the row-level DP
 * `COUNT(*)`, which reads no typed value: the bench's 10⁷-line CSV count stayed 1.4–1.7× plain DuckDB's CPU. Before the
 * fold, the engine plans the statement once more with the one undecided version's variable set to `'text'`; when that
 * plan's every READ_CSV (the text reader: every field VARCHAR) projects no typed column but the last one — which the
 * record rule reads on every line anyway (`c{width} IS NOT NULL`), so the text path parses nothing the typed one would
 * not — the statement runs on the text path, the variable is set back to `'force'` after it, and the version stays
 * undecided (the next statement that reads a typed field decides it as above). Why this keeps every rule:
 * - **The answer is the one every state gives.** The text path is the reader the typed one replaces, and the typed
 *   reader of a decided version reads the text path's records with the text path's values (`duckdb-csv-typed.ts`,
 *   "When it does not fail"); a forced statement's answer stands only when its scan produced every line, i.e. when
 *   it is the typed reader's. So the released value, and through it the privacy map's law and charge, are what any state releases — whatever plan is
 *   judged text-only, even wrongly: the plan test decides only how fast, never what.
 * - **Which statements take it is public.** The test reads the column names a plan projects out of READ_CSV, a
 *   function of the statement, its bound values (public parameters of the compiled statement) and the file's header
 *   (the declared layout) — never a value of the file.
 * - **Its time shows nothing the version's bit does not.** Nothing is decided and nothing runs again: one scan of the
 *   text path, whose cost is the text reader's over the columns read (as before stop 20). The version's one bit of
 *   timing (`line-check.proof.md`, "Timing residual") is paid by the first statement that reads a typed field — as
 *   before, never by a choice of column (a statement reading any typed field other than the last forces them all).
 * - **The state is the version's between statements.** The variable is `'text'` only within the statement's call;
 *   it is set back to `'force'` after the run, success or error, unless the deadline passed (no DuckDB call starts
 *   then: `deadline-queue.ts`, rule 4). A `'text'` left so is harmless: a statement planned with it reads the text path
 *   (every state's answers) and no fold is taken on it (its plan has no counted scan: `foldablePlan` says `'unknown'`,
 *   and the version is decided by a scan of its own, which sets the variable), the next text-only test sets the
 *   variable itself, and a stream decides every undecided version before it plans. Prepared statements are dropped at
 *   each change (a prepared plan keeps the state it was planned with).
 * Tested generatively (`test/sql/typed-csv-text-only.test.ts`, seed 2525): random files (bad fields, empty fields, too
 * many or few fields, duplicates, header only), random text-only and typed statements — same answers as the text path,
 * the state after each statement the version's, undecided after text-only ones.
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
 * ones of their type in every branch (the text branch casts with `TRY_CAST`, as the text path always did), so the
 * view's own casts of them are no-ops. State `'typed'`: the strict typed reader; `'force'`: the counted lenient one
 * ({@link countedReaderSql}); `'text'`: the text path.
 * @param typedReader - `typedFieldsSql`'s subquery (strict).
 * @param countedReader - {@link countedReaderSql}'s subquery.
 * @param textReader - `nativeFieldsSql`'s subquery (every column VARCHAR).
 * @param types - the typed reader's types by header position.
 * @param variable - the version's state variable.
 * @returns a parenthesised subquery to select from.
 */
export function choiceReaderSql(
  typedReader: string,
  countedReader: string,
  textReader: string,
  types: readonly (TypedCsvColumn | undefined)[],
  variable: string,
): string {
  const state = `coalesce(getvariable(${sqlString(variable)}), 'force')`;
  // `c0`, a constant first column that no view column reads: DuckDB keeps one column of a UNION that a statement
  // reads none of (a `COUNT(*)`), its first — without `c0` that was `c1`, parsed (typed) or cast (text) on every line
  // for nothing, and a typed `c1` made such a statement not text-only ({@link textOnlyPlan}).
  const names = ['NULL AS c0', ...types.map((_, i) => `c${i + 1}`)].join(', ');
  const text = types.map((t, i) => (t === undefined ? `c${i + 1}` : `TRY_CAST(c${i + 1} AS ${t}) AS c${i + 1}`));
  return (
    `(SELECT ${names} FROM ${typedReader} WHERE ${state} = 'typed' ` +
    `UNION ALL SELECT ${names} FROM ${countedReader} WHERE ${state} = 'force' ` +
    `UNION ALL SELECT NULL AS c0, ${text.join(', ')} FROM ${textReader} WHERE ${state} = 'text')`
  );
}

/**
 * The counted reader of an undecided version (module header, "Counting"): the lenient typed reader's lines, each
 * counted by the version's sequence in the projection directly above the scan, then kept when it has the header's
 * field count (the text path's line filter). The projection makes one struct of every column of the line (`c1` …
 * `c{width + 1}`) under the counter's CASE, named after the sequence; every column the view hands on is a field of it,
 * so every predicate of a statement over the view reads a value of a volatile expression and DuckDB pushes none of
 * them below that projection (a filter over a projection's side-effecting output stays above it), and every READ_CSV
 * of it projects, and parses, every column.
 * @param lenientReader - `typedReadCsvSql(…, true)`.
 * @param types - its types by header position.
 * @param sequence - the version's line counter (also the projected struct's name).
 * @returns a parenthesised subquery to select from.
 */
export function countedReaderSql(lenientReader: string, types: readonly (TypedCsvColumn | undefined)[], sequence: string): string {
  const width = types.length;
  const fields = [...types, undefined].map((_, i) => `'c${i + 1}': c${i + 1}`).join(', ');
  const line = `CASE WHEN nextval(${sqlString(sequence)}) > 0 THEN {${fields}} ELSE error('tsdp: line counter') END AS ${sequence}`;
  const names = types.map((_, i) => `${sequence}.c${i + 1} AS c${i + 1}`).join(', ');
  return (
    `(SELECT ${names} FROM (SELECT ${line} FROM ${lenientReader}) ` +
    `WHERE ${sequence}.c${width} IS NOT NULL AND ${sequence}.c${width + 1} IS NULL)`
  );
}

/** The statement that creates a version's line counter (a temporary sequence, counting from 1). */
export function counterSql(sequence: string): string {
  return `CREATE TEMPORARY SEQUENCE ${sequence} START 1`;
}

/** The statement that reads how many values a version's line counter has handed out (0 before the first). */
export function counterValueSql(sequence: string): string {
  return `SELECT coalesce(max(last_value), 0) FROM duckdb_sequences() WHERE temporary AND sequence_name = ${sqlString(sequence)}`;
}

/** The statement that sets a version's state. */
export function setStateSql(variable: string, state: ReaderState): string {
  return `SET VARIABLE ${variable} = ${sqlString(state)}`;
}

/** One node of DuckDB's `EXPLAIN (FORMAT JSON)` output. */
interface PlanNode {
  readonly name?: unknown;
  readonly children?: unknown;
  readonly extra_info?: {
    readonly Projections?: unknown;
    readonly 'Join Type'?: unknown;
    readonly Expression?: unknown;
    readonly Filters?: unknown;
  };
}

/**
 * Whether a READ_CSV's lines are each counted before anything else sees them (module header, "Counting"): the scan
 * holds no pushed-down filter, and its parent is a PROJECTION that outputs only the counter's struct (named after the
 * version's sequence, a name no compiled statement uses) — a projection evaluates its expressions on every row of
 * every chunk the scan emits.
 */
function countedFirst(scan: PlanNode, parent: PlanNode | undefined, sequence: string): boolean {
  if (scan.extra_info?.Filters !== undefined || parent?.name !== 'PROJECTION') return false;
  if (!Array.isArray(parent.children) || parent.children.length !== 1) return false;
  const projections = parent.extra_info?.Projections;
  return projections === sequence || (Array.isArray(projections) && projections.length === 1 && projections[0] === sequence);
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
export function foldablePlan(
  planJson: string,
  types: readonly (TypedCsvColumn | undefined)[],
  sequence: string,
): 'none' | 'folded' | 'unknown' {
  let roots: unknown;
  try {
    roots = JSON.parse(planJson);
  } catch {
    return 'unknown';
  }
  const typedColumns = types.flatMap((t, i) => (t === undefined ? [] : [`c${i + 1}`]));
  let reads = 0;
  let consuming = true;
  const visit = (node: unknown, parent: PlanNode | undefined): void => {
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
      if (!countedFirst(node as PlanNode, parent, sequence)) consuming = false;
    }
    if (Array.isArray(children)) for (const child of children) visit(child, node as PlanNode);
    else consuming = false;
  };
  if (!Array.isArray(roots)) return 'unknown';
  for (const root of roots) visit(root, undefined);
  if (reads === 0) return 'none';
  // One READ_CSV only: two scans of the file would both count into the one counter.
  return consuming && reads === 1 ? 'folded' : 'unknown';
}

/**
 * Whether a statement planned on an undecided version's text path (its variable set to `'text'`) reads no typed field
 * but the last, which the record rule reads anyway (module header, "A statement that reads no typed field"): the plan
 * holds at least one READ_CSV, and every READ_CSV's projected columns are listed and are all text columns, the last
 * column `c{width}` or the field-count column `c{width + 1}`. Anything else (a typed column projected, a plan that
 * cannot be read, a READ_CSV without its projection list) is false: the statement goes on to the fold. A wrong `true`
 * changes only the reader's speed, never an answer (the text path's answer is every state's).
 * @param planJson - the `explain_value` of `EXPLAIN (FORMAT JSON)` over the statement with its values bound, planned
 *   in state `'text'`.
 * @param types - the version's typed reader types by header position.
 */
export function textOnlyPlan(planJson: string, types: readonly (TypedCsvColumn | undefined)[]): boolean {
  let roots: unknown;
  try {
    roots = JSON.parse(planJson);
  } catch {
    return false;
  }
  const width = types.length;
  const allowed = new Set(types.flatMap((t, i) => (t === undefined ? [`c${i + 1}`] : [])));
  allowed.add(`c${width}`);
  allowed.add(`c${width + 1}`);
  let reads = 0;
  let textOnly = true;
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) {
      textOnly = false;
      return;
    }
    const { name, children, extra_info } = node as PlanNode;
    if (name === 'READ_CSV') {
      reads++;
      const projected = extra_info?.Projections;
      const names = Array.isArray(projected) ? projected : typeof projected === 'string' ? [projected] : undefined;
      if (names === undefined || !names.every((c) => typeof c === 'string' && allowed.has(c))) textOnly = false;
    }
    if (Array.isArray(children)) for (const child of children) visit(child);
    else textOnly = false;
  };
  if (!Array.isArray(roots)) return false;
  for (const root of roots) visit(root);
  return textOnly && reads > 0;
}
