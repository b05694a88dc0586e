/**
 * Parsing: sql-parser-cst (PostgreSQL dialect) with positions, one statement
 * only. `PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x)` — which the parser
 * lacks — is rewritten length-preservingly to `PERCENTILE_CONT(p, x)` first,
 * so every offset still points into the user's text.
 * @module
 */
import { type Program, parse } from 'sql-parser-cst';
import { DpError } from '../../core/errors.js';
import { type CstNode, isNode } from './cst.js';

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

const WITHIN_GROUP = /\)\s*WITHIN\s+GROUP\s*\(\s*ORDER\s+BY\s+/gi;

/** The length-preserving WITHIN GROUP rewrite. */
export function rewriteWithinGroup(text: string): string {
  return text.replace(WITHIN_GROUP, (m) => `,${' '.repeat(m.length - 1)}`);
}

/**
 * Parses exactly one statement.
 * @throws DpError UNSUPPORTED_QUERY on a syntax error or several statements.
 */
export function parseOneStatement(text: string): CstNode {
  if (text.length > 100_000) {
    throw new DpError('UNSUPPORTED_QUERY', 'the query is longer than 100000 characters', { construct: 'query length' });
  }
  let program: Program;
  try {
    program = parse(rewriteWithinGroup(text), { dialect: 'postgresql', includeRange: true });
  } catch (e) {
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
  return statement;
}
