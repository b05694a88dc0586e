/**
 * ClickHouse's row-expression forms: the dialect hooks (`ExpressionForms`) through
 * which the one expression compiler, `compile-expr.ts`, writes ClickHouse SQL. That
 * compiler decides the static types, the conversions (`unify`, `convert`), arity,
 * refusals, saturation bounds and the NULL rule for every engine; this file only
 * says how ClickHouse spells each form (the rule and its argument:
 * `compile.proof.md`; the ClickHouse column of it: `clickhouse.ts`'s header), so
 * the compiled SQL is **total** here too — it never raises an engine error.
 *
 * What differs from the other engines, and how each form handles it:
 * - **Every branch is evaluated.** ClickHouse computes `if`/`multiIf`/`CASE`
 *   column-wise over all rows (18.16; newer releases only short-circuit when
 *   `short_circuit_function_evaluation` allows). A guard therefore cannot protect
 *   a function that raises: only functions that never raise are used — the
 *   `…OrNull` parsers, float division (`1/0` is `inf`, `0/0` is `nan`: the
 *   result of a guarded-out branch is discarded), and a float remainder written
 *   as `l − r·trunc(l/r)` (ClickHouse's `%` converts floats to integers and
 *   raises "Division by zero" for `5 % 0.5`).
 * - **Server crashes (SIGSEGV) found by the totality suite on 18.16**: `count(x)`
 *   over `coalesce(x, NULL)`; so COALESCE is a `multiIf` chain and COUNT(x) is
 *   `sum(isNotNull(x))` (clickhouse-compile.ts).
 * - **NaN compares false**, and `least`/`greatest` take exactly two arguments and
 *   return NULL when one is NULL up to 24.11 but ignore NULL from 24.12 on: clamps
 *   are written `multiIf(isNull(x), x, isNaN(x), hi, least(greatest(x, lo), hi))`
 *   (NULL stays NULL on every release, NaN goes to the top, as on PostgreSQL and
 *   DuckDB); LEAST/GREATEST of the query skip NULLs explicitly (`pairwise`), as on
 *   the other engines.
 * - No TRUE/FALSE (booleans are UInt8 0/1), no ILIKE (`lowerUTF8(x) LIKE lowerUTF8(p)`),
 *   no ESCAPE clause (backslash is LIKE's escape character already), no TRIM
 *   (`replaceRegexpAll(x, '^ +| +$', '')`), no SIGN, no DATE_TRUNC (`toStartOf…`),
 *   `IN` only over constants (expanded to `=` … `OR`).
 * - Date is 1970-01-01 … 2105-12-31: text outside that range parses to NULL
 *   (DuckDB would read it), and day 0 prints as `0000-00-00` (the key output
 *   writes `1970-01-01`).
 * - Literals are inlined (`clickhouse-literals.ts`), never concatenated raw.
/**
 * @module
 */
import { DpError } from '../../core/errors.js';
import type { Env, ExpressionForms, SqlType, TypedSql } from '../compile-expr.js';
import { booleanLiteral, doubleLiteral, intLiteral, textLiteral } from './clickhouse-literals.js';

/** What compiling a ClickHouse expression needs: the shared environment, and whether the plan joins. */
export interface ClickHouseEnv extends Env {
  /** True when the plan has joins: columns are read by their renamed `tsdp_j<source>_<k>` names (clickhouse-joins.ts). */
  readonly joined: boolean;
}

/** ClickHouse type names of the static types. */
export const CLICKHOUSE_TYPES = { integer: 'Int64', double: 'Float64', text: 'String', boolean: 'UInt8', date: 'Date' } as const;

