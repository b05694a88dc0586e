/**
 * Text size limits of the compiled SQL (review S59, class 11: a public cause of failure found only after the charge).
 *
 * PostgreSQL refuses any one allocation above 1 GB − 1 (MaxAllocSize), whatever its settings: `upper`/`lower` of a
 * text under a non-C collation widen it to 4 bytes per input byte, `||` builds its result in one allocation, the
 * regular expressions (the blank-unit guard) widen the text to 4-byte characters, the salted order concatenates the
 * unit and every key (`concat_ws`), and a result row is one message. So one person's long text (≥ 256 MB, or 64 MB
 * through `UPPER(v||v||v||v)`) failed every charged query that applied such a function to it.
 *
 * **Rule.** Every text the compiled SQL computes is bounded by a public size, decided by the query alone:
 * 1. A text column is read as NULL when its value has more than `MAX_TEXT_VALUE_BYTES` (1 MiB) bytes — on DuckDB and
 *    PostgreSQL (compile-expr.ts, the `column` form; `SqlDialect.textBytes`). Record-local: a row's own value decides,
 *    the same way in every query, so it is a per-row transformation (stability unchanged), like the date functions'
 *    years 1–9999.
 * 2. Each expression node has a static byte bound (`textBytesBound`): a text column `MAX_TEXT_VALUE_BYTES`, a literal
 *    its UTF-8 length, `a || b` the sum, `upper`/`lower` three times their argument's (a case mapping turns one code
 *    point of ≥ 2 bytes into at most three of ≤ 2 bytes each — U+0390 → U+0399 U+0308 U+0301 — and an ASCII byte
 *    into at most 2 bytes), `trim` and CAST to text of a text their argument's, CASE/COALESCE/NULLIF/LEAST/GREATEST
 *    the largest operand's, anything else converted to text `SHORT_TEXT_BYTES`. A query with a node above
 *    `MAX_TEXT_EXPRESSION_BYTES` (64 MiB) is refused UNSUPPORTED_QUERY at compile time, before the charge.
 * 3. The unit and group keys together (the salted order's `concat_ws`, the result row) are refused above
 *    `MAX_KEY_TEXT_BYTES` (256 MiB), summing their bounds.
 * Then the widest PostgreSQL allocation the SQL can ask for is 4 × 64 MiB (a 4-byte widening of an admitted text;
 * glibc's `strxfrm` for sorting stays under 6 ×) or the 256 MiB key concatenation — below 1 GB. DuckDB (strings up to
 * 4 GiB) and ClickHouse 18.16 (no per-value limit; review S59 ran `upperUTF8` of 270 MB and a 540 MB concatenation)
 * have no smaller per-value limit; the static refusal (2, 3) applies on every engine, the column rule (1) on DuckDB
 * and PostgreSQL, whose SQL shares the column form (ClickHouse reads long texts whole: a 2 MB value counts there and
 * reads NULL on the others — a documented difference, not a failure). Memory for many rows is the resource
 * concession of `engines/resource-limits.ts`, not this rule.
 *
 * Tests: test/review/pg-long-text-alloc.test.ts (S59, 270 MB), test/sql/text-bounds.test.ts (generative: random
 * trees of the admitted text functions over values at and past the cap, on DuckDB and PostgreSQL).
 * @module
 */
import { DpError } from '../core/errors.js';
import type { PlanExpr } from './plan.js';

/** The longest text value (bytes) a text column is read as; longer values read as NULL (rule 1). */
export const MAX_TEXT_VALUE_BYTES = 2 ** 20;

/** The largest static byte bound of one compiled text expression (rule 2). */
export const MAX_TEXT_EXPRESSION_BYTES = 2 ** 26;

/** The largest sum of the unit's and the keys' byte bounds (rule 3). */
export const MAX_KEY_TEXT_BYTES = 2 ** 28;

/** A bound on the text of any non-text value (a number, date or boolean written as text: at most ~25 characters). */
export const SHORT_TEXT_BYTES = 64;

/** How many bytes a case mapping can make of one byte of UTF-8 (rule 2). */
const CASE_GROWTH = 3;

