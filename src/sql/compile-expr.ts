/**
 * The row-expression compiler: a `PlanExpr` becomes SQL that is **total** —
 * it evaluates without an engine error on every row, on every dialect — so
 * that whether a query is answered never depends on the rows (SECURITY.md §3,
 * §7; issue 10, item 3). The rule and its case-by-case argument are in
 * `compile.proof.md` beside this file; in short:
 *
 * - Every expression has a static type, derived from the schema's column
 *   types and the plan alone (`SqlType`). Where an operator or function needs
 *   operands of one type, each operand is *converted* by a total conversion
 *   (`convert`), never left to the engine's implicit casts (DuckDB casts a
 *   VARCHAR to INTEGER for `name = 5` and fails on the rows that do not parse).
 * - Text is parsed only after a regular-expression guard, inside a nested
 *   `CASE` (PostgreSQL evaluates a `CASE` branch only when its condition holds
 *   and folds constant branches only when reachable): numbers, dates and
 *   booleans that do not match the guard become NULL. DuckDB additionally uses
 *   `TRY_CAST` everywhere.
 * - Arithmetic runs in double precision on saturated operands (`safeArithmetic`).
 * - Constructs that cannot be made total (a LIKE pattern that is not a text
 *   literal, a function with the wrong number of arguments) are refused here,
 *   at compile time, which is before the charge.
 *
 * It is the single expression compiler of every dialect (ClickHouse's spellings are hooks, `dialect.ts`). The
 * environment and clamps are in `compile-env.ts`, the default forms and guarded text parsers in `compile-forms.ts`.
 * @module
 */
import { DpError } from '../core/errors.js';
import { type Env, numberLiteralType } from './compile-env.js';
import { forms } from './compile-forms.js';
import type { ExpressionForms, SqlType, TypedSql } from './dialect.js';
import { DATE_TRUNC_UNITS, type PlanCastType, type PlanExpr } from './plan.js';
import type { SqlColumnType } from './schema.js';
import { textBytesBound } from './text-bounds.js';

// The environment, parameters, clamps and default forms live apart (one concept each); importers keep this path.
export { atLeast, atMost, clamp, type Env, numberLiteralType, Params, q } from './compile-env.js';
export { DEFAULT_FORMS, forms } from './compile-forms.js';
export type { ExpressionForms, SqlType, TypedSql };

const COLUMN_TYPES: Record<SqlColumnType, SqlType> = {
  integer: 'integer',
  float: 'double',
  string: 'text',
  boolean: 'boolean',
  date: 'date',
};

function refuse(what: string, hint: string): never {
  throw new DpError('UNSUPPORTED_QUERY', `${what} is not supported: ${hint}`, { construct: what, hint });
}

/** The static type of a column, from the schema (the plan's sources name the tables). */
function columnType(env: Env, source: number, column: string): SqlType {
  const s = env.plan.sources[source];
  if (!s) throw new DpError('INTERNAL', 'unknown source');
  const t = env.schema.tables.get(s.table)?.columns.get(column)?.type;
  if (!t) throw new DpError('INTERNAL', 'a plan column the schema does not declare');
  return COLUMN_TYPES[t];
}

/**
 * Whether a column reference of `env`'s plan is a text column (text-bounds.ts).
 * @param env - the plan and schema.
 * @returns the test.
 */
export function isTextColumn(env: Pick<Env, 'plan' | 'schema'>): (e: Extract<PlanExpr, { kind: 'column' }>) => boolean {
  return (e) => columnType(env as Env, e.source, e.column) === 'text';
}

/** A NULL of type `t` (typed, so that PostgreSQL can resolve operators on it). */
function typedNull(env: Env, t: Exclude<SqlType, 'null'>): string {
  return forms(env).typedNull(env, t);
}

/**
 * Converts a compiled value to type `to`, total on every input:
 * numbers ↔ numbers by saturating casts, text → number/date/boolean only
 * behind a guard (else NULL), anything → text by the engine's total cast,
 * and pairs without a meaning (a date as a number, a number as a date) to NULL.
 */
