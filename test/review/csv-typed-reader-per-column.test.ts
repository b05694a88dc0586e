/**
 * Review stop 20 (second shift), finding S62 — class 14 (timing), DuckDB, sqlcsv's typed CSV reader
 * (wip/sqlcsv c70e532: `src/sql/engines/duckdb-csv-typed.ts`, `duckdb.ts` `query`).
 *
 * The typed reader parses a declared integer/float column only when a statement reads it, and a statement that
 * meets one field that does not parse costs one failed typed scan, then the text path's rerun, after which the
 * engine's views stay on the text path. So which reader a statement runs on — and whether it pays the failed scan —
 * is decided by the statement's columns AND one person's field: the analyst, choosing which typed column each
 * statement reads, learns "some record's field of column c does not parse" column by column until the first hit,
 * once per pool engine (each `DuckDbEngine` of the server's pool has its own views) and again per file version
 * (a rebuilt view is typed again); unpadded, the failed scan's length also tells how far into the file that line is.
 * The header calls this "one bit of timing, as for the line reader", but the line reader's bit is fixed by the file's
 * bytes at open (`line-check.proof.md`, "Timing residual"); this one is chosen per query.
 *
 * Rule suggested: decide the reader per file version, not per statement — when the view is built (open and every
 * rebuild), run the typed reader once over every typed column (e.g. `SELECT COUNT(c2) + COUNT(c3) FROM typed`),
 * and keep the typed view only if that scan succeeds (else build the text view at once). Then the reader is a
 * function of the file's bytes, like the line-check's bit, and no statement can fail over to the other reader.
 * The property below (generative over which column holds the bad field, where, and which column a statement reads):
 * the view a statement runs on is the view built at open, whatever the statement reads.
 * Skipped where the engine has no typed reader (before sqlcsv's branch is merged).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'review-typed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function viewSql(engine: DuckDbEngine): Promise<string> {
  const rows = (await engine.connection.runAndReadAll("SELECT sql FROM duckdb_views() WHERE view_name = 't'")).getRowsJS();
  return String(rows[0]?.[0]);
}

const COLUMNS = ['a', 'b', 'c'] as const;

describe('S62: the typed CSV reader is chosen per statement (review stop 20, second shift)', () => {
  it.fails('generative (fast-check, seed 2062): the view a statement runs on is the view built at open, whatever column it reads and wherever one record holds a field that does not parse', async (ctx) => {
    // Before the typed reader (main before sqlcsv's merge) there is nothing to test.
    const probe = join(dir, 'probe.csv');
    writeFileSync(probe, 'pid,a\n1,2\n');
    const p = await DuckDbEngine.open({ files: { t: probe }, columnTypes: { t: { pid: 'integer', a: 'integer' } } });
    const typedAtAll = /'BIGINT'/.test(await viewSql(p));
    await p.close();
    if (!typedAtAll) ctx.skip();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...COLUMNS),
        fc.constantFrom(...COLUMNS),
        fc.nat({ max: 49 }),
        fc.constantFrom('x', '', '1e400', '9223372036854775808', ' 1x'),
        async (badColumn, readColumn, badRow, badText) => {
          const lines = ['pid,a,b,c'];
          for (let i = 0; i < 50; i++) {
            const v = (col: string, good: string) => (i === badRow && col === badColumn ? badText : good);
            lines.push(`${i},${v('a', String(i % 7))},${v('b', String(i / 8))},${v('c', String(i * 3))}`);
          }
          const path = join(dir, `f${++n}.csv`);
          writeFileSync(path, `${lines.join('\n')}\n`);
          const engine = await DuckDbEngine.open({
            files: { t: path },
            columnTypes: { t: { pid: 'integer', a: 'integer', b: 'float', c: 'integer' } },
          });
          try {
            const atOpen = await viewSql(engine);
            const rows = await engine.query({ sql: `SELECT COUNT(*) AS n, SUM(${readColumn}) AS s FROM t`, params: [] });
            expect(Number(rows[0]?.n)).toBe(50); // the answer is right either way (the record rule held)
            expect(await viewSql(engine)).toBe(atOpen);
          } finally {
            await engine.close();
          }
        },
      ),
      { numRuns: 40, seed: 2062 },
    );
  }, 120_000);
});
