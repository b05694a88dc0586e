/**
 * The default expression forms (DuckDB's and PostgreSQL's spellings; a dialect's own forms override them, `dialect.ts`)
 * and the guarded text parsers they use. The totality argument for each form is in `compile.proof.md` and beside
 * the construct in `compile-expr.ts`.
 * @module
 */
import { DpError } from '../core/errors.js';
import { atLeast, atMost, clamp, type Env, q } from './compile-env.js';
import type { ExpressionForms, SqlDialect, SqlType, TypedSql } from './dialect.js';
import { isIdentityColumn } from './schema.js';
import { MAX_TEXT_VALUE_BYTES } from './text-bounds.js';

/** The dates the date functions read (years 1–9999, inside both engines' TIMESTAMP range); others give NULL. */
const DATE_RANGE = "DATE '0001-01-01' AND DATE '9999-12-31'";

function isIdentity(env: Env, table: string, column: string): boolean {
  const t = env.schema.tables.get(table);
  return t !== undefined && isIdentityColumn(t, column);
}

/** DuckDB's and PostgreSQL's forms (the reasons are beside each construct in `compileNode` and in compile.proof.md). */
export const DEFAULT_FORMS: ExpressionForms = Object.freeze({
  clamp: (_env: Env, x: string, lo: string, hi: string) => clamp(x, lo, hi),
  atLeast: (_env: Env, x: string, lo: string) => atLeast(x, lo),
  atMost: (_env: Env, x: string, hi: string) => atMost(x, hi),
  caseWhen: (_env: Env, whens: readonly (readonly [string, string])[], otherwise?: string) =>
    `CASE ${whens.map(([c, v]) => `WHEN ${c} THEN ${v}`).join(' ')}${otherwise === undefined ? '' : ` ELSE ${otherwise}`} END`,
  typedNull: (env: Env, t: Exclude<SqlType, 'null'>) =>
    `CAST(NULL AS ${env.d.typeName(t === 'integer' ? 'bigint' : t === 'text' ? 'varchar' : t)})`,
  bool: (_env: Env, v: boolean) => (v ? 'TRUE' : 'FALSE'),
  // A declared float VALUE column is read as DOUBLE, whatever it is stored as (review S48, class 3): the catalog
  // admits integer and DECIMAL(p, s) storage (check-public.ts), and two such columns meeting raw (`a = b`, CASE,
  // COALESCE, NULLIF, LEAST…) are unified by the engine to one DECIMAL(38, s), whose cast fails on the rows of
  // one person with a large value — after the charge. Every stored type the catalog admits converts to DOUBLE
  // totally (DECIMAL precision ≤ 300 digits), so the compiled SQL only ever sees the declared type.
  // An IDENTITY column — the table's privacy unit, or a `unique` column (the links of row-level joins) — is read
  // as stored (review S50, class 18): distinct stored ids above 2⁵³ can be one double, which would make two people
  // one unit, or let one private row join two public rows.
  column: (env: Env, source: number, column: string, type: SqlType) => {
    const s = env.plan.sources[source];
    if (!s) throw new DpError('INTERNAL', 'unknown source');
    const ref = `${q(env, s.alias)}.${q(env, column)}`;
    // Review S59 (text-bounds.ts, rule 1): a text longer than MAX_TEXT_VALUE_BYTES reads as NULL, decided by the
    // row's own value, so no function of the compiled SQL meets one (PostgreSQL's 1 GB allocation limit).
    if (type === 'text') return `(CASE WHEN ${env.d.textBytes(ref)} <= ${env.p.int(MAX_TEXT_VALUE_BYTES)} THEN ${ref} END)`;
    return type === 'double' && !isIdentity(env, s.table, column) ? `CAST(${ref} AS ${env.d.typeName('double')})` : ref;
  },
  abs: (_env: Env, x: string) => `ABS(${x})`,
  round: (_env: Env, x: string) => `ROUND(${x})`,
  toNumber: (env: Env, x: TypedSql, to: 'double' | 'integer') => {
    const type = env.d.typeName(to === 'double' ? 'double' : 'bigint');
    return x.type === 'boolean' ? `CAST(CASE WHEN ${x.sql} THEN 1 WHEN NOT ${x.sql} THEN 0 END AS ${type})` : `CAST(${x.sql} AS ${type})`;
  },
  toText: (env: Env, x: TypedSql) => `CAST(${x.sql} AS ${env.d.typeName('varchar')})`,
  textToDouble,
  textToDate,
  normalizeWord: (_env: Env, text: string) => `LOWER(TRIM(${text}))`,
  remainder: (_env: Env, l: string, r: string) => `${l} % ${r}`,
  concat: (_env: Env, l: string, r: string) => `(${l} || ${r})`,
  // An explicit ESCAPE gives both engines PostgreSQL's default (DuckDB has no escape character otherwise).
  like: (_env: Env, value: string, op: string, pattern: string) => `(${value} ${op} ${pattern} ESCAPE '\\')`,
  inList: (_env: Env, arg: string, list: readonly string[], negated: boolean) =>
    `(${arg} ${negated ? 'NOT IN' : 'IN'} (${list.join(', ')}))`,
  between: (_env: Env, arg: string, low: string, high: string, negated: boolean) =>
    `(${arg} ${negated ? 'NOT BETWEEN' : 'BETWEEN'} ${low} AND ${high})`,
  call: (env: Env, name: string, args: readonly string[]) => `${env.d.functionName(name)}(${args.join(', ')})`,
  // EXTRACT (year()/month() do not exist in PostgreSQL), as BIGINT (PostgreSQL's is numeric). Only for years
  // 1–9999 (NULL otherwise): an infinite date would make PostgreSQL's cast fail on that row only, and the
  // engines number the years before 1 differently.
  datePart: (env: Env, unit: string, d: string) =>
    `(CASE WHEN ${d} BETWEEN ${DATE_RANGE} THEN CAST(EXTRACT(${unit.toUpperCase()} FROM ${d}) AS ${env.d.typeName('bigint')}) END)`,
  // On a TIMESTAMP (PostgreSQL would read a DATE as TIMESTAMPTZ, in the session's time zone), back to DATE;
  // the unit is inlined from the allow-list (DuckDB wants a constant). Only for years 1–9999 (NULL
  // otherwise): a later date overflows the TIMESTAMP range on both engines and an infinite one cannot be
  // returned by DuckDB's client — errors only rows holding them would cause.
  dateTrunc: (env: Env, unit: string, d: string) =>
    `(CASE WHEN ${d} BETWEEN ${DATE_RANGE} THEN CAST(DATE_TRUNC('${unit}', CAST(${d} AS TIMESTAMP)) AS ${env.d.typeName('date')}) END)`,
  dateKey: (env: Env, d: string) => `(CASE WHEN ${d} BETWEEN ${DATE_RANGE} THEN ${env.d.dateText(d)} END)`,
  doubleKey: (env: Env, x: string) => `CAST(${x} AS ${env.d.typeName('double')})`,
} satisfies ExpressionForms);

