/**
 * `DuckDbEngine.queryChunks` (engines/duckdb-stream.ts): a statement's rows handed on in chunks of the public size
 * asked for, never more than one chunk held by the consumer, and the same rows in the same order as `query`
 * (generative over row counts, chunk sizes and a bound parameter: fast-check seed 2203). A DuckDB failure is the one
 * ENGINE_ERROR, and so is a consumer's error (the stream is one call of the engine's deadline queue).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import type { EngineRow } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { DECLARED, readerState, versionArb, versionText } from './csv-reader-state.js';

let engine: DuckDbEngine;
beforeAll(async () => {
  engine = await DuckDbEngine.open();
  await engine.connection.run('CREATE TABLE t AS SELECT i AS g, (i * 7919) % 10007 AS bin FROM range(20000) r(i)');
});
afterAll(async () => {
  await engine.close();
});

describe('DuckDbEngine.queryChunks', () => {
  it('hands on the rows of query, in order, in chunks of exactly the size asked (the last shorter) (seed 2203)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 5000 }), async (limit, chunkRows) => {
        const statement = {
          sql: 'SELECT g % 97 AS grp, bin FROM t WHERE g < $1 ORDER BY grp, bin, g',
          params: [{ type: 'bigint' as const, value: BigInt(limit) }],
        };
        const all = await engine.query(statement);
        const chunks: EngineRow[][] = [];
        await engine.queryChunks(statement, chunkRows, (rows) => {
          chunks.push(rows);
        });
        expect(chunks.flat()).toEqual(all);
        chunks.forEach((c, k) => {
          if (k < chunks.length - 1) expect(c.length).toBe(chunkRows);
          else expect(c.length >= 1 && c.length <= chunkRows).toBe(true);
        });
        expect(chunks.length).toBe(Math.ceil(all.length / chunkRows));
      }),
      { seed: 2203, numRuns: 12 },
    );
  }, 120_000);

  it("a DuckDB failure is ENGINE_ERROR without DuckDB's message, a consumer's error too; the engine answers after", async () => {
    const bad = { sql: "SELECT CAST('secret-value' AS INTEGER) AS x FROM t", params: [] };
    const e1 = await engine.queryChunks(bad, 10, () => {}).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(DpError);
    expect((e1 as DpError).code).toBe('ENGINE_ERROR');
    expect((e1 as DpError).message).not.toContain('secret');
    const e2 = await engine
      .queryChunks({ sql: 'SELECT g FROM t', params: [] }, 10, () => {
        throw new Error('consumer secret');
      })
      .catch((e: unknown) => e);
    expect((e2 as DpError).code).toBe('ENGINE_ERROR');
    expect((e2 as DpError).message).not.toContain('secret');
    // The engine still answers after both.
    expect(await engine.query({ sql: 'SELECT count(*) AS n FROM t', params: [] })).toEqual([{ n: 20000n }]);
  });
});

describe('DuckDbEngine.queryChunks on a declared CSV whose reader is undecided (duckdb-csv-choice.ts)', () => {
  it('decides the reader by its own scan first, so a field that does not parse never fails the stream: the rows of query (seed 2204)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-csv-'));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(versionArb(40, ['x', '1e400', ' 1x'], 2), async (v) => {
        const path = join(dir, `f${++n}.csv`);
        writeFileSync(path, versionText(v));
        const streamed = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
        const queried = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: DECLARED } });
        try {
          const statement = { sql: 'SELECT pid, a, b, s FROM t ORDER BY pid NULLS FIRST, s', params: [] };
          const got: EngineRow[] = [];
          await streamed.queryChunks(statement, 7, (rows) => {
            got.push(...rows);
          });
          expect(got).toEqual(await queried.query(statement));
          expect(await readerState(streamed)).not.toBe('force');
        } finally {
          await streamed.close();
          await queried.close();
        }
      }),
      { seed: 2204, numRuns: 15 },
    );
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