/** Quotes an identifier with backticks (a backtick or backslash inside is escaped). */
export function quoteClickHouse(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

function refuse(what: string, hint: string): never {
  throw new DpError('UNSUPPORTED_QUERY', `${what} is not supported on ClickHouse: ${hint}`, { construct: what, hint });
}

/*
 * NULL through clamps (compile.proof.md, "NULL is no value"). ClickHouse's least/greatest return NULL when an
 * argument is NULL up to 24.11 and *ignore* NULL from 24.12 on (as PostgreSQL and DuckDB do; the setting
 * `least_greatest_legacy_null_behavior` restores the old way). A clamp written `least(greatest(x, lo), hi)` kept
 * NULL on 18.16 and turned it into `lo` on current releases: a unit whose values were all NULL would add −C·M.
 * So every clamp tests `isNull` first and returns `x` itself there (NULL, of x's own type: a non-Nullable x
 * keeps a non-Nullable result), whatever least/greatest do with NULL; a bare least/greatest is written only
 * over values that cannot be NULL (counts).
 */

/** `x` (a double) clamped to [lo, hi], NaN to hi (NaN compares false in ClickHouse), NULL kept NULL on every release. */
export function chClamp(x: string, lo: string, hi: string): string {
  return `multiIf(isNull(${x}), ${x}, isNaN(${x}), ${hi}, least(greatest(${x}, ${lo}), ${hi}))`;
}

/** An integer `x` clamped to [lo, hi], NULL kept NULL on every release. */
export function chClampInteger(x: string, lo: string, hi: string): string {
  return `multiIf(isNull(${x}), ${x}, least(greatest(${x}, ${lo}), ${hi}))`;
}

/** `min(x, hi)` (NaN to hi), NULL kept NULL on every release. */
export function chAtMost(x: string, hi: string): string {
  return `multiIf(${x} <= ${hi}, ${x}, isNull(${x}), ${x}, ${hi})`;
}

/** `max(x, lo)` (NaN stays NaN: above every number, as PostgreSQL orders it), NULL kept NULL. */
function chAtLeast(x: string, lo: string): string {
  return `multiIf(${x} < ${lo}, ${lo}, ${x})`;
}

function typedNull(t: Exclude<SqlType, 'null'>): string {
  return `CAST(NULL AS Nullable(${CLICKHOUSE_TYPES[t]}))`;
}

const dbl = doubleLiteral;

/** A double saturated to ±1e308 with |x| < 1e-300 flushed to 0 (as the other dialects' parseGuardedNumber). */
function saturateParsed(v: string): string {
  return `multiIf(abs(${v}) < ${dbl(1e-300)}, ${dbl(0)}, ${chClamp(v, dbl(-1e308), dbl(1e308))})`;
}

const MAX_NUMBER_TEXT = 400;
const NUMBER_PATTERN = '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$';
const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

function textToDouble(text: string): string {
  const t = trimSpaces(text);
  const guard = `lengthUTF8(${t}) <= ${intLiteral(MAX_NUMBER_TEXT)} AND match(${t}, ${textLiteral(NUMBER_PATTERN)})`;
  // toFloat64OrNull reads no leading '+': it is dropped first. Evaluated on every row (never raises), kept only under the guard.
  const parsed = `toFloat64OrNull(replaceRegexpOne(${t}, ${textLiteral('^[+]')}, ''))`;
  return `multiIf(${guard}, ${saturateParsed(parsed)}, ${typedNull('double')})`;
}

/** Valid ISO dates in ClickHouse's Date range (years 1970–2105), else NULL; digits read with toInt64OrNull. */
function textToDate(text: string): string {
  const t = trimSpaces(text);
  const part = (from: number, len: number) => `toInt64OrNull(substring(${t}, ${from}, ${len}))`;
  const y = part(1, 4);
  const m = part(6, 2);
  const d = part(9, 2);
  const leap = `(${y} % 4 = 0 AND (${y} % 100 != 0 OR ${y} % 400 = 0))`;
  const days = `multiIf(${m} IN (1, 3, 5, 7, 8, 10, 12), 31, ${m} IN (4, 6, 9, 11), 30, ${leap}, 29, 28)`;
  const valid = `${y} >= 1970 AND ${y} <= 2105 AND ${m} >= 1 AND ${m} <= 12 AND ${d} >= 1 AND ${d} <= ${days}`;
  const guard = `lengthUTF8(${t}) = 10 AND match(${t}, ${textLiteral(DATE_PATTERN)}) AND ${valid}`;
  return `multiIf(${guard}, toDateOrNull(${t}), ${typedNull('date')})`;
}

function trimSpaces(x: string): string {
  return `replaceRegexpAll(${x}, ${textLiteral('^ +| +$')}, '')`;
}

/** A Date as ISO text; day 0 (1970-01-01) prints as `0000-00-00` in ClickHouse, so it is written out. */
export function chDateText(d: string): string {
  return `multiIf(${d} = toDate(0), '1970-01-01', toString(${d}))`;
}

/** The column as the compiled SQL reads it, converted to its static type's ClickHouse type (Int32 → Int64, Float32/Decimal → Float64). */
function columnRef(env: Env, source: number, column: string, type: SqlType): string {
  const s = env.plan.sources[source];
  if (!s) throw new DpError('INTERNAL', 'unknown source');
  if (/^tsdp_/i.test(column))
    refuse(`the column name ${column}`, 'names starting with tsdp_ are reserved for the rewrite; rename the column');
  const ref = (env as Partial<ClickHouseEnv>).joined
    ? `tsdp_j${source}_${[...(env.schema.tables.get(s.table)?.columns.keys() ?? [])].indexOf(column)}`
    : `${quoteClickHouse(s.alias)}.${quoteClickHouse(column)}`;
  switch (type) {
    case 'integer':
      return `toInt64(${ref})`;
    case 'double':
      return `toFloat64(${ref})`;
    case 'boolean':
      return `(${ref} != 0)`;
    default:
      return ref;
  }
}

/**
 * LEAST/GREATEST of two values of one type, skipping NULLs as PostgreSQL and DuckDB do, by comparison
 * (ClickHouse's least/greatest refuse String on 18.16, and their NULL rule changed in 24.12).
 */
function pairwise(fn: 'least' | 'greatest', a: string, b: string): string {
  return `multiIf(isNull(${a}), ${b}, isNull(${b}), ${a}, ${b} ${fn === 'least' ? '<' : '>'} ${a}, ${b}, ${a})`;
}

/** The scalar functions (arguments already converted to their types by the shared compiler). */
function call(name: string, args: readonly string[]): string {
  const [a0 = '', a1 = ''] = args;
  switch (name) {
    case 'sign':
      return `multiIf(${a0} > ${dbl(0)}, ${dbl(1)}, ${a0} < ${dbl(0)}, ${dbl(-1)}, ${a0})`;
    case 'least':
    case 'greatest':
      return args.slice(1).reduce((acc, x) => pairwise(name, acc, x), a0);
    case 'coalesce':
      // As multiIf: 18.16's coalesce with a constant NULL argument makes a column that crashes count() (SIGSEGV).
      return args.length === 1
        ? a0
        : `multiIf(${args
            .slice(0, -1)
            .flatMap((x) => [`isNotNull(${x})`, x])
            .join(', ')}, ${args[args.length - 1]})`;
    case 'nullif':
      return `nullIf(${a0}, ${a1})`;
    case 'lower':
      return `lowerUTF8(${a0})`;
    case 'upper':
      return `upperUTF8(${a0})`;
    case 'trim':
      return trimSpaces(a0);
    case 'length':
      return `toInt64(lengthUTF8(${a0}))`;
    default:
      // sqrt, abs, floor, ceil, round: the same functions, lower case (ClickHouse's names are case-sensitive).
      return `${name}(${args.join(', ')})`;
  }
}

/** ClickHouse's forms of the row-expression constructs (see the module header for why each differs). */
export const CLICKHOUSE_FORMS: ExpressionForms = Object.freeze({
  clamp: (_env: Env, x: string, lo: string, hi: string) => chClamp(x, lo, hi),
  atLeast: (_env: Env, x: string, lo: string) => chAtLeast(x, lo),
  atMost: (_env: Env, x: string, hi: string) => chAtMost(x, hi),
  caseWhen: (_env: Env, whens: readonly (readonly [string, string])[], otherwise?: string) =>
    `multiIf(${[...whens.flatMap(([c, v]) => [c, v]), otherwise ?? 'NULL'].join(', ')})`,
  typedNull: (_env: Env, t: Exclude<SqlType, 'null'>) => typedNull(t),
  bool: (_env: Env, v: boolean) => booleanLiteral(v),
  column: columnRef,
  abs: (_env: Env, x: string) => `abs(${x})`,
  round: (_env: Env, x: string) => `round(${x})`,
  toNumber: (_env: Env, x: TypedSql, to: 'double' | 'integer') => `${to === 'double' ? 'toFloat64' : 'toInt64'}(${x.sql})`,
  toText: (_env: Env, x: TypedSql) => {
    if (x.type === 'boolean') return `multiIf(isNull(${x.sql}), ${typedNull('text')}, ${x.sql} != 0, 'true', 'false')`;
    if (x.type === 'date') return chDateText(x.sql);
    return `toString(${x.sql})`;
  },
  textToDouble: (_env: Env, text: string) => textToDouble(text),
  textToDate: (_env: Env, text: string) => textToDate(text),
  normalizeWord: (_env: Env, text: string) => `lowerUTF8(${trimSpaces(text)})`,
  // ClickHouse's % converts floats to integers and raises "Division by zero" for 5 % 0.5: l − r·trunc(l/r) instead.
  remainder: (_env: Env, l: string, r: string) => `${l} - ${r} * trunc(${l} / ${r})`,
  concat: (_env: Env, l: string, r: string) => `concat(${l}, ${r})`,
  // No ILIKE and no ESCAPE clause on 18.16 (backslash is LIKE's escape character already).
  like: (_env: Env, value: string, op: string, pattern: string) => {
    const not = op.startsWith('NOT') ? 'NOT ' : '';
    return op.endsWith('ILIKE') ? `(lowerUTF8(${value}) ${not}LIKE lowerUTF8(${pattern}))` : `(${value} ${not}LIKE ${pattern})`;
  },
  // IN takes constants only: a chain of equalities (the same three-valued logic).
  inList: (_env: Env, arg: string, list: readonly string[], negated: boolean) => {
    const any = `(${list.map((x) => `(${arg} = ${x})`).join(' OR ')})`;
    return negated ? `(NOT ${any})` : any;
  },
  // No NOT BETWEEN on 18.16.
  between: (_env: Env, arg: string, low: string, high: string, negated: boolean) => {
    const inside = `(${arg} >= ${low} AND ${arg} <= ${high})`;
    return negated ? `(NOT ${inside})` : inside;
  },
  call: (_env: Env, name: string, args: readonly string[]) => call(name, args),
  datePart: (_env: Env, unit: 'year' | 'quarter' | 'month' | 'day', d: string) =>
    `toInt64(${{ year: 'toYear', quarter: 'toQuarter', month: 'toMonth', day: 'toDayOfMonth' }[unit]}(${d}))`,
  dateTrunc: (_env: Env, unit: string, d: string) => {
    const fn = { year: 'toStartOfYear', quarter: 'toStartOfQuarter', month: 'toStartOfMonth' }[unit as 'year'];
    return fn ? `${fn}(${d})` : d;
  },
  // Every ClickHouse Date (1970–2105) is representable: no range guard.
  dateKey: (_env: Env, d: string) => chDateText(d),
  // A double key is normalised before anything groups by it (review S23): ClickHouse groups −0.0 and +0.0 apart and
  // NaNs of either sign apart, while the driver merges shards by the key's text, so two engine groups could become one
  // released key and one unit would hold two partitions of it. `+ 0.` maps −0 to +0 (IEEE: −0 + +0 = +0) and every NaN
  // becomes the one `nan`; NULL stays NULL. Rule: the engine's groups and the released keys are the same partition of
  // the rows (compile-expr.ts keyOutput), so the bounding counts each released key once.
  doubleKey: (_env: Env, x: string) => `if(isNaN(toFloat64(${x}) + 0.), nan, toFloat64(${x}) + 0.)`,
} satisfies ExpressionForms);