export function convert(env: Env, x: TypedSql, to: Exclude<SqlType, 'null'>): string {
  const { d } = env;
  const f = forms(env);
  if (x.type === to) return x.sql;
  if (x.type === 'null') return typedNull(env, to);
  switch (to) {
    case 'text':
      return f.toText(env, x);
    case 'double':
      if (x.type === 'integer' || x.type === 'boolean') return f.toNumber(env, x, 'double');
      if (x.type === 'text') return f.textToDouble(env, x.sql);
      return typedNull(env, 'double');
    case 'integer': {
      if (x.type === 'date') return typedNull(env, 'integer');
      if (x.type === 'boolean') return f.toNumber(env, x, 'integer');
      // Saturate into the BIGINT range first: PostgreSQL raises "bigint out of range" for NaN, ±Infinity and
      // |x| ≥ 2⁶³, an error only some rows would cause (ClickHouse returns an arbitrary value). NaN becomes the top.
      const inRange = f.clamp(env, f.round(env, convert(env, x, 'double')), env.p.dbl(-(2 ** 63)), env.p.dbl(2 ** 63 - 1024));
      return d.safeCast(inRange, 'bigint');
    }
    case 'boolean': {
      const [yes, no] = [f.bool(env, true), f.bool(env, false)];
      if (x.type === 'integer' || x.type === 'double')
        return `(${f.caseWhen(env, [
          [`${x.sql} <> 0`, yes],
          [`${x.sql} = 0`, no],
        ])})`;
      if (x.type === 'text') {
        const t = f.normalizeWord(env, x.sql);
        return `(${f.caseWhen(env, [
          [`${t} IN ('true', 't', 'yes', 'y', 'on', '1')`, yes],
          [`${t} IN ('false', 'f', 'no', 'n', 'off', '0')`, no],
        ])})`;
      }
      return typedNull(env, 'boolean');
    }
    case 'date':
      if (x.type === 'text') return f.textToDate(env, x.sql);
      return typedNull(env, 'date');
    default: {
      const never: never = to;
      throw new DpError('INTERNAL', `unknown type ${String(never)}`);
    }
  }
}

/**
 * The common type operands are converted to before they meet: equal types
 * stay; numbers meet as double; text next to one other type T is parsed as T
 * (an integer as double); booleans next to numbers become 0/1; anything else
 * meets as text.
 */
export function unify(types: readonly SqlType[]): SqlType {
  const set = new Set(types.filter((t) => t !== 'null'));
  if (set.size === 0) return 'null';
  if (set.size === 1) return [...set][0] as SqlType;
  const numeric = (t: SqlType) => t === 'integer' || t === 'double';
  if ([...set].every(numeric)) return 'double';
  if (set.has('text')) {
    const others = [...set].filter((t) => t !== 'text');
    if (others.length === 1) return others[0] === 'integer' ? 'double' : (others[0] as SqlType);
    if (others.every((t) => numeric(t))) return 'double';
    return 'text';
  }
  if ([...set].every((t) => numeric(t) || t === 'boolean')) return 'double';
  return 'text';
}

/** Converts every operand to their common type. */
function unified(env: Env, xs: readonly TypedSql[]): { sqls: string[]; type: SqlType } {
  const type = unify(xs.map((x) => x.type));
  if (type === 'null') return { sqls: xs.map((x) => x.sql), type };
  return { sqls: xs.map((x) => convert(env, x, type)), type };
}

/**
 * Row arithmetic that can never raise an engine error. In double precision,
 * PostgreSQL still raises "value out of range" on overflow and on underflow
 * (a non-zero product or quotient that rounds to 0) and "division by zero":
 * errors only some rows cause, a per-person oracle (`WHERE id = 42 AND
 * x * 1e308 > 1`). So operands are saturated to ±1e150 (or ±1e300 for + and
 * −), magnitudes below 1e-150 are flushed to 0 before × and ÷, and ÷ by
 * (nearly) zero gives NULL, as does % by zero. Then |a·b| and |a/b| lie in
 * [1e-300, 1e300] or are exactly 0, inside the double range. The same SQL runs
 * on every dialect, so the engines agree. NaN compares above every number in
 * PostgreSQL, so it saturates to the top.
 */
