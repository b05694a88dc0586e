/**
 * FROM and JOIN: the sources of a query (tables declared in the schema, the
 * private one first) and the joins between them. Only `[INNER] JOIN` and
 * `LEFT JOIN` with `ON` or `USING` are read; comma, cross, right and full
 * joins, subqueries and table functions are refused; each join's stability
 * is checked by `join-stability.ts`.
 * @module
 */
import { type CstNode, child, identifierName, keywordText, listItems } from '../_internal/cst.js';
import type { PlanExpr, PlanJoin, PlanSource } from '../plan.js';
import { type Ctx, funcName, refuse, refuseUnknown, resolveColumn, tableOf } from './context.js';
import { scalar } from './expressions.js';
import { checkJoinStability } from './join-stability.js';

function readSource(ctx: Ctx, node: CstNode): PlanSource {
  let tableNode = node;
  let alias: string | undefined;
  if (node.type === 'alias') {
    const e = child(node, 'expr');
    const a = child(node, 'alias');
    if (!e || !a) return refuse(ctx, node, 'an alias', 'write table AS alias');
    tableNode = e;
    alias = identifierName(a);
  }
  if (tableNode.type === 'func_call') {
    return refuse(
      ctx,
      tableNode,
      `the table function ${funcName(tableNode)}()`,
      'file, system and table functions are refused; query a table declared in the schema',
    );
  }
  if (tableNode.type === 'paren_expr') return refuse(ctx, tableNode, 'a subquery in FROM', 'query a table declared in the schema');
  if (tableNode.type === 'member_expr')
    return refuse(ctx, tableNode, 'a schema-qualified table', 'name a table declared in the schema, without schema prefix');
  if (tableNode.type !== 'identifier')
    return refuse(ctx, tableNode, `the FROM item ${tableNode.type.replace(/_/g, ' ')}`, 'name a table declared in the schema');
  const table = identifierName(tableNode);
  const t = ctx.schema.tables.get(table);
  if (!t) return refuseUnknown(ctx, tableNode, 'table', table, [...ctx.schema.tables.keys()], ' in the schema');
  const a = alias ?? table;
  if (ctx.sources.some((s) => s.alias === a))
    return refuse(ctx, tableNode, `the repeated table or alias "${a}"`, 'give each table a distinct alias');
  return { table, alias: a, isPublic: t.isPublic };
}

/**
 * Reads FROM into `ctx.sources` and returns the joins.
 * @throws DpError UNSUPPORTED_QUERY for a source or join off the allow-list.
 */
export function readFrom(ctx: Ctx, node: CstNode | undefined): PlanJoin[] {
  if (!node) return refuse(ctx, undefined, 'a query without FROM', 'select FROM a table declared in the schema');
  const joins: PlanJoin[] = [];
  // Each row of the (private) first table is its own unit when that table declares no privacyUnit.
  const rowLevel = (): boolean => ctx.sources[0] !== undefined && tableOf(ctx, 0).unit.column === null;
  const walk = (n: CstNode): void => {
    if (n.type !== 'join_expr') {
      const source = readSource(ctx, n);
      if (ctx.sources.length === 0 && source.isPublic) {
        refuse(ctx, n, `the public table "${source.alias}" first in FROM`, 'put the private table first and join public tables to it');
      }
      ctx.sources.push(source);
      return;
    }
    const left = child(n, 'left');
    const right = child(n, 'right');
    if (!left || !right) refuse(ctx, n, 'a join', 'write a JOIN b ON …');
    walk(left);
    const op = keywordText(n.operator);
    const type = op === 'JOIN' || op === 'INNER JOIN' ? 'inner' : op === 'LEFT JOIN' || op === 'LEFT OUTER JOIN' ? 'left' : undefined;
    if (!type) {
      refuse(
        ctx,
        n,
        op === ',' ? 'a comma join' : `${op}`,
        'use [INNER] JOIN or LEFT JOIN … ON with an equality; cross, right and full joins are unbounded',
      );
    }
    const index = ctx.sources.length;
    const joined = readSource(ctx, right);
    ctx.sources.push(joined);
    const spec = child(n, 'specification');
    let on: PlanExpr;
    if (spec?.type === 'join_on_specification') {
      const e = child(spec, 'expr');
      if (!e) refuse(ctx, spec, 'ON', 'give a join condition');
      on = scalar(ctx, e, { where: 'in ON' });
    } else if (spec?.type === 'join_using_specification') {
      const p = child(spec, 'expr');
      const cols = listItems(p && p.type === 'paren_expr' ? child(p, 'expr') : p);
      const eqs: PlanExpr[] = cols.map((c) => {
        const name = identifierName(c);
        const r = resolveColumn(ctx, c, joined.alias);
        const prev = ctx.sources.findIndex((_, i) => i < index && tableOf(ctx, i).columns.has(name));
        if (prev < 0) refuse(ctx, c, `USING (${name})`, 'join on a column both tables declare');
        return { kind: 'binary', op: '=', left: { kind: 'column', source: prev, column: name }, right: r };
      });
      if (eqs.length === 0) refuse(ctx, spec, 'USING ()', 'name the join columns');
      on = eqs.reduce((a, b) => ({ kind: 'binary', op: 'AND', left: a, right: b }));
    } else refuse(ctx, n, 'a join without ON', 'join ON an equality of columns');
    const join: PlanJoin = { source: index, type, on, kind: joined.isPublic ? 'public' : 'unit' };
    checkJoinStability(ctx, join, right, rowLevel());
    joins.push(join);
  };
  walk(node);
  return joins;
}
