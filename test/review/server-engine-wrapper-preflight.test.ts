/**
 * Review S45b (session 9; class 11 "a public-cause failure charged" — a re-attack of S45's fix on the server's query
 * path): S45's fix (trust 381a717) adds an OPTIONAL `SqlEngine.preflight` — PostgreSQL EXPLAINs every compiled
 * statement as the query role before the charge, so a revoked EXECUTE on a built-in is INVALID_SCHEMA, uncharged —
 * and `runDpSql` calls `engine.preflight?.(…)`. The server wraps engines: a data set with `exactAggregateCache: true`
 * runs on `new ExactAggregateCache(engine)` (src/server/datasets.ts, for PostgreSQL data sets too), and DuckDB data
 * sets on an `EnginePool`. Neither wrapper has `preflight`, so through them the optional step is silently skipped:
 * the revoked-EXECUTE database of S45 is charged, then ENGINE_ERROR, on the server's path. (On main before the fix
 * the same holds for every path; this test keeps failing until the wrappers forward the step.)
 *
 * Rule that would close the class: a wrapper of an engine forwards every optional public-check hook (or the hook is
 * not optional: `SqlEngine` requires it, with a no-op for engines that have no such cause), and a test runs the public
 * checks through each server wrapper. Owner: server (exact-aggregate-cache.ts, engine-pool.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExactAggregateCache } from '../../src/server/exact-aggregate-cache.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

const DB = 'review_wrapper_s45b';
const ROLE = 'review_wrapper_reader';
const schema = parseSqlSchema({
  dataset: 'review_wrapper',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    s: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, name: { type: 'string', categories: ['n0', 'n1'] } },
    },
  },
});

describe('review S45b: the server’s engine wrappers and the optional preflight', () => {
  let admin: pg.Client;
  let inner: PostgresEngine;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE}; END IF; END $$`,
    );
    const c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
    await c.connect();
    await c.query(`CREATE TABLE s (pid bigint, name text);
      INSERT INTO s SELECT i, 'n' || (i % 3) FROM generate_series(1, 100) AS i;
      GRANT SELECT ON s TO ${ROLE};
      REVOKE EXECUTE ON FUNCTION hashtextextended(text, bigint) FROM PUBLIC`);
    await c.end();
    inner = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB), readerRole: ROLE });
  }, 60_000);
  afterAll(async () => {
    await inner?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin?.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin?.end();
  });

  it('S45b (fixed): through ExactAggregateCache (a PostgreSQL data set with exactAggregateCache: true) the grouped query is not charged, then ENGINE_ERROR', async () => {
    const engine = new ExactAggregateCache(inner);
    const ledger = new MemoryLedger();
    const result = await runDpSql({
      sql: 'SELECT name, COUNT(*) AS n FROM s GROUP BY name',
      schema,
      engine,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(3),
    }).then(
      () => 'answered',
      (e: { code?: string }) => String(e.code),
    );
    expect({ result, chargedThenFailed: result !== 'answered' && ledger.charges.length > 0 }).toEqual({ result, chargedThenFailed: false });
  }, 60_000);
});
