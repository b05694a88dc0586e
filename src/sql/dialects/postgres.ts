/**
 * The PostgreSQL dialect.
 * @module
 */
import type { SqlDialect } from '../dialect.js';

/**
 * The types casts name. Review S42 (class 3, S39's shadowing through type names): `text` and `date` are not SQL
 * keywords but ordinary names resolved through the search path, so a `public.text` DOMAIN with a CHECK (under
 * `search_path = public, pg_catalog`) replaced the built-in in every cast and failed on one person's value after
 * the charge. Rule: every type the compiled SQL names is a grammar keyword bound to `pg_catalog` (`bigint`,
 * `double precision`, `boolean`, `numeric`, `timestamp`) or qualified with `pg_catalog.`. Test:
 * test/review/postgres-type-shadowing.test.ts, test/sql/postgres-type-names.test.ts (every type name in compiled SQL).
 */
const TYPES = {
  integer: 'bigint',
  bigint: 'bigint',
  double: 'double precision',
  varchar: 'pg_catalog.text',
  boolean: 'boolean',
  date: 'pg_catalog.date',
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
    `$${index}::${type === 'double' ? 'double precision' : type === 'text' ? 'pg_catalog.text' : type}`,
  typeName: (t: keyof typeof TYPES) => TYPES[t],
  safeCast: (expr: string, t: keyof typeof TYPES) => `CAST(${expr} AS ${TYPES[t]})`,
  regexFullMatch: (expr: string, pattern: string) => `(${expr} ~ '${pattern}')`,
  parseGuardedNumber: (text: string) => {
    const n = `CAST(${text} AS numeric)`;
    return `CAST(CASE WHEN ${n} > 1e308 THEN 1e308 WHEN ${n} < -1e308 THEN -1e308 WHEN ABS(${n}) < 1e-300 THEN 0 ELSE ${n} END AS double precision)`;
  },
  parseGuardedInteger: (text: string) => `CAST(${text} AS bigint)`,
  parseGuardedDate: (text: string) => `CAST(${text} AS pg_catalog.date)`,
  dateText: (date: string) => `to_char(CAST(${date} AS timestamp), 'YYYY-MM-DD')`,
  saltedHash: (exprs: readonly string[], salt: string) =>
    `hashtextextended(concat_ws(chr(31), ${exprs.map((e) => `CAST(${e} AS pg_catalog.text)`).join(', ')}), ${salt})`,
  functionName: (name: string) => (name === 'length' ? 'char_length' : name),
  textBytes: (text: string) => `octet_length(${text})`,
  wideInteger: (expr: string) => `CAST(${expr} AS numeric)`,
  // div(numeric, numeric) truncates toward zero exactly; numeric `/` rounds to a scale (and FLOOR of it may be off by one).
  wideQuotient: (dividend: string, divisor: string) => `div(${dividend}, ${divisor})`,
  narrowInteger: (expr: string) => `CAST(${expr} AS bigint)`,
  narrowQuotient: (dividend: string, divisor: string) => `(${dividend} / ${divisor})`,
});
