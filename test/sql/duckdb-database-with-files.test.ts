/**
 * A DuckDB database file (opened read-only) together with declared CSV files (`src/sql/engines/duckdb.ts`,
 * `duckdb-file-view.ts`): the CSV reader choice keeps its state in a DuckDB variable and counts lines with a temporary
 * sequence (`duckdb-csv-choice.ts`), both in the connection's temporary catalog — so they must work when the database
 * itself cannot be written. For each file version (every field parses, or one does not), the first statement decides
 * the reader as it does without a database, the answers equal the text path's, a statement joining the stored table
 * with the CSV answers, and the database file is unchanged (read-only: its bytes are the same afterwards).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { DECLARED, readerState } from './csv-reader-state.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-duck-db-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database file holding table `stored` (pid, w) for pids 0..9. */
let serial = 0;
async function database(): Promise<string> {
  const path = join(dir, `stored-${++serial}.duckdb`);
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  await c.run('CREATE TABLE stored AS SELECT range AS pid, range * 2 AS w FROM range(10)');
  c.closeSync();
  instance.closeSync();
  return path;
}

const plain = (rows: readonly Record<string, unknown>[]) => JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v));

describe('a read-only database opened together with declared CSV files', () => {
  it('the reader choice (temporary sequence, variable) decides each version; answers as the text path; the database file unchanged', async () => {
    const db = await database();
    const before = readFileSync(db);
    for (const bad of [false, true]) {
      const csv = join(dir, `t-${bad}.csv`);
      const lines = Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${bad && i === 7 ? 'x' : String(i / 2)},s${i % 2}`);
      writeFileSync(csv, `pid,a,b,s\n${lines.join('\n')}\n`);
      const engine = await DuckDbEngine.open({ database: db, files: { t: csv }, columnTypes: { t: DECLARED } });
      try {
        expect(await readerState(engine)).toBe('force');
        // The catalog step reads the file's view (in the temporary catalog) and the stored table.
        const catalog = await engine.catalog(['t', 'stored']);
        expect([...(catalog.get('t')?.keys() ?? [])].sort()).toEqual(['a', 'b', 'pid', 's']);
        expect([...(catalog.get('stored')?.keys() ?? [])].sort()).toEqual(['pid', 'w']);
        const grouped = await engine.query({
          sql: 'SELECT a, COUNT(*) AS n, SUM(b) AS sb FROM t WHERE a IN (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) GROUP BY a ORDER BY a',
          params: [],
        });
        // Text path: b is NULL on the bad line (TRY_CAST), the line kept.
        const sum = (a: number) => lines.reduce((s, _, i) => s + (i % 3 === a && !(bad && i === 7) ? i / 2 : 0), 0);
        expect(plain(grouped)).toBe(
          plain([0, 1, 2].map((a) => ({ a: String(a), n: String(a === 0 ? 7 : 7 - (a === 2 ? 1 : 0)), sb: sum(a) }))),
        );
        expect(await readerState(engine)).toBe(bad ? 'text' : 'typed');
        const joined = await engine.query({
          sql: 'SELECT COUNT(*) AS n, SUM(stored.w) AS sw FROM t JOIN stored ON t.pid = stored.pid',
          params: [],
        });
        expect(plain(joined)).toBe(plain([{ n: '10', sw: '90' }]));
        // The database stays read-only: writing to it fails (and is refused before DuckDB as a non-SELECT).
        await expect(engine.query({ sql: 'CREATE TABLE x (i INTEGER)', params: [] })).rejects.toThrow();
      } finally {
        await engine.close();
      }
    }
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it('a declared file named like a stored table: the catalog and the statements both see the file (the temporary view is found first)', async () => {
    const db = await database();
    const csv = join(dir, 'shadow.csv');
    writeFileSync(csv, 'pid,a,b,s\n1,2,0.5,x\n2,3,1.5,y\n3,4,2.5,z\n');
    const engine = await DuckDbEngine.open({ database: db, files: { stored: csv }, columnTypes: { stored: DECLARED } });
    try {
      const catalog = await engine.catalog(['stored']);
      expect([...(catalog.get('stored')?.keys() ?? [])].sort()).toEqual(['a', 'b', 'pid', 's']);
      const rows = await engine.query({ sql: 'SELECT COUNT(*) AS n, SUM(a) AS sa FROM stored', params: [] });
      expect(plain(rows)).toBe(plain([{ n: '3', sa: '9' }]));
    } finally {
      await engine.close();
    }
  });
});