function refuse(bytes: number): never {
  throw new DpError(
    'UNSUPPORTED_QUERY',
    `a text expression that may reach ${bytes} bytes is not supported: every text the query computes must stay within ${MAX_TEXT_EXPRESSION_BYTES} bytes (a text column is read up to ${MAX_TEXT_VALUE_BYTES} bytes; || adds, UPPER/LOWER may triple) — nothing was charged`,
    { construct: 'a long text expression', hint: 'concatenate fewer texts or nest fewer UPPER/LOWER' },
  );
}

/**
 * The static bound (bytes) of `e`'s value as text, each node checked against `MAX_TEXT_EXPRESSION_BYTES`.
 * @param e - a planned expression.
 * @param isTextColumn - whether a column reference is a text column.
 * @returns the bound.
 * @throws DpError UNSUPPORTED_QUERY when a node's bound passes `MAX_TEXT_EXPRESSION_BYTES` (rule 2).
 */
export function textBytesBound(e: PlanExpr, isTextColumn: (e: Extract<PlanExpr, { kind: 'column' }>) => boolean): number {
  const bound = (x: PlanExpr): number => textBytesBound(x, isTextColumn);
  const largest = (xs: readonly PlanExpr[]) => xs.reduce((m, x) => Math.max(m, bound(x)), SHORT_TEXT_BYTES);
  let out: number;
  switch (e.kind) {
    case 'column':
      out = isTextColumn(e) ? MAX_TEXT_VALUE_BYTES : SHORT_TEXT_BYTES;
      break;
    case 'literal':
      out = typeof e.value === 'string' ? Math.max(SHORT_TEXT_BYTES, new TextEncoder().encode(e.value).length) : SHORT_TEXT_BYTES;
      break;
    case 'binary':
      // Every operand is checked (a comparison's operands are texts the engine holds too).
      out = e.op === '||' ? bound(e.left) + bound(e.right) : (bound(e.left), bound(e.right), SHORT_TEXT_BYTES);
      break;
    case 'unary':
    case 'isNull':
      bound(e.arg);
      out = SHORT_TEXT_BYTES;
      break;
    case 'in':
      largest([e.arg, ...e.list]);
      out = SHORT_TEXT_BYTES;
      break;
    case 'between':
      largest([e.arg, e.low, e.high]);
      out = SHORT_TEXT_BYTES;
      break;
    case 'case':
      for (const w of e.whens) bound(w.condition);
      out = largest([...e.whens.map((w) => w.result), ...(e.otherwise ? [e.otherwise] : [])]);
      break;
    case 'cast':
      out = e.to === 'varchar' ? bound(e.arg) : (bound(e.arg), SHORT_TEXT_BYTES);
      break;
    case 'func':
      switch (e.name) {
        case 'upper':
        case 'lower':
          out = CASE_GROWTH * largest(e.args);
          break;
        case 'trim':
        case 'coalesce':
        case 'nullif':
        case 'least':
        case 'greatest':
          out = largest(e.args);
          break;
        default:
          largest(e.args);
          out = SHORT_TEXT_BYTES;
      }
      break;
    default: {
      const never: never = e;
      throw new DpError('INTERNAL', `unknown expression ${JSON.stringify(never)}`);
    }
  }
  if (out > MAX_TEXT_EXPRESSION_BYTES) refuse(out);
  return out;
}

/**
 * Rule 3: the unit and the group keys together stay within `MAX_KEY_TEXT_BYTES`.
 * @param exprs - the unit (when there is one) and the group keys.
 * @param isTextColumn - whether a column reference is a text column.
 * @throws DpError UNSUPPORTED_QUERY past the bound (or past rule 2 in one of them).
 */
export function checkKeyTextBytes(exprs: readonly PlanExpr[], isTextColumn: (e: Extract<PlanExpr, { kind: 'column' }>) => boolean): void {
  const total = exprs.reduce((sum, e) => sum + textBytesBound(e, isTextColumn) + 1, 0);
  if (total > MAX_KEY_TEXT_BYTES)
    throw new DpError(
      'UNSUPPORTED_QUERY',
      `group keys whose texts may reach ${total} bytes together are not supported (at most ${MAX_KEY_TEXT_BYTES}) — nothing was charged`,
      { construct: 'long group keys', hint: 'group by fewer text keys' },
    );
}
