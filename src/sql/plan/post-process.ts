/**
 * Post-processing over the noisy outputs: derived outputs (arithmetic over
 * aggregates and keys), HAVING, ORDER BY and LIMIT/OFFSET. An aggregate named
 * only here, not as a SELECT output, becomes a hidden output: released with
 * noise and charged like the others, but not printed.
 * @module
 */
import { assertNever, DpError } from '../../core/errors.js';
import { type CstNode, child, identifierName, keywordText, listItems } from '../_internal/cst.js';
import type { PlanGroupKey, PlanOutput, PlanPostExpr } from '../plan.js';
import { AGGREGATES } from './aggregate-names.js';
import { aggregate } from './aggregates.js';
import { type Ctx, funcName, refuse, resolveColumn, sameExpr, sourceText } from './context.js';
import { BINARY_OPS, numberLiteral } from './expressions.js';
import type { DerivedItem } from './outputs.js';

/** The aggregate outputs (indices into `outputs`) a post-processing expression reads. */
export function aggregatesIn(e: PlanPostExpr, outputs: readonly PlanOutput[]): Set<number> {
  switch (e.kind) {
    case 'output':
      return outputs[e.index]?.kind === 'aggregate' ? new Set([e.index]) : new Set();
    case 'literal':
      return new Set();
    case 'unary':
      return aggregatesIn(e.arg, outputs);
    case 'binary':
      return new Set([...aggregatesIn(e.left, outputs), ...aggregatesIn(e.right, outputs)]);
    default:
      return assertNever(e, 'post-processing expression');
  }
}

/** The post-processing clauses of a plan. */
export interface PostProcessing {
  readonly having: PlanPostExpr | null;
  readonly orderBy: { readonly output: number; readonly descending: boolean }[];
  readonly limit: number | null;
  readonly offset: number;
}

/**
 * Plans derived outputs (in place in `outputs`), HAVING, ORDER BY and LIMIT/OFFSET.
 * @param clauses - the statement's clauses by CST type.
 * @throws DpError UNSUPPORTED_QUERY for a construct off the post-processing allow-list.
 */
