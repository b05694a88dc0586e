/**
 * Review S41d (session 9; S41's class "a released key is one row's spelling, not a function of its group", through
 * IEEE signed zero): PostgreSQL groups `-0` and `0` of a DOUBLE PRECISION key into one group (they are `=`) and
 * returns the FIRST row's value as the key; `pg` parses '-0' to the JS number −0 and the release keeps it. So
 * `SELECT x, COUNT(*) … GROUP BY x` over 200 people with x = 0 releases the key +0, and with one more person (the
 * smallest unit id) whose x = −0, the key −0 (`Object.is(key, -0)`), every seed — a library caller reading the key
 * with `Object.is` or `1 / key` learns that this person exists. DuckDB held (it returns +0 for the group); the server's
 * JSON prints both as 0. ClickHouse normalises float units with `u + 0.` (M10), not keys.
 *
 * Rule that would close the class: a released key is a function of its engine group — normalise float keys
 * (`k + 0.0` in SQL: −0 + 0 = +0 in IEEE arithmetic; or `v === 0 ? 0 : v` in `publicKey`), in every dialect.
 * Owner: trust (sql: engine-values.ts publicKey / dialects).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

const DB = 'review_negzero_s41d';
const schema = parseSqlSchema({
  dataset: 'review_negzero',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    z: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, x: { type: 'float', lower: -1, upper: 1 } },
    },
  },
});

describe('review S41d: a PostgreSQL DOUBLE key of −0 and 0', () => {
  let admin: pg.Client;
  let c: pg.Client;
  let engine: PostgresEngine;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB}`);
    c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
    await c.connect();
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin?.end();
  });

  async function releasedKeys(rows: string): Promise<string[]> {
    await c.query(`DROP TABLE IF EXISTS z; CREATE TABLE z (pid bigint, x double precision); ${rows}`);
    const r = await runDpSql({
      sql: 'SELECT x, COUNT(*) AS n FROM z GROUP BY x',
      schema,
      engine,
      ledger: new MemoryLedger(),
      epsilon: 100,
      delta: 1e-4,
      rng: new SeededRandomSource(1),
    });
    return r.rows.map((row) => (Object.is(row[0], -0) ? '-0' : String(row[0])));
  }

  it('S41d (fixed: float keys released as k + 0): 200 × 0 release the key +0, also with one more person (pid 0) whose value is −0', async () => {
    const without = await releasedKeys('INSERT INTO z SELECT i, 0 FROM generate_series(1, 200) AS i');
    const withTarget = await releasedKeys("INSERT INTO z VALUES (0, '-0'); INSERT INTO z SELECT i, 0 FROM generate_series(1, 200) AS i");
    expect(withTarget).toEqual(without);
  }, 60_000);
});
