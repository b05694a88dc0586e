/**
 * The ClickHouse dialect: the scale-out engine (issue 16). Plans are compiled
 * by `clickhouse-compile.ts` (statement shapes) and `clickhouse-expr.ts` (total
 * row expressions), literals inlined by `clickhouse-literals.ts`.
 *
 * **Versions covered.** Verified on Debian's ClickHouse 18.16.1 (the one this
 * project installs and tests in CI). The SQL uses only functions and syntax that
 * newer releases kept (checked against the 19.x–24.x changelogs' removals: no
 * `ANY`/`ALL` join strictness, no `Nullable` tuple tricks, no experimental
 * settings, no old-style `WITH` CTEs): `multiIf`, `least`/`greatest`,
 * `toInt64`/`toFloat64`/`toDecimal128`, `toFloat64OrNull`/`toInt64OrNull`/
 * `toDateOrNull`, `match`/`replaceRegexpAll`/`replaceRegexpOne`, `lowerUTF8`,
 * `lengthUTF8`, `cityHash64`, `groupArray`, `arraySort`, `arraySlice`,
 * `arrayMap`, `arrayCumSum`, `tupleElement`, `ARRAY JOIN`, `LIMIT n BY`,
 * `reinterpretAsFloat64(unhex(…))`, `toStartOfYear/Quarter/Month`.
 *
 * **Dialect facts, verified on 18.16** (each one shaped the compiler):
 * | fact | consequence |
 * |---|---|
 * | no window functions (`OVER` is a syntax error), no `WITH name AS (subquery)` | bounding by nested `GROUP BY`s, a per-unit `arraySort` top-P (or `ORDER BY … LIMIT P BY`) |
 * | `LIMIT n BY` alone keeps rows in hash-table order (other units' keys decide) | the order is always a salted `cityHash64(unit, keys…, salt)`, never engine order |
 * | no query parameters | literals inlined: text as `'…'` with every byte outside `[A-Za-z0-9 _.,:/+-]` as `\xHH`; doubles bit-exact (`reinterpretAsFloat64(unhex(…))`: the float parser is not correctly rounded, and `1e-320` is a syntax error) |
 * | `sum(Int64)` and `Int64 + Int64` wrap silently | per-unit values clamped to ±C·M < 2⁶² (refused otherwise), sums over units in `Decimal128(0)`, shards added in BigInt |
 * | `1/0` = `inf`, `0/0` = `nan`, but `5 % 0`, `5.0 % 0.5` (floats go through integers) raise | division guarded to NULL (as on the other engines; the unused quotient is discarded); remainder as `l − r·trunc(l/r)` |
 * | `if`/`multiIf`/`CASE` evaluate every branch on every row | only functions that never raise appear anywhere: `toFloat64OrNull`, `toInt64OrNull`, `toDateOrNull`, float arithmetic |
 * | `toInt64(nan)`, `toInt64(1e300)` give −2⁶³ (no error) | values saturated before every integer conversion |
 * | NaN compares false: `greatest(nan, 1)` = 1 | clamps test `isNaN` first (NaN to the top, as PostgreSQL and DuckDB order it) |
 * | `least`/`greatest` take two arguments and return NULL with a NULL (18.16 … 24.11; from 24.12 they ignore NULL, like PostgreSQL) | no result depends on which: every clamp tests `isNull` first and keeps NULL (`chClamp`); LEAST/GREATEST of the query nested pairwise, skipping NULLs explicitly |
 * | `sum` over a group whose values are all NULL is NULL | a unit with no value in a group stays NULL through its clamp and adds nothing; an all-NULL total leaves as NULL, read as 0 by the driver |
 * | `sumMap` drops keys whose sums are all 0 | not used for bounding; the per-unit top-P carries its counts in tuples |
 * | lambdas cannot capture outer columns (`arrayMap(y -> y + x, …)` with `x` a column fails on 18.16) | lambdas use only their own arguments and constants |
 * | no boolean type, no `TRUE`/`FALSE`, no `ILIKE`, no `ESCAPE`, no `TRIM`, no `sign`, no `isValidUTF8`, `Date` only 1970–2105 | UInt8 0/1; `lowerUTF8(x) LIKE lowerUTF8(p)` (backslash already escapes); `replaceRegexpAll`; `multiIf`; dates outside the range are NULL |
 * | `IN` takes constants only; `NULL IN (1)` is a type error | IN compiled as `=` … `OR` on unified types |
 * | `cityHash64` takes any number of arguments of any types | the salted hash of (unit, keys…, salt) in one call |
 *
 * The statements are compiled by this dialect's own compiler, registered with
 * `compile.ts` (`registerDialectCompiler`) when this module loads. The members
 * that take bind-parameter markers have no meaning here (there are none):
 * `parameter` refuses with INTERNAL; the others return ClickHouse forms for
 * completeness.
 * @module
 */
