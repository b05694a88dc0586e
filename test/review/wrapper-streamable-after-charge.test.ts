/**
 * review, stop 24 (acct's `SqlEngine.snapshot`, wip/acct working tree at 16:35 UTC): class "the check before the
 * charge and the path after it read different objects". `checkStreamable` (before the charge) asks whether the
 * engine the query was given has `queryChunks`; the server's wrappers (`EnginePool`/`SerialEngine`,
 * `ExactAggregateCache`) always have one — over an engine without it, `forwardQueryChunks` hands the engine's `query`
 * on in chunks. The release after the charge streams through the snapshot reader instead, and `forwardSnapshot` over
 * an engine without `snapshot` gives `ownStatements(inner)`: the INNER engine's hooks, so no `queryChunks`, and
 * `releaseStreamedQuantiles` throws INTERNAL "a streamed quantile histogram on an engine that cannot stream" — charged.
 * On main the same query is answered through the wrapper's fallback.
 * The engine here is a plain `SqlEngine` with DuckDB's dialect (a caller's own engine, or any engine a server wraps
 * that lacks the hook). Expected: answered (as on main), or refused before the charge — never an error after it.
 * Fix direction: `forwardSnapshot`'s reader for an engine without `snapshot` streams as `forwardQueryChunks` does (or
 * `checkStreamable` asks the same object the release reads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialEngine } from '../../src/server/engine-pool.js';
import { ExactAggregateCache } from '../../src/server/exact-aggregate-cache.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({});
  await duck.connection.run('CREATE TABLE t AS SELECT i::BIGINT AS pid, ((i * 37) % 1001)::BIGINT AS x FROM range(1, 51) r(i)');
});
afterAll(() => duck.close());

describe('review stop 24: a server wrapper over an engine without queryChunks, a streamed quantile', () => {
  const schema = parseSqlSchema({
    dataset: 'review_wrap',
    budget: { epsilon: 1e6 },
    tables: {
      t: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: { pid: { type: 'integer' }, x: { type: 'integer', lower: 0, upper: 1000 } },
      },
    },
  });
  const plain = (): SqlEngine => ({
    dialect: duck.dialect,
    catalog: (t) => duck.catalog(t),
    query: (s) => duck.query(s),
    close: async () => {},
  });
  for (const [name, wrap] of [
    ['SerialEngine', (e: SqlEngine): SqlEngine => new SerialEngine(e)],
    ['ExactAggregateCache', (e: SqlEngine): SqlEngine => new ExactAggregateCache(e)],
  ] as const) {
    it(`${name}: answered, or refused with nothing charged — never an error after the charge`, async () => {
      const ledger = new MemoryLedger();
      const outcome = await runDpSql({
        sql: 'SELECT MEDIAN(x) AS m FROM t',
        schema,
        engine: wrap(plain()),
        ledger,
        epsilon: 1,
        rng: new SeededRandomSource(1),
      }).then(
        (r) => ({ answered: r.rows.length === 1, charged: ledger.charges.length }),
        (e: unknown) => ({ code: (e as { code?: string }).code, charged: ledger.charges.length }),
      );
      if ('answered' in outcome) expect(outcome).toEqual({ answered: true, charged: 1 });
      else expect(outcome.charged).toBe(0);
    });
  }
});