function safeArithmetic(env: Env, op: '+' | '-' | '*' | '/' | '%', left: string, right: string): string {
  const big = env.p.dbl(op === '+' || op === '-' ? 1e300 : 1e150);
  const negBig = env.p.dbl(op === '+' || op === '-' ? -1e300 : -1e150);
  const f = forms(env);
  const sat = (x: string) => f.clamp(env, x, negBig, big);
  if (op === '+' || op === '-') return `(${sat(left)} ${op} ${sat(right)})`;
  const tiny = env.p.dbl(1e-150);
  const zero = env.p.dbl(0);
  const flushed = (x: string) => f.caseWhen(env, [[`${f.abs(env, x)} < ${tiny}`, zero]], sat(x));
  if (op === '*') return `(${flushed(left)} * ${flushed(right)})`;
  // ClickHouse computes every branch on every row: there the quotient of a guarded-out row is inf or nan, discarded.
  if (op === '/') return `(${f.caseWhen(env, [[`${f.abs(env, right)} < ${tiny}`, 'NULL']], `${flushed(left)} / ${sat(right)}`)})`;
  // x % y keeps |x % y| < |y| and needs no flush; only a zero divisor errors.
  return `(${f.caseWhen(env, [[`${right} = ${zero}`, 'NULL']], f.remainder(env, sat(left), sat(right)))})`;
}

/** A plan literal: its own parameter, never shared (compile-env.ts, `Params` rule 2), typed by its class. */
function literal(env: Env, node: Extract<PlanExpr, { kind: 'literal' }>): TypedSql {
  const v = node.value;
  if (v === null) return { sql: 'NULL', type: 'null' };
  if (typeof v === 'number')
    return numberLiteralType(v) === 'bigint'
      ? { sql: env.p.own(node, BigInt(v), 'bigint'), type: 'integer' }
      : { sql: env.p.own(node, v, 'double'), type: 'double' };
  if (typeof v === 'boolean') return { sql: env.p.own(node, v, 'boolean'), type: 'boolean' };
  return { sql: env.p.own(node, v, 'text'), type: 'text' };
}

/** Number of arguments each allow-listed function takes: [min, max]. */
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

/** Largest |digits| of ROUND(x, digits). */
const MAX_ROUND_DIGITS = 20;

const CAST_TARGET: Record<PlanCastType, Exclude<SqlType, 'null'>> = {
  integer: 'integer',
  double: 'double',
  varchar: 'text',
  boolean: 'boolean',
  date: 'date',
};

/**
 * The longest compiled row expression (characters). The total conversions repeat an operand a few times
 * (a guard and a parse, a saturation and a flush), so nesting multiplies the text; past this size the
 * query is refused at compile time (before the charge) instead of building an unbounded string.
 */
export const MAX_COMPILED_EXPRESSION = 256_000;

/** Compiles a row expression to total SQL with its static type. */
export function compileTyped(env: Env, e: PlanExpr): TypedSql {
  // Review S59 (text-bounds.ts, rule 2): every text the expression computes has a public byte bound, or the query is
  // refused here, before the charge. Checked once per top-level expression (the walk covers every node).
  textBytesBound(e, isTextColumn(env));
  return compileSubtree(env, e);
}

/** `compileTyped` of a node inside an expression whose text bounds were checked. */
function compileSubtree(env: Env, e: PlanExpr): TypedSql {
  const out = compileNode(env, e);
  if (out.sql.length > MAX_COMPILED_EXPRESSION)
    refuse(
      'an expression this large after rewriting',
      `simplify it (the rewritten SQL may be at most ${MAX_COMPILED_EXPRESSION} characters)`,
    );
  return out;
}

