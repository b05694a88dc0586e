/**
 * Review stop 25 (review4, on sqlcsv's "a statement that reads no typed field runs on the text path"): the answer of a
 * statement on a declared CSV must not depend on the reader history of the file version — whether it runs first on an
 * undecided version (text path, or the fold), or after the version was decided by another statement. Class 14 (the
 * typed/text choice must be one bit of the version, never a per-statement probe) and the release rule (the value, and
 * so the law and the charge, are every state's).
 *
 * Generative (fast-check, seed 2541): files of three columns — text `k`, integer `a`, float `b` — in a random order
 * (the last column, which the text-only test admits even when typed, is each in turn), 1–12 lines with every spelling
 * DuckDB's typed reader accepts (signs, blanks, `1_000`, `0x10`, `1.5` as an integer, `inf`, `nan`, `1e400`…) and now
 * and then one it refuses; then 1–4 statements, many reading a typed field only indirectly (a CTE, a subquery, a
 * UNION, `SELECT *`, a window, ORDER BY, HAVING, CASE, BETWEEN, a self-join). Checked, statement by statement:
 * - the rows on a fresh engine equal those on an engine whose version was decided first (`COUNT(a), COUNT(b)`);
 * - until a statement reads a typed field other than the last column, the version's variable is `'force'` (never a
 *   `'text'` left behind by the text run); after one, it is the decided engine's, and stays so.
 * Mutants tried (both fail this test, the first on the state, the second on the state after a text-only statement):
 * `textOnlyPlan` returning true whatever the plan; `endTextRun` not setting the variable back.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { oracleAndFolder, readerState } from '../sql/csv-reader-state.js';

const { dir } = oracleAndFolder('review4-text-only-');

type Column = 'k' | 'a' | 'b';
const DECLARED = { k: 'string', a: 'integer', b: 'float' } as const;
const GOOD: Record<Column, readonly string[]> = {
  k: ['x', 'k1', '', ' y', '1', 'NULL'],
  a: ['1', ' 1', '1 ', '+1', '1e2', '0x10', '1_000', '01', '-0', '1.5', '.5', '5.', ' 2.5', '-7'],
  b: ['1', ' 1', '+1', '1e2', '1_000', '-0', '1.5', 'inf', 'nan', '.5', '5.', 'Infinity', '-inf', '1e400', '-2.25'],
};
const BAD: Record<'a' | 'b', readonly string[]> = { a: ['', 'x', 'inf', '1e400'], b: ['', 'x', '0x10'] };

interface File {
  readonly order: readonly Column[];
  readonly lines: readonly Record<Column, string>[];
}

const lineArb: fc.Arbitrary<Record<Column, string>> = fc.record({
  k: fc.constantFrom(...GOOD.k),
  a: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...GOOD.a) }, { weight: 1, arbitrary: fc.constantFrom(...BAD.a) }),
  b: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...GOOD.b) }, { weight: 1, arbitrary: fc.constantFrom(...BAD.b) }),
});

const fileArb: fc.Arbitrary<File> = fc.record({
  order: fc.constantFrom<readonly Column[]>(['k', 'a', 'b'], ['a', 'k', 'b'], ['b', 'a', 'k'], ['k', 'b', 'a'], ['a', 'b', 'k']),
  lines: fc.array(lineArb, { minLength: 1, maxLength: 12 }),
});

const fileText = (f: File) => `${[f.order.join(','), ...f.lines.map((l) => f.order.map((c) => l[c]).join(','))].join('\n')}\n`;

/** A statement and the typed columns it reads, directly or not. */
interface Statement {
  readonly sql: string;
  readonly reads: readonly Column[];
}

