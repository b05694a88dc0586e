/**
 * The dialect layer: what differs between SQL engines when a plan is
 * compiled. DuckDB and PostgreSQL live in `dialects/`; BigQuery, Spark SQL or
 * Trino would be one more object of this shape (identifier quoting, parameter
 * markers, type names, a salted hash for random-but-reproducible ordering,
 * and the guarded parsers the total conversions of `compile-expr.ts` use).
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
  /** A cast of an in-range value (already saturated by the caller) that yields NULL instead of an error where the engine allows it. */
  safeCast(expr: string, type: PlanCastType | 'bigint'): string;
  /** True when the whole of text `expr` matches `pattern` (a constant POSIX/RE2 common-subset pattern, no quotes or backslashes). */
  regexFullMatch(expr: string, pattern: string): string;
  /**
   * Text already known to match a decimal number with at most a three-digit exponent and at most 400
   * characters, as a double saturated to ±1e308 with magnitudes below 1e-300 flushed to 0. Must not raise.
   */
  parseGuardedNumber(text: string): string;
  /** Text of one to four ASCII digits, as an integer. Must not raise. */
  parseGuardedInteger(text: string): string;
  /** Text known to be a valid ISO date (yyyy-mm-dd, year ≥ 1), as a date. Must not raise. */
  parseGuardedDate(text: string): string;
  /**
   * A date known to lie in years 1–9999 as ISO text `yyyy-mm-dd` (whatever the session's date style). Must not raise.
   */
  dateText(date: string): string;
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
