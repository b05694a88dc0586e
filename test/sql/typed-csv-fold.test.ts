/**
 * The typed/text reader choice folded into the first statement on a file version (`src/sql/engines/duckdb-csv-choice.ts`,
 * review S62, class 14): the choice stays a function of the file version, whatever the first statement is.
 *
 * Generative: a file with at most one field that may not parse (in a random column, at a random line), then two random
 * statements — reading random columns in SELECT, WHERE or GROUP BY (the fold decides), reading none (a constant-false
 * filter: nothing is decided), or reading the file through a join or a LIMIT (the plan cannot decide: one scan of
 * every typed column does). A statement that reads no typed field (here: only the text column `s`) runs on the text
 * path and decides nothing (stop 25). After each statement that reads a typed field the reader is typed iff DuckDB's typed reader
 * reads every field of the version (an oracle scan of its own), and every statement answers exactly as the text path
 * (the stop-19 view: every field read as text and cast with TRY_CAST), built on an independent connection.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { nativeFieldsSql } from '../../src/sql/engines/duckdb-csv.js';
import { foldablePlan } from '../../src/sql/engines/duckdb-csv-choice.js';
import { COLUMNS, DECLARED, oracleAndFolder, readerState, versionArb, versionText, viewSql, wholeFileParses } from './csv-reader-state.js';

const { dir, oracle: oracleEngine } = oracleAndFolder('typed-fold-');

const BAD = ['x', '', ' 1x', '1e400', '9223372036854775808', '-', 'nan1'] as const;

const versions = versionArb(60, BAD, 3);

/** A statement, and whether its plan reads a typed field of the file (`s`, the last column, is text). */
interface Statement {
  readonly sql: string;
  readonly reads: boolean;
}

const typedColumn = (c: string) => c !== 's';

const statementArb: fc.Arbitrary<Statement> = fc
  .tuple(fc.subarray([...COLUMNS], { minLength: 1 }), fc.constantFrom('select', 'where', 'group', 'none', 'join', 'limit', 'in'))
  .map(([cols, shape]) => {
    const [first] = cols as [string, ...string[]];
    const counts = cols.map((c) => `COUNT(${c}) AS ${c}`).join(', ');
    switch (shape) {
      case 'where':
        return {
          sql: `SELECT COUNT(*) AS n FROM t WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(' OR ')}`,
          reads: cols.some(typedColumn),
        };
      case 'group':
        return { sql: `SELECT ${first} AS k, COUNT(*) AS n FROM t GROUP BY ${first} ORDER BY k NULLS FIRST`, reads: typedColumn(first) };
      case 'none':
        return { sql: `SELECT ${counts} FROM t WHERE 1 = 0`, reads: false };
      case 'in':
        // A long IN list of constants, as the declared-key filter writes: DuckDB plans a mark join (foldable).
        return { sql: `SELECT COUNT(*) AS n FROM t WHERE a IN (${Array.from({ length: 40 }, (_, i) => i).join(', ')})`, reads: true };
      case 'join':
        return { sql: `SELECT COUNT(x.${first}) AS n FROM t AS x JOIN t AS y ON x.pid = y.pid`, reads: true };
      case 'limit':
        return { sql: `SELECT COUNT(${first}) AS n FROM (SELECT ${first} FROM t LIMIT 3)`, reads: typedColumn(first) };
      default:
        return { sql: `SELECT ${counts} FROM t`, reads: cols.some(typedColumn) };
    }
  });

/** The statement's rows on the text path (the oracle connection's view `t`: every field text, cast by TRY_CAST). */
async function textPathRows(path: string, sql: string): Promise<string> {
  const reader = nativeFieldsSql(path, ',', 4, undefined, 'lf', true);
  await oracleEngine().connection.run(
    `CREATE OR REPLACE VIEW t AS SELECT TRY_CAST(c1 AS BIGINT) AS pid, TRY_CAST(c2 AS BIGINT) AS a, TRY_CAST(c3 AS DOUBLE) AS b, c4 AS s FROM ${reader}`,
  );
  return canonical((await oracleEngine().connection.runAndReadAll(sql)).getRowObjectsJS());
}

const canonical = (rows: readonly Record<string, unknown>[]) => JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v));

