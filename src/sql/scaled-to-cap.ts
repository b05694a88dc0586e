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
 * it twice). Should s ever fall outside ±n·M, the quotient may be one off the floor: a function of that unit's rows
 * alone, clamped after — the bound holds, only the agreement is lost. (ClickHouse's per-unit sums no longer wrap:
 * since stop 22 they are exact, carried as two Int64 halves, test/clickhouse/per-unit-sum-exact.test.ts.)
 *
 * **Totality** (no data-dependent error): the divisor is 2·m with m = n when n > C and m = C + 1 otherwise, so it
 * is ≥ 4 on every row — ClickHouse evaluates both branches of a CASE on every row and raises on a Decimal division
 * by zero (n = 0 for a unit whose values are all NULL). Magnitudes: M ≤ 2³² (the SQL grids: 32 bits for sums and
 * means, squares of 16-bit units; fixed-point-grid.ts) and C < 2³¹ (core/privacy-unit.ts), so B < 2⁶³ (a BIGINT
 * parameter, as in the clamp) and the dividend, at most 2·(|s|·C + m·B) + m ≤ 4·m·B + m, stays below 2¹²⁷
 * (HUGEINT) while a unit has fewer than 2⁶² values in one group; ClickHouse checks B < 2⁶² before the charge and
 * its |s| < 2⁶³, so |dividend| < 2¹²⁶ + 2⁹⁵ + 2⁶⁴ < 10³⁸ (Decimal128) for any count;
 * PostgreSQL's numeric is unbounded.
 *
 * **The 64-bit branch (cost, issue 11).** The wide arithmetic made the weighted statement ~10× slower. A row whose
 * n ≤ ⌊2⁶⁰/B⌋ and |s| ≤ ⌊2⁶⁰/C⌋ (`narrowBounds`, public constants of C and B) computes the same dividend and
 * truncated quotient in BIGINT / Int64: every intermediate is below 5·2⁶⁰ < 2⁶³ there, so it is the same exact
 * integer and the value is the same bit for bit (tested at the boundary, test/sql/scaled-to-cap-exact.test.ts); the
 * choice depends on the unit's own s and n only, and either branch gives the same value, so only time differs.
 * ClickHouse evaluates both branches: its Int64 arithmetic wraps without raising and its divisor is ≥ 4. NULL s (no values) stays NULL in both branches. Tests:
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
  const mOf = (count: string) => `(CASE WHEN ${n} > ${int(c)} THEN ${count} ELSE ${int(c + 1n)} END)`;
  // m = n in the weighted branch; C + 1 elsewhere, so that a branch an engine evaluates anyway never divides by 0.
  const m = d.wideInteger(mOf(n));
  // 2·(s·C + m·B) + m: the constants are C and B themselves (B is already a parameter of the caller's clamp).
  const dividend = `((${sum} * ${int(c)} + ${m} * ${int(bound)}) * ${int(2n)} + ${m})`;
  const wide = `(${d.wideQuotient(dividend, `(${m} * ${int(2n)})`)} - ${int(bound)})`;
  const fast = narrowBounds(c, bound);
  const weighted =
    fast === undefined
      ? wide
      : `(CASE WHEN ${fastRow(int, s, n, fast)} THEN ${d.wideInteger(narrowWeighted(d, int, s, mOf(n), c, bound))} ELSE ${wide} END)`;
  return `(CASE WHEN ${n} > ${int(c)} THEN ${weighted} ELSE ${sum} END)`;
}

/** 2⁶⁰: each of |s|·C, m·B and m stays within it on a row of the 64-bit branch (`narrowBounds`). */
const NARROW_TERM = 2n ** 60n;

/**
 * The per-row bounds under which the weighting is computed in 64-bit integers: |s| ≤ S and n ≤ N give |s·C| ≤ 2⁶⁰,
 * m·B ≤ 2⁶⁰, m ≤ 2⁶⁰, so every intermediate of 2·(s·C + m·B) + m is below 5·2⁶⁰ < 2⁶³ (no overflow, no wrap).
 * @returns undefined when no unit with n > C can meet them (B > 2⁶⁰ / (C + 1)): the wide branch only.
 */
function narrowBounds(c: bigint, bound: bigint): { S: bigint; N: bigint } | undefined {
  const N = bound > 0n ? NARROW_TERM / bound : NARROW_TERM;
  return N > c ? { S: NARROW_TERM / c, N } : undefined;
}

/** The row condition of the 64-bit branch (a comparison of s and n only; NULL s falls to the wide branch, NULL there too). */
function fastRow(int: (v: bigint) => string, s: string, n: string, { S, N }: { S: bigint; N: bigint }): string {
  return `(${n} <= ${int(N)} AND ${s} BETWEEN ${int(-S)} AND ${int(S)})`;
}

/**
 * The same dividend and truncated quotient as the wide branch, in the dialect's 64-bit integer: on the rows of
 * `fastRow` every intermediate is the exact integer, so both branches give the same value. An engine that evaluates
 * both branches on every row (ClickHouse) computes this one on other rows too: 64-bit arithmetic wraps there and
 * the divisor is ≥ 4, so it never raises; that value is not chosen.
 */
function narrowWeighted(d: SqlDialect, int: (v: bigint) => string, s: string, m: string, c: bigint, bound: bigint): string {
  const sum = d.narrowInteger(s);
  const mm = d.narrowInteger(m);
  const dividend = `((${sum} * ${int(c)} + ${mm} * ${int(bound)}) * ${int(2n)} + ${mm})`;
  return `(${d.narrowQuotient(dividend, `(${mm} * ${int(2n)})`)} - ${int(bound)})`;
}
