/**
 * A declared table is read without evaluating SQL the operator wrote (review S29, S29b, S30, S31, S31b, S35;
 * class 3 "whether a query is answered depends on one person's row" and class 11 "a public-cause failure charged").
 *
 * **Threat.** tsdp's compiled SQL is total (every cast a TRY_CAST, every division guarded), but that covers the
 * statement, not the relation it reads. A relation that evaluates the operator's SQL when read — a VIEW, a FOREIGN
 * table (its file or remote server parsed at read), a DuckDB generated column (VIRTUAL: computed at read; DuckDB
 * checks it on INSERT, not on UPDATE), a PostgreSQL row-level-security policy (its USING expression runs on every
 * row), a partition or inheritance child that is any of these — can raise on one person's raw value (`CAST(age_text
 * AS integer)` on `'unknown'`), turning an answered query into ENGINE_ERROR after the charge. A relation that cannot
 * be read at all for a public reason (a materialized view never populated) would be charged, then fail.
 *
 * **Rule.** Before any charge (`catalog`, run by `checkPublicStructure`), every relation a scan of a declared table
 * reads (the table, and in PostgreSQL every partition and inheritance child, recursively) must be stored and
 * readable, and evaluate nothing when read:
 * - DuckDB (`duckdb.ts`): a BASE TABLE with no column that has an expression (`column_default`: DuckDB's catalog
 *   shows a generated column's expression there and does not tell it from a DEFAULT, so both are refused; `CREATE
 *   TABLE t2 AS SELECT * FROM t` keeps the values and drops both), or a view tsdp itself made over a declared file
 *   (TRY_CAST, total by construction);
 * - PostgreSQL (`postgres.ts`): a plain or partitioned table or a populated materialized view at the top; plain or
 *   partitioned tables below it; row-level security enabled on none of them;
 * - ClickHouse: `clickhouse-stored.ts` (stored engines, no ALIAS/DEFAULT/MATERIALIZED column, no row policy).
 * Everything else is refused INVALID_SCHEMA — relation kinds, column defaults, RLS flags and populated flags are
 * catalog, public — whatever the rows, with one message shape ({@link storedOnlyError}) that names the table and the
 * public cause and never a value. The data owner materialises the relation into a stored table: a cast that fails
 * then fails at load time, outside tsdp.
 *
 * **Names (review S39).** The same holds for the functions and operators the compiled SQL names: it calls the
 * engine's built-ins by bare name (`lower`, `least`, `hash`, `>`), and each engine resolves a bare name through the
 * operator's catalog — a DuckDB MACRO stored in the database file with a built-in's name replaces it; a PostgreSQL
 * function or operator on the search path whose argument types match exactly wins over `pg_catalog`'s
 * (CVE-2018-1058's mechanism: `public.lower(varchar)` for a VARCHAR column). Rule: before any charge, a database
 * whose catalog defines, where the reader's name resolution looks, a function or operator with the name of a
 * built-in one is refused INVALID_SCHEMA ({@link shadowedBuiltinsError}) — DuckDB: a non-internal function with the
 * name of an internal one; PostgreSQL: a function or operator with a `pg_catalog` name in a schema of the search path,
 * any function, operator or cast created after initdb inside `pg_catalog` (oid ≥ 16384), and any user-defined cast
 * (casts are global). Names the compiled SQL never calls cannot change it, so other operator functions are kept.
 * ClickHouse 18.16 has no user functions (current releases refuse a SQL UDF with a built-in's name).
 *
 * Tests: `test/sql/duckdb-stored-only.test.ts`, `test/sql/postgres-stored-only.test.ts` (regression per member;
 * fast-check over relation kind × one more person: refused before the charge with no charge, or answered);
 * `test/sql/shadowed-builtins.test.ts` (S39).
 * @module
 */
import { DpError } from '../../core/errors.js';

/** The engine whose catalog a refusal comes from. */
export type StoredOnlyEngine = 'DuckDB' | 'PostgreSQL';

/** Why a declared relation is refused (see the module header). */
export interface StoredOnlyCause {
  /** What the relation is, as a predicate after "is": `a view`, `a table with a column computed from an expression ("age")`. */
  readonly what: string;
  /** What the data owner does instead (`store it as a table (CREATE TABLE … AS)`). */
  readonly remedy: string;
  /** The accepted relations, for `details.expected`. */
  readonly expected: string;
  /** Why it matters, when not the default (SQL evaluated at read). */
  readonly why?: string;
}

const EVALUATES_SQL = "SQL it did not compile may fail on one person's row, after the charge";

/**
 * The one refusal of a declared relation that a scan could not read without evaluating the operator's SQL (or could
 * not read at all), for every engine's catalog check (module header). Its message names the table and the public
 * cause only.
 * @param engine - the engine whose catalog showed it.
 * @param table - the declared table.
 * @param cause - what it is, the remedy, the accepted relations.
 * @returns a DpError INVALID_SCHEMA with `details.path = tables.<table>` and `details.expected`.
 * @example
 * throw storedOnlyError('DuckDB', 'people', { what: 'a view', remedy: 'store it as a table (CREATE TABLE … AS)', expected: 'a table' });
 */
export function storedOnlyError(engine: StoredOnlyEngine, table: string, cause: StoredOnlyCause): DpError<'INVALID_SCHEMA'> {
  return new DpError(
    'INVALID_SCHEMA',
    `the table "${table}" declared in the schema is ${cause.what} in the ${engine} database: tsdp reads stored tables only (${cause.why ?? EVALUATES_SQL}); ${cause.remedy}; nothing was charged`,
    { path: `tables.${table}`, expected: cause.expected },
  );
}

/**
 * The one refusal of a database whose catalog defines functions, operators or casts that would replace the built-ins
 * the compiled SQL names (module header, "Names"). Its message names them (catalog, not data).
 * @param engine - the engine whose catalog showed them.
 * @param names - the shadowing names (functions, operators, `cast …`), at least one.
 * @returns a DpError INVALID_SCHEMA with `details.expected`.
 * @example
 * throw shadowedBuiltinsError('DuckDB', ['lower']);
 */
export function shadowedBuiltinsError(engine: StoredOnlyEngine, names: readonly string[]): DpError<'INVALID_SCHEMA'> {
  const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, … (${names.length} in all)` : '');
  return new DpError(
    'INVALID_SCHEMA',
    `the ${engine} database defines functions, operators or casts with the names of built-ins its compiled SQL calls (${shown}): tsdp reads without the operator's SQL (they may fail on one person's row, after the charge); move them to a schema the reader does not search, or rename them; nothing was charged`,
    { expected: 'no user-defined function, operator or cast replacing a built-in' },
  );
}
