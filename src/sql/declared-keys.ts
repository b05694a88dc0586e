/**
 * Declared GROUP BY keys restricted in the compiled SQL (review S65, class 11 "public-cause / resource failures
 * after the charge"; docs/trust-classes.md "Stop 21").
 *
 * Rule: every statement of a query (main, histograms, bounding report; DuckDB, PostgreSQL and ClickHouse) keeps
 * only the rows whose converted key — `keyOutput(compileTyped(key))`, the very expression whose value
 * `publicKey` reads — is one of the key's declared values, for every key with declared categories, in the WHERE of
 * the rows, i.e. BEFORE contribution bounding. So when every key is declared, the main statement returns at most
 * the product of the declared counts rows (≤ MAX_RELEASED_GROUPS, checked by the planner), and each histogram at most
 * that × its bins (≤ MAX_DECLARED_HISTOGRAM_ROWS, checked in `compileDpQuery` before the charge); nothing the data
 * hold outside the declared keys reaches the Node heap. Under partition selection, a declared key among undeclared
 * ones is filtered the same way (the release drops those rows anyway).
 *
 * The literal of a declared value `c` is the one engine value `v` of the key's static type with
 * `String(v) === String(c)` — the match the release makes (`keyString`) — or none:
 * - text: the text `String(c)`; date: the ISO text when `String(c)` is `YYYY-MM-DD` (dates leave the engine as
 *   that text); integer: `BigInt(String(c))` when `String(c)` is canonical decimal digits within Int64 ('01', '-0',
 *   '1.0' and 1e21 match nothing); double: `Number(String(c))` when its own `String` is `String(c)` ('-0', '1.0',
 *   ' 1' match nothing; NaN, ±Infinity included); boolean: `true`/`false` from 'true'/'false'; a NULL-typed key: none.
 * - The comparison is the engine's `IN` (for an integer key whose declared values are every integer of a range, the
 *   range, which keeps the same rows: `integerRange`), which is the equality GROUP BY uses on the same expression (−0 = +0; NaN =
 *   NaN on DuckDB/PostgreSQL; a text collation, e.g. NOCASE or PostgreSQL's bpchar, the same way on both), so the
 *   filter keeps or drops whole engine groups: every group the release would have kept (its key's `String` declared)
 *   keeps all its rows. ClickHouse's NaN ≠ NaN is covered by `NOT (k = k)`, added when NaN is declared (false for
 *   every row on DuckDB/PostgreSQL, where NaN = NaN). NULL keys match nothing (as `keyString` never matched them).
 * - Law: the filter is a public per-row predicate (a WHERE); bounding then chooses among a unit's declared groups
 *   only, where before it could spend a unit's P slots on groups the release dropped — the per-unit bounds (≤ P
 *   groups, ≤ C rows per group) hold as before, so the sensitivities and the charge are unchanged
 *   (compile.proof.md "Declared keys before bounding").
 * @module
 */
import { DpError } from '../core/errors.js';
import { compileTyped, type Env, keyOutput } from './compile-expr.js';
import type { PlanGroupKey, QueryPlan } from './plan.js';
import { quantileGrid } from './quantile-grid.js';

/**
 * Most histogram rows a query with only declared keys may return (declared combinations × Σ bins of its quantile
 * outputs), checked before the charge: 64 declared groups at the 4,096-bin grid (or 16 with four quantile outputs).
 * Past it the query is refused (UNSUPPORTED_QUERY): the rows would be held in the Node heap after the charge.
 *
 * Rule: the limit is what a 256 MiB heap holds at the worst case on EVERY engine — every declared combination full
 * of distinct values, so every bin of every histogram is a row — with a margin of ≥ 2: all the rows of the
 * histogram statements are held at once as row objects (≈ 400+ bytes each with the release's structures). Measured
 * (`test/sql/declared-histogram-limit-child.ts`, `--max-old-space-size=256`, load 4–9): DuckDB answers 2¹⁸ (64 × 1
 * and 16 × 4 outputs) and 2¹⁹ (128 × 1, 64 × 4, 470–530 MB RSS) and aborts at 2²⁰ (256 × 1, heap exhausted after
 * the charge); 3-shard ClickHouse answers 2¹⁸ (288 MB RSS) and 2¹⁹ (349 MB) and aborts at 2²⁰; PostgreSQL answers
 * 2¹⁸, 2¹⁹ and 2²⁰. 2²⁰ was S65's first limit and did not fit (stop 21 second shift).
 */
export const MAX_DECLARED_HISTOGRAM_ROWS = 2 ** 18;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The Int64 an integer key's engine value must equal for its `String` to be `s`, or null when none can. */
function integerOf(s: string): bigint | null {
  if (!/^-?(0|[1-9]\d{0,18})$/.test(s) || s === '-0') return null;
  const b = BigInt(s);
  return b >= INT64_MIN && b <= INT64_MAX ? b : null;
}

