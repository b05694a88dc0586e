/**
 * The weighting of a unit's sum to C values (`scaledToCap`), in exact integer arithmetic on every dialect.
 *
 * A unit with n values in one group and sum s of their grid units adds s when n ≤ C, else s·C/n rounded to the
 * nearest integer, ties up: ⌊s·C/n + ½⌋ = ⌊(2·s·C + n) / (2·n)⌋ — C times its mean there (compile.proof.md
 * "Contribution bounding"). The caller clamps the result to ±C·M as before; the weighting only chooses which
 * value in that range the unit adds, from that unit's own rows.
 *
 * **Rule (review3, stop 19: the engines disagreed at ≥ 10¹⁵ grid units).** The weighted sum is computed in the
 * dialect's wide integer type only — DuckDB HUGEINT, PostgreSQL numeric, ClickHouse Decimal128(0) — with one
 * division, truncated toward zero (`SqlDialect.wideQuotient`: DuckDB `//`, PostgreSQL `div`, ClickHouse's Decimal
 * `/`). No double, no float → numeric cast: the same integer on every engine and in the BigInt reference
 * (test/sql/scaled-to-cap-reference.ts). Before, FLOOR(CAST(s AS DOUBLE)·C/n + ½) rounded s and s·C in double
 * (DuckDB's HUGEINT → DOUBLE is not correctly rounded below −2⁵³) and PostgreSQL's float8 → numeric kept 15 digits.
 *
 * **Floor by an offset.** A truncated quotient is the floor only for a non-negative dividend, so the dividend is
 * shifted by B whole divisors, B = C·M the caller's clamp bound (M: the per-row bound, every row's units in
 * [−M, M]): ⌊(2·s·C + m) / (2·m)⌋ = ⌊(2·(s·C + m·B) + m) / (2·m)⌋ − B, and s ≥ −n·M gives a dividend ≥ n > 0.
 * One quotient, s and m written once each (the statement's text and work stay small: the clamp around it writes
 * it twice). Where s is not within ±n·M (ClickHouse's per-unit `sum(Int64)` wrapping past 2²² rows of one unit in
 * one group, the compiler's header) the quotient may be one off the floor: a function of that unit's rows alone,
 * clamped after — the bound holds, only the agreement is lost there, as it already was through the wrap.
 *
 * **Totality** (no data-dependent error): the divisor is 2·m with m = n when n > C and m = C + 1 otherwise, so it
 * is ≥ 4 on every row — ClickHouse evaluates both branches of a CASE on every row and raises on a Decimal division
 * by zero (n = 0 for a unit whose values are all NULL). Magnitudes: M ≤ 2³² (the SQL grids: 32 bits for sums and
 * means, squares of 16-bit units; fixed-point-grid.ts) and C < 2³¹ (core/privacy-unit.ts), so B < 2⁶³ (a BIGINT
 * parameter, as in the clamp) and the dividend, at most 2·(|s|·C + m·B) + m ≤ 4·m·B + m, stays below 2¹²⁷
 * (HUGEINT) while a unit has fewer than 2⁶² values in one group; ClickHouse checks B < 2⁶² before the charge and
 * its |s| < 2⁶³, so |dividend| < 2¹²⁶ + 2⁹⁵ + 2⁶⁴ < 10³⁸ (Decimal128) for any count;
 * PostgreSQL's numeric is unbounded. NULL s (no values) stays NULL in both branches. Tests:
 * test/sql/scaled-to-cap-exact.test.ts (generative, every engine, values near the limits),
 * test/review/honest-scaled-cap-rounding.test.ts, test/review/honest-scaled-cap-engines.test.ts.
 * @module
 */
import type { SqlDialect } from './dialect.js';

/**
 * A unit's sum `s` of `n` values in one group, weighted to C values when n > C, as the dialect's wide integer.
 * @param d - the dialect (its wide type and truncated quotient).
 * @param int - writes an integer constant (a bind parameter, or an inlined ClickHouse literal).
 * @param s - the unit's sum of grid units there (an exact integer column; NULL when it has no values).
 * @param n - the unit's count of values there.
 * @param C - maxContributionsPerPartition (≥ 1).
 * @param bound - B = C·M, the clamp bound the caller applies next (M bounds every row's units: |s| ≤ n·M).
 * @returns s when n ≤ C, else ⌊(2·s·C + n) / (2·n)⌋; a wide integer, NULL when s is NULL.
 * @privacy a function of one unit's own rows in one group; the caller's clamp to ±C·M bounds what it adds.
 * @example
 * scaledToCap(duckdbDialect, (v) => params.int(v), '"u3"', '"u4"', 3, 3n * 2n ** 33n);
 */
export function scaledToCap(d: SqlDialect, int: (v: bigint) => string, s: string, n: string, C: number, bound: bigint): string {
  const c = BigInt(C);
  const sum = d.wideInteger(s);
  // m = n in the weighted branch; C + 1 elsewhere, so that a branch an engine evaluates anyway never divides by 0.
  const m = d.wideInteger(`(CASE WHEN ${n} > ${int(c)} THEN ${n} ELSE ${int(c + 1n)} END)`);
  // 2·(s·C + m·B) + m: the constants are C and B themselves (B is already a parameter of the caller's clamp).
  const dividend = `((${sum} * ${int(c)} + ${m} * ${int(bound)}) * ${int(2n)} + ${m})`;
  const weighted = `(${d.wideQuotient(dividend, `(${m} * ${int(2n)})`)} - ${int(bound)})`;
  return `(CASE WHEN ${n} > ${int(c)} THEN ${weighted} ELSE ${sum} END)`;
}
