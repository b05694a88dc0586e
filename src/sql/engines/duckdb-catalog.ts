/**
 * The catalog step of the DuckDB engine (`duckdb.ts`): the readable columns of the declared tables, and the checks
 * that refuse, before any charge, a database whose reads would run SQL tsdp did not compile (`stored-only.ts`).
 *
 * - **Stored relations only** (reviews S29b, S30): a VIEW in a DuckDB database file runs the operator's SQL, which
 *   tsdp cannot make total — its `CAST(age_text AS INTEGER)` raises on one person's 'unknown', after the charge —
 *   and so does a table's generated column (VIRTUAL, computed when read). A declared table that is such a view, or
 *   has a column with an expression (`column_default`: generated or DEFAULT, which the catalog does not tell
 *   apart), is refused INVALID_SCHEMA whatever its rows (catalog, public). The views tsdp creates over declared
 *   files read every field with TRY_CAST and are accepted. Test: test/sql/duckdb-stored-only.test.ts.
 * - **No collations** (review S41c, class 1/2 through the released key): a column declared `COLLATE NFC`, an ICU
 *   collation (`COLLATE de`) or `NOCASE` makes `=` and GROUP BY equate different spellings ('é' and 'e' + U+0301)
 *   and release ONE ROW's spelling as the group's key — a person's raw value. A stored table whose definition
 *   (`duckdb_tables().sql`) names COLLATE anywhere is refused INVALID_SCHEMA before the charge, whatever its rows
 *   (conservative: a CHECK mentioning the word is refused too — a public cause either way), and the engine pins
 *   `default_collation = ''` (binary) at open (`duckdb.ts`), so no setting can collate an undeclared column.
 *   PostgreSQL's twin (S41: a nondeterministic collation) is refused in `postgres.ts`'s catalog step.
 *   Test: test/sql/duckdb-collation.test.ts.
 * - **What a file stores** (review S56): a declared file's view converts each column to its declared type
 *   (`TRY_CAST(col AS DOUBLE)` over a Parquet INT64), so its catalog type says what the compiled SQL reads, not what
 *   the file holds. Each such column is named `<view type> <- <stored type>` (`check-public.ts` `convertedColumnType`)
 *   with the type the file stores (Parquet: DuckDB's type for the column; CSV and JSON Lines: `varchar`), so the
 *   identity rules of `check-public.ts` judge the stored ids, as for a stored table.
 * - **No shadowed built-ins** (review S39, `stored-only.ts` "Names"): a user macro or function with a built-in's
 *   name would replace the built-in the compiled SQL calls by bare name. Test: test/sql/shadowed-builtins.test.ts.
 * - **Own views without a catalog read** (issue 11, stop 26: the catalog query costs ≈ 55–70 ms of CPU on a fresh
 *   engine, a third of a 10⁶-row Parquet GROUP BY). Rule: while no one but the engine has held its connection
 *   (`connectionShared` never called), the only relations and functions in the database that tsdp did not read from
 *   a database file are the ones tsdp created, and tsdp creates only its views over declared files — so a name in
 *   `ownViews` resolves to tsdp's own view (a database file's table of that name is shadowed: the views then live in
 *   the temporary catalog, searched first, and a read-only file cannot gain one). When every asked table is such a
 *   view with every column a declared TRY_CAST (`DuckDbFileViews.viewTypes`), the answer is read from what tsdp
 *   built: each column's declared name with its cast's type, lower case — what the catalog query returns for that
 *   view (a view is never refused as "not stored", has no column expression or collation), with the same "what a
 *   file stores" naming; the function catalog is listed as before (`shadowedBuiltins`). Any other ask — a stored
 *   table, a view of the file's own columns, a name not made by tsdp, declared names equal but for case, a table or
 *   column name with a lone surrogate (DuckDB receives it as U+FFFD, so the catalog names it otherwise and two such
 *   names become one: review stop 26, test/review/sqlfast-own-views.test.ts), or any ask once the connection was
 *   handed out — reads the catalog. After `close` the answer is the one engine error, as the query's would be. Test:
 *   test/sql/duckdb-catalog-own-views.test.ts (generative: the same answer as the catalog query, every declared type,
 *   CSV / Parquet / JSON Lines, arbitrary names).
 * @module
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DpError } from '../../core/errors.js';
import { edgeStringArray } from '../../numeric/edge.js';
import { convertedColumnType } from '../check-public.js';
import { shadowedBuiltinsError, storedOnlyError } from './stored-only.js';

/** Runs one DuckDB call of the catalog step (through the engine's queue, under the setup deadline). */
export type CatalogRunner = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * The declared tables' columns with their kind (table or view) and whether a column is computed from an expression.
 * A name is read where DuckDB's name resolution finds it — the temporary catalog first (where tsdp's views over
 * declared files live when a database file is open, read-only: `duckdb-file-view.ts`), else the current schema — so
 * the catalog step and the statements see the same relation.
 */
