/**
 * Parsing: sql-parser-cst (PostgreSQL dialect) with positions, one statement
 * only. `PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x)` — which the parser
 * lacks — is rewritten length-preservingly to `PERCENTILE_CONT(p, x)` first,
 * so every offset still points into the user's text.
 *
 * ## Size and depth limits (issue 10, item 13)
 * The parser and every walker after it (the checker, the compiler,
 * `JSON.stringify`, `freezePlan`) recurse over the tree, so a deep query
 * would overflow the stack. The shape is bounded in three steps, each a typed
 * `UNSUPPORTED_QUERY` naming the limit, never a `RangeError` or `INTERNAL`:
 * 1. **Before parsing**, the text is at most `MAX_QUERY_LENGTH` characters,
 *    and a lexical scan (skipping string literals, quoted identifiers and
 *    comments) finds at most `MAX_NESTING` open parentheses and `CASE`s at
 *    any point — the constructs the parser itself recurses on.
 * 2. **After parsing**, an iterative walk finds the tree at most
 *    `MAX_TREE_DEPTH` nodes deep (this bounds chains the parser builds
 *    iteratively but the walkers recurse on: `NOT NOT …`, `- - …`, long
 *    `AND`/`+` chains).
 * 3. As a last guard, a stack overflow anywhere in planning becomes the same
 *    typed refusal (see `planDpQuery`).
 *
 * The parser package is loaded on the first parse, not at import (`load-parser.ts`). The plainest queries take
 * a fast path that builds sql-parser-cst's exact tree without it (`fast-parse.ts`, issue 15).
 * @module
 */
import type { Program } from 'sql-parser-cst';
import { DpError } from '../../core/errors.js';
import { sqlParser } from '../load-parser.js';
import { type CstNode, isNode } from './cst.js';
import { fastParseSelect } from './fast-parse.js';

/** A line:column position (1-based). */
export interface SqlPosition {
  readonly line: number;
  readonly column: number;
}

/** Converts a character offset of `text` to a 1-based line:column. */
export function positionOf(text: string, offset: number): SqlPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Most characters a query may have. */
export const MAX_QUERY_LENGTH = 20_000;
/** Most parentheses and CASE expressions open at one point of a query. */
export const MAX_NESTING = 64;
/** Most nodes on one root-to-leaf path of the parsed tree. */
export const MAX_TREE_DEPTH = 400;

function refuseShape(text: string, offset: number, construct: string, message: string): never {
  const position = positionOf(text, offset);
  throw new DpError('UNSUPPORTED_QUERY', `${message} (at ${position.line}:${position.column})`, {
    construct,
    position,
    hint: 'simplify the query: split it, or use IN (…) lists and CASE with several WHEN branches instead of nesting',
  });
}

/**
 * Checks the length and lexical nesting of `text` without parsing it.
 * @throws DpError UNSUPPORTED_QUERY when the text is longer than MAX_QUERY_LENGTH or nests deeper than MAX_NESTING.
 */
export function checkQueryShape(text: string): void {
  if (text.length > MAX_QUERY_LENGTH) {
    refuseShape(text, MAX_QUERY_LENGTH, 'query length', `the query is longer than ${MAX_QUERY_LENGTH} characters`);
  }
  let depth = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === "'" || c === '"') {
      // A literal or quoted identifier: a doubled quote is an escaped quote. (An E'…' backslash escape may end
      // the scan of a literal early: at worst the rest is over-counted and refused, or caught by the last guard.)
      i++;
      while (i < n && !(text[i] === c && text[i + 1] !== c)) i += text[i] === c ? 2 : 1;
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '(') {
      depth++;
      if (depth > MAX_NESTING) refuseShape(text, i, 'nesting depth', `the query nests more than ${MAX_NESTING} levels deep`);
      i++;
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
      i++;
    } else if (/[A-Za-z_]/.test(c ?? '')) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(text[j] ?? '')) j++;
      const word = text.slice(i, j).toUpperCase();
      if (word === 'CASE') {
        depth++;
        if (depth > MAX_NESTING) refuseShape(text, i, 'nesting depth', `the query nests more than ${MAX_NESTING} levels deep`);
      } else if (word === 'END') depth = Math.max(0, depth - 1);
      i = j;
    } else i++;
  }
}

/**
 * Checks, without recursion, that no path of the tree under `root` is longer than MAX_TREE_DEPTH.
 * @throws DpError UNSUPPORTED_QUERY naming the position of the first node too deep.
 */
export function checkTreeDepth(text: string, root: CstNode): void {
  // Two parallel stacks (no object per entry): this walk runs on every query.
  const nodes: unknown[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop() as number;
    if (Array.isArray(node)) {
      for (const x of node) {
        nodes.push(x);
        depths.push(depth);
      }
      continue;
    }
    if (!isNode(node)) continue;
    if (depth > MAX_TREE_DEPTH) {
      refuseShape(text, node.range?.[0] ?? 0, 'expression depth', `the query's expressions nest more than ${MAX_TREE_DEPTH} levels deep`);
    }
    for (const key in node) {
      if (!Object.hasOwn(node, key) || key === 'range') continue;
      const value = node[key];
      if (typeof value === 'object' && value !== null) {
        nodes.push(value);
        depths.push(depth + 1);
      }
    }
  }
}

const WITHIN_GROUP = /\)\s*WITHIN\s+GROUP\s*\(\s*ORDER\s+BY\s+/gi;

/** The length-preserving WITHIN GROUP rewrite. */
export function rewriteWithinGroup(text: string): string {
  return text.replace(WITHIN_GROUP, (m) => `,${' '.repeat(m.length - 1)}`);
}

/**
 * Parses exactly one statement, within the size and depth limits above.
 * @throws DpError UNSUPPORTED_QUERY on a syntax error, several statements, or a query too long or too deep.
 */
export function parseOneStatement(text: string): CstNode {
  checkQueryShape(text);
  // The fast path: sql-parser-cst's exact tree for the plainest queries, or nothing (fast-parse.ts has the rule).
  const fast = fastParseSelect(text);
  if (fast) {
    checkTreeDepth(text, fast);
    return fast;
  }
  let program: Program;
  try {
    program = sqlParser()(rewriteWithinGroup(text), { dialect: 'postgresql', includeRange: true });
  } catch (e) {
    if (e instanceof RangeError) refuseShape(text, 0, 'nesting depth', 'the query nests too deeply to parse');
    const m = e instanceof Error ? /-->\s*\S*?:(\d+):(\d+)/.exec(e.message) : null;
    const position = m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
    throw new DpError(
      'UNSUPPORTED_QUERY',
      `syntax error${position ? ` at ${position.line}:${position.column}` : ''}: the query must be one SELECT statement in PostgreSQL syntax`,
      { construct: 'syntax', position, hint: 'check the SQL near the position given' },
    );
  }
  const statements = program.statements.filter((s) => s.type !== 'empty');
  if (statements.length !== 1) {
    const second = statements[1];
    const at = second?.range ? positionOf(text, second.range[0]) : { line: 1, column: 1 };
    throw new DpError(
      'UNSUPPORTED_QUERY',
      statements.length === 0
        ? 'the query is empty: write one SELECT statement'
        : `several statements (the second at ${at.line}:${at.column}): send exactly one SELECT statement per query`,
      { construct: 'several statements', position: at, hint: 'send one SELECT statement' },
    );
  }
  const [statement] = statements;
  if (!isNode(statement)) throw new DpError('INTERNAL', 'the parser returned no statement node');
  checkTreeDepth(text, statement);
  return statement;
}
