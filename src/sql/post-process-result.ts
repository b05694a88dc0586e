/**
 * Post-processing of the noisy values of a DP SQL result: derived outputs
 * (arithmetic over released aggregates and keys) and their intervals, HAVING,
 * ORDER BY, LIMIT/OFFSET, and the projection to the printed columns. Nothing
 * here reads the data: every input is already released, so none of it costs
 * privacy.
 * @module
 */
import type { DpSqlValue } from './dp-sql-types.js';
import type { PlanOutput, PlanPostExpr, QueryPlan } from './plan.js';

/** Evaluates a post-processing expression over one released row (null where undefined, e.g. ÷ 0). */
export function evalPost(e: PlanPostExpr, row: readonly DpSqlValue[]): DpSqlValue {
  switch (e.kind) {
    case 'output':
      return row[e.index] ?? null;
    case 'literal':
      return e.value;
    case 'unary': {
      const a = evalPost(e.arg, row);
      return e.op === '-' ? (typeof a === 'number' ? -a : null) : a === null ? null : !a;
    }
    case 'binary': {
      const a = evalPost(e.left, row);
      const b = evalPost(e.right, row);
      if (e.op === 'AND') return Boolean(a) && Boolean(b);
      if (e.op === 'OR') return Boolean(a) || Boolean(b);
      if (a === null || b === null) return null;
      const x = typeof a === 'number' && typeof b === 'number' ? [a, b] : [String(a), String(b)];
      const [l, r] = x as [number | string, number | string];
      switch (e.op) {
        case '=':
          return l === r;
        case '<>':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
        case '+':
          return Number(a) + Number(b);
        case '-':
          return Number(a) - Number(b);
        case '*':
          return Number(a) * Number(b);
        case '/':
          return Number(b) === 0 ? null : Number(a) / Number(b);
        case '||':
          return `${String(a)}${String(b)}`;
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

type Interval = readonly [number, number];

/**
 * Interval arithmetic over a derived output: the range of the expression when every aggregate
 * it reads lies in its interval (and keys and literals are exact); null where none follows.
 */
export function evalInterval(
  e: PlanPostExpr,
  row: readonly DpSqlValue[],
  ivs: readonly (Interval | null)[],
  plan: QueryPlan,
): Interval | null {
  switch (e.kind) {
    case 'output': {
      if (plan.outputs[e.index]?.kind === 'aggregate') return ivs[e.index] ?? null;
      const v = row[e.index];
      return typeof v === 'number' ? [v, v] : null;
    }
    case 'literal':
      return typeof e.value === 'number' ? [e.value, e.value] : null;
    case 'unary': {
      const a = e.op === '-' ? evalInterval(e.arg, row, ivs, plan) : null;
      return a && [-a[1], -a[0]];
    }
    case 'binary': {
      const a = evalInterval(e.left, row, ivs, plan);
      const b = evalInterval(e.right, row, ivs, plan);
      if (!a || !b) return null;
      const hull = (xs: number[]): Interval | null => (xs.every(Number.isFinite) ? [Math.min(...xs), Math.max(...xs)] : null);
      switch (e.op) {
        case '+':
          return hull([a[0] + b[0], a[1] + b[1]]);
        case '-':
          return hull([a[0] - b[1], a[1] - b[0]]);
        case '*':
          return hull([a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]]);
        case '/':
          if (b[0] <= 0 && b[1] >= 0) return null;
          return hull([a[0] / b[0], a[0] / b[1], a[1] / b[0], a[1] / b[1]]);
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

function compareValues(a: DpSqlValue, b: DpSqlValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** The released table: the rows kept by HAVING, in ORDER BY order, cut by LIMIT/OFFSET, with the printed columns only. */
export interface AssembledResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly DpSqlValue[])[];
  readonly intervals: Readonly<Record<string, readonly ([number, number] | null)[]>>;
}

/**
 * Applies HAVING, ORDER BY and LIMIT/OFFSET to released rows and keeps the printed columns.
 * @param plan - the plan (outputs, having, orderBy, limit, offset).
 * @param outRows - one released row per group, one cell per plan output.
 * @param outIntervals - the matching intervals.
 * @returns the columns, rows and intervals to release.
 * @privacy post-processing of released values only.
 */
export function assembleResult(
  plan: QueryPlan,
  outRows: readonly (readonly DpSqlValue[])[],
  outIntervals: readonly (readonly ([number, number] | null)[])[],
): AssembledResult {
  let order = outRows.map((_, i) => i);
  const having = plan.having;
  if (having) order = order.filter((i) => evalPost(having, outRows[i] as DpSqlValue[]) === true);
  if (plan.orderBy.length > 0) {
    order.sort((a, b) => {
      for (const ob of plan.orderBy) {
        const c = compareValues((outRows[a] as DpSqlValue[])[ob.output] ?? null, (outRows[b] as DpSqlValue[])[ob.output] ?? null);
        if (c !== 0) return ob.descending ? -c : c;
      }
      return 0;
    });
  }
  order = order.slice(plan.offset, plan.limit === null ? undefined : plan.offset + plan.limit);
  // Hidden aggregates (used only by derived outputs, HAVING or ORDER BY) are released and charged but not printed.
  const visible = plan.outputs.flatMap((o, j) => (o.kind === 'aggregate' && o.hidden ? [] : [j]));
  const columns = visible.map((j) => (plan.outputs[j] as PlanOutput).name);
  const intervals: Record<string, ([number, number] | null)[]> = {};
  for (const j of visible) {
    const o = plan.outputs[j] as PlanOutput;
    // A derived output has an interval when every aggregate it reads is hidden.
    if (o.kind === 'aggregate' || o.kind === 'derived')
      intervals[o.name] = order.map((i) => (outIntervals[i] as ([number, number] | null)[])[j] ?? null);
  }
  return { columns, rows: order.map((i) => visible.map((j) => (outRows[i] as DpSqlValue[])[j] ?? null)), intervals };
}