const COLUMNS_SQL = `SELECT c.table_name, c.column_name, c.data_type, t.table_type, c.column_default IS NOT NULL AS computed,
           (SELECT regexp_matches(d.sql, '\\bcollate\\b', 'i') FROM duckdb_tables() d
             WHERE d.database_name = c.table_catalog AND d.schema_name = c.table_schema AND d.table_name = c.table_name) AS collated
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE list_contains($1::VARCHAR[], c.table_name) AND (
           (c.table_catalog = 'temp' AND c.table_schema = 'main')
           OR (c.table_catalog = current_database() AND c.table_schema = current_schema() AND NOT EXISTS (
             SELECT 1 FROM information_schema.tables x
             WHERE x.table_catalog = 'temp' AND x.table_schema = 'main' AND x.table_name = c.table_name)))`;

/** The names that both a user function (or macro) and a built-in carry. */
const SHADOWED_SQL =
  'SELECT function_name FROM duckdb_functions() GROUP BY function_name HAVING bool_or(NOT internal) AND bool_or(internal) ORDER BY 1';

/** The refusal of a declared table with a column collation (module header, "No collations"; review S41c). */
function collatedTableError(table: string): DpError<'INVALID_SCHEMA'> {
  return storedOnlyError('DuckDB', table, {
    what: 'a table with a column collation (COLLATE)',
    why: "a collation makes GROUP BY equate different spellings and release one row's spelling as the key",
    remedy: 'store its text columns without a collation (CREATE TABLE … AS SELECT, with columns declared without COLLATE)',
    expected: 'a table without collations',
  });
}

/** The catalog step of one DuckDB engine (module header); it keeps what it learnt of the function catalog. */
export class DuckDbCatalog {
  /** Whether the function catalog was read and no user function shares a built-in's name (`shadowedBuiltins`). */
  private noShadowedBuiltins = false;
  /** Whether someone else has held the connection (module header, "Own views without a catalog read"). */
  private shared = false;

