/**
 * `tsdp/sql`: differentially private SQL over DuckDB (embedded, default) and
 * PostgreSQL (server).
 *
 * ## Threat model
 * - **Trusted**: the operator who writes the schema file (privacy unit,
 *   bounds, categories, budgets), the process running tsdp, the database
 *   engine and its administrator, and the ledger's storage. Schema contents
 *   are public: they may appear in messages, explanations and results.
 * - **Untrusted**: the analyst, who sends arbitrary query text and sees every
 *   output — results, refusals, error messages, the explanation. The analyst
 *   does not see the data or the engine's logs; it sees how long each answer
 *   takes (see **Timing** below).
 * - **Guarantee**: (ε, δ)-DP under adding or removing one privacy unit (all
 *   rows with its unit id; each row when no unit is declared), for the whole
 *   released table, with the schema's bounds (maxPartitions,
 *   maxContributionsPerPartition, value bounds) enforced by the rewritten SQL
 *   whatever the data holds. Declared categories are emitted even when empty;
 *   other keys pass DP partition selection. With `rho` (or `noise:
 *   'gaussian'`) the outputs are ρ-zCDP (discrete Gaussian noise) and the
 *   query is charged the (ε, δ) that ρ implies at its δ. Derived outputs,
 *   HAVING, ORDER BY and LIMIT are post-processing of the noisy values.
 * - **What defends it**: an allow-listed grammar checked on the parse tree
 *   (sql-parser-cst); identifiers resolved against the schema and quoted by our
 *   compiler; every literal a bind parameter; no catalog, file, network or
 *   side-effect functions; clamping after evaluation; exact fixed-point sums;
 *   noise from exact integer samplers fed by the CSPRNG; a per-query CSPRNG
 *   salt for the bounding order; DuckDB with external access switched off
 *   after loading; PostgreSQL queries in READ ONLY transactions as a
 *   SELECT-only role with a statement timeout; DuckDB statements interrupted
 *   at a deadline too; compiled SQL that is total (no construct raises an
 *   error on any row, on either engine: src/sql/compile.proof.md); public
 *   causes (missing files, tables, columns, mistyped columns) and bounds whose
 *   release could overflow refused before the charge (check-public.ts,
 *   finite-release.ts); every engine error after the charge mapped to one
 *   data-independent ENGINE_ERROR.
 * - **Per-row cost** (planner; `plan/row-cost.ts`): accepted expressions cost
 *   O(row size × query size) per row and never grow a value beyond one column
 *   plus the query's literals: LIKE/ILIKE patterns are literals of at most 64
 *   characters with `%` only at their ends and no backslash; `||` joins at most
 *   one row value with literals; no regular expressions, SIMILAR TO, repeat or
 *   padding functions; the query's length, nesting and expanded size are
 *   bounded before parsing and before any walk (`_internal/parse.ts`).
 * - **Ledger**: every charge is checked and recorded durably in one atomic
 *   step before the engine is queried; a refused query charges nothing; a
 *   charge depends only on the query text, the schema and the declared ε, δ.
 * - **Timing**: a query's running time depends on the data (how many rows
 *   pass a filter, how long their strings are). Defended: constructs whose
 *   cost per row can be super-linear are refused by the planner; each
 *   statement has a deadline (PostgreSQL `statement_timeout`, DuckDB
 *   interrupts the connection; default 60 s), after which the query fails,
 *   charged, with the one ENGINE_ERROR; with `padLatencyMs: q` (`runDpSql`
 *   option; the default of anything that answers over a network) the answer
 *   and any error after the charge are returned only at the next multiple of
 *   q after the start (src/sql/latency.ts). **Residual risk**: without
 *   padding, the running time is an unmetered side channel (e.g. 33.7 ms vs
 *   26.0 ms medians for one target row on PostgreSQL); with padding, a
 *   running time that crosses a multiple of q because of one person's rows
 *   still shows as one more quantum, and a deadline hit shows as the timeout;
 *   choose q well above the query's usual running time. Local callers who
 *   measure the process itself (CPU, memory, cache) are not defended against.
 * - **Resource limits** (`engines/resource-limits.ts`): an engine also stops a
 *   statement that needs more memory or temporary space than allowed
 *   (PostgreSQL `temp_file_limit`, DuckDB `memory_limit`, ClickHouse
 *   `max_memory_usage`), and what a statement needs grows with the data. Rule:
 *   the limits are tsdp's options with stated defaults, pinned on every
 *   statement (or at open, then locked) over any role, database or profile
 *   setting, validated before anything is charged; a statement they stop
 *   after the charge stays charged and fails with the same one ENGINE_ERROR
 *   as the deadline — one message for every cause, naming the engine and its
 *   limits, never which one was hit nor the engine's text. **Residual risk**:
 *   the same one bit as the deadline (answered or not, depending on the data's
 *   size and the machine's load); sorts and hashes spill to disk before a
 *   memory limit is reached (DuckDB's private temporary directory, PostgreSQL
 *   `work_mem`, ClickHouse's external GROUP BY/sort at half the limit), so the
 *   bit is set only by inputs far larger than the limits suggest.
 * - **Not defended**: a malicious operator or database; the timing and
 *   resource-limit residues above.
 * @module tsdp/sql
 */

export * from '../ledger/index.js';
export { type BudgetSplit, splitDpBudget } from './budget-split.js';
export {
  type CompiledDpQuery,
  compileDpQuery,
  type HistogramStatement,
  MAX_INTEGER_QUANTILE_BINS,
  type OutputInputs,
  QUANTILE_BINS,
  type QuantileGrid,
  quantileGrid,
} from './compile.js';
export type { CompiledStatement, SqlDialect, SqlParam, SqlParamType } from './dialect.js';
export { clickhouseDialect } from './dialects/clickhouse.js';
export { duckdbDialect } from './dialects/duckdb.js';
export { postgresDialect } from './dialects/postgres.js';
export { type EngineRow, type EngineValue, engineError, type SqlEngine } from './engine.js';
export { ClickHouseEngine, type ClickHouseOptions } from './engines/clickhouse.js';
export { DuckDbEngine, type DuckDbOptions } from './engines/duckdb.js';
export { PostgresEngine, type PostgresOptions } from './engines/postgres.js';
export { formatDpSqlResult } from './format-result.js';
export { type DataSpec, openDataSource } from './open-data.js';
export * from './plan.js';
export { planDpQuery } from './plan-query.js';
export {
  type BoundingReport,
  type DpSqlExplanation,
  type DpSqlOptions,
  type DpSqlResult,
  type DpSqlValue,
  explainDpSql,
  type QuantileNote,
  type RunDpSqlInput,
  runDpSql,
  SQL_QUANTILE_INTERVAL_SHARE,
} from './run-dp-sql.js';
export {
  type ExactBudget,
  loadSqlSchema,
  parseSqlSchema,
  type SqlColumnSchema,
  type SqlColumnType,
  type SqlSchema,
  type SqlTableSchema,
} from './schema.js';
