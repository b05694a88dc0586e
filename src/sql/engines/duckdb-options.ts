/**
 * The options of the DuckDB engine (`DuckDbEngine.open`, `duckdb.ts`): where the data is, the deadline, the pinned
 * resource limits (`resource-limits.ts`), and what the schema declares about each file.
 * @module
 */
import type { CsvLineBreaks } from '../../io/csv-records.js';

/** A declared column type of the schema. */
export type DeclaredColumnType = 'integer' | 'float' | 'string' | 'boolean' | 'date';

/** Options of `openDuckDb`. */
export interface DuckDbOptions {
  /** A DuckDB database file, opened read-only (default: an in-memory database). */
  readonly database?: string;
  /** Files to query as tables (in place, through views): table name → CSV, Parquet or JSON path. */
  readonly files?: Readonly<Record<string, string>>;
  /** Keep external access on (for callers that load more data later, e.g. benchmarks and tests). Default false. */
  readonly allowExternalAccess?: boolean;
  /**
   * Statement timeout in ms (default 60000): a statement still running then is interrupted and fails with the one
   * data-independent ENGINE_ERROR (DuckDB has no statement_timeout setting of its own).
   */
  readonly statementTimeoutMs?: number;
  /** Worker threads (default: DuckDB's choice). */
  readonly threads?: number;
  /**
   * `memory_limit` in bytes (default 80 % of the machine's memory — DuckDB's own default, stated as a number; at
   * least 1 MiB). Pinned at open and locked. Rule: `resource-limits.ts`.
   */
  readonly memoryLimitBytes?: number;
  /**
   * Where DuckDB spills what does not fit in `memory_limit`: default a private directory under the OS temp directory,
   * removed at close (DuckDB's own default is `.tmp` in the working directory); `null`: never spill.
   */
  readonly tempDirectory?: string | null;
  /** `max_temp_directory_size` in bytes (default DuckDB's: 90 % of the free disk space; at least 1 MiB). */
  readonly maxTempBytes?: number;
  /**
   * How each declared CSV file's writer encodes a line break inside a field (table name → `'none'` (default),
   * `'escaped'` or `'quoted'`; rule 5 of `src/io/csv-records.ts`, from the schema's `lineBreaks`).
   */
  readonly csvLineBreaks?: Readonly<Record<string, CsvLineBreaks>>;
  /**
   * Track each statement's progress for `progress()` (DuckDB's progress bar, never printed). Default false: off,
   * DuckDB does no progress bookkeeping and `progress()` is null.
   */
  readonly trackProgress?: boolean;
  /**
   * The declared column types of each file's table (from the schema). The view then has exactly these columns,
   * each converted with TRY_CAST from the file's text (CSV, JSON) or stored type (Parquet), so a column's type
   * never depends on its contents: otherwise one "NA" in a numeric column makes it VARCHAR, and a query's engine
   * error would reveal whether the rows it filters to hold such a value. A declared column the file lacks is
   * NOT_FOUND at open.
   */
  readonly columnTypes?: Readonly<Record<string, Readonly<Record<string, DeclaredColumnType>>>>;
  /**
   * Prepared statements kept for reuse by exact statement text (default 0: each statement prepared and destroyed);
   * the server keeps some (queries of one shape compile to one text). Rule and residual: `duckdb-prepared.ts`.
   */
  readonly preparedStatements?: number;
}
