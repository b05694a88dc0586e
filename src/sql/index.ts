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
 *   does not see the data, the engine's logs, or the timing of the database
 *   beyond what one result takes (tsdp does not pad latency; see SECURITY.md §11).
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
 *   SELECT-only role with a statement timeout; every engine error mapped to
 *   one data-independent ENGINE_ERROR.
 * - **Ledger**: every charge is checked and recorded durably in one atomic
 *   step before the engine is queried; a refused query charges nothing; a
 *   charge depends only on the query text, the schema and the declared ε, δ.
 * - **Not defended**: a malicious operator or database; timing side channels
 *   of the engine (a query's running time depends on the data); the residual
 *   error bit of arithmetic that overflows double precision in PostgreSQL
 *   (which raises an error instead of returning infinity; it is charged and
 *   reported as the one ENGINE_ERROR). CASTs of text, which could fail on some
 *   rows only, are refused at planning (PostgreSQL has no TRY_CAST).
 * @module tsdp/sql
 */

export * from '../ledger/index.js';
export { type BudgetSplit, splitDpBudget } from './budget-split.js';
export { type CompiledDpQuery, compileDpQuery, type HistogramStatement, type OutputInputs, QUANTILE_BINS } from './compile.js';
export type { CompiledStatement, SqlDialect, SqlParam, SqlParamType } from './dialect.js';
export { duckdbDialect } from './dialects/duckdb.js';
export { postgresDialect } from './dialects/postgres.js';
export { type EngineRow, type EngineValue, engineError, type SqlEngine } from './engine.js';
export { DuckDbEngine, type DuckDbOptions } from './engines/duckdb.js';
export { PostgresEngine, type PostgresOptions } from './engines/postgres.js';
export { formatDpSqlResult } from './format-result.js';
export { type DataSpec, openDataSource } from './open-data.js';
export * from './plan.js';
export { planDpQuery } from './plan-query.js';
export {
  type DpSqlExplanation,
  type DpSqlOptions,
  type DpSqlResult,
  type DpSqlValue,
  explainDpSql,
  QUANTILE_INTERVAL_BINS,
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
