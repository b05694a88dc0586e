/**
 * Review S45 (session 9; class 11 "a public-cause failure charged"): the PostgreSQL catalog step checks that the
 * query role may SELECT the declared tables and columns (held: column grants are refused NOT_FOUND before the
 * charge), but not that it may EXECUTE the built-in functions the compiled SQL calls. A hardened database that
 * revokes EXECUTE on a built-in from PUBLIC (`REVOKE EXECUTE ON FUNCTION hashtextextended(text, bigint) FROM PUBLIC` —
 * the function the salted bounding order of every grouped statement calls) makes every such query charged, then
 * ENGINE_ERROR ("permission denied for function …", withheld as "may depend on the data", which is false): the
 * privilege is catalog, public, and checked by PostgreSQL at executor start whatever the rows.
 *
 * Rule that would close the class: before the charge, check `has_function_privilege(reader, oid, 'EXECUTE')` for
 * every function (and operator function) the dialect can emit — or, more generally, plan every compiled statement
 * (`EXPLAIN`, which runs the executor's permission checks without reading a row) as the query role before the
 * charge, so that any public cause of failure is found first. Owner: trust (sql: engines/postgres.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

const DB = 'review_fnpriv_s45';
const ROLE = 'review_fnpriv_reader';
const schema = parseSqlSchema({
  dataset: 'review_fnpriv',
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

describe('review S45: EXECUTE on a built-in the compiled SQL calls, revoked from PUBLIC', () => {
  let admin: pg.Client;
  let engine: PostgresEngine;
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
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB), readerRole: ROLE });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin?.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin?.end();
  });

  it('S45 (fixed: EXPLAIN preflight as the query role before the charge): a grouped query is refused before the charge or answered, never charged then failed', async () => {
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
    // Answered, or refused before the charge (nothing charged): never charged and then failed.
    expect({ result, chargedThenFailed: result !== 'answered' && ledger.charges.length > 0 }).toEqual({ result, chargedThenFailed: false });
  }, 60_000);
});
