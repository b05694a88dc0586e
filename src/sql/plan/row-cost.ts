/**
 * Per-row cost: every accepted row expression is evaluated in time bounded by a
 * small constant times the size of the row it reads, and produces values no
 * longer than that (issue 10, item 14, the planner's part; the statement
 * timeout and latency padding are the engine runner's). A query whose running
 * time can blow up on some rows is a denial of service and a membership oracle
 * (`WHERE id = 42 AND (note || note) LIKE '%_%_%_%_%#'` ran for seconds only
 * when row 42 existed). The rule:
 *
 * 1. **Patterns.** `LIKE`/`ILIKE` (and `NOT`) take a text literal of at most
 *    `MAX_LIKE_PATTERN_LENGTH` characters, with `%` only as its first and/or
 *    last character (exact, prefix `abc%`, suffix `%abc` and contains
 *    `%abc%` matches; `_` anywhere) and no backslash (PostgreSQL reads it as
 *    an escape, DuckDB does not, and a trailing one is a row-dependent error).
 *    Such a pattern is matched in O(n·m) for a value of length n and a pattern
 *    of length m ≤ 64 even by a backtracking matcher: at most one `%` position
 *    is searched (the other `%` is at an end, where it matches the rest
 *    whatever it is). Patterns with inner `%`s can cost O(n^k) in a
 *    backtracking matcher. `SIMILAR TO`, regular expressions (`~`, `regexp_*`)
 *    and `ESCAPE` are not on the allow-list.
 * 2. **No growth.** A `||` concatenation has at most one operand that depends
 *    on the row (`'id-' || code || '-x'` is fine; `note || note` is refused):
 *    by induction every text value is at most one column's value, up to the
 *    constant factor of `lower`/`upper`, plus the query's own literals.
 *    `repeat`, `lpad`, `rpad`, `replace`, `concat` and the like are not on the
 *    allow-list.
 * 3. Everything else on the allow-list costs O(its inputs) per row: arithmetic,
 *    comparisons, `CASE`, `CAST`, `IN` lists (bounded by the query's size),
 *    `lower`/`upper`/`trim`/`length`, `coalesce`/`nullif`/`least`/`greatest`.
 *    The query's own size is bounded (`_internal/parse.ts`,
 *    `MAX_EXPANDED_SIZE`), so per-row time is O(row size × query size).
 * @module
 */
import type { PlanExpr } from '../plan.js';

/** Most characters of a LIKE/ILIKE pattern. */
export const MAX_LIKE_PATTERN_LENGTH = 64;

/** Why a LIKE pattern is refused (see rule 1), or null when it is accepted. */
export function likePatternProblem(pattern: string): string | null {
  if (pattern.includes('\\')) return 'a pattern may not contain a backslash (the engines disagree on escapes)';
  if (pattern.length > MAX_LIKE_PATTERN_LENGTH) return `a pattern may have at most ${MAX_LIKE_PATTERN_LENGTH} characters`;
  const inner = pattern.slice(1, -1);
  if (inner.includes('%'))
    return "% may appear only as the first or last character (exact, prefix 'abc%', suffix '%abc' or contains '%abc%' patterns)";
  return null;
}

/** True when `e` reads no column (its value is the same on every row). */
export function isRowIndependent(e: PlanExpr): boolean {
  switch (e.kind) {
    case 'column':
      return false;
    case 'literal':
      return true;
    case 'unary':
    case 'cast':
    case 'isNull':
      return isRowIndependent(e.arg);
    case 'binary':
      return isRowIndependent(e.left) && isRowIndependent(e.right);
    case 'in':
      return isRowIndependent(e.arg) && e.list.every(isRowIndependent);
    case 'between':
      return isRowIndependent(e.arg) && isRowIndependent(e.low) && isRowIndependent(e.high);
    case 'case':
      return (
        e.whens.every((w) => isRowIndependent(w.condition) && isRowIndependent(w.result)) &&
        (e.otherwise === null || isRowIndependent(e.otherwise))
      );
    case 'func':
      return e.args.every(isRowIndependent);
    default:
      return false;
  }
}

/** True when `left || right` may grow a value beyond one row value plus constants (rule 2). */
export function concatenationGrows(left: PlanExpr, right: PlanExpr): boolean {
  return !isRowIndependent(left) && !isRowIndependent(right);
}
