/**
 * The dialect layer: what differs between SQL engines when a plan is
 * compiled. DuckDB and PostgreSQL live in `dialects/`; BigQuery, Spark SQL or
 * Trino would be one more object of this shape (identifier quoting, parameter
 * markers, type names, a salted hash for random-but-reproducible ordering,
 * and the guarded parsers the total conversions of `compile-expr.ts` use).
 * @module
 */
import type { PlanCastType, PlanExpr, QueryPlan } from './plan.js';
import type { SqlSchema } from './schema.js';

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
  /** The length of a text in bytes (O(1) on every engine: no copy of the value). Must not raise. */
  textBytes(text: string): string;
  /** An exact integer expression (an integer column, a count or a wide value) as the wide type of `typeName('wide')`; NULL stays NULL. Must not raise. */
  wideInteger(expr: string): string;
  /**
   * The quotient of two wide integers (`wideInteger`) truncated toward zero, for a divisor known to be positive and
   * operands below 2¹²⁶ in magnitude. Must not raise (scaled-to-cap.ts).
   */
  wideQuotient(dividend: string, divisor: string): string;
  /** An exact integer expression as the 64-bit integer (BIGINT, Int64), for a value known to fit on the rows that use it; NULL stays NULL. */
  narrowInteger(expr: string): string;
  /** The quotient of two 64-bit integers truncated toward zero, for a positive divisor. Must not raise (scaled-to-cap.ts). */
  narrowQuotient(dividend: string, divisor: string): string;
  /**
   * For an engine without bind parameters (ClickHouse 18.16): the value written as a literal, escaped so that it
   * reads back as exactly itself. Present, `Params` inlines every value instead of adding a marker.
   */
  inlineLiteral?(value: bigint | number | string | boolean, type: SqlParamType): string;
  /**
   * The row-expression forms this dialect writes differently from DuckDB and PostgreSQL (the defaults in
   * compile-expr.ts): the one expression compiler asks the dialect for each, so a rule (NULL-keeping clamps,
   * total conversions) lands in one place for every engine.
   */
  readonly expression?: Partial<ExpressionForms>;
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

/** The static type of a compiled row expression ('null' for an untyped NULL literal). */
export type SqlType = 'integer' | 'double' | 'text' | 'boolean' | 'date' | 'null';

/** A compiled expression with its static type. */
export interface TypedSql {
  readonly sql: string;
  readonly type: SqlType;
}

/** What a dialect's expression form may read: the plan, the schema, the dialect and the literal writer (compile-expr.ts's `Env`). */
export interface ExpressionEnv {
  readonly plan: QueryPlan;
  readonly d: SqlDialect;
  readonly schema: SqlSchema;
  /** Literals: a bind parameter (or the inlined literal) of a double / an integer. */
  readonly p: { dbl(v: number): string; int(v: number | bigint): string };
}

/** The name of an allow-listed scalar function (without the date functions, which have their own forms). */
export type PlanFunctionName = Exclude<Extract<PlanExpr, { kind: 'func' }>['name'], 'year' | 'quarter' | 'month' | 'day' | 'date_trunc'>;

/**
 * The forms of the constructs a dialect may write differently (`SqlDialect.expression`). The compiler below
 * decides everything else once for every engine — static types, `unify`, which conversions exist, arity,
 * refusals, saturation bounds, the NULL rule — and asks the dialect only for the text of each form. Defaults:
 * DuckDB's and PostgreSQL's forms (`DEFAULT_FORMS`). A form must keep the form's meaning on every row (and
 * raise on none: compile.proof.md); each `x` is compiled SQL of the stated type.
 */
export interface ExpressionForms {
  /** `x` clamped to [lo, hi]: NULL stays NULL, NaN goes to `hi` (compile.proof.md, "NULL is no value"). */
  clamp(env: ExpressionEnv, x: string, lo: string, hi: string): string;
  /** `max(x, lo)`, NULL staying NULL. */
  atLeast(env: ExpressionEnv, x: string, lo: string): string;
  /** `min(x, hi)`, NULL staying NULL. */
  atMost(env: ExpressionEnv, x: string, hi: string): string;
  /** `CASE WHEN c₁ THEN v₁ … [ELSE o] END` (no ELSE: NULL). */
  caseWhen(env: ExpressionEnv, whens: readonly (readonly [string, string])[], otherwise?: string): string;
  /** A NULL of static type `t`. */
  typedNull(env: ExpressionEnv, t: Exclude<SqlType, 'null'>): string;
  /** The boolean literal. */
  bool(env: ExpressionEnv, v: boolean): string;
  /** A column of source `source`, as the compiled SQL reads it (of static type `type`). */
  column(env: ExpressionEnv, source: number, column: string, type: SqlType): string;
  /** `ABS(x)` of a double (the conversions and saturations use it). */
  abs(env: ExpressionEnv, x: string): string;
  /** `ROUND(x)` of a double to an integral double (the conversion to integer uses it). */
  round(env: ExpressionEnv, x: string): string;
  /** `x` of static type integer or boolean as a double / as an integer (boolean only). */
  toNumber(env: ExpressionEnv, x: TypedSql, to: 'double' | 'integer'): string;
  /** `x` of any static type as text. */
  toText(env: ExpressionEnv, x: TypedSql): string;
  /** Text → double: NULL unless it is a decimal number of at most 400 characters, then saturated to ±1e308, |x| < 1e-300 flushed to 0. */
  textToDouble(env: ExpressionEnv, text: string): string;
  /** Text → date: NULL unless it is a valid ISO date the engine's date type holds. */
  textToDate(env: ExpressionEnv, text: string): string;
  /** Lower-cased, space-trimmed text (the conversion to boolean reads words with it). */
  normalizeWord(env: ExpressionEnv, text: string): string;
  /** `l % r` of saturated doubles, `r` known non-zero. */
  remainder(env: ExpressionEnv, l: string, r: string): string;
  /** `l || r` of texts. */
  concat(env: ExpressionEnv, l: string, r: string): string;
  /** `value [NOT] [I]LIKE pattern` with backslash as the escape character; `pattern` a text literal. */
  like(env: ExpressionEnv, value: string, op: 'LIKE' | 'NOT LIKE' | 'ILIKE' | 'NOT ILIKE', pattern: string): string;
  /** `arg [NOT] IN (list…)` of one type. */
  inList(env: ExpressionEnv, arg: string, list: readonly string[], negated: boolean): string;
  /** `arg [NOT] BETWEEN low AND high` of one type. */
  between(env: ExpressionEnv, arg: string, low: string, high: string, negated: boolean): string;
  /** An allow-listed scalar function over arguments already converted to their types (`length`: integer). */
  call(env: ExpressionEnv, name: PlanFunctionName, args: readonly string[]): string;
  /** YEAR/QUARTER/MONTH/DAY of a date, as an integer (NULL outside the dates the engines agree on). */
  datePart(env: ExpressionEnv, unit: 'year' | 'quarter' | 'month' | 'day', date: string): string;
  /** DATE_TRUNC(unit, date) as a date; `unit` from DATE_TRUNC_UNITS. */
  dateTrunc(env: ExpressionEnv, unit: string, date: string): string;
  /** A date group key as ISO text `yyyy-mm-dd` (NULL where the driver could not represent it). */
  dateKey(env: ExpressionEnv, date: string): string;
  /** A double group key as the engine's double. */
  doubleKey(env: ExpressionEnv, x: string): string;
}
