/**
 * Review S35 (session 8; class 11 "public-cause failures are charged"): `PostgresEngine.catalog` accepts a
 * MATERIALIZED VIEW (relkind 'm', S29's stored-only rule) without asking whether it is populated. A materialized view
 * created `WITH NO DATA` (or not yet refreshed after a restore) cannot be scanned: PostgreSQL raises "materialized view
 * has not been populated" for every query — a public fact of the catalog (`pg_class.relispopulated`) — and tsdp
 * charges first, then fails with ENGINE_ERROR ("the reason … may depend on the data", which is false here).
 *
 * Rule that would close the class: every public precondition of reading a declared relation is checked at the catalog
 * step, before the charge — for PostgreSQL: relkind, populated (`relispopulated`), SELECT privilege of the query role
 * (already checked), no foreign/RLS parts (S31/S31b); for each engine the list of "cannot be read" states it knows.
 * Owner: sqlrun (engines/postgres.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

let admin: pg.Client;
let engine: PostgresEngine;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: postgresTestUrl() });
  await admin.connect();
  await admin.query(`DROP MATERIALIZED VIEW IF EXISTS review_mv; DROP TABLE IF EXISTS review_mv_raw;
    CREATE TABLE review_mv_raw (pid BIGINT, age INTEGER);
    INSERT INTO review_mv_raw SELECT i, 20 + i % 50 FROM generate_series(1, 100) AS i;
    CREATE MATERIALIZED VIEW review_mv AS SELECT pid, age FROM review_mv_raw WITH NO DATA`);
  engine = await PostgresEngine.open({ connectionString: postgresTestUrl() });
}, 60_000);
afterAll(async () => {
  await engine?.close();
  await admin?.query('DROP MATERIALIZED VIEW IF EXISTS review_mv; DROP TABLE IF EXISTS review_mv_raw');
  await admin?.end();
});

const schema = parseSqlSchema({
  dataset: 'review_mv',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    review_mv: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, age: { type: 'integer', lower: 0, upper: 120 } },
    },
  },
});

describe('review S35: an unpopulated PostgreSQL materialized view', () => {
  // Was BUG S35; fixed on main 8821b45 (sqlrun 9d5e22f: an unpopulated materialized view is refused before the charge).
  it('regression S35: a query over a materialized view created WITH NO DATA is refused before the charge, never charged then ENGINE_ERROR', async () => {
    const ledger = new MemoryLedger();
    const result = await runDpSql({
      sql: 'SELECT COUNT(*) AS n FROM review_mv',
      schema,
      engine,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(1),
    }).then(
      () => 'answered',
      (e: { code?: string }) => String(e.code),
    );
    // Refused before the charge (or answered) — never a charge followed by an engine error.
    expect({ result, charged: ledger.charges.length }).not.toEqual({ result: 'ENGINE_ERROR', charged: 1 });
    expect(result === 'answered' || ledger.charges.length === 0).toBe(true);
  }, 60_000);
});
