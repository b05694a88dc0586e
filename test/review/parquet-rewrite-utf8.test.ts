/**
 * Review session 10b (review2), re-attack of S49's fix (duckdb.ts: every text column of a Parquet file read once at
 * open; a file changed after open "checked again before the next statement", watched by identity as CSV).
 *
 * S53 (S49's class 3 through the identity watch): the re-check runs in `query` → `refreshChanged`, i.e. inside the
 * statement's own call, AFTER runDpSql has charged; a rebuilt Parquet view that the check refuses becomes
 * ENGINE_ERROR after the charge. (A CSV rebuild cannot fail on a value — bad lines are dropped alone — so the watch
 * was safe there.) A file replaced while the engine is open (a long-running server, a nightly export) whose new
 * version holds one person's non-UTF-8 text: every query is charged, then fails; the same file without that person:
 * answered. Measured for a rename over the file, an in-place overwrite, and an in-place overwrite with the old
 * mtime restored (the identity's ctime/size still move): CHARGED-ERROR ENGINE_ERROR each time.
 *
 * Held (session 10b, same open-time check): invalid UTF-8 inside STRUCT(s VARCHAR), VARCHAR[], MAP(VARCHAR, INTEGER),
 * a dictionary-encoded column, a column written from an ENUM, a column named `na"me x`, the value in the last of 20
 * row groups: refused at open (clean controls open); JSON- and BLOB-typed columns declared string: refused by the
 * catalog check before any charge; a glob path: NOT_FOUND at open.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'review2-parquet-rewrite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 199 people (pid, name); with `bad`, person 42's name holds the bytes FF FE (uncompressed pages, patched). */
async function parquet(path: string, bad: boolean): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const name = bad ? "CASE WHEN i = 42 THEN 'QQMARKQQ' ELSE 'name' || i END" : "'name' || i";
  await c.run(`COPY (SELECT i AS pid, ${name} AS name FROM range(1, 200) r(i)) TO '${path}' (FORMAT parquet, COMPRESSION uncompressed)`);
  c.closeSync();
  instance.closeSync();
  if (bad) {
    const bytes = readFileSync(path);
    let patched = 0;
    for (let at = bytes.indexOf('QQMARKQQ'); at >= 0; at = bytes.indexOf('QQMARKQQ', at + 1)) {
      bytes[at + 2] = 0xff;
      bytes[at + 3] = 0xfe;
      patched++;
    }
    if (patched === 0) throw new Error('fixture: marker not found');
    writeFileSync(path, bytes);
  }
  return path;
}

const schema = parseSqlSchema({
  dataset: 'parquet_rewrite',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, name: { type: 'string' } },
    },
  },
});

async function outcome(engine: DuckDbEngine, sql: string): Promise<string> {
  const ledger = new MemoryLedger();
  try {
    await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) });
    return 'answered';
  } catch (e) {
    return ledger.charges.length === 0 ? 'refused' : `charged-error ${(e as { code?: string }).code}`;
  }
}

const SQL = "SELECT COUNT(*) AS n FROM t WHERE lower(name) LIKE 'n%'";

/** Open a clean file, replace it by `next` (rename over it), then run SQL once. */
async function afterReplace(tag: string, nextBad: boolean): Promise<string> {
  const path = await parquet(join(dir, `${tag}.parquet`), false);
  const next = await parquet(join(dir, `${tag}-next.parquet`), nextBad);
  const engine = await DuckDbEngine.open({ files: { t: path } });
  try {
    expect(await outcome(engine, SQL)).toBe('answered');
    renameSync(next, path);
    return await outcome(engine, SQL);
  } finally {
    await engine.close();
  }
}

describe('review2 S53: a Parquet file replaced after open is re-checked after the charge', () => {
  it('control: replaced by a clean version, the next query is answered', async () => {
    expect(await afterReplace('clean', false)).toBe('answered');
  }, 60_000);
  it('S53 fixed: replaced by a version where one person is not UTF-8, the next query is refused before the charge (DuckDbEngine.preflight rebuilds changed views)', async () => {
    // Closed when the outcome does not depend on that person after a charge: answered, or refused before any charge.
    expect(await afterReplace('bad', true)).toBe('refused');
  }, 60_000);
});
