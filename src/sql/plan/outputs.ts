/**
 * The SELECT list: each item is a group key (a column or a GROUP BY
 * expression, by equality), a DP aggregate, or an output expression over
 * aggregates (`SUM(x) / COUNT(*)`), planned as post-processing once every
 * plain output is known.
 * @module
 */
import { DpError } from '../../core/errors.js';
import { type CstNode, child, identifierName, listItems } from '../_internal/cst.js';
import type { PlanExpr, PlanGroupKey, PlanOutput } from '../plan.js';
import { AGGREGATES } from './aggregate-names.js';
import { aggregate } from './aggregates.js';
import { type Ctx, funcName, refuse, refuseWindow, resolveColumn, sameExpr, sourceText } from './context.js';
import { scalar } from './expressions.js';
import type { SelectItem } from './group-by.js';

/** A SELECT item planned later as post-processing: its position in `outputs` and its expression. */
export interface DerivedItem {
  readonly index: number;
  readonly node: CstNode;
}

/**
 * Reads the items of the SELECT clause (names first, for GROUP BY aliases and ordinals).
 * @throws DpError UNSUPPORTED_QUERY for an empty list or an alias without expression.
 */
export function readSelectItems(ctx: Ctx, select: CstNode): SelectItem[] {
  const items: SelectItem[] = listItems(child(select, 'columns')).map((item) => {
    if (item.type === 'alias') {
      const e = child(item, 'expr');
      const a = child(item, 'alias');
      if (!e || !a) return refuse(ctx, item, 'an alias', 'write expr AS name');
      return { node: e, name: identifierName(a), explicit: true };
    }
    return { node: item, name: '', explicit: false };
  });
  if (items.length === 0) return refuse(ctx, select, 'an empty SELECT list', 'name the aggregates to release');
  return items;
}

/**
 * Plans the outputs of the SELECT list; derived outputs get a placeholder, filled by post-processing.
 * @throws DpError UNSUPPORTED_QUERY for raw columns, windows, duplicate names, or no aggregate.
 */
export function readOutputs(
  ctx: Ctx,
  select: CstNode,
  items: readonly SelectItem[],
  groupBy: readonly PlanGroupKey[],
  rowLevel: boolean,
): { outputs: PlanOutput[]; derivedItems: DerivedItem[] } {
  // A SELECT item that is a GROUP BY expression (the same expression, or named by its alias or position).
  const expressionKeyOf = (node: CstNode): number => {
    if (!groupBy.some((k) => k.expr.kind !== 'column') || node.type === 'identifier' || node.type === 'member_expr') return -1;
    let expr: PlanExpr;
    try {
      expr = scalar(ctx, node, { where: 'in a SELECT output' });
    } catch (e) {
      // Not a row expression (it holds an aggregate, say): an output expression, planned below.
      if (e instanceof DpError && e.code === 'UNSUPPORTED_QUERY') return -1;
      throw e;
    }
    return groupBy.findIndex((k) => sameExpr(k.expr, expr));
  };
  const outputs: PlanOutput[] = [];
  // Output expressions over aggregates (e.g. SUM(x) / COUNT(*)), planned once every plain output is known.
  const derivedItems: DerivedItem[] = [];
  for (const it of items) {
    const node = it.node;
    if (node.type === 'func_call' && AGGREGATES.has(funcName(node))) {
      const agg = aggregate(ctx, node, rowLevel);
      const label = it.explicit ? it.name : (sourceText(ctx, node) || funcName(node)).toLowerCase();
      outputs.push({ kind: 'aggregate', name: label, aggregate: agg });
      continue;
    }
    if (node.type === 'all_columns')
      return refuse(ctx, node, 'SELECT *', 'name the group keys and aggregates to release; raw rows are never released');
    if (node.type === 'identifier' || node.type === 'member_expr') {
      const col = resolveColumn(ctx, node);
      const key = groupBy.findIndex((k) => sameExpr(k.expr, col));
      if (key < 0) {
        return refuse(ctx, node, `the raw column "${col.column}" in the output`, 'aggregate it (COUNT, SUM, AVG, …) or add it to GROUP BY');
      }
      outputs.push({ kind: 'key', name: it.explicit ? it.name : col.column, key });
      continue;
    }
    if (node.type === 'func_call' && node.over) return refuseWindow(ctx, node, funcName(node));
    const exprKey = expressionKeyOf(node);
    const exprGroup = groupBy[exprKey];
    if (exprGroup !== undefined) {
      outputs.push({ kind: 'key', name: it.explicit ? it.name : exprGroup.name, key: exprKey });
      continue;
    }
    if (['binary_expr', 'paren_expr', 'prefix_op_expr'].includes(node.type)) {
      const label = it.explicit ? it.name : sourceText(ctx, node).toLowerCase();
      derivedItems.push({ index: outputs.length, node });
      outputs.push({ kind: 'derived', name: label, expr: { kind: 'literal', value: null } });
      continue;
    }
    return refuse(
      ctx,
      node,
      `the output expression ${node.type.replace(/_/g, ' ')}`,
      'output group-key columns, DP aggregates, and arithmetic (+ - * /) over them',
    );
  }
  const names = new Set<string>();
  for (const o of outputs) {
    if (names.has(o.name)) return refuse(ctx, select, `the duplicate output name "${o.name}"`, 'give each output a distinct alias with AS');
    names.add(o.name);
  }
  if (!outputs.some((o) => o.kind === 'aggregate' || o.kind === 'derived'))
    return refuse(ctx, select, 'a SELECT without aggregates', 'add an aggregate such as COUNT(*)');
  return { outputs, derivedItems };
}
