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

/** DuckDB (1.x): `$n` parameters, `hash(…)` for salted ordering, `TRY_CAST`. */
export const duckdbDialect: SqlDialect = Object.freeze({
  name: 'duckdb',
  quoteIdentifier: (name: string) => `"${name.replace(/"/g, '""')}"`,
  parameter: (index: number, type: 'bigint' | 'double' | 'text' | 'boolean') =>
    type === 'bigint' ? `$${index}::BIGINT` : type === 'double' ? `$${index}::DOUBLE` : `$${index}`,
  typeName: (t: keyof typeof TYPES) => TYPES[t],
  safeCast: (expr: string, t: keyof typeof TYPES) => `TRY_CAST(${expr} AS ${TYPES[t]})`,
  saltedHash: (exprs: readonly string[], salt: string) => `hash(${[...exprs, salt].join(', ')})`,
  functionName: (name: string) => name.toUpperCase(),
});