  /**
   * @param connection - the engine's connection.
   * @param run - runs each catalog read through the engine's queue, under its setup deadline.
   * @param ownViews - the views tsdp made over declared files (accepted as stored).
   * @param fileStored - for each view over a declared file, the type the file stores for each declared column
   *   (module header, "What a file stores"); fixed when the view is first built (`duckdb.ts`).
   * @param viewTypes - for each of tsdp's views whose every column is a declared cast, its columns' catalog types
   *   (`DuckDbFileViews.viewTypes`; module header, "Own views without a catalog read").
   * @param toList - DuckDB's `listValue` (the driver's value constructor, passed in so this module loads no driver).
   * @param fail - the engine's one ENGINE_ERROR (naming its pinned limits, `resource-limits.ts`).
   * @param closed - whether the engine is closed (the answer from `viewTypes` is then the engine error).
   * @param inMemory - whether the database is a fresh in-memory one (no database file): it then holds no user
   *   function until someone else holds the connection (`connectionShared`), so the function catalog is not listed.
   */
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly run: CatalogRunner,
    private readonly ownViews: ReadonlySet<string>,
    private readonly fileStored: ReadonlyMap<string, ReadonlyMap<string, string>>,
    private readonly viewTypes: ReadonlyMap<string, ReadonlyMap<string, string>>,
    private readonly toList: (items: readonly string[]) => unknown,
    private readonly fail: () => Error,
    private readonly closed: () => boolean,
    inMemory: boolean,
  ) {
    this.noShadowedBuiltins = inMemory;
  }

  /**
   * Someone else now holds the connection (the engine's `connection` was read) and may create functions: the next
   * catalog step lists the function catalog again.
   */
  connectionShared(): void {
    this.noShadowedBuiltins = false;
    this.shared = true;
  }

  /**
   * The readable columns of `tables` from DuckDB's catalog (no row is read), after the checks of the module header.
   * @param tables - the declared tables' names.
   * @returns each table's columns, name → lower-case DuckDB type.
   * @throws DpError INVALID_PARAMETER when `tables` is not an array of strings; ENGINE_ERROR; INVALID_SCHEMA when a
   *   declared table is a view tsdp did not make or has a column computed from an expression, or when a user
   *   function shares a built-in's name.
   */
  async read(tables: readonly string[]): Promise<ReadonlyMap<string, ReadonlyMap<string, string>>> {
    const names = edgeStringArray(tables, 'tables'); // S7 edge: read once, totally (numeric/edge.ts)
    const out = new Map<string, Map<string, string>>();
    if (names.length === 0) return out;
    const own = this.ownViewColumns(names);
    if (own) {
      let shadows: readonly string[];
      try {
        if (this.closed()) throw this.fail();
        shadows = await this.shadowedBuiltins();
      } catch {
        throw this.fail();
      }
      if (shadows.length > 0) throw shadowedBuiltinsError('DuckDB', shadows);
      return own;
    }
    let rows: unknown[][];
    let shadows: readonly string[];
    try {
      const reader = await this.run(() => this.connection.runAndReadAll(COLUMNS_SQL, [this.toList(names)] as never));
      rows = reader.getRowsJS() as unknown[][];
      shadows = await this.shadowedBuiltins();
    } catch {
      throw this.fail();
    }
    // Review S39 (stored-only.ts "Names"): a user macro or function with a built-in's name would replace it.
    if (shadows.length > 0) throw shadowedBuiltinsError('DuckDB', shadows);
    const remedy = 'store it as a table (CREATE TABLE … AS)';
    const expected = 'a table';
    for (const [table, , , kind] of rows) {
      const t = String(table);
      if (String(kind) !== 'BASE TABLE' && !this.ownViews.has(t)) throw storedOnlyError('DuckDB', t, { what: 'a view', remedy, expected });
    }
    for (const [table, column, type, , computed, collated] of rows) {
      const t = String(table);
      if (computed === true && !this.ownViews.has(t)) {
        throw storedOnlyError('DuckDB', t, {
          what: `a table with a column computed from an expression ("${String(column)}": GENERATED, computed when read, or DEFAULT)`,
          remedy: 'store its values in a table without expressions (CREATE TABLE … AS SELECT * FROM …)',
          expected: 'a table without generated or DEFAULT columns',
        });
      }
      if (collated === true && !this.ownViews.has(t)) throw collatedTableError(t);
      const m = out.get(t) ?? new Map<string, string>();
      m.set(String(column), this.namedType(t, String(column), String(type).toLowerCase()));
      out.set(t, m);
    }
    return out;
  }

  /**
   * The catalog's answer for `names` from what tsdp built, when every name is one of its views with declared casts
   * only and no one else has held the connection (module header, "Own views without a catalog read"); else undefined.
   */
  private ownViewColumns(names: readonly string[]): Map<string, Map<string, string>> | undefined {
    if (this.shared) return undefined;
    const out = new Map<string, Map<string, string>>();
    for (const t of names) {
      const types = this.ownViews.has(t) ? this.viewTypes.get(t) : undefined;
      if (!types) return undefined;
      out.set(t, new Map([...types].map(([column, read]) => [column, this.namedType(t, column, read)])));
    }
    return out;
  }

  /** A column's type as the public checks read it: the catalog's, or `<view type> <- <stored type>` (module header, S56). */
  private namedType(table: string, column: string, read: string): string {
    const fileType = this.ownViews.has(table) ? this.fileStored.get(table)?.get(column) : undefined;
    return fileType === undefined || fileType === read ? read : convertedColumnType(read, fileType);
  }

  /**
   * The names of user functions and macros that share a built-in's name (review S39, `stored-only.ts` "Names").
   * Listing DuckDB's functions costs 15–100 ms, so it is skipped where the answer is known to be empty, and an empty
   * answer is kept: the function catalog cannot change under the engine — a database file is opened READ_ONLY
   * (DuckDB's file lock keeps writers out while it is open), `query` runs single SELECTs only, and tsdp itself creates
   * views, never functions. So a fresh in-memory database holds no user function until the engine hands out its
   * connection (tests and benchmarks load data through it); from then on the list is read again at the next step.
   * A non-empty answer (a refusal) is not kept. Residual: code that keeps the connection it was handed can create a
   * function after the next step has listed none; that code is the operator's own.
   * @throws whatever the read throws (the caller maps it to ENGINE_ERROR)
   */
  private async shadowedBuiltins(): Promise<readonly string[]> {
    if (this.noShadowedBuiltins) return [];
    const reader = await this.run(() => this.connection.runAndReadAll(SHADOWED_SQL));
    const names = (reader.getRowsJS() as unknown[][]).map(([name]) => String(name));
    this.noShadowedBuiltins = names.length === 0;
    return names;
  }
}
