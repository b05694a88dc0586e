/**
 * `PostgresEngine.queryChunks` (a server-side cursor inside the query's transaction; src/sql/engines/postgres.ts), with
 * TSDP_TEST_POSTGRES_URL:
 * - generative (fast-check seed 2231, 25 runs): for n rows and a chunk size c, the chunks, concatenated, are
 *   `query`'s rows in the statement's order, every chunk but the last has exactly c rows, none is empty, and the
 *   next FETCH is sent only after a chunk's consumer settled (the class-11 rule: one chunk held);
 * - every failure is the one ENGINE_ERROR: the server's (a division by zero in the third chunk), the consumer's, the
 *   deadline (a chunk consumer slower than the statement deadline), a chunk size outside [1, 2¹⁶]; the engine still
 *   answers after each (the transaction rolled back, the connection released).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineRow } from '../../src/sql/engine.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';

const URL = process.env.TSDP_TEST_POSTGRES_URL;
let engine: PostgresEngine;
let slow: PostgresEngine;

beforeAll(async () => {
  if (!URL) return;
  engine = await PostgresEngine.open({ connectionString: URL });
  slow = await PostgresEngine.open({ connectionString: URL, statementTimeoutMs: 300 });
});
afterAll(async () => {
  await engine?.close();
  await slow?.close();
});

const series = (n: number) => ({
  sql: 'SELECT i, $1::bigint - i AS j FROM generate_series(1, $2::bigint) i ORDER BY i',
  params: [
    { value: 1000n, type: 'bigint' as const },
    { value: BigInt(n), type: 'bigint' as const },
  ],
});

async function chunked(e: PostgresEngine, statement: unknown, chunkRows: number, onChunk?: () => void): Promise<EngineRow[][]> {
  const chunks: EngineRow[][] = [];
  await e.queryChunks(statement as never, chunkRows, async (rows) => {
    onChunk?.();
    await new Promise((r) => setTimeout(r, 1));
    chunks.push(rows);
  });
  return chunks;
}

describe.skipIf(!URL)('PostgresEngine.queryChunks (server-side cursor)', () => {
  it('generative: the chunks are the rows in order, full but the last, one consumed at a time (seed 2231)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 64 }), async (n, c) => {
        let inFlight = 0;
        let most = 0;
        const chunks: EngineRow[][] = [];
        await engine.queryChunks(series(n) as never, c, async (rows) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((r) => setTimeout(r, 0));
          chunks.push(rows);
          inFlight--;
        });
        const all = await engine.query(series(n) as never);
        expect(chunks.flat()).toEqual(all);
        expect(chunks.every((ch, i) => ch.length > 0 && ch.length <= c && (i === chunks.length - 1 || ch.length === c))).toBe(true);
        expect(chunks.length).toBe(Math.ceil(n / c));
        expect(most).toBeLessThanOrEqual(1);
      }),
      { seed: 2231, numRuns: 25 },
    );
  }, 120_000);

  it('every failure is the one ENGINE_ERROR, and the engine answers after it', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        (e: { code?: string }) => String(e.code),
      );
    const failing = { sql: 'SELECT 1 / (i - 9) AS v FROM generate_series(1, 20) i ORDER BY i', params: [] };
    expect(await code(chunked(engine, failing, 4))).toBe('ENGINE_ERROR');
    expect(
      await code(
        chunked(engine, series(20), 4, () => {
          throw new Error('consumer');
        }),
      ),
    ).toBe('ENGINE_ERROR');
    const waits = engine.queryChunks(series(20) as never, 2, () => new Promise((r) => setTimeout(r, 0)));
    expect(await code(waits)).toBe('answered');
    expect(await code(chunked(slow, series(20), 2, () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120)))).toBe(
      'ENGINE_ERROR',
    );
    for (const c of [0, 1.5, 2 ** 16 + 1, Number.NaN]) expect(await code(chunked(engine, series(3), c))).toBe('ENGINE_ERROR');
    expect(await engine.query(series(3) as never)).toHaveLength(3);
    expect(await slow.query(series(3) as never)).toHaveLength(3);
  }, 60_000);
});
