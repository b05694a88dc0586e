/**
 * The row-expression compiler for ClickHouse: a `PlanExpr` becomes ClickHouse
 * SQL that is **total** — it never raises an engine error, on any row — with
 * the same static types (`SqlType`) and the same conversion rules (`unify`) as
 * `compile-expr.ts` for DuckDB and PostgreSQL (the rule and its argument:
 * `compile.proof.md`; the ClickHouse column of it: `clickhouse.ts`'s header).
 *
 * What differs from the other engines, and how it is handled here:
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
 * @module
 */
import { DpError } from '../../core/errors.js';
import { MAX_COMPILED_EXPRESSION, type SqlType, type TypedSql, unify } from '../compile-expr.js';
import { DATE_TRUNC_UNITS, type PlanCastType, type PlanExpr, type QueryPlan } from '../plan.js';
import type { SqlColumnType, SqlSchema } from '../schema.js';
import { booleanLiteral, doubleLiteral, intLiteral, textLiteral } from './clickhouse-literals.js';

/** What compiling a ClickHouse expression needs: the plan (its sources) and the schema (column types). */
export interface ClickHouseEnv {
  readonly plan: QueryPlan;
  readonly schema: SqlSchema;
  /** True when the plan has joins: columns are read by their renamed `tsdp_j<source>_<k>` names (clickhouse-joins.ts). */
  readonly joined?: boolean;
}

/** ClickHouse type names of the static types. */
export const CLICKHOUSE_TYPES = { integer: 'Int64', double: 'Float64', text: 'String', boolean: 'UInt8', date: 'Date' } as const;

const COLUMN_TYPES: Record<SqlColumnType, Exclude<SqlType, 'null'>> = {
  integer: 'integer',
  float: 'double',
  string: 'text',
  boolean: 'boolean',
  date: 'date',
};

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

