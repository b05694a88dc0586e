/**
 * Review S36/S36b/S37 (class 3 through the driver's output conversion; class 11): session settings that the server,
 * database, role or URL (`options=-c …`) set changed what a compiled statement returns — `extra_float_digits = -15`
 * printed two DOUBLE keys alike (one person then turned an answer into INTERNAL after the charge),
 * `standard_conforming_strings = off` failed every LIKE after the charge. Rule (postgres.ts `inReadOnlyTransaction`):
 * every value-affecting setting is pinned with SET LOCAL in each query's transaction (`PINNED_SETTINGS`).
 *
 * Generative (fast-check, seed 36): for random sets of hostile settings carried in the connection URL, the same DP SQL
 * queries with the same seeded noise return exactly what they return under the defaults (keys, values, intervals,
 * charges): a DOUBLE GROUP BY with partition selection, a LIKE filter, a date GROUP BY and a text GROUP BY.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';
import { postgresTestUrl } from './postgres-url.js';

const HOSTILE = [
  'extra_float_digits=-15',
  'DateStyle=SQL,DMY',
  'IntervalStyle=sql_standard',
  'TimeZone=Pacific/Chatham',
  'standard_conforming_strings=off',
  'transform_null_equals=on',
  'bytea_output=escape',
] as const;

const schema = parseSqlSchema({
  dataset: 'settings_pinned',
  budget: { epsilon: 1e6, delta: 0.5 },
  tables: {
    sp_people: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: {
        pid: { type: 'integer' },
        x: { type: 'float', lower: 0, upper: 1000 },
        d: { type: 'date' },
        s: { type: 'string' },
      },
    },
  },
});

const QUERIES = [
  'SELECT x, COUNT(*) AS n FROM sp_people GROUP BY x',
  "SELECT COUNT(*) AS n FROM sp_people WHERE s LIKE 'a%'",
  'SELECT d, COUNT(*) AS n, SUM(x) AS total FROM sp_people GROUP BY d',
  'SELECT s, AVG(x) AS mean FROM sp_people GROUP BY s',
];

let admin: pg.Client;
let plain: PostgresEngine;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: postgresTestUrl() });
  await admin.connect();
  await admin.query(`DROP TABLE IF EXISTS sp_people; CREATE TABLE sp_people (pid BIGINT, x DOUBLE PRECISION, d DATE, s TEXT);
    INSERT INTO sp_people SELECT i, (i % 5) * 100 + 0.25 + (i % 2) * 0.25, DATE '2024-01-30' + (i % 3), CASE WHEN i % 2 = 0 THEN 'abc' ELSE 'b\\c' END
    FROM generate_series(1, 2000) AS i`);
  plain = await PostgresEngine.open({ connectionString: postgresTestUrl() });
}, 60_000);
afterAll(async () => {
  await plain?.close();
  await admin?.query('DROP TABLE IF EXISTS sp_people');
  await admin?.end();
});

/** The results of every query (seeded noise), as text, or each one's error code, and the charges made. */
async function answers(engine: PostgresEngine): Promise<string[]> {
  const out: string[] = [];
  for (const sql of QUERIES) {
    const ledger = new MemoryLedger();
    const r = await runDpSql({ sql, schema, engine, ledger, epsilon: 1e4, delta: 1e-3, rng: new SeededRandomSource(36) }).then(
      (res) =>
        JSON.stringify({ columns: res.columns, rows: res.rows, intervals: res.intervals }, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
      (e: { code?: string }) => `error ${String(e.code)}`,
    );
    out.push(`${r} charged ${ledger.charges.length}`);
  }
  return out;
}

describe('PostgreSQL session settings are pinned in every query transaction (review S36, S36b)', () => {
  it('generative (fast-check, seed 36): under random hostile settings in the URL, the same queries return exactly the defaults’ answers', async () => {
    const expected = await answers(plain);
    expect(expected.every((a) => !a.startsWith('error'))).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.subarray([...HOSTILE], { minLength: 1 }), async (settings) => {
        const u = new URL(postgresTestUrl());
        u.searchParams.set('options', settings.map((s) => `-c ${s}`).join(' '));
        const engine = await PostgresEngine.open({ connectionString: u.toString() });
        try {
          expect(await answers(engine)).toEqual(expected);
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 8, seed: 36 },
    );
  }, 120_000);
});