import { DpError } from '../../core/errors.js';
import { type DialectCompiler, registerDialectCompiler } from '../compile.js';
import type { SqlDialect, SqlParamType } from '../dialect.js';
import type { QueryPlan } from '../plan.js';
import type { SqlSchema } from '../schema.js';
import { type ClickHouseBounding, compileClickHouseBoundingReport, compileClickHouseQuery } from './clickhouse-compile.js';
import { CLICKHOUSE_FORMS, CLICKHOUSE_TYPES, chDateText, quoteClickHouse } from './clickhouse-expr.js';
import { booleanLiteral, doubleLiteral, intLiteral, textLiteral } from './clickhouse-literals.js';

function compilerWith(dialect: SqlDialect, bounding: ClickHouseBounding): DialectCompiler {
  return Object.freeze({
    compileDpQuery: (plan: QueryPlan, salt: bigint, schema: SqlSchema) => compileClickHouseQuery(plan, salt, schema, dialect, bounding),
    compileBoundingReport: (plan: QueryPlan, schema: SqlSchema) => compileClickHouseBoundingReport(plan, schema, dialect),
  });
}

function inlineLiteral(value: bigint | number | string | boolean, type: SqlParamType): string {
  if (type === 'text') return textLiteral(String(value));
  if (type === 'boolean') return booleanLiteral(value === true);
  if (type === 'bigint') return intLiteral(typeof value === 'bigint' ? value : BigInt(value as number));
  return doubleLiteral(Number(value));
}

const TYPES = { ...CLICKHOUSE_TYPES, varchar: 'String', bigint: 'Int64', wide: 'Decimal128(0)' } as const;

/** ClickHouse (18.16 and later): literals inlined, statements per shard (see the module header). */
export const clickhouseDialect: SqlDialect = Object.freeze({
  name: 'clickhouse',
  quoteIdentifier: quoteClickHouse,
  parameter: (): string => {
    throw new DpError('INTERNAL', 'ClickHouse statements inline their literals (clickhouse-literals.ts): no parameter markers');
  },
  typeName: (t: keyof typeof TYPES) => TYPES[t],
  safeCast: (expr: string, t: keyof typeof TYPES) =>
    t === 'bigint' || t === 'integer' ? `toInt64(${expr})` : `CAST(${expr} AS ${TYPES[t]})`,
  regexFullMatch: (expr: string, pattern: string) => `match(${expr}, ${textLiteral(pattern)})`,
  parseGuardedNumber: (text: string) => `toFloat64OrNull(${text})`,
  parseGuardedInteger: (text: string) => `toInt64OrNull(${text})`,
  parseGuardedDate: (text: string) => `toDateOrNull(${text})`,
  dateText: chDateText,
  saltedHash: (exprs: readonly string[], salt: string) => `cityHash64(${[...exprs, salt].join(', ')})`,
  functionName: (name: string) => name,
  // toDecimal128 keeps NULL (CAST of a Nullable NULL to Decimal128(0) raises on 18.16); Decimal `/` truncates toward zero.
  textBytes: (text: string) => `length(${text})`,
  wideInteger: (expr: string) => `toDecimal128(${expr}, 0)`,
  wideQuotient: (dividend: string, divisor: string) => `(${dividend} / ${divisor})`,
  narrowInteger: (expr: string) => `toInt64(${expr})`,
  narrowQuotient: (dividend: string, divisor: string) => `intDiv(${dividend}, ${divisor})`,
  inlineLiteral,
  expression: CLICKHOUSE_FORMS,
} satisfies SqlDialect);
registerDialectCompiler(clickhouseDialect, compilerWith(clickhouseDialect, 'limitBy'));

/**
 * The ClickHouse dialect with the other per-unit top-P strategy (`arraySort(groupArray(…))` per unit), kept for the
 * benchmark that chose the default (bench/sql/clickhouse.md: `ORDER BY … LIMIT P BY` measured faster here). Same
 * guarantee: the order is the salted hash either way.
 */
export const clickhouseArraysDialect: SqlDialect = Object.freeze({ ...clickhouseDialect });
registerDialectCompiler(clickhouseArraysDialect, compilerWith(clickhouseArraysDialect, 'arrays'));
