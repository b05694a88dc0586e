/**
 * What the DP SQL layer needs from a database engine: run a compiled,
 * read-only statement with bind parameters and return its rows. Every engine
 * error reaches the caller as one data-independent `DpError('ENGINE_ERROR')`.
 * @module
 */
import { DpError } from '../core/errors.js';
import { edgeRead, edgeRecord, edgeString } from '../numeric/edge.js';
import type { CompiledStatement, SqlDialect } from './dialect.js';
import { describeLimits, type EngineLimits } from './engines/resource-limits.js';

/** A value in an engine row, normalized. */
export type EngineValue = string | number | bigint | boolean | null;

/** One result row by column name. */
export type EngineRow = Readonly<Record<string, EngineValue>>;

/** The public structure of an engine's tables: what `checkPublicStructure` reads before a charge. */
export interface EngineCatalog {
  /** The dialect its statements are compiled for. */
  readonly dialect: SqlDialect;
  /**
   * The columns of each named table the query role can read: table → column → stored type (lower case,
   * e.g. `bigint`, `double`, `varchar`, `decimal(18,3)`); tables missing or unreadable are absent.
   * Reads the catalog only, never a row.
   * @throws DpError ENGINE_ERROR when the catalog cannot be read.
   */
  catalog(tables: readonly string[]): Promise<ReadonlyMap<string, ReadonlyMap<string, string>>>;
  /**
   * Optional: plans the compiled statements as the query role without reading a row (PostgreSQL: `EXPLAIN`), so a
   * public cause that fails them whatever the rows — a privilege the role lacks on a function they call, review
   * S45 — is found before the charge (`check-public.ts`, run by `runDpSql` after the catalog step). An engine
   * without it has no such cause beyond what `catalog` checks.
   * @throws DpError INVALID_SCHEMA naming the public cause; ENGINE_ERROR when the engine cannot plan (both uncharged).
   */
  preflight?(statements: readonly CompiledStatement[]): Promise<void>;
}

/** A database engine the DP SQL layer can run compiled statements on. */
export interface SqlEngine extends EngineCatalog {
  /**
   * Runs a compiled statement.
   * @throws DpError ENGINE_ERROR (the same message whatever the data).
   */
  query(statement: CompiledStatement): Promise<EngineRow[]>;
  /**
   * Optional: runs a compiled statement as `query` does, handing its rows to `onChunk` in chunks of `chunkRows`
   * (public), the next read only once `onChunk` has settled (DuckDB: `DuckDbEngine.queryChunks`). A dialect that
   * streams its quantile histograms (`streamsQuantiles`) needs it (`quantile-stream-sql.ts`).
   * @throws DpError ENGINE_ERROR (the same message whatever the data).
   */
  queryChunks?(statement: CompiledStatement, chunkRows: number, onChunk: (rows: EngineRow[]) => void | Promise<void>): Promise<void>;
  /**
   * Optional: runs `work` with a reader whose every statement sees ONE snapshot of the data (PostgreSQL: one
   * REPEATABLE READ READ ONLY transaction; DuckDB: the declared files' versions pinned at its first statement).
   * `runDpSql` runs every statement after the charge — the main one, the histograms, each streamed pass — through
   * one such reader (rule: `run-dp-sql.ts`, "one snapshot", review stop 23 third). `work`'s own errors pass through
   * unchanged; a statement's are the one engine error.
   * @throws DpError ENGINE_ERROR (the same message whatever the data), or what `work` throws.
   */
  snapshot?<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T>;
  /** Releases the connection. */
  close(): Promise<void>;
}

/** The statements of one query, all on one snapshot (`SqlEngine.snapshot`). */
export interface SnapshotReader {
  /** As `SqlEngine.query`, on the snapshot. */
  query(statement: CompiledStatement): Promise<EngineRow[]>;
  /**
   * As `SqlEngine.queryChunks`, on the snapshot. Required: every reader streams (`queryInChunks` over its own `query`
   * when the engine has nothing better), so a streamed release after the charge never meets a reader that cannot.
   */
  queryChunks(statement: CompiledStatement, chunkRows: number, onChunk: (rows: EngineRow[]) => void | Promise<void>): Promise<void>;
  /** The engine's one error (what its statements fail with), for a failure found after a statement's stream ended. */
  failure(): DpError<'ENGINE_ERROR'>;
}