const STATEMENTS: readonly Statement[] = [
  { sql: 'SELECT COUNT(*) AS n FROM t', reads: [] },
  { sql: 'SELECT k, COUNT(*) AS n FROM t GROUP BY k ORDER BY k NULLS FIRST', reads: [] },
  { sql: 'WITH w AS (SELECT k FROM t) SELECT COUNT(*) AS n FROM w', reads: [] },
  { sql: 'SELECT COUNT(*) AS n FROM (SELECT k FROM t UNION ALL SELECT k FROM t)', reads: [] },
  { sql: 'SELECT COUNT(a) AS n FROM t', reads: ['a'] },
  { sql: 'SELECT SUM(b) AS s, COUNT(b) AS n FROM t', reads: ['b'] },
  { sql: 'WITH w AS (SELECT a FROM t) SELECT COUNT(*) AS n FROM w WHERE a > 0', reads: ['a'] },
  { sql: 'SELECT COUNT(*) AS n FROM (SELECT * FROM t) WHERE b IS NULL', reads: ['b'] },
  { sql: 'SELECT COUNT(*) AS n FROM t WHERE k IN (SELECT k FROM t WHERE a = 1)', reads: ['a'] },
  { sql: 'SELECT COUNT(*) AS n FROM (SELECT a AS x FROM t UNION ALL SELECT 1 AS x FROM t)', reads: ['a'] },
  { sql: 'SELECT * FROM t ORDER BY ALL NULLS FIRST', reads: ['a', 'b'] },
  { sql: 'SELECT k, SUM(a) OVER (PARTITION BY k) AS w FROM t ORDER BY ALL NULLS FIRST', reads: ['a'] },
  { sql: 'SELECT k FROM t ORDER BY b NULLS FIRST, k NULLS FIRST, a NULLS FIRST', reads: ['a', 'b'] },
  { sql: 'SELECT k, COUNT(*) AS n FROM t GROUP BY k HAVING MAX(a) > 0 ORDER BY k NULLS FIRST', reads: ['a'] },
  { sql: 'SELECT COUNT(CASE WHEN b > 1 THEN 1 END) AS n FROM t', reads: ['b'] },
  { sql: 'SELECT COUNT(*) AS n FROM t WHERE a BETWEEN 0 AND 5', reads: ['a'] },
  { sql: 'SELECT COUNT(*) AS n FROM t x JOIN t y ON x.k = y.k', reads: [] },
  { sql: 'SELECT COUNT(*) AS n FROM t x JOIN t y ON x.a = y.a', reads: ['a'] },
  { sql: 'SELECT COUNT(DISTINCT a) AS n FROM t', reads: ['a'] },
];

const canonical = (rows: readonly Record<string, unknown>[]) =>
  JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));

describe('review4 stop 25: a CSV statement’s answer does not depend on the version’s reader history', () => {
  it('generative (seed 2541): fresh engine = decided engine, statement by statement; undecided means the variable is force', async () => {
    let n = 0;
    const seen = { textOnlyFirst: 0, decidedTyped: 0, decidedText: 0, lastTyped: 0 };
    const caseArb = fc.record({ file: fileArb, statements: fc.array(fc.constantFrom(...STATEMENTS), { minLength: 1, maxLength: 4 }) });
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ file, statements }) => {
        const path = join(dir, `h${++n}.csv`);
        writeFileSync(path, fileText(file));
        const last = file.order.at(-1) as Column;
        if (last !== 'k') seen.lastTyped++;
        const open = () => DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
        const fresh = await open();
        const decided = await open();
        try {
          await decided.query({ sql: 'SELECT COUNT(a) AS a, COUNT(b) AS b FROM t', params: [] });
          const version = await readerState(decided);
          expect(version).not.toBe('force');
          seen[version === 'typed' ? 'decidedTyped' : 'decidedText']++;
          let decides = false;
          statements.forEach((s, i) => {
            if (i === 0 && s.reads.every((c) => c === last)) seen.textOnlyFirst++;
          });
          for (const s of statements) {
            const a = canonical(await fresh.query({ sql: s.sql, params: [] }));
            const b = canonical(await decided.query({ sql: s.sql, params: [] }));
            expect(a).toBe(b);
            decides ||= s.reads.some((c) => c !== last);
            expect(await readerState(fresh)).toBe(decides ? version : 'force');
            expect(await readerState(decided)).toBe(version);
          }
        } finally {
          await fresh.close();
          await decided.close();
        }
      }),
      { numRuns: 30, seed: 2541 },
    );
    expect(Object.values(seen).every((k) => k > 0)).toBe(true);
  }, 300_000);
});
