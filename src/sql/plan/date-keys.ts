/**
 * The public keys of `year(d)` and `date_trunc(unit, d)` on a date column that declares its range (`lower`/`upper`
 * as dates in the schema, issue 11): every year, or every truncated date, from the range's first to its last —
 * enumerated from the schema alone, so the GROUP BY's keys are declared (all released, even empty ones; no δ for
 * partition selection). A date outside the declared range falls in no released group (its key is not declared).
 * @module
 */
import type { PlanExpr } from '../plan.js';
import type { SqlColumnSchema } from '../schema.js';

/** A date's parts (proleptic Gregorian, UTC). */
interface Ymd {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

function parse(iso: string): Ymd {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return { y, m, d };
}

/** A number ordering dates as the calendar does. */
function ordinal({ y, m, d }: Ymd): number {
  return y * 10_000 + m * 100 + d;
}

/** `YYYY-MM-DD`, the form the engines return date keys in (`SqlDialect.dateKey`). */
function show({ y, m, d }: Ymd): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The start of the unit holding `t`. */
function truncate(t: Ymd, unit: string): Ymd {
  switch (unit) {
    case 'year':
      return { y: t.y, m: 1, d: 1 };
    case 'quarter':
      return { y: t.y, m: t.m - ((t.m - 1) % 3), d: 1 };
    case 'month':
      return { y: t.y, m: t.m, d: 1 };
    default:
      return t;
  }
}

/** The start of the unit after the one starting at `t`. */
function next(t: Ymd, unit: string): Ymd {
  const step = unit === 'year' ? 12 : unit === 'quarter' ? 3 : unit === 'month' ? 1 : 0;
  if (step > 0) {
    const months = t.y * 12 + (t.m - 1) + step;
    return { y: Math.floor(months / 12), m: (months % 12) + 1, d: 1 };
  }
  const u = new Date(0);
  u.setUTCFullYear(t.y, t.m - 1, t.d + 1);
  return { y: u.getUTCFullYear(), m: u.getUTCMonth() + 1, d: u.getUTCDate() };
}

/**
 * The declared keys of a GROUP BY expression `year(col)` or `date_trunc(unit, col)` on a date column with a declared
 * range, at most `maxKeys` of them; null for any other expression, an undeclared range or too many keys.
 * @param e - the planned key expression.
 * @param columnOf - the schema column of a column reference (by source index and name).
 * @param maxKeys - the most keys an expression may declare.
 * @returns years as integers, truncated dates as `YYYY-MM-DD` text, in order; or null.
 */
export function dateRangeKeys(
  e: PlanExpr,
  columnOf: (source: number, column: string) => SqlColumnSchema | undefined,
  maxKeys: number,
): (number | string)[] | null {
  if (e.kind !== 'func' || (e.name !== 'year' && e.name !== 'date_trunc')) return null;
  const date = e.args[e.args.length - 1];
  if (date?.kind !== 'column') return null;
  const range = columnOf(date.source, date.column)?.dateRange;
  if (!range) return null;
  const lower = parse(range.lower);
  const upper = parse(range.upper);
  if (e.name === 'year') return upper.y - lower.y < maxKeys ? Array.from({ length: upper.y - lower.y + 1 }, (_, i) => lower.y + i) : null;
  const unit = e.args[0]?.kind === 'literal' && typeof e.args[0].value === 'string' ? e.args[0].value : '';
  const last = ordinal(truncate(upper, unit));
  const keys: string[] = [];
  for (let t = truncate(lower, unit); ordinal(t) <= last; t = next(t, unit)) {
    if (keys.length >= maxKeys) return null;
    keys.push(show(t));
  }
  return keys;
}
