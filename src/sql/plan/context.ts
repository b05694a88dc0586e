/**
 * The planning context shared by every step of the checker: the query text
 * (for positions), the schema, and the FROM sources read so far; how a step
 * refuses (a typed `UNSUPPORTED_QUERY` naming the construct and its
 * line:column); and name resolution of columns against the sources.
 * @module
 */
import { DpError } from '../../core/errors.js';
import { type CstNode, child, identifierName, listItems } from '../_internal/cst.js';
import { positionOf, type SqlPosition } from '../_internal/parse.js';
import type { PlanExpr, PlanSource } from '../plan.js';
import type { SqlSchema, SqlTableSchema } from '../schema.js';
import { didYouMean } from './suggest.js';

/** A column reference of a plan. */
export type PlanColumn = Extract<PlanExpr, { kind: 'column' }>;

/** What every planning step reads: the text, the schema and the sources of FROM (in order). */
export interface Ctx {
  readonly text: string;
  readonly schema: SqlSchema;
  readonly sources: PlanSource[];
}

/**
 * Refuses the query at `node`.
 * @throws DpError UNSUPPORTED_QUERY naming `construct`, its line:column and `hint` (always).
 */
export function refuse(ctx: Ctx, node: CstNode | undefined, construct: string, hint: string): never {
  const position: SqlPosition = node?.range ? positionOf(ctx.text, node.range[0]) : { line: 1, column: 1 };
  throw new DpError('UNSUPPORTED_QUERY', `${construct} at ${position.line}:${position.column} is not supported: ${hint}`, {
    construct,
    position,
    hint,
  });
}

/** Most declared names listed in an unknown-name refusal. */
const MAX_LISTED_NAMES = 20;

/**
 * Refuses an unknown name at its own position, with the closest declared names ("did you mean …?") and the
 * declared ones (schema contents are public).
 * @param kind - 'column', 'table', 'function' or 'table or alias'.
 * @param candidates - the names that would be known here.
 * @throws DpError UNSUPPORTED_QUERY (always).
 */
export function refuseUnknown(
  ctx: Ctx,
  node: CstNode | undefined,
  kind: string,
  name: string,
  candidates: readonly string[],
  where = '',
): never {
  const position: SqlPosition = node?.range ? positionOf(ctx.text, node.range[0]) : { line: 1, column: 1 };
  const suggestion = didYouMean(name, candidates);
  const shown = candidates.slice(0, MAX_LISTED_NAMES).join(', ') + (candidates.length > MAX_LISTED_NAMES ? ', …' : '');
  const listing = candidates.length > 0 ? `known ${kind === 'function' ? 'functions' : `${kind}s`}${where}: ${shown}` : '';
  const hint = [suggestion.trim(), listing].filter((x) => x !== '').join(' ');
  throw new DpError(
    'UNSUPPORTED_QUERY',
    `unknown ${kind} "${name}" at ${position.line}:${position.column}:${suggestion}${listing ? ` (${listing})` : ''}`,
    {
      construct: `unknown ${kind} "${name}"`,
      position,
      hint,
    },
  );
}

/** Refuses the window function `name(…) OVER` at `node`. */
export function refuseWindow(ctx: Ctx, node: CstNode, name: string): never {
  return refuse(ctx, node, `the window function ${name}(…) OVER`, 'window functions are not supported; use GROUP BY');
}

/** The query text of `node`, trimmed ('' when it has no range): the default name of an output or group key. */
export function sourceText(ctx: Ctx, node: CstNode): string {
  return ctx.text.slice(node.range?.[0] ?? 0, node.range?.[1] ?? 0).trim();
}

/** The schema of the table behind source `source`. */
export function tableOf(ctx: Ctx, source: number): SqlTableSchema {
  const s = ctx.sources[source];
  const t = s ? ctx.schema.tables.get(s.table) : undefined;
  if (!t) throw new DpError('INTERNAL', 'unknown source index');
  return t;
}

/** Resolves `column` or `alias.column` against the sources; `qualifierOverride` qualifies a bare name (USING). */
export function resolveColumn(ctx: Ctx, node: CstNode, qualifierOverride?: string): PlanColumn {
  let qualifier: string | undefined = qualifierOverride;
  let nameNode: CstNode;
  if (node.type === 'member_expr') {
    const obj = child(node, 'object');
    const prop = child(node, 'property');
    if (!obj || !prop || obj.type !== 'identifier' || prop.type !== 'identifier') {
      return refuse(ctx, node, 'a qualified name', 'write table.column or column');
    }
    qualifier = identifierName(obj);
    nameNode = prop;
  } else nameNode = node;
  const name = identifierName(nameNode);
  const matches: number[] = [];
  ctx.sources.forEach((s, i) => {
    if (qualifier !== undefined && s.alias !== qualifier) return;
    if (tableOf(ctx, i).columns.has(name)) matches.push(i);
  });
  const [only, second] = matches;
  if (only === undefined) {
    if (qualifier !== undefined && !ctx.sources.some((s) => s.alias === qualifier)) {
      const objectNode = node.type === 'member_expr' ? child(node, 'object') : node;
      return refuseUnknown(
        ctx,
        objectNode,
        'table or alias',
        qualifier,
        ctx.sources.map((s) => s.alias),
        ' in FROM',
      );
    }
    const scope = ctx.sources.flatMap((s, i) => (qualifier === undefined || s.alias === qualifier ? [i] : []));
    const candidates = scope.flatMap((i) => [...tableOf(ctx, i).columns.keys()]);
    const where = qualifier !== undefined ? ` of "${qualifier}"` : ` of ${scope.map((i) => `"${ctx.sources[i]?.alias}"`).join(', ')}`;
    return refuseUnknown(ctx, nameNode, 'column', name, candidates, where);
  }
  if (second !== undefined) return refuse(ctx, node, `the ambiguous column "${name}"`, 'qualify it as table.column');
  return { kind: 'column', source: only, column: name };
}

/** The lower-case name of a function call. */
export function funcName(node: CstNode): string {
  const n = child(node, 'name');
  return n ? identifierName(n).toLowerCase() : '';
}

/** The arguments of a function call, and whether they carry DISTINCT. */
export function funcArgs(node: CstNode): { args: CstNode[]; distinct: boolean; argsNode: CstNode | undefined } {
  const paren = child(node, 'args');
  const fa = paren ? child(paren, 'expr') : undefined;
  if (!fa) return { args: [], distinct: false, argsNode: paren };
  if (fa.type !== 'func_args') return { args: listItems(fa), distinct: false, argsNode: fa };
  return { args: listItems(child(fa, 'args')), distinct: fa.distinctKw !== undefined && fa.distinctKw !== null, argsNode: fa };
}

/** True when `e` is the declared privacy-unit column of its table. */
export function isUnitColumn(ctx: Ctx, e: PlanExpr): boolean {
  if (e.kind !== 'column') return false;
  const t = tableOf(ctx, e.source);
  return t.unit.column !== null && t.unit.column === e.column;
}

/** Structural equality of two plan expressions. */
export function sameExpr(a: PlanExpr, b: PlanExpr): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
