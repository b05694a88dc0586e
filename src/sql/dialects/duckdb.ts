/**
 * The DuckDB dialect.
 * @module
 */
import type { SqlDialect } from '../dialect.js';

const TYPES = {
  integer: 'BIGINT',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  varchar: 'VARCHAR',
  boolean: 'BOOLEAN',
  date: 'DATE',
  wide: 'HUGEINT',
} as const;

/** DuckDB (1.x): `$n` parameters, `hash(…)` for salted ordering, `TRY_CAST` behind every guard (it never raises). */
export const duckdbDialect: SqlDialect = Object.freeze({
  name: 'duckdb',
  quoteIdentifier: (name: string) => `"${name.replace(/"/g, '""')}"`,
  parameter: (index: number, type: 'bigint' | 'double' | 'text' | 'boolean') =>
    type === 'bigint' ? `$${index}::BIGINT` : type === 'double' ? `$${index}::DOUBLE` : `$${index}`,
  typeName: (t: keyof typeof TYPES) => TYPES[t],
  safeCast: (expr: string, t: keyof typeof TYPES) => `TRY_CAST(${expr} AS ${TYPES[t]})`,
  regexFullMatch: (expr: string, pattern: string) => `regexp_full_match(${expr}, '${pattern}')`,
  parseGuardedNumber: (text: string) => {
    const v = `TRY_CAST(${text} AS DOUBLE)`;
    // A NULL (text that does not parse) stays NULL: LEAST/GREATEST ignore NULL, so the guard names it first.
    return `(CASE WHEN ${v} IS NULL THEN NULL WHEN ABS(${v}) < 1e-300 THEN CAST(0 AS DOUBLE) ELSE LEAST(GREATEST(${v}, CAST(-1e308 AS DOUBLE)), CAST(1e308 AS DOUBLE)) END)`;
  },
  parseGuardedInteger: (text: string) => `TRY_CAST(${text} AS BIGINT)`,
  parseGuardedDate: (text: string) => `TRY_CAST(${text} AS DATE)`,
  dateText: (date: string) => `strftime(${date}, '%Y-%m-%d')`,
  saltedHash: (exprs: readonly string[], salt: string) => `hash(${[...exprs, salt].join(', ')})`,
  functionName: (name: string) => name.toUpperCase(),
  textBytes: (text: string) => `strlen(${text})`,
  wideInteger: (expr: string) => `CAST(${expr} AS HUGEINT)`,
  // `//` on integers truncates toward zero (`/` would divide in DOUBLE).
  wideQuotient: (dividend: string, divisor: string) => `(${dividend} // ${divisor})`,
  narrowInteger: (expr: string) => `CAST(${expr} AS BIGINT)`,
  narrowQuotient: (dividend: string, divisor: string) => `(${dividend} // ${divisor})`,
});