const FORMS = new WeakMap<SqlDialect, ExpressionForms>();

/** The forms of `env`'s dialect: its own over the defaults. */
export function forms(env: Env): ExpressionForms {
  const own = env.d.expression;
  if (!own) return DEFAULT_FORMS;
  let f = FORMS.get(env.d);
  if (!f) {
    f = Object.freeze({ ...DEFAULT_FORMS, ...own });
    FORMS.set(env.d, f);
  }
  return f;
}

/** Longest text parsed as a number (longer text is NULL): bounds the mantissa and the work per row. */
const MAX_NUMBER_TEXT = 400;
/** A decimal number with at most a three-digit exponent (no NaN, no Infinity: those parse to NULL, the same on every engine). */
const NUMBER_PATTERN = '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$';
/** An ISO date, years 0001–9999; day validity is checked separately. */
const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

/** Text → double: NULL unless it matches NUMBER_PATTERN, then parsed and saturated to ±1e308 with |x| < 1e-300 flushed to 0. */
function textToDouble(env: Env, text: string): string {
  const t = `TRIM(${text})`;
  const guard = `char_length(${t}) <= ${MAX_NUMBER_TEXT}`;
  return `(CASE WHEN ${guard} THEN CASE WHEN ${env.d.regexFullMatch(t, NUMBER_PATTERN)} THEN ${env.d.parseGuardedNumber(t)} END END)`;
}

/** Text → date: NULL unless it is a valid ISO date yyyy-mm-dd with year ≥ 1 (checked with integer arithmetic before any cast to date). */
function textToDate(env: Env, text: string): string {
  const { d } = env;
  const t = `TRIM(${text})`;
  const part = (from: number, len: number) => d.parseGuardedInteger(`SUBSTR(${t}, ${from}, ${len})`);
  const y = part(1, 4);
  const m = part(6, 2);
  const day = part(9, 2);
  const leap = `(${y} % 4 = 0 AND (${y} % 100 <> 0 OR ${y} % 400 = 0))`;
  const days = `(CASE WHEN ${m} IN (1, 3, 5, 7, 8, 10, 12) THEN 31 WHEN ${m} IN (4, 6, 9, 11) THEN 30 WHEN ${leap} THEN 29 ELSE 28 END)`;
  const valid = `${y} >= 1 AND ${m} BETWEEN 1 AND 12 AND ${day} BETWEEN 1 AND ${days}`;
  return `(CASE WHEN char_length(${t}) = 10 THEN CASE WHEN ${d.regexFullMatch(t, DATE_PATTERN)} THEN CASE WHEN ${valid} THEN ${d.parseGuardedDate(t)} END END END)`;
}
