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
 * for salted ordering. PostgreSQL has no TRY_CAST (and `pg_input_is_valid`
 * only from 16): every parse of text runs behind a regular-expression guard
 * in a nested CASE (see `compile.proof.md`), and numbers go through `numeric`
 * (which holds any guarded decimal) and are saturated before becoming double,
 * so no cast can raise.
 */
export const postgresDialect: SqlDialect = Object.freeze({
  name: 'postgres',
  quoteIdentifier: (name: string) => `"${name.replace(/"/g, '""')}"`,
  parameter: (index: number, type: 'bigint' | 'double' | 'text' | 'boolean') =>
    `$${index}::${type === 'double' ? 'double precision' : type}`,
  typeName: (t: keyof typeof TYPES) => TYPES[t],
  safeCast: (expr: string, t: keyof typeof TYPES) => `CAST(${expr} AS ${TYPES[t]})`,
  regexFullMatch: (expr: string, pattern: string) => `(${expr} ~ '${pattern}')`,
  parseGuardedNumber: (text: string) => {
    const n = `CAST(${text} AS numeric)`;
    return `CAST(CASE WHEN ${n} > 1e308 THEN 1e308 WHEN ${n} < -1e308 THEN -1e308 WHEN ABS(${n}) < 1e-300 THEN 0 ELSE ${n} END AS double precision)`;
  },
  parseGuardedInteger: (text: string) => `CAST(${text} AS bigint)`,
  parseGuardedDate: (text: string) => `CAST(${text} AS date)`,
  dateText: (date: string) => `to_char(CAST(${date} AS timestamp), 'YYYY-MM-DD')`,
  saltedHash: (exprs: readonly string[], salt: string) =>
    `hashtextextended(concat_ws(chr(31), ${exprs.map((e) => `CAST(${e} AS text)`).join(', ')}), ${salt})`,
  functionName: (name: string) => (name === 'length' ? 'char_length' : name),
});
