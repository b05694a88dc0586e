/**
 * GROUP BY: keys are columns (their declared categories, or DP partition
 * selection) or row expressions (`FLOOR(age / 10) * 10`, a `CASE`, a
 * condition), named by the expression, a SELECT alias or a position. The keys
 * of an expression follow from the schema alone where they can
 * (`expressionCategories`); otherwise they pass DP partition selection.
 * Grouping by the privacy unit is refused.
 * @module
 */
import { type CstNode, identifierName, listItems } from '../_internal/cst.js';
import { intervalOf, isBooleanExpr } from '../_internal/interval.js';
import type { PlanExpr, PlanGroupKey } from '../plan.js';
import { type Ctx, isUnitColumn, refuse, resolveColumn, sameExpr, sourceText, tableOf } from './context.js';
import { dateRangeKeys } from './date-keys.js';
import { columnsOf, scalar } from './expressions.js';

/** One SELECT item: its expression node and its name (the alias when `explicit`). */
export interface SelectItem {
  readonly node: CstNode;
  readonly name: string;
  readonly explicit: boolean;
}

/** The value of a numeric expression of one column at `v`, in double precision as the engines compute it; undefined when not evaluable here. */
function evalAt(e: PlanExpr, v: number): number | undefined {
  switch (e.kind) {
    case 'column':
      return v;
    case 'literal':
      return typeof e.value === 'number' ? e.value : undefined;
    case 'unary': {
      const a = e.op === '-' ? evalAt(e.arg, v) : undefined;
      return a === undefined ? undefined : -a;
    }
    case 'binary': {
      const a = evalAt(e.left, v);
      const b = evalAt(e.right, v);
      if (a === undefined || b === undefined) return undefined;
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return b === 0 ? undefined : a / b;
        default:
          return undefined;
      }
    }
    case 'func': {
      const xs: number[] = [];
      for (const x of e.args) {
        const value = evalAt(x, v);
        if (value === undefined) return undefined;
        xs.push(value);
      }
      const [a] = xs;
      if (a === undefined) return undefined;
      switch (e.name) {
        case 'floor':
          return xs.length === 1 ? Math.floor(a) : undefined;
        case 'ceil':
          return xs.length === 1 ? Math.ceil(a) : undefined;
        case 'abs':
          return Math.abs(a);
        case 'least':
          return Math.min(...xs);
        case 'greatest':
          return Math.max(...xs);
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

/**
 * The exact set of values of an integer-valued expression of one bounded integer column (e.g.
 * FLOOR(age / 10) * 10 over age ∈ [17, 90]: 10, 20, …, 90), from the schema alone; null otherwise.
 */
function integerImage(ctx: Ctx, e: PlanExpr): number[] | null {
  const cols = columnsOf(e);
  const first = cols[0];
  if (!first || cols.some((c) => c.source !== first.source || c.column !== first.column)) return null;
  const spec = tableOf(ctx, first.source).columns.get(first.column);
  if (spec?.type !== 'integer' || spec.lower === undefined || spec.upper === undefined) return null;
  if (!(spec.upper - spec.lower < MAX_EXPRESSION_KEYS)) return null;
  const values = new Set<number>();
  for (let v = Math.ceil(spec.lower); v <= spec.upper; v++) {
    const x = evalAt(e, v);
    if (x === undefined || !Number.isSafeInteger(x)) return null;
    values.add(x === 0 ? 0 : x);
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * Declared keys, distinct as the engine's rows are matched to them: by their text (`keyString` in
 * engine-values.ts reads every engine key through `String`). Keys that are different JavaScript
 * values but the same text (`1` and `'1'`, `true` and `'true'`) would otherwise each read the ONE
 * engine group whose key prints that way, releasing it several times with fresh noise under a
 * charge for one partition (review finding: ε = ∞ by averaging). Rule: every engine group feeds at
 * most one released row, so declared keys are deduplicated by text (first kept) before the budget
 * split counts partitions.
 */
export function distinctAsText<T extends string | number | boolean>(values: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const v of values) {
    const text = String(v);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(v);
  }
  return out;
}

/** The keys 1..n of the date parts with public ranges. */
const DATE_PART_KEYS: Readonly<Record<string, number>> = { quarter: 4, month: 12, day: 31 };

/** Most integer keys a GROUP BY expression may declare from its bounds. */
const MAX_EXPRESSION_KEYS = 1000;

/**
 * Public keys of a GROUP BY expression, from the schema alone: the literal results of a CASE
 * (the NULL group of a CASE without ELSE is not released), true/false for a condition, or every integer within the
 * bounds of an integer-valued expression (at most MAX_EXPRESSION_KEYS); otherwise null (DP
 * partition selection).
 */
function expressionCategories(ctx: Ctx, e: PlanExpr): (string | number | boolean)[] | null {
  if (e.kind === 'case') {
    const results = [...e.whens.map((w) => w.result), ...(e.otherwise ? [e.otherwise] : [])];
    const values: (string | number | boolean)[] = [];
    for (const r of results) if (r.kind === 'literal' && r.value !== null) values.push(r.value);
    if (values.length === results.length) return distinctAsText(values);
  }
  if (isBooleanExpr(e, (src, c) => tableOf(ctx, src).columns.get(c)?.type)) return [true, false];
  // year(d) and date_trunc(unit, d) on a date column with a declared range (issue 11): keys from the range.
  const dated = dateRangeKeys(e, (src, c) => tableOf(ctx, src).columns.get(c), MAX_EXPRESSION_KEYS);
  if (dated) return dated;
  // Date parts other than the year have public ranges (a NULL or infinite date gives NULL, not released).
  if (e.kind === 'func' && e.name in DATE_PART_KEYS) {
    const top = DATE_PART_KEYS[e.name] ?? 0;
    return Array.from({ length: top }, (_, i) => i + 1);
  }
  const image = integerImage(ctx, e);
  if (image) return image;
  const iv = intervalOf(
    e,
    ctx.schema,
    ctx.sources.map((x) => x.table),
  );
  if (iv?.integral && iv.upper - iv.lower < MAX_EXPRESSION_KEYS) {
    return Array.from({ length: iv.upper - iv.lower + 1 }, (_, i) => iv.lower + i);
  }
  return null;
}
/**
 * Reads the GROUP BY list (`columns`: the clause's list node, if any).
 * @throws DpError UNSUPPORTED_QUERY for a key of the privacy unit, a constant, or a bad position.
 */
export function readGroupBy(ctx: Ctx, columns: CstNode | undefined, items: readonly SelectItem[]): PlanGroupKey[] {
  const groupBy: PlanGroupKey[] = [];
  for (const g of listItems(columns)) {
    let target = g;
    let item: SelectItem | undefined;
    if (g.type === 'number_literal') {
      const k = Number(g.value);
      const it = items[k - 1];
      if (!Number.isInteger(k) || !it) return refuse(ctx, g, `GROUP BY ${k}`, 'give the position of a SELECT column');
      target = it.node;
      item = it;
    } else if (g.type === 'identifier') {
      const alias = items.find((it) => it.explicit && it.name === identifierName(g));
      if (alias && !ctx.sources.some((_, i) => tableOf(ctx, i).columns.has(identifierName(g)))) {
        target = alias.node;
        item = alias;
      }
    }
    if (target.type !== 'identifier' && target.type !== 'member_expr') {
      // GROUP BY a row expression (FLOOR(age / 10), a CASE, …): evaluated in the engine like a column.
      const expr = scalar(ctx, target, { where: 'in GROUP BY' });
      if (columnsOf(expr).some((c) => isUnitColumn(ctx, c))) {
        return refuse(
          ctx,
          g,
          'GROUP BY an expression of the privacy unit',
          'results per person are never released; group by other columns',
        );
      }
      if (columnsOf(expr).length === 0) return refuse(ctx, g, 'GROUP BY a constant', 'group by columns or expressions of columns');
      if (groupBy.some((k) => sameExpr(k.expr, expr))) continue;
      const name = item?.explicit ? item.name : sourceText(ctx, target).toLowerCase();
      groupBy.push({ name, expr, categories: expressionCategories(ctx, expr) });
      continue;
    }
    const col = resolveColumn(ctx, target);
    if (isUnitColumn(ctx, col)) {
      return refuse(ctx, g, 'GROUP BY the privacy unit', 'results per person are never released; group by another column');
    }
    if (groupBy.some((k) => sameExpr(k.expr, col))) continue;
    const spec = tableOf(ctx, col.source).columns.get(col.column);
    // A boolean column's two keys are public by its type.
    const categories = spec?.categories ? distinctAsText(spec.categories) : spec?.type === 'boolean' ? [true, false] : null;
    groupBy.push({ name: col.column, expr: col, categories });
  }
  checkReleasedGroups(ctx, columns, groupBy);
  return groupBy;
}

/**
 * Most groups a query with only declared keys may release. Every combination of declared keys is released, even
 * an empty one (SECURITY.md §8), so the rows released are the PRODUCT of the keys' category counts: it is bounded
 * here, from the plan, before anything is charged (a release loop over 10¹⁶ combinations would run after the charge
 * and never return; review finding, issue 10 classes 13/14).
 */
export const MAX_RELEASED_GROUPS = 100_000;

/** Refuses a GROUP BY whose declared key combinations exceed MAX_RELEASED_GROUPS. @throws DpError UNSUPPORTED_QUERY */
function checkReleasedGroups(ctx: Ctx, node: CstNode | undefined, groupBy: readonly PlanGroupKey[]): void {
  // With an undeclared key, DP partition selection releases only groups the engine found: nothing is enumerated.
  if (groupBy.length === 0 || groupBy.some((k) => k.categories === null)) return;
  let product = 1;
  for (const k of groupBy) product *= (k.categories ?? []).length;
  if (product > MAX_RELEASED_GROUPS) {
    refuse(
      ctx,
      node,
      `GROUP BY ${groupBy.length} declared key(s) with ${product} combinations`,
      `a query releases every combination of declared keys, at most ${MAX_RELEASED_GROUPS}; group by fewer keys or split the query`,
    );
  }
}
