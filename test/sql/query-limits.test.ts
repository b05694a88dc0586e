/**
 * Deep and large queries (issue 10, item 13): the planner bounds the query's length and nesting before
 * parsing and the parsed tree's depth before walking it (src/sql/_internal/parse.ts), so a hostile query
 * gets a typed UNSUPPORTED_QUERY — never a RangeError (stack overflow) or INTERNAL.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { MAX_NESTING, MAX_QUERY_LENGTH, MAX_TREE_DEPTH } from '../../src/sql/_internal/parse.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { visitsSchema } from './fixtures.js';

/** Plans `sql`; returns 'accepted' or the DpError's code, and rethrows anything that is not a DpError. */
function outcome(sql: string): string {
  try {
    const schema = visitsSchema();
    const plan = planDpQuery(sql, schema);
    // The compiler walks the plan recursively too: an accepted plan must compile without overflowing.
    compileDpQuery(plan, duckdbDialect, 1n, schema);
    return 'accepted';
  } catch (e) {
    if (e instanceof DpError) return e.code;
    throw e;
  }
}

function refusalMessage(sql: string): string {
  try {
    planDpQuery(sql, visitsSchema());
  } catch (e) {
    if (e instanceof DpError) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

/** One nesting wrapper: how to wrap a boolean condition `c` once. */
const WRAPPERS: Record<string, (c: string) => string> = {
  paren: (c) => `(${c})`,
  not: (c) => `NOT ${c}`,
  case: (c) => `CASE WHEN ${c} THEN TRUE ELSE FALSE END`,
  and: (c) => `${c} AND day > 0`,
  or: (c) => `day < 0 OR ${c}`,
  subquery: (c) => `day IN (SELECT day FROM visits WHERE ${c})`,
};
/** One nesting wrapper of a numeric expression `x`. */
const NUMERIC: Record<string, (x: string) => string> = {
  abs: (x) => `abs(${x})`,
  plus: (x) => `${x} + 1`,
  neg: (x) => `- ${x}`,
  cast: (x) => `CAST(${x} AS INTEGER)`,
  coalesce: (x) => `COALESCE(${x}, 0)`,
  caseNum: (x) => `CASE WHEN day > 3 THEN ${x} ELSE 0 END`,
  greatest: (x) => `GREATEST(${x}, 1)`,
  times: (x) => `(${x}) * 1`,
};

/** One nesting wrapper of a mixed-type expression `x` (text, numbers and their conversions). */
const MIXED: Record<string, (x: string) => string> = {
  coalesceText: (x) => `coalesce(${x}, 'a')`,
  coalesceNumber: (x) => `coalesce(${x}, 1)`,
  lower: (x) => `lower(${x})`,
  toText: (x) => `CAST(${x} AS VARCHAR)`,
  nullif: (x) => `nullif(${x}, 'b')`,
  caseText: (x) => `CASE WHEN day > 3 THEN ${x} ELSE 'z' END`,
  concat: (x) => `'p' || ${x}`,
  length: (x) => `length(${x})`,
  greatest: (x) => `greatest(${x}, 2)`,
};

/** Builds a query nesting `depth` wrappers, cycling through `kinds`. */
function nested(kinds: readonly string[], depth: number, numeric: boolean): string {
  let expr = numeric ? 'day' : 'day = 1';
  for (let i = 0; i < depth; i++) {
    const kind = kinds[i % kinds.length] ?? '';
    const wrap = numeric ? NUMERIC[kind] : WRAPPERS[kind];
    if (wrap) expr = wrap(expr);
  }
  return numeric ? `SELECT SUM(${expr}) AS s FROM visits WHERE day > 0` : `SELECT COUNT(*) AS n FROM visits WHERE ${expr}`;
}

describe('query size and depth limits: regressions', () => {
  it('refuses a WHERE nested 3,000 levels deep with a typed UNSUPPORTED_QUERY', () => {
    const sql = `SELECT COUNT(*) FROM visits WHERE ${'('.repeat(3000)}day = 1${')'.repeat(3000)}`;
    expect(refusalMessage(sql)).toMatch(/^UNSUPPORTED_QUERY: the query nests more than 64 levels deep \(at 1:\d+\)/);
  });

  it('refuses a 96,000-character query before parsing it', () => {
    const sql = `SELECT COUNT(*) FROM visits WHERE ${'NOT '.repeat(24_000)}day = 1`;
    expect(sql.length).toBeGreaterThan(96_000);
    expect(refusalMessage(sql)).toMatch(/^UNSUPPORTED_QUERY: the query is longer than 20000 characters/);
  });

  it('refuses long operator chains the parser builds iteratively but the checker would recurse on', () => {
    const chain = `SELECT COUNT(*) FROM visits WHERE day = 1${' AND day = 1'.repeat(1500)}`;
    expect(chain.length).toBeLessThanOrEqual(MAX_QUERY_LENGTH);
    expect(refusalMessage(chain)).toMatch(/expressions nest more than 400 levels deep/);
    expect(refusalMessage(`SELECT COUNT(*) FROM visits WHERE ${'NOT '.repeat(2000)}day = 1`)).toMatch(/more than 400 levels/);
  });

  it('refuses nested multiplications whose compiled SQL would triple in size per level', () => {
    expect(refusalMessage(nested(['times', 'abs'], 41, true))).toMatch(/this large .*at most 4096 terms/);
    // 3⁸ > 4096: eight nested products are refused at planning, with the planner's message, not the compiler's.
    expect(refusalMessage(nested(['times', 'abs'], 16, true))).toMatch(/this large .*at most 4096 terms/);
    expect(outcome(nested(['times', 'abs'], 12, true))).toBe('accepted');
  });

  it('accepts nesting within the limits, and ignores parentheses inside literals and comments', () => {
    expect(outcome(nested(['paren'], MAX_NESTING - 4, false))).toBe('accepted');
    expect(outcome(nested(['case', 'not', 'paren'], 30, false))).toBe('accepted');
    expect(outcome(`SELECT COUNT(*) FROM visits WHERE city = '${'('.repeat(200)}' -- ${'('.repeat(200)}\n`)).toBe('accepted');
    expect(
      outcome(
        `SELECT COUNT(*) FROM visits /* ${'('.repeat(200)} */ WHERE day IN (${Array.from({ length: 1000 }, (_, i) => i).join(', ')})`,
      ),
    ).toBe('accepted');
    expect(MAX_TREE_DEPTH).toBeGreaterThan(MAX_NESTING);
  });
});

describe('query size and depth limits: generative', () => {
  const depth = fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 80, max: 6000 }));

  it('any nesting of parentheses, NOT, CASE, AND/OR chains and subqueries is planned or refused with a typed error', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...Object.keys(WRAPPERS)), { minLength: 1, maxLength: 4 }), depth, (kinds, d) => {
        expect(['accepted', 'UNSUPPORTED_QUERY']).toContain(outcome(nested(kinds, d, false)));
      }),
      { numRuns: 120, seed: 13 },
    );
  });

  it('any nesting of function calls, arithmetic, casts and CASE inside an aggregate is planned or refused with a typed error', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...Object.keys(NUMERIC)), { minLength: 1, maxLength: 4 }), depth, (kinds, d) => {
        expect(['accepted', 'UNSUPPORTED_QUERY']).toContain(outcome(nested(kinds, d, true)));
      }),
      { numRuns: 120, seed: 14 },
    );
  });

  it('any nesting of text and number conversions (coalesce, nullif, casts, CASE, ||, length) is planned or refused with a typed error', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...Object.keys(MIXED)), { minLength: 1, maxLength: 4 }), depth, (kinds, d) => {
        let expr = 'city';
        for (let i = 0; i < d; i++) expr = MIXED[kinds[i % kinds.length] ?? '']?.(expr) ?? expr;
        expect(['accepted', 'UNSUPPORTED_QUERY']).toContain(outcome(`SELECT COUNT(*) AS n FROM visits WHERE ${expr} = 'a'`));
      }),
      { numRuns: 120, seed: 16 },
    );
  });

  it('queries of any size (long literals, IN lists, SELECT lists, comments) are planned or refused with a typed error', () => {
    const piece = fc.constantFrom(
      (n: number) => `SELECT COUNT(*) FROM visits WHERE city = '${'x'.repeat(n)}'`,
      (n: number) => `SELECT COUNT(*) FROM visits WHERE day IN (${Array.from({ length: n }, (_, i) => i % 31).join(',')})`,
      (n: number) =>
        `SELECT ${Array.from({ length: Math.max(1, Math.floor(n / 20)) }, (_, i) => `COUNT(*) AS c${i}`).join(', ')} FROM visits`,
      (n: number) => `SELECT COUNT(*) FROM visits -- ${'('.repeat(n)}`,
      (n: number) => `SELECT COUNT(*) FROM visits WHERE city = '${"''(".repeat(n)}'`,
    );
    fc.assert(
      fc.property(piece, fc.integer({ min: 1, max: 60_000 }), (make, n) => {
        expect(['accepted', 'UNSUPPORTED_QUERY']).toContain(outcome(make(n)));
      }),
      { numRuns: 60, seed: 15 },
    );
  });
});
