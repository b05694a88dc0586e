/**
 * `DuckDbEngine.queryChunks` (engines/duckdb-stream.ts): a statement's rows handed on in chunks of the public size
 * asked for, never more than one chunk held by the consumer, and the same rows in the same order as `query`
 * (generative over row counts, chunk sizes and a bound parameter: fast-check seed 2203). A DuckDB failure is the one
 * ENGINE_ERROR, and so is a consumer's error (the stream is one call of the engine's deadline queue).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import type { EngineRow } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

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
