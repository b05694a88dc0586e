/**
 * Names first: before any clause is planned, every column reference of the
 * SELECT list, WHERE, GROUP BY, HAVING and ORDER BY is resolved in text order,
 * so that a misspelt name is reported as unknown at its first occurrence in
 * the text (`educaton` at 1:8), with a did-you-mean — rather than at whichever
 * clause the checker happens to plan first, or as "not supported". A function
 * name within a small edit distance of an allow-listed one is reported the same
 * way (`cout(*)`: did you mean "count"?).
 * @module
 */
import { type CstNode, child, identifierName, isNode, listItems } from '../_internal/cst.js';
import { AGGREGATES } from './aggregate-names.js';
import { type Ctx, funcName, refuseUnknown, resolveColumn, tableOf } from './context.js';
import { DANGEROUS, FUNCTIONS } from './expressions.js';
import { closestNames } from './suggest.js';

/** Fields whose identifiers are not column references (aliases, function names, type names, units). */
const SKIPPED_FIELDS = new Set(['alias', 'name', 'dataType', 'unit', 'range', 'over', 'filter']);

/** Collects the column references (identifiers and qualified names) under `node`, skipping nested SELECTs. */
function columnRefs(node: unknown, out: CstNode[]): void {
  if (Array.isArray(node)) {
    for (const x of node) columnRefs(x, out);
    return;
  }
  if (!isNode(node) || node.type === 'select_stmt' || node.type === 'compound_select_stmt' || node.type === 'keyword') return;
  if (node.type === 'identifier' || node.type === 'member_expr') {
    out.push(node);
    return;
  }
  if (node.type === 'func_call') out.push(node);
  for (const [field, value] of Object.entries(node)) {
    if (SKIPPED_FIELDS.has(field)) continue;
    if (node.type === 'cast_operator_expr' && field === 'right') continue;
    columnRefs(value, out);
  }
}

/**
 * Resolves every column reference of `clauses` (by CST type) in text order.
 * @throws DpError UNSUPPORTED_QUERY "unknown column" / "unknown table or alias" at the first unknown one.
 */
export function checkNames(ctx: Ctx, clauses: ReadonlyMap<string, CstNode>): void {
  const select = clauses.get('select_clause');
  const aliases = new Set(
    listItems(select ? child(select, 'columns') : undefined).flatMap((item) => {
      const a = item.type === 'alias' ? child(item, 'alias') : undefined;
      return a ? [identifierName(a)] : [];
    }),
  );
  const refs: CstNode[] = [];
  for (const type of ['select_clause', 'where_clause', 'group_by_clause', 'having_clause', 'order_by_clause']) {
    const clause = clauses.get(type);
    if (clause) columnRefs(clause, refs);
  }
  refs.sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0));
  for (const ref of refs) {
    if (ref.type === 'func_call') {
      const name = funcName(ref);
      if (name in FUNCTIONS || AGGREGATES.has(name) || DANGEROUS.test(name)) continue;
      // Only a near miss of a known name is "unknown"; other SQL functions are "not supported" by the checker.
      const known = [...Object.keys(FUNCTIONS), ...AGGREGATES];
      if (closestNames(name, known).length > 0) refuseUnknown(ctx, child(ref, 'name'), 'function', name, known);
      continue;
    }
    if (ref.type === 'identifier') {
      const name = identifierName(ref);
      // An output alias (GROUP BY / HAVING / ORDER BY may name one), or a column of some source: known.
      if (aliases.has(name) || ctx.sources.some((_, i) => tableOf(ctx, i).columns.has(name))) continue;
    }
    if (ref.type === 'member_expr') {
      const obj = child(ref, 'object');
      const prop = child(ref, 'property');
      // Shapes other than alias.column are refused by the checker with their own message.
      if (obj?.type !== 'identifier' || prop?.type !== 'identifier') continue;
    }
    resolveColumn(ctx, ref);
  }
}
