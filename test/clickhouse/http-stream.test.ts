/**
 * `clickhouseQueryChunks` (src/sql/engines/clickhouse-stream.ts), on one server of the test cluster: the chunks are
 * exactly `clickhouseQuery`'s rows in order, every chunk full but the last, one consumed at a time (the body paused
 * while a chunk is consumed), text with every escape and invalid UTF-8 read as `clickhouseQuery` reads it
 * (generative, fast-check seed 2404); a server error, a deadline and a consumer's error are the one ENGINE_ERROR.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseEndpoint, clickhouseQuery } from '../../src/sql/engines/clickhouse-http.js';
import { clickhouseQueryChunks } from '../../src/sql/engines/clickhouse-stream.js';
import { clickhouseAvailable, type TestCluster, testCluster } from './cluster.js';

let cluster: TestCluster;
let server: ClickHouseEndpoint;

/** Rows 0 … n − 1: a number, a text with TSV escapes (tab, LF, backslash, quote), an invalid UTF-8 text every 7th, a NULL every 5th. */
const series = (n: number) =>
  `SELECT number AS i, concat(toString(number), '\\t\\n\\\\''x') AS s, if(number % 7 = 3, unhex('FF'), 'ok') AS b,
     if(number % 5 = 0, NULL, number * 2) AS m FROM system.numbers LIMIT ${n}`;

describe.skipIf(!clickhouseAvailable)('ClickHouse: one statement read line by line in chunks', () => {
  beforeAll(() => {
    cluster = testCluster();
    server = { base: cluster.shards[0] as string, database: 'default' };
  });
  afterAll(() => cluster?.stop?.());

  it('chunks = the rows of clickhouseQuery, in order, full but the last, one consumed at a time (seed 2404)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 700 }), async (n, chunkRows) => {
        const whole = await clickhouseQuery(server, series(n), 30_000);
        const got: unknown[][] = [];
        const sizes: number[] = [];
        let consuming = false;
        await clickhouseQueryChunks(server, series(n), 30_000, chunkRows, async (chunk) => {
          expect(consuming).toBe(false);
          consuming = true;
          expect(chunk.names).toEqual(whole.names);
          expect(chunk.types).toEqual(whole.types);
          sizes.push(chunk.rows.length);
          for (const row of chunk.rows) got.push([...row]);
          await new Promise((r) => setTimeout(r, 0));
          consuming = false;
        });
        expect(got).toEqual(whole.rows.map((row) => [...row]));
        expect(sizes.slice(0, -1).every((s) => s === chunkRows)).toBe(true);
        expect(sizes.length).toBe(Math.ceil(n / chunkRows));
      }),
      { seed: 2404, numRuns: 20 },
    );
  }, 120_000);

  it('a server error, a deadline, a bad chunk size and a consumer error are the one ENGINE_ERROR', async () => {
    const one = async (f: () => Promise<void>) =>
      f().then(
        () => 'answered',
        (e: unknown) => ({ code: (e as { code?: string }).code, message: (e as Error).message }),
      );
    const expected = await one(() => clickhouseQuery(server, 'SELECT throwIf(1)', 30_000).then(() => {}));
    expect(expected).toMatchObject({ code: 'ENGINE_ERROR' });
    const none = () => {};
    expect(await one(() => clickhouseQueryChunks(server, 'SELECT throwIf(number = 3000) FROM numbers(5000)', 30_000, 10, none))).toEqual(
      expected,
    );
    expect(await one(() => clickhouseQueryChunks(server, 'SELECT sleepEachRow(0.5) FROM numbers(10)', 1_000, 2, none))).toEqual(
      expect.objectContaining({ code: 'ENGINE_ERROR' }),
    );
    expect(await one(() => clickhouseQueryChunks(server, series(10), 30_000, 0, none))).toEqual(expected);
    expect(
      await one(() =>
        clickhouseQueryChunks(server, series(100), 30_000, 10, () => {
          throw new Error('consumer');
        }),
      ),
    ).toEqual(expected);
    // The server answers after each failure.
    expect((await clickhouseQuery(server, 'SELECT 1 AS one', 30_000)).rows).toEqual([[1n]]);
  }, 60_000);
});
