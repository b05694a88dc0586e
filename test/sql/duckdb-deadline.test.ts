/**
 * The DuckDB engine's statement deadline holds even when DuckDB never returns (the CI hang of 2026-12-06: one
 * DuckDB call did not settle and the test waited until vitest killed it). A read blocked on a named pipe (FIFO)
 * is a statement DuckDB cannot interrupt: it returns only when the pipe gets a writer. Each test releases the pipe
 * only AFTER it has seen the ENGINE_ERROR, so the error provably came while DuckDB was still inside the statement.
 * No test measures time (the deadlines are short, the blocked read lasts until released; the statement after it
 * waits for `whenIdle`, so how fast DuckDB returns on a loaded machine does not matter).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

const ENGINE_ERROR = {
  code: 'ENGINE_ERROR',
  // The one engine error, naming the pinned limits (src/sql/engines/resource-limits.ts), never the cause.
  message: expect.stringMatching(
    /^ENGINE_ERROR: the duckdb engine could not run the query within its limits \(statement deadline 1000 ms, memory_limit \d+ bytes, spill to disk up to DuckDB's default size\) or failed \(the reason is withheld because it may depend on the data\)$/,
  ),
};

/** A FIFO and the statement that blocks reading it. */
function blockedRead(): { sql: string; release: () => Promise<void> } {
  const fifo = join(mkdtempSync(join(tmpdir(), 'tsdp-fifo-')), 'blocked.csv');
  execFileSync('mkfifo', [fifo]);
  return {
    sql: `SELECT COUNT(*) AS n FROM read_csv('${fifo}', auto_detect = false, header = false, columns = {'a': 'VARCHAR'})`,
    // Opening for writing waits for DuckDB's reader (it is inside the statement); closing gives it end-of-file.
    release: async () => {
      const w = await open(fifo, 'w');
      await w.write('1\n');
      await w.close();
    },
  };
}

describe('DuckDB statement deadline', () => {
  it('fails a statement DuckDB cannot interrupt with ENGINE_ERROR once the grace after its deadline ends; the next one waits for DuckDB within its own deadline', async () => {
    const engine = await DuckDbEngine.open({ allowExternalAccess: true, statementTimeoutMs: 1000 });
    const pipe = blockedRead();
    try {
      await expect(engine.query({ sql: pipe.sql, params: [] })).rejects.toMatchObject(ENGINE_ERROR);
      // DuckDB is still blocked in the read: a statement queued behind it fails at its own deadline and never runs.
      await expect(engine.query({ sql: 'SELECT 42 AS x', params: [] })).rejects.toMatchObject(ENGINE_ERROR);
      await pipe.release();
      await engine.whenIdle();
      // Once DuckDB has returned, the connection serves statements again.
      await expect(engine.query({ sql: 'SELECT 42 AS x', params: [] })).resolves.toEqual([{ x: 42 }]);
    } finally {
      await engine.close();
    }
  }, 30_000);

  it('close() does not wait for a statement DuckDB has not returned from, and nothing runs after it', async () => {
    const engine = await DuckDbEngine.open({ allowExternalAccess: true, statementTimeoutMs: 1000 });
    const pipe = blockedRead();
    await expect(engine.query({ sql: pipe.sql, params: [] })).rejects.toMatchObject(ENGINE_ERROR);
    // DuckDB still holds the connection: close must return without freeing it under DuckDB (which would block).
    await expect(engine.close()).resolves.toBeUndefined();
    await expect(engine.query({ sql: 'SELECT 42 AS x', params: [] })).rejects.toMatchObject(ENGINE_ERROR);
    await pipe.release();
  }, 30_000);

  it('an interrupt that arrives between statements does not touch the next statement', async () => {
    const engine = await DuckDbEngine.open({ allowExternalAccess: true });
    try {
      engine.connection.interrupt();
      await expect(engine.query({ sql: 'SELECT 42 AS x', params: [] })).resolves.toEqual([{ x: 42 }]);
    } finally {
      await engine.close();
    }
  });

  it('a deadline that passes before a further DuckDB statement of the same call stops the call there: a changed file whose whole-file check outlasts the deadline is not rebuilt after it (DuckDB drops the interrupt sent before a statement starts)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-gap-'));
    const path = join(dir, 't.csv');
    const rows = (bad: boolean) => {
      const lines = ['pid,a'];
      for (let i = 0; i < 400_000; i++) lines.push(`${i},${bad && i === 399_999 ? 'x' : i % 9}`);
      return `${lines.join('\n')}\n`;
    };
    writeFileSync(path, rows(false));
    // A 1 ms deadline: the Node check of the new version (≈ 4 MB read and scanned) passes it before the rebuild's
    // first DuckDB statement; before rule 4 the rebuild went on after the interrupt (sent while no statement ran).
    const engine = await DuckDbEngine.open({
      files: { t: path },
      columnTypes: { t: { pid: 'integer', a: 'integer' } },
      statementTimeoutMs: 1,
    });
    const view = async () =>
      String((await engine.connection.runAndReadAll("SELECT sql FROM duckdb_views() WHERE view_name = 't'")).getRowsJS()[0]?.[0]);
    try {
      const before = await view();
      expect(before).toMatch(/'BIGINT'/); // typed: every field of this version parses
      writeFileSync(path, `${rows(true)}1,2\n`); // a new version whose typed reader would be refused (text view)
      await expect(engine.query({ sql: 'SELECT COUNT(*) AS n FROM t', params: [] })).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
      await engine.whenIdle();
      expect(await view()).toBe(before); // nothing ran after the deadline: the view was not rebuilt
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('statements sent together run one at a time, in order, each answered', async () => {
    const engine = await DuckDbEngine.open({ allowExternalAccess: true });
    try {
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          engine.query({ sql: `SELECT ${i} AS i, COUNT(*) AS n FROM range(${1000 * (i + 1)})`, params: [] }),
        ),
      );
      expect(answers).toEqual(Array.from({ length: 12 }, (_, i) => [{ i, n: BigInt(1000 * (i + 1)) }]));
    } finally {
      await engine.close();
    }
  });
});
