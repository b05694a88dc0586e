/**
 * A loose, read-only view of sql-parser-cst nodes: the checker walks them by
 * `type` and field name, and refuses every node type it does not know.
 * @module
 */

/** A CST node. */
export interface CstNode {
  readonly type: string;
  readonly range?: readonly [number, number];
  readonly [field: string]: unknown;
}

/** True when `x` is a CST node. */
export function isNode(x: unknown): x is CstNode {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as { type?: unknown }).type === 'string';
}

/** The node at `field`, if any. */
export function child(n: CstNode, field: string): CstNode | undefined {
  const c = n[field];
  return isNode(c) ? c : undefined;
}

/** The nodes in a list_expr (or a single node as a list). */
export function listItems(n: CstNode | undefined): CstNode[] {
  if (!n) return [];
  if (n.type === 'list_expr') {
    const items = n.items;
    return Array.isArray(items) ? items.filter(isNode) : [];
  }
  return [n];
}

/** The upper-case text of a keyword or keyword list (`NOT IN`), or a plain operator. */
export function keywordText(x: unknown): string {
  if (typeof x === 'string') return x.toUpperCase();
  if (Array.isArray(x)) return x.map(keywordText).join(' ');
  if (isNode(x)) {
    if (x.type === 'keyword') return String(x.name ?? x.text ?? '').toUpperCase();
    return String(x.text ?? x.name ?? '').toUpperCase();
  }
  return '';
}

/** The (case-folded unless quoted) name of an identifier node. */
export function identifierName(n: CstNode): string {
  const text = String(n.text ?? n.name ?? '');
  const name = String(n.name ?? text);
  return text.startsWith('"') ? name : name.toLowerCase();
}
