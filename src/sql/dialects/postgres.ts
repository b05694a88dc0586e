/**
 * The PostgreSQL dialect.
 * @module
 */
import type { SqlDialect } from '../dialect.js';

const TYPES = {
  integer: 'bigint',
  bigint: 'bigint',
  double: 'double precision',
  varchar: 'text',
  boolean: 'boolean',
  date: 'date',
  wide: 'numeric',
} as const;

/**
 * PostgreSQL (≥ 11): `$n` parameters with explicit casts, `hashtextextended`
 * for salted ordering. PostgreSQL has no TRY_CAST: a CAST of a value that does
 * not parse raises an error, which reaches the user as the one
 * data-independent ENGINE_ERROR (after the charge).
 */
export const postgresDialect: SqlDialect = Object.freeze({
  name: 'postgres',
  quoteIdentifier: (name: string) => `"${name.replace(/"/g, '""')}"`,
  parameter: (index: number, type: 'bigint' | 'double' | 'text' | 'boolean') =>
    `$${index}::${type === 'double' ? 'double precision' : type}`,
  typeName: (t: keyof typeof TYPES) => TYPES[t],
  safeCast: (expr: string, t: keyof typeof TYPES) => `CAST(${expr} AS ${TYPES[t]})`,
  saltedHash: (exprs: readonly string[], salt: string) =>
    `hashtextextended(concat_ws(chr(31), ${exprs.map((e) => `CAST(${e} AS text)`).join(', ')}), ${salt})`,
  functionName: (name: string) => (name === 'length' ? 'char_length' : name),
});