describe('the typed/text choice folded into the first statement (review S62, issue 11 stop 21)', () => {
  it('a forced statement parses every typed column, also those it does not read (EXPLAIN, and a refusal from a column it does not read)', async () => {
    const path = join(dir, 'forced.csv');
    writeFileSync(path, 'pid,a,b,s\n1,2,0.5,x\n2,x,1.5,y\n');
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
    try {
      const plan = (await engine.connection.runAndReadAll('EXPLAIN (FORMAT JSON) SELECT COUNT(s) FROM t')).getRowsJS();
      const projections = [...String(plan[0]?.[1]).matchAll(/"Projections": \[([^\]]*)\]/g)].map((m) => m[1]);
      expect(projections.length).toBe(1);
      for (const c of ['c1', 'c2', 'c3']) expect(projections[0]).toContain(`"${c}"`);
      // The statement reads only s (text): it runs on the text path and decides nothing (stop 25).
      const counted = await engine.query({ sql: 'SELECT COUNT(s) AS n FROM t', params: [] });
      expect(String(counted[0]?.n)).toBe('2');
      expect(await readerState(engine)).toBe('force');
      // The statement reads only b; the field of a does not parse: the fold decides the text path.
      const rows = await engine.query({ sql: 'SELECT COUNT(b) AS n FROM t', params: [] });
      expect(String(rows[0]?.n)).toBe('2');
      expect(await readerState(engine)).toBe('text');
    } finally {
      await engine.close();
    }
  });

  it('the mark join of an IN list of constants folds; any other join, and an IN over a subquery, does not (foldablePlan on DuckDB’s own plans)', async () => {
    const path = join(dir, 'marks.csv');
    writeFileSync(path, 'pid,a,b,s\n1,2,0.5,x\n2,3,1.5,y\n');
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
    const types = ['BIGINT', 'BIGINT', 'DOUBLE', undefined] as const;
    const plan = async (sql: string) => {
      const rows = (await engine.connection.runAndReadAll(`EXPLAIN (FORMAT JSON) ${sql}`)).getRowsJS();
      const json = String(rows[0]?.[1]);
      const sequence = /nextval\('(tsdp_csv_lines_\d+)'\)/.exec(await viewSql(engine))?.[1] ?? '';
      return { json, verdict: foldablePlan(json, types as never, sequence) };
    };
    try {
      const list = Array.from({ length: 100 }, (_, i) => i).join(', ');
      const inList = await plan(`SELECT a, COUNT(*) AS n FROM t WHERE a IN (${list}) GROUP BY a`);
      expect(inList.json).toContain('"MARK"');
      // Stop 22 (counting): the counter is the projection directly above the scan, below the mark join (no predicate
      // is pushed below a projection's side-effecting output), so it counts every line: folded.
      expect(inList.verdict).toBe('folded');
      const filtered = await plan(`SELECT a, COUNT(*) AS n FROM t WHERE a IN (${list}) AND b > 1 AND s <> 'x' GROUP BY a`);
      expect(filtered.verdict).toBe('folded');
      expect((await plan('SELECT COUNT(x.a) AS n FROM t AS x JOIN t AS y ON x.pid = y.pid')).verdict).toBe('unknown');
      const sub = await plan('SELECT COUNT(*) AS n FROM t WHERE a IN (SELECT pid FROM t WHERE b > 1)');
      expect(sub.verdict).toBe('unknown');
      // And the engine decides the version by such a statement's own run (the fold).
      await engine.query({ sql: `SELECT COUNT(*) AS n FROM t WHERE a IN (${list})`, params: [] });
      expect(await readerState(engine)).toBe('typed');
    } finally {
      await engine.close();
    }
  });

  it('generative (fast-check, seed 2163): whatever the first statements read, the choice after a statement that reads a typed field is the version’s, and every answer is the text path’s', async () => {
    let n = 0;
    const seen = { typed: 0, text: 0, undecided: 0 };
    await fc.assert(
      fc.asyncProperty(versions, statementArb, statementArb, async (version, first, second) => {
        const path = join(dir, `f${++n}.csv`);
        writeFileSync(path, versionText(version));
        const typed = await wholeFileParses(oracleEngine(), path);
        const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
        try {
          expect(await readerState(engine)).toBe('force');
          let decided = false;
          for (const statement of [first, second]) {
            const rows = await engine.query({ sql: statement.sql, params: [] });
            expect(canonical(rows)).toBe(await textPathRows(path, statement.sql));
            decided ||= statement.reads;
            const state = await readerState(engine);
            expect(state).toBe(decided ? (typed ? 'typed' : 'text') : 'force');
            if (state === 'force') seen.undecided++;
            else seen[state]++;
          }
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 60, seed: 2163 },
    );
    // Every branch was exercised (not an assertion-free pass over one of them).
    expect([seen.typed > 0, seen.text > 0, seen.undecided > 0]).toEqual([true, true, true]);
  }, 240_000);
});