/** `min(x, hi)` for an integer `x`, NULL kept NULL on every release. */
export function chAtMost(x: string, hi: string): string {
  return `multiIf(isNull(${x}), ${x}, least(${x}, ${hi}))`;
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

/** Converts a compiled value to type `to`, totally (the same table as compile.proof.md's). */
export function chConvert(x: TypedSql, to: Exclude<SqlType, 'null'>): string {
  if (x.type === to) return x.sql;
  if (x.type === 'null') return typedNull(to);
  switch (to) {
    case 'text':
      if (x.type === 'boolean') return `multiIf(isNull(${x.sql}), ${typedNull('text')}, ${x.sql} != 0, 'true', 'false')`;
      if (x.type === 'date') return chDateText(x.sql);
      return `toString(${x.sql})`;
    case 'double':
      if (x.type === 'integer' || x.type === 'boolean') return `toFloat64(${x.sql})`;
      if (x.type === 'text') return textToDouble(x.sql);
      return typedNull('double');
    case 'integer': {
      if (x.type === 'date') return typedNull('integer');
      if (x.type === 'boolean') return `toInt64(${x.sql})`;
      // Saturated into the Int64 range first (NaN to the top): toInt64 of NaN or ±inf is an arbitrary value.
      return `toInt64(${chClamp(`round(${chConvert(x, 'double')})`, dbl(-(2 ** 63)), dbl(2 ** 63 - 1024))})`;
    }
    case 'boolean':
      if (x.type === 'integer' || x.type === 'double') return `(${x.sql} != 0)`;
      if (x.type === 'text') {
        const t = `lowerUTF8(${trimSpaces(x.sql)})`;
        return `multiIf(${t} IN ('true', 't', 'yes', 'y', 'on', '1'), toUInt8(1), ${t} IN ('false', 'f', 'no', 'n', 'off', '0'), toUInt8(0), ${typedNull('boolean')})`;
      }
      return typedNull('boolean');
    case 'date':
      if (x.type === 'text') return textToDate(x.sql);
      return typedNull('date');
    default: {
      const never: never = to;
      throw new DpError('INTERNAL', `unknown type ${String(never)}`);
    }
  }
}

/** A Date as ISO text; day 0 (1970-01-01) prints as `0000-00-00` in ClickHouse, so it is written out. */
export function chDateText(d: string): string {
  return `multiIf(${d} = toDate(0), '1970-01-01', toString(${d}))`;
}

function unified(xs: readonly TypedSql[]): { sqls: string[]; type: SqlType } {
  const type = unify(xs.map((x) => x.type));
  if (type === 'null') return { sqls: xs.map((x) => x.sql), type };
  return { sqls: xs.map((x) => chConvert(x, type)), type };
}

/** Row arithmetic that never raises, with the results of `safeArithmetic` in compile-expr.ts (its comment says why). */
function safeArithmetic(op: '+' | '-' | '*' | '/' | '%', left: string, right: string): string {
  const big = op === '+' || op === '-' ? 1e300 : 1e150;
  const sat = (x: string) => chClamp(x, dbl(-big), dbl(big));
  if (op === '+' || op === '-') return `(${sat(left)} ${op} ${sat(right)})`;
  const tiny = dbl(1e-150);
  const flushed = (x: string) => `multiIf(abs(${x}) < ${tiny}, ${dbl(0)}, ${sat(x)})`;
  if (op === '*') return `(${flushed(left)} * ${flushed(right)})`;
  // Both branches are computed on every row: the quotient of a guarded-out row is inf or nan, never an error.
  if (op === '/') return `multiIf(abs(${right}) < ${tiny}, ${typedNull('double')}, ${flushed(left)} / ${sat(right)})`;
  const l = sat(left);
  const r = sat(right);
  return `multiIf(${right} = ${dbl(0)}, ${typedNull('double')}, ${l} - ${r} * trunc(${l} / ${r}))`;
}

function literal(v: number | string | boolean | null): TypedSql {
  if (v === null) return { sql: 'NULL', type: 'null' };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { sql: intLiteral(v), type: 'integer' } : { sql: dbl(v), type: 'double' };
  if (typeof v === 'boolean') return { sql: booleanLiteral(v), type: 'boolean' };
  return { sql: textLiteral(v), type: 'text' };
}

const ARITY: Record<string, readonly [number, number]> = {
  abs: [1, 1],
  round: [1, 2],
  floor: [1, 1],
  ceil: [1, 1],
  sign: [1, 1],
  sqrt: [1, 1],
  least: [1, 64],
  greatest: [1, 64],
  coalesce: [1, 64],
  nullif: [2, 2],
  lower: [1, 1],
  upper: [1, 1],
  length: [1, 1],
  trim: [1, 1],
  year: [1, 1],
  quarter: [1, 1],
  month: [1, 1],
  day: [1, 1],
  date_trunc: [2, 2],
};

const CAST_TARGET: Record<PlanCastType, Exclude<SqlType, 'null'>> = {
  integer: 'integer',
  double: 'double',
  varchar: 'text',
  boolean: 'boolean',
  date: 'date',
};

/** The column as the compiled SQL reads it, converted to its static type's ClickHouse type (Int32 → Int64, Float32/Decimal → Float64). */
function columnRef(env: ClickHouseEnv, source: number, column: string): TypedSql {
  const s = env.plan.sources[source];
  if (!s) throw new DpError('INTERNAL', 'unknown source');
  if (/^tsdp_/i.test(column))
    refuse(`the column name ${column}`, 'names starting with tsdp_ are reserved for the rewrite; rename the column');
  const declared = env.schema.tables.get(s.table)?.columns.get(column)?.type;
  if (!declared) throw new DpError('INTERNAL', 'a plan column the schema does not declare');
  const ref = env.joined
    ? `tsdp_j${source}_${[...(env.schema.tables.get(s.table)?.columns.keys() ?? [])].indexOf(column)}`
    : `${quoteClickHouse(s.alias)}.${quoteClickHouse(column)}`;
  const type = COLUMN_TYPES[declared];
  switch (type) {
    case 'integer':
      return { sql: `toInt64(${ref})`, type };
    case 'double':
      return { sql: `toFloat64(${ref})`, type };
    case 'boolean':
      return { sql: `(${ref} != 0)`, type };
    default:
      return { sql: ref, type };
  }
}

/**
 * LEAST/GREATEST of two values of one type, skipping NULLs as PostgreSQL and DuckDB do, by comparison
 * (ClickHouse's least/greatest refuse String on 18.16).
 */
function pairwise(fn: 'least' | 'greatest', a: string, b: string): string {
  return `multiIf(isNull(${a}), ${b}, isNull(${b}), ${a}, ${b} ${fn === 'least' ? '<' : '>'} ${a}, ${b}, ${a})`;
}

/** Compiles a row expression to total ClickHouse SQL with its static type. */
export function chCompileTyped(env: ClickHouseEnv, e: PlanExpr): TypedSql {
  const out = compileNode(env, e);
  if (out.sql.length > MAX_COMPILED_EXPRESSION)
    refuse('an expression this large after rewriting', `simplify it (at most ${MAX_COMPILED_EXPRESSION} characters)`);
  return out;
}

function compileNode(env: ClickHouseEnv, e: PlanExpr): TypedSql {
  const r = (x: PlanExpr) => chCompileTyped(env, x);
  const as = (x: PlanExpr, t: Exclude<SqlType, 'null'>) => chConvert(r(x), t);
  switch (e.kind) {
    case 'column':
      return columnRef(env, e.source, e.column);
    case 'literal':
      return literal(e.value);
    case 'unary':
      return e.op === '-'
        ? { sql: `(-${as(e.arg, 'double')})`, type: 'double' }
        : { sql: `(NOT ${as(e.arg, 'boolean')})`, type: 'boolean' };
    case 'binary':
      switch (e.op) {
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
          return { sql: safeArithmetic(e.op, as(e.left, 'double'), as(e.right, 'double')), type: 'double' };
        case '||':
          return { sql: `concat(${as(e.left, 'text')}, ${as(e.right, 'text')})`, type: 'text' };
        case 'AND':
        case 'OR':
          return { sql: `(${as(e.left, 'boolean')} ${e.op} ${as(e.right, 'boolean')})`, type: 'boolean' };
        case 'LIKE':
        case 'NOT LIKE':
        case 'ILIKE':
        case 'NOT ILIKE': {
          const pattern = e.right;
          if (pattern.kind !== 'literal' || typeof pattern.value !== 'string')
            refuse(`${e.op} with a pattern that is not a text literal`, "write the pattern as a literal, e.g. x LIKE 'a%'");
          if ((/\\*$/.exec(pattern.value)?.[0].length ?? 0) % 2 === 1)
            refuse(`${e.op} with a pattern ending in a lone backslash`, 'escape it as \\\\');
          const value = as(e.left, 'text');
          const p = textLiteral(pattern.value);
          const ci = e.op === 'ILIKE' || e.op === 'NOT ILIKE';
          const not = e.op.startsWith('NOT') ? 'NOT ' : '';
          return { sql: ci ? `(lowerUTF8(${value}) ${not}LIKE lowerUTF8(${p}))` : `(${value} ${not}LIKE ${p})`, type: 'boolean' };
        }
        default: {
          const { sqls } = unified([r(e.left), r(e.right)]);
          const op = e.op === '<>' ? '!=' : e.op;
          return { sql: `(${sqls[0]} ${op} ${sqls[1]})`, type: 'boolean' };
        }
      }
    case 'in': {
      // ClickHouse's IN takes constants only: written as a chain of equalities (the same three-valued logic).
      const { sqls } = unified([r(e.arg), ...e.list.map(r)]);
      const [arg, ...list] = sqls;
      const any = `(${list.map((x) => `(${arg} = ${x})`).join(' OR ')})`;
      return { sql: e.negated ? `(NOT ${any})` : any, type: 'boolean' };
    }
    case 'between': {
      const { sqls } = unified([r(e.arg), r(e.low), r(e.high)]);
      const inside = `(${sqls[0]} >= ${sqls[1]} AND ${sqls[0]} <= ${sqls[2]})`;
      return { sql: e.negated ? `(NOT ${inside})` : inside, type: 'boolean' };
    }
    case 'isNull':
      return { sql: `${e.negated ? 'isNotNull' : 'isNull'}(${r(e.arg).sql})`, type: 'boolean' };
    case 'case': {
      const results = [...e.whens.map((w) => r(w.result)), ...(e.otherwise ? [r(e.otherwise)] : [])];
      const { sqls, type } = unified(results);
      const parts = e.whens.flatMap((w, i) => [as(w.condition, 'boolean'), sqls[i] as string]);
      const otherwise = e.otherwise ? (sqls[e.whens.length] as string) : type === 'null' ? 'NULL' : typedNull(type);
      return { sql: `multiIf(${[...parts, otherwise].join(', ')})`, type };
    }
    case 'cast': {
      const to = CAST_TARGET[e.to];
      return { sql: as(e.arg, to), type: to };
    }
    case 'func':
      return compileFunction(env, e);
    default: {
      const never: never = e;
      throw new DpError('INTERNAL', `unknown expression ${JSON.stringify(never)}`);
    }
  }
}

function compileFunction(env: ClickHouseEnv, e: Extract<PlanExpr, { kind: 'func' }>): TypedSql {
  const r = (x: PlanExpr) => chCompileTyped(env, x);
  const as = (x: PlanExpr, t: Exclude<SqlType, 'null'>) => chConvert(r(x), t);
  const arity = ARITY[e.name];
  if (!arity) throw new DpError('INTERNAL', 'a function outside the allow-list');
  if (e.args.length < arity[0] || e.args.length > arity[1])
    refuse(
      `${e.name.toUpperCase()} with ${e.args.length} argument(s)`,
      `give it ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`}`,
    );
  const [a0, a1] = e.args as [PlanExpr, PlanExpr | undefined];
  switch (e.name) {
    case 'sqrt': {
      const x = as(a0, 'double');
      return { sql: `sqrt(multiIf(${x} < ${dbl(0)}, ${dbl(0)}, ${x}))`, type: 'double' };
    }
    case 'abs':
    case 'floor':
    case 'ceil':
      return { sql: `${e.name}(${as(a0, 'double')})`, type: 'double' };
    case 'sign': {
      const x = as(a0, 'double');
      return { sql: `multiIf(${x} > ${dbl(0)}, ${dbl(1)}, ${x} < ${dbl(0)}, ${dbl(-1)}, ${x})`, type: 'double' };
    }
    case 'round': {
      const x = as(a0, 'double');
      if (!a1) return { sql: `round(${x})`, type: 'double' };
      const digits = a1.kind === 'literal' ? a1.value : null;
      if (typeof digits !== 'number' || !Number.isInteger(digits) || Math.abs(digits) > 20)
        refuse('ROUND(x, digits) with these digits', 'give digits as an integer literal in [-20, 20]');
      const scale = dbl(10 ** digits);
      const flushed = `multiIf(abs(${x}) < ${dbl(1e-200)}, ${dbl(0)}, ${chClamp(x, dbl(-1e280), dbl(1e280))})`;
      return { sql: `(round(${flushed} * ${scale}) / ${scale})`, type: 'double' };
    }
    case 'least':
    case 'greatest': {
      const { sqls, type } = unified(e.args.map(r));
      const sql = sqls.slice(1).reduce((acc, x) => pairwise(e.name as 'least' | 'greatest', acc, x), sqls[0] as string);
      return { sql, type };
    }
    case 'coalesce': {
      // As multiIf: 18.16's coalesce with a constant NULL argument makes a column that crashes count() (SIGSEGV).
      const { sqls, type } = unified(e.args.map(r));
      const last = sqls[sqls.length - 1] as string;
      const sql =
        sqls.length === 1
          ? last
          : `multiIf(${sqls
              .slice(0, -1)
              .flatMap((x) => [`isNotNull(${x})`, x])
              .join(', ')}, ${last})`;
      return { sql, type };
    }
    case 'nullif': {
      const { sqls, type } = unified(e.args.map(r));
      return { sql: `nullIf(${sqls.join(', ')})`, type };
    }
    case 'lower':
      return { sql: `lowerUTF8(${as(a0, 'text')})`, type: 'text' };
    case 'upper':
      return { sql: `upperUTF8(${as(a0, 'text')})`, type: 'text' };
    case 'trim':
      return { sql: trimSpaces(as(a0, 'text')), type: 'text' };
    case 'length':
      return { sql: `toInt64(lengthUTF8(${as(a0, 'text')}))`, type: 'integer' };
    case 'year':
    case 'quarter':
    case 'month':
    case 'day': {
      const fn = { year: 'toYear', quarter: 'toQuarter', month: 'toMonth', day: 'toDayOfMonth' }[e.name];
      return { sql: `toInt64(${fn}(${as(a0, 'date')}))`, type: 'integer' };
    }
    case 'date_trunc': {
      const unit = a0.kind === 'literal' && typeof a0.value === 'string' ? a0.value : '';
      if (!DATE_TRUNC_UNITS.includes(unit)) refuse('DATE_TRUNC with this unit', `give one of ${DATE_TRUNC_UNITS.join(', ')}`);
      if (!a1) throw new DpError('INTERNAL', 'date_trunc without a date');
      const d = as(a1, 'date');
      const fn = { year: 'toStartOfYear', quarter: 'toStartOfQuarter', month: 'toStartOfMonth', day: '' }[unit as 'year'];
      return { sql: fn ? `${fn}(${d})` : d, type: 'date' };
    }
    default: {
      const never: never = e.name;
      throw new DpError('INTERNAL', `unknown function ${String(never)}`);
    }
  }
}

/** A group key as it leaves ClickHouse (see `keyOutput` in compile-expr.ts): dates as ISO text, doubles as Float64. */
export function chKeyOutput(x: TypedSql): string {
  switch (x.type) {
    case 'date':
      return chDateText(x.sql);
    case 'null':
      return typedNull('text');
    default:
      return x.sql;
  }
}

/** A condition (WHERE): converted to boolean by the total rules. */
export function chCompileCondition(env: ClickHouseEnv, e: PlanExpr): string {
  return chConvert(chCompileTyped(env, e), 'boolean');
}

/** A value as double precision (measures of SUM, AVG, quantiles…). */
export function chCompileDouble(env: ClickHouseEnv, e: PlanExpr): string {
  return chConvert(chCompileTyped(env, e), 'double');
}