/**
 * The declared values of an integer key as one range `[least, greatest]` when they are every integer between the two
 * (at least two values), else undefined (stop 24, issue 11: DuckDB plans an `IN` list of many constants as a hash mark
 * join, ≈ 0.2 s CPU per 10⁷ rows for 100 keys; a range is two comparisons).
 *
 * Rule: `k BETWEEN least AND greatest` keeps exactly the rows `k IN (least, …, greatest)` keeps, because an
 * integer-typed key's engine value is always an integer: a declared integer column is stored as an integer type
 * (`check-public.ts`; a CSV's as BIGINT), and every other integer-typed expression is an integer literal, a BIGINT
 * cast, `length`, a date part, or GREATEST/COALESCE/NULLIF/CASE of integer-typed values (`compile-expr.ts`). A NULL
 * key satisfies neither. Tested generatively against the `IN` form in `test/sql/declared-key-filter.test.ts`.
 */
function integerRange(categories: readonly (string | number | boolean)[]): readonly [bigint, bigint] | undefined {
  const values = [...new Set(categories.map((c) => integerOf(String(c))).filter((b): b is bigint => b !== null))];
  if (values.length < 2) return undefined;
  values.sort((a, b) => Number(a - b > 0n) - Number(a - b < 0n)); // bigint: no Math.min
  const [least, greatest] = [values[0] as bigint, values[values.length - 1] as bigint];
  return greatest - least + 1n === BigInt(values.length) ? [least, greatest] : undefined;
}

/** One declared value as a literal of the key's static type, or null when no engine value's `String` is its `String`. */
function literalOf(env: Env, type: string, c: string | number | boolean): string | null {
  const s = String(c);
  switch (type) {
    case 'text':
      return env.p.add(s, 'text');
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(s) ? env.p.add(s, 'text') : null;
    case 'integer': {
      const b = integerOf(s);
      return b === null ? null : env.p.int(b);
    }
    case 'double': {
      const d = Number(s);
      return String(d) === s ? env.p.dbl(d) : null;
    }
    case 'boolean':
      return s === 'true' || s === 'false' ? env.p.add(s === 'true', 'boolean') : null;
    default:
      return null; // a NULL-typed key: `publicKey` releases no value of it
  }
}

/** The condition of one declared key: its converted value is a declared one. */
function keyCondition(env: Env, key: PlanGroupKey, categories: readonly (string | number | boolean)[]): string {
  const typed = compileTyped(env, key.expr);
  const k = keyOutput(env, typed);
  const range = typed.type === 'integer' ? integerRange(categories) : undefined;
  if (range) return `(${k} BETWEEN ${env.p.int(range[0])} AND ${env.p.int(range[1])})`;
  const literals = categories.map((c) => literalOf(env, typed.type, c)).filter((x): x is string => x !== null);
  if (literals.length === 0) return '(1 = 0)';
  const nan = typed.type === 'double' && categories.some((c) => String(c) === 'NaN');
  return nan ? `(${k} IN (${literals.join(', ')}) OR NOT (${k} = ${k}))` : `${k} IN (${literals.join(', ')})`;
}

/**
 * The WHERE condition restricting every declared GROUP BY key to its declared values (module rule), or undefined
 * when no key is declared.
 * @param env - the compile environment of the statement (its parameters receive the literals).
 * @returns the condition's SQL.
 */
export function declaredKeyFilter(env: Env): string | undefined {
  const parts: string[] = [];
  for (const key of env.plan.groupBy) if (key.categories) parts.push(keyCondition(env, key, key.categories));
  return parts.length ? parts.join(' AND ') : undefined;
}

/**
 * Refuses, before the charge, a query whose keys are all declared and whose histograms could return more than
 * MAX_DECLARED_HISTOGRAM_ROWS rows (declared combinations × Σ bins). With an undeclared key the rows are bounded by
 * the rows read only (stop 20's residual), not here.
 * @param plan - the checked plan.
 * @throws DpError UNSUPPORTED_QUERY past the limit.
 */
export function checkDeclaredHistogramRows(plan: QueryPlan): void {
  if (plan.groupBy.length === 0 || plan.groupBy.some((k) => k.categories === null)) return;
  let bins = 0;
  for (const o of plan.outputs)
    if (o.kind === 'aggregate' && o.aggregate.kind === 'quantile') bins += quantileGrid(o.aggregate.measure).bins;
  if (bins === 0) return;
  const combos = plan.groupBy.reduce((n, k) => n * (k.categories?.length ?? 1), 1);
  if (combos * bins > MAX_DECLARED_HISTOGRAM_ROWS) {
    throw new DpError(
      'UNSUPPORTED_QUERY',
      `quantiles over ${combos} declared key combinations need up to ${combos * bins} histogram rows, more than ${MAX_DECLARED_HISTOGRAM_ROWS}; group by fewer declared keys or split the query; nothing was charged`,
      { construct: 'declared keys × quantile bins', hint: 'group by fewer declared keys or split the query' },
    );
  }
}
