/**
 * Class "the check before the charge and the path after it read different objects" (review stop 24; the rule:
 * `run-dp-sql.ts` `readerChunks`, `SnapshotReader.queryChunks`). `checkStreamable` asks the engine given to `runDpSql`
 * before the charge; the streamed passes after it read the snapshot reader. Generative over the server's wrappers
 * (none, SerialEngine, EnginePool, ExactAggregateCache, the cache over a SerialEngine) × engines with and without
 * `snapshot` and `queryChunks` (DuckDB underneath, its own hooks kept or dropped): a streamed MEDIAN is answered with
 * the bare engine's value (same seed), or refused with nothing charged — never an error after the charge.
 * No statistics: no failure probability.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnginePool, SerialEngine } from '../../src/server/engine-pool.js';
import { ExactAggregateCache } from '../../src/server/exact-aggregate-cache.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';
import { snapshotSchema } from './snapshot-wrap.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({});
  await duck.connection.run(
    "CREATE TABLE t AS SELECT i::BIGINT AS pid, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS g, ((i * 37) % 1001)::BIGINT AS x FROM range(1, 81) r(i)",
  );
});
afterAll(() => duck.close());

const schema = snapshotSchema('wrappers_stream');

/** DuckDB with only the chosen hooks (a caller's own engine, or one a server wraps). */
function withHooks(hooks: { chunks: boolean; snapshot: boolean }): SqlEngine {
  return {
    dialect: duck.dialect,
    catalog: (t) => duck.catalog(t),
    query: (s) => duck.query(s),
    ...(hooks.chunks ? { queryChunks: (s, n, on) => duck.queryChunks(s, n, on) } : {}),
    ...(hooks.snapshot ? { snapshot: (work) => duck.snapshot(work) } : {}),
    close: async () => {},
  };
}

const wrappers: Record<string, (e: SqlEngine) => SqlEngine> = {
  none: (e) => e,
  SerialEngine: (e) => new SerialEngine(e),
  EnginePool: (e) => new EnginePool([e]),
  ExactAggregateCache: (e) => new ExactAggregateCache(e),
  'cache over SerialEngine': (e) => new ExactAggregateCache(new SerialEngine(e)),
};

/** The query's outcome and the charges it made. */
async function outcome(engine: SqlEngine, sql: string, seed: number) {
  const ledger = new MemoryLedger();
  return runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(seed) }).then(
    (r) => ({ rows: r.rows, charged: ledger.charges.length }),
    (e: unknown) => ({ code: (e as { code?: string }).code, charged: ledger.charges.length }),
  );
}

describe('a streamed quantile through any wrapper over any engine: answered as the bare engine, or refused uncharged', () => {
  it('generative over wrappers × hooks × grouping (seed 2425)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(wrappers)),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('SELECT MEDIAN(x) AS m FROM t', 'SELECT g, MEDIAN(x) AS m FROM t GROUP BY g'),
        fc.integer({ min: 1, max: 1_000_000 }),
        async (wrapper, chunks, snapshot, sql, seed) => {
          const engine = (wrappers[wrapper] as (e: SqlEngine) => SqlEngine)(withHooks({ chunks, snapshot }));
          const got = await outcome(engine, sql, seed);
          if ('code' in got) {
            // Refused before the charge: only an engine (as given) without queryChunks, nothing spent.
            expect(got).toEqual({ code: 'UNSUPPORTED_QUERY', charged: 0 });
            expect(typeof engine.queryChunks).not.toBe('function');
          } else {
            expect(got).toEqual(await outcome(duck, sql, seed));
          }
        },
      ),
      { seed: 2425, numRuns: 30 },
    );
  }, 120_000);
});