function compileNode(env: Env, e: PlanExpr): TypedSql {
  const f = forms(env);
  const r = (x: PlanExpr) => compileSubtree(env, x);
  const as = (x: PlanExpr, t: Exclude<SqlType, 'null'>) => convert(env, r(x), t);
  switch (e.kind) {
    case 'column': {
      const type = columnType(env, e.source, e.column);
      return { sql: f.column(env, e.source, e.column, type), type };
    }
    case 'literal':
      return literal(env, e);
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
          return { sql: safeArithmetic(env, e.op, as(e.left, 'double'), as(e.right, 'double')), type: 'double' };
        case '||':
          return { sql: f.concat(env, as(e.left, 'text'), as(e.right, 'text')), type: 'text' };
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
          return { sql: f.like(env, as(e.left, 'text'), e.op, literal(env, pattern).sql), type: 'boolean' };
        }
        default: {
          const { sqls } = unified(env, [r(e.left), r(e.right)]);
          return { sql: `(${sqls[0]} ${e.op} ${sqls[1]})`, type: 'boolean' };
        }
      }
    case 'in': {
      const { sqls } = unified(env, [r(e.arg), ...e.list.map(r)]);
      const [arg, ...list] = sqls;
      return { sql: f.inList(env, arg as string, list, e.negated), type: 'boolean' };
    }
    case 'between': {
      const { sqls } = unified(env, [r(e.arg), r(e.low), r(e.high)]);
      return { sql: f.between(env, sqls[0] as string, sqls[1] as string, sqls[2] as string, e.negated), type: 'boolean' };
    }
    case 'isNull':
      return { sql: `(${r(e.arg).sql} IS ${e.negated ? 'NOT ' : ''}NULL)`, type: 'boolean' };
    case 'case': {
      const results = [...e.whens.map((w) => r(w.result)), ...(e.otherwise ? [r(e.otherwise)] : [])];
      const { sqls, type } = unified(env, results);
      const whens = e.whens.map((w, i) => [as(w.condition, 'boolean'), sqls[i] as string] as const);
      return { sql: f.caseWhen(env, whens, e.otherwise ? sqls[e.whens.length] : undefined), type };
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

function compileFunction(env: Env, e: Extract<PlanExpr, { kind: 'func' }>): TypedSql {
  const f = forms(env);
  const r = (x: PlanExpr) => compileSubtree(env, x);
  const as = (x: PlanExpr, t: Exclude<SqlType, 'null'>) => convert(env, r(x), t);
  const arity = ARITY[e.name];
  if (!arity) throw new DpError('INTERNAL', 'a function outside the allow-list');
  if (e.args.length < arity[0] || e.args.length > arity[1])
    refuse(
      `${e.name.toUpperCase()} with ${e.args.length} argument(s)`,
      `give it ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`}`,
    );
  const [a0, a1] = e.args as [PlanExpr, PlanExpr | undefined];
  switch (e.name) {
    case 'sqrt':
      return { sql: f.call(env, 'sqrt', [f.atLeast(env, as(a0, 'double'), env.p.dbl(0))]), type: 'double' };
    case 'abs':
    case 'floor':
    case 'ceil':
    case 'sign':
      // In double precision: ABS of the smallest BIGINT overflows, an error only a row holding it would cause.
      return { sql: f.call(env, e.name, [as(a0, 'double')]), type: 'double' };
    case 'round': {
      const x = as(a0, 'double');
      if (!a1) return { sql: f.call(env, 'round', [x]), type: 'double' };
      const digits = a1.kind === 'literal' ? a1.value : null;
      if (typeof digits !== 'number' || !Number.isInteger(digits) || Math.abs(digits) > MAX_ROUND_DIGITS)
        refuse('ROUND(x, digits) with these digits', `give digits as an integer literal in [-${MAX_ROUND_DIGITS}, ${MAX_ROUND_DIGITS}]`);
      // ROUND(x·10ᵈ)/10ᵈ on a saturated, flushed x: no overflow, no underflow (PostgreSQL has no ROUND(double, int)).
      const scale = env.p.dbl(10 ** digits);
      const sat = f.clamp(env, x, env.p.dbl(-1e280), env.p.dbl(1e280));
      const flushed = f.caseWhen(env, [[`${f.abs(env, x)} < ${env.p.dbl(1e-200)}`, env.p.dbl(0)]], sat);
      return { sql: `(${f.call(env, 'round', [`(${flushed}) * ${scale}`])} / ${scale})`, type: 'double' };
    }
    case 'least':
    case 'greatest':
    case 'coalesce':
    case 'nullif': {
      const { sqls, type } = unified(env, e.args.map(r));
      return { sql: f.call(env, e.name, sqls), type };
    }
    case 'lower':
    case 'upper':
    case 'trim':
      return { sql: f.call(env, e.name, [as(a0, 'text')]), type: 'text' };
    case 'length':
      return { sql: f.call(env, e.name, [as(a0, 'text')]), type: 'integer' };
    case 'year':
    case 'quarter':
    case 'month':
    case 'day':
      return { sql: f.datePart(env, e.name, as(a0, 'date')), type: 'integer' };
    case 'date_trunc': {
      const unit = a0.kind === 'literal' && typeof a0.value === 'string' ? a0.value : '';
      if (!DATE_TRUNC_UNITS.includes(unit)) refuse('DATE_TRUNC with this unit', `give one of ${DATE_TRUNC_UNITS.join(', ')}`);
      if (!a1) throw new DpError('INTERNAL', 'date_trunc without a date');
      return { sql: f.dateTrunc(env, unit, as(a1, 'date')), type: 'date' };
    }
    default: {
      const never: never = e.name;
      throw new DpError('INTERNAL', `unknown function ${String(never)}`);
    }
  }
}

/**
 * A group key as it leaves the engine: a **total conversion** to a value every driver represents
 * (review finding 3, issue 10 class 3). The drivers cannot return every value the engines store:
 * DuckDB's client throws "DATE value out of range for JS Date" for `infinity` and years past 275760,
 * and PostgreSQL's makes an Invalid Date — an error only a row holding such a value would cause,
 * after the charge. So a date key leaves as its ISO text (`yyyy-mm-dd`) for years 1–9999 and as
 * NULL otherwise (infinite, BC and far-future dates join the NULL group: a fixed, data-independent
 * rule); a double key is cast to double precision (a float column may be stored as DECIMAL/numeric,
 * which PostgreSQL returns as text); integers (BIGINT, HUGEINT… as JS bigint or digits), text and
 * booleans are represented by both drivers as they are. The engine groups by this converted value,
 * so two engine groups never become one released key. The Node side reads each key by its static
 * type (`publicKey` in engine-values.ts) and treats anything else as a compiler error (INTERNAL).
 * @param env - the compile environment.
 * @param x - the compiled key with its static type.
 * @returns the SQL of the key column.
 */
export function keyOutput(env: Env, x: TypedSql): string {
  switch (x.type) {
    case 'date':
      return forms(env).dateKey(env, x.sql);
    case 'double':
      return forms(env).doubleKey(env, x.sql);
    case 'null':
      return typedNull(env, 'text');
    default:
      return x.sql;
  }
}

/** Compiles a row expression (any type). */
export function compileExpr(env: Env, e: PlanExpr): string {
  return compileTyped(env, e).sql;
}

/** Compiles a condition (WHERE, ON): converted to boolean by the total rules. */
export function compileCondition(env: Env, e: PlanExpr): string {
  return convert(env, compileTyped(env, e), 'boolean');
}

/** Compiles a value as double precision (measures of SUM, AVG, quantiles…). */
export function compileDouble(env: Env, e: PlanExpr): string {
  return convert(env, compileTyped(env, e), 'double');
}