export function readPostProcessing(
  ctx: Ctx,
  clauses: ReadonlyMap<string, CstNode>,
  outputs: PlanOutput[],
  derivedItems: readonly DerivedItem[],
  groupBy: readonly PlanGroupKey[],
  rowLevel: boolean,
): PostProcessing {
  const byType = clauses;
  // Post-processing over the noisy outputs: derived outputs, HAVING, ORDER BY. An aggregate they name that is not
  // a SELECT output becomes a hidden output: released with noise and charged like the others, but not printed.
  const outputRef = (n: CstNode): number => {
    if (n.type === 'identifier') {
      const name = identifierName(n);
      const byName = outputs.findIndex((o) => o.name === name);
      if (byName >= 0) return byName;
    }
    if (n.type === 'identifier' || n.type === 'member_expr') {
      const col = resolveColumn(ctx, n);
      const i = outputs.findIndex((o) => {
        const key = o.kind === 'key' ? groupBy[o.key] : undefined;
        return key !== undefined && sameExpr(key.expr, col);
      });
      if (i >= 0) return i;
      return refuse(ctx, n, `the column "${col.column}" after GROUP BY`, 'refer to an output of the SELECT list');
    }
    if (n.type === 'func_call' && AGGREGATES.has(funcName(n))) {
      const agg = aggregate(ctx, n, rowLevel);
      const i = outputs.findIndex((o) => o.kind === 'aggregate' && JSON.stringify(o.aggregate) === JSON.stringify(agg));
      if (i >= 0) return i;
      const label = (sourceText(ctx, n) || funcName(n)).toLowerCase();
      outputs.push({ kind: 'aggregate', name: label, aggregate: agg, hidden: true });
      return outputs.length - 1;
    }
    return -1;
  };
  let clause = 'HAVING';
  const post = (n: CstNode): PlanPostExpr => {
    const ref = outputRef(n);
    if (ref >= 0 && clause === 'an output expression' && outputs[ref]?.kind === 'derived')
      return refuse(ctx, n, `the output "${outputs[ref]?.name}" inside another output expression`, 'repeat its expression instead');
    if (ref >= 0) return { kind: 'output', index: ref };
    switch (n.type) {
      case 'number_literal':
        return { kind: 'literal', value: Number(n.value) };
      case 'string_literal':
        return { kind: 'literal', value: String(n.value) };
      case 'boolean_literal':
        return { kind: 'literal', value: Boolean(n.value) };
      case 'paren_expr': {
        const e = child(n, 'expr');
        if (!e) return refuse(ctx, n, 'empty parentheses', 'remove them');
        return post(e);
      }
      case 'prefix_op_expr': {
        const op = keywordText(n.operator);
        const e = child(n, 'expr');
        if (!e || (op !== '-' && op !== 'NOT'))
          return refuse(ctx, n, `the operator ${op} in ${clause}`, 'use arithmetic, comparisons, AND/OR/NOT');
        return { kind: 'unary', op, arg: post(e) };
      }
      case 'binary_expr': {
        const op = BINARY_OPS[keywordText(n.operator)];
        const l = child(n, 'left');
        const r = child(n, 'right');
        if (!op || !l || !r || op.includes('LIKE'))
          return refuse(ctx, n, `the operator ${keywordText(n.operator)} in ${clause}`, 'use arithmetic, comparisons, AND/OR/NOT');
        return { kind: 'binary', op, left: post(l), right: post(r) };
      }
      default:
        return refuse(
          ctx,
          n,
          `the expression ${n.type.replace(/_/g, ' ')} in ${clause}`,
          'use outputs, aggregates, group keys, literals, arithmetic and comparisons',
        );
    }
  };
  clause = 'an output expression';
  for (const d of derivedItems) {
    const expr = post(d.node);
    const placeholder = outputs[d.index];
    if (placeholder === undefined) throw new DpError('INTERNAL', 'a derived item without its placeholder output');
    const name = placeholder.name;
    if (aggregatesIn(expr, outputs).size === 0)
      return refuse(
        ctx,
        d.node,
        `the output expression "${name}" without an aggregate`,
        'compute it from DP aggregates such as SUM(x) / COUNT(*)',
      );
    outputs[d.index] = { kind: 'derived', name, expr };
  }
  clause = 'HAVING';
  const havingClause = byType.get('having_clause');
  const havingNode = havingClause ? child(havingClause, 'expr') : undefined;
  const having = havingNode ? post(havingNode) : null;

  const orderBy: { output: number; descending: boolean }[] = [];
  const orderClause = byType.get('order_by_clause');
  for (const spec of listItems(orderClause ? child(orderClause, 'specifications') : undefined)) {
    const e = spec.type === 'sort_specification' ? child(spec, 'expr') : spec;
    if (!e) return refuse(ctx, spec, 'ORDER BY', 'order by an output');
    let index: number;
    if (e.type === 'number_literal') {
      index = Number(e.value) - 1;
      if (!Number.isInteger(index) || index < 0 || index >= outputs.length)
        return refuse(ctx, e, `ORDER BY ${e.value}`, 'give the position of a SELECT column');
    } else {
      index = outputRef(e);
      if (index < 0) return refuse(ctx, e, `ORDER BY ${e.type.replace(/_/g, ' ')}`, 'order by an output name, position or group key');
    }
    const dir = spec.type === 'sort_specification' ? child(spec, 'direction') : undefined;
    if (spec.type === 'sort_specification' && spec.nulls) return refuse(ctx, spec, 'NULLS FIRST/LAST', 'remove it');
    orderBy.push({ output: index, descending: dir?.type === 'sort_direction_desc' });
  }
  let limit: number | null = null;
  let offset = 0;
  const limitClause = byType.get('limit_clause');
  if (limitClause) {
    const count = child(limitClause, 'count');
    if (count) {
      limit = numberLiteral(ctx, count, 'LIMIT');
      if (!Number.isSafeInteger(limit) || limit < 0) return refuse(ctx, count, 'LIMIT', 'give a non-negative integer');
    }
    const off = child(limitClause, 'offset');
    if (off) {
      offset = numberLiteral(ctx, off, 'OFFSET');
      if (!Number.isSafeInteger(offset) || offset < 0) return refuse(ctx, off, 'OFFSET', 'give a non-negative integer');
    }
  }
  return { having, orderBy, limit, offset };
}
