/**
 * Review stop 21 (third shift), sqlcsv's deciding scan (wip/sqlcsv 3fc39a5): the typed/text choice of a CSV version is
 * decided by a forced typed scan that reads every line (`ignore_errors = true, store_rejects = true`) and counts the
 * lines it skipped in a temporary rejects table. Class 11 (resources/timing after the charge): DuckDB stores every
 * skipped line (its text and error) in that table, so the deciding statement's time and memory grow with the number
 * of unparsable lines, not only with the file's size — and the table is never dropped after the decision, so the
 * engine keeps it for the life of the process (one per file version).
 * Measured (threads 1, load 5–7): 5·10⁵ lines all unparsable, the forced scan 6.9 s and +1.3 GB RSS vs 0.14 s with
 * none; 2·10⁶ such lines, the first statement 36 s (main: 0.5 s); with `statementTimeoutMs` 2000, 2·10⁵ such lines
 * fail with ENGINE_ERROR after the charge (main and one bad line: answered in < 0.6 s).
 * Time is not asserted here (tests never assert on time): the deterministic part is asserted — what the engine keeps
 * after the decision is the same whether one line or every line of the version is unparsable. Holds on main (no
 * rejects tables); fails on wip/sqlcsv 3fc39a5 (2 vs 20,001 rows kept).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { oracleAndFolder, readerState } from '../sql/csv-reader-state.js';

const { dir } = oracleAndFolder('review-deciding-');
const N = 20_000;

/** A version of N lines whose column a holds an unparsable field on the lines `bad` selects. */
function version(name: string, bad: (i: number) => boolean): string {
  const lines = ['pid,a,b,s'];
  for (let i = 0; i < N; i++) lines.push(`${i},${bad(i) ? 'x' : i % 5},${i / 4},s${i % 50}`);
  const path = join(dir, `${name}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The rows DuckDB's temporary tables hold after the first statement on a version, its state and answer. */
async function afterFirstStatement(path: string): Promise<{ kept: number; state: string; n: string }> {
  const engine = await DuckDbEngine.open({
    files: { t: path },
    columnTypes: { t: { pid: 'integer', a: 'integer', b: 'float', s: 'string' } },
    threads: 1,
  });
  try {
    // Stop 25 (review4): the statement must read a typed field other than the last (`a`), or it runs on the text path
    // and decides nothing (`duckdb-csv-choice.ts`, "A statement that reads no typed field") — `COUNT(s)` alone no
    // longer runs the deciding scan this guard is about.
    const rows = await engine.query({ sql: 'SELECT COUNT(s) AS n FROM t WHERE a IS NULL OR a IS NOT NULL', params: [] });
    const kept = (
      await engine.connection.runAndReadAll('SELECT COALESCE(SUM(estimated_size), 0) FROM duckdb_tables() WHERE temporary')
    ).getRowsJS();
    return { kept: Number(kept[0]?.[0]), state: await readerState(engine), n: String(rows[0]?.n) };
  } finally {
    await engine.close();
  }
}

describe('review stop 21 (third): the deciding scan keeps nothing that grows with the unparsable lines (class 11)', () => {
  it('one unparsable line or 20,000: both versions decide the text path, answer every line, and leave the same rows kept in DuckDB', async () => {
    const one = await afterFirstStatement(version('one', (i) => i === 7));
    const all = await afterFirstStatement(version('all', () => true));
    expect([one.state, all.state]).toEqual(['text', 'text']);
    expect([one.n, all.n]).toEqual([String(N), String(N)]);
    expect(all.kept).toBe(one.kept);
  }, 120_000);
});
