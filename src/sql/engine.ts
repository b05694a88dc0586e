/**
 * What the DP SQL layer needs from a database engine: run a compiled,
 * read-only statement with bind parameters and return its rows. Every engine
 * error reaches the caller as one data-independent `DpError('ENGINE_ERROR')`.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { CompiledStatement, SqlDialect } from './dialect.js';

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
}

/** A database engine the DP SQL layer can run compiled statements on. */
export interface SqlEngine extends EngineCatalog {
  /**
   * Runs a compiled statement.
   * @throws DpError ENGINE_ERROR (the same message whatever the data).
   */
  query(statement: CompiledStatement): Promise<EngineRow[]>;
  /** Releases the connection. */
  close(): Promise<void>;
}

/** The one error every engine failure becomes. */
export function engineError(engine: string): DpError<'ENGINE_ERROR'> {
  return new DpError(
    'ENGINE_ERROR',
    `the ${engine} engine could not run the query (the reason is withheld because it may depend on the data)`,
    {
      engine,
    },
  );
}

/** Normalizes a driver value: safe integers as numbers, big ones as bigint, dates and others as strings. */
export function normalizeValue(v: unknown): EngineValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v);
}
