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

/** A database engine the DP SQL layer can run compiled statements on. */
export interface SqlEngine {
  /** The dialect its statements are compiled for. */
  readonly dialect: SqlDialect;
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
