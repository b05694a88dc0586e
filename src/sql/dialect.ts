/**
 * The dialect layer: what differs between SQL engines when a plan is
 * compiled. DuckDB and PostgreSQL live in `dialects/`; BigQuery, Spark SQL or
 * Trino would be one more object of this shape (identifier quoting, parameter
 * markers, type names, a salted hash for random-but-reproducible ordering).
 * @module
 */
import type { PlanCastType } from './plan.js';

/** A SQL dialect. */
export interface SqlDialect {
  /** Its name: 'duckdb' | 'postgres' (others may follow). */
  readonly name: string;
  /** Quotes an identifier (always quoted by us, never taken raw from the query). */
  quoteIdentifier(name: string): string;
  /** The marker of the 1-based bind parameter `index`. */
  parameter(index: number, type: SqlParamType): string;
  /** The type name for a CAST. */
  typeName(type: PlanCastType | 'bigint' | 'wide'): string;
  /** A cast that yields NULL instead of an error where the engine allows it. */
  safeCast(expr: string, type: PlanCastType | 'bigint'): string;
  /**
   * A per-query pseudo-random order key from a CSPRNG salt (a bind parameter):
   * a salted hash of `exprs`. Only its independence from other units matters
   * for privacy, not its cryptographic strength: bounding holds for any order.
   */
  saltedHash(exprs: readonly string[], salt: string): string;
  /** A function name for an allow-listed scalar function. */
  functionName(name: string): string;
}

/** The type of a bind parameter. */
export type SqlParamType = 'bigint' | 'double' | 'text' | 'boolean';

/** A compiled statement: SQL text with `$n` markers and its bind values. */
export interface CompiledStatement {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** One bind value with its type. */
export interface SqlParam {
  readonly value: bigint | number | string | boolean | null;
  readonly type: SqlParamType;
}