/**
 * The reader of an engine without `snapshot`: its own statements, each on its own snapshot (a wrapper over data that
 * does not change, or a third-party engine; PostgreSQL and DuckDB have `snapshot`). Its failure is `engineError`
 * named by the dialect.
 */
export function ownStatements(engine: SqlEngine): SnapshotReader {
  const chunks = engine.queryChunks;
  return {
    query: (s) => engine.query(s),
    queryChunks: chunks ? (s, n, on) => chunks.call(engine, s, n, on) : (s, n, on) => queryInChunks((t) => engine.query(t), s, n, on),
    failure: () => engineError(engine.dialect.name),
  };
}

/**
 * A reader's `query` handed on in chunks of `chunkRows`: how a reader without its own `queryChunks` streams (all its
 * rows are held once, as `query` holds them; an engine whose dialect streams has its own `queryChunks`, so this is
 * reached only through a wrapper or a caller's own engine). Rule (review stop 24, class "the check before the charge
 * and the path after it read different objects"): every snapshot reader streams — its own `queryChunks` or this over
 * its own `query` — so no release after the charge depends on which object the check before it asked.
 * @throws what `query` or `onChunk` throws.
 */
export async function queryInChunks(
  query: (statement: CompiledStatement) => Promise<EngineRow[]>,
  statement: CompiledStatement,
  chunkRows: number,
  onChunk: (rows: EngineRow[]) => void | Promise<void>,
): Promise<void> {
  const rows = await query(statement);
  for (let i = 0; i < rows.length; i += chunkRows) await onChunk(rows.slice(i, i + chunkRows));
}

/**
 * The one error every engine failure becomes — a deadline, a memory or temporary-space limit, a dropped connection
 * alike (the rule: `engines/resource-limits.ts`). Its message names the engine and the limits it runs under (public
 * configuration), never which one stopped the statement, the engine's own message or a value.
 * @param engine - the engine's name.
 * @param limits - the limits in force (none: the message names none).
 * @returns the error.
 */
export function engineError(engine: string, limits: EngineLimits = {}): DpError<'ENGINE_ERROR'> {
  // A public export: its arguments are read once, totally, at the edge (S7; numeric/edge.ts).
  edgeString(engine, 'engine');
  const named = edgeRead('limits', () => {
    edgeRecord(limits, 'limits');
    const read: Record<string, string> = {};
    for (const [name, value] of Object.entries(limits)) {
      edgeString(value, 'limits[]');
      read[name] = value;
    }
    return describeLimits(read);
  });
  return new DpError(
    'ENGINE_ERROR',
    `the ${engine} engine could not run the query${named === '' ? '' : ` within its limits (${named}) or failed`} (the reason is withheld because it may depend on the data)`,
    {
      engine,
    },
  );
}

/**
 * Normalizes a driver value, **totally**: strings, booleans, numbers and bigints as they are, NULL as null.
 * Anything else — a `Date` (valid or not), a driver object (a DuckDB DECIMAL, a list, a blob) — is never
 * produced by a compiled statement, whose every output column is converted in SQL to a type both drivers
 * represent (`keyOutput` in compile-expr.ts: dates leave as ISO text; aggregates are integers). Such a
 * value therefore means the compiler is wrong: an INTERNAL error whose message holds no value (it could
 * depend on the data), never a `toISOString()` that throws on an invalid Date or a `String()` of an object.
 * @param v - the driver's value.
 * @returns the engine value.
 * @throws DpError INTERNAL for a value of a type compiled statements never return.
 */
export function normalizeValue(v: unknown): EngineValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number') return v;
  throw new DpError(
    'INTERNAL',
    `the engine returned a ${v instanceof Date ? 'date' : typeof v} value, which compiled statements never return (the value is withheld)`,
    {},
  );
}
