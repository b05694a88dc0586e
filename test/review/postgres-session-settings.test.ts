/**
 * Review S36 (session 8; class 3 "whether a query is answered depends on the rows", through the engine's output
 * conversion; the PostgreSQL sibling of reviewml's M11 on ClickHouse profiles): `PostgresEngine` pins its statement
 * timeout, READ ONLY and the reader role, but every other session setting comes from the server, the database, the
 * role or the connection URL — and some change what a compiled statement returns. With `extra_float_digits = -15`
 * (a legacy setting some databases keep, `ALTER DATABASE … SET extra_float_digits`, or `options=-c …` in the URL),
 * PostgreSQL prints float8 with few digits and the `pg` driver parses that text: a DOUBLE group key 100.25 comes back
 * as 100. Then one more person whose value is 100.5 makes two engine groups print as one key, and runDpSql's guard
 * ("two engine groups have one key") throws INTERNAL — after the charge; without that person the query is answered
 * (with wrong keys). Answered-or-refused is a function of one row.
 *
 * Rule that would close the class: the engine pins, in the query's transaction, every setting that changes the
 * values a compiled statement returns or how they are parsed (`SET LOCAL extra_float_digits = 3`, DateStyle ISO,
 * IntervalStyle, TimeZone, standard_conforming_strings on, transform_null_equals off, …), or reads values in a form no
 * setting changes (binary, or text made by the compiled SQL itself); a generative test runs the SQL suites under
 * hostile settings. Owner: sqlrun (engines/postgres.ts).
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
/** The test URL with a session setting, as an operator's URL (or ALTER DATABASE/ROLE … SET) would carry it. */
function withSetting(url: string, setting: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c ${setting}`);
  return u.toString();
}
beforeAll(async () => {
  admin = new pg.Client({ connectionString: postgresTestUrl() });
  await admin.connect();
  await admin.query(`DROP TABLE IF EXISTS review_efd; CREATE TABLE review_efd (pid BIGINT, x DOUBLE PRECISION);
    INSERT INTO review_efd SELECT i, (i % 5) * 100 + 0.25 FROM generate_series(1, 1000) AS i`);
  engine = await PostgresEngine.open({ connectionString: withSetting(postgresTestUrl(), 'extra_float_digits=-15') });
}, 60_000);
afterAll(async () => {
  await engine?.close();
  await admin?.query('DROP TABLE IF EXISTS review_efd');
  await admin?.end();
});

const schema = parseSqlSchema({
  dataset: 'review_efd',
  budget: { epsilon: 1000, delta: 1e-5 },
  tables: {
    review_efd: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 1000 } },
    },
  },
});

/** 'answered' or the error code of a selection query grouped by the double x, and how many charges were made. */
async function outcome(): Promise<{ result: string; charged: number }> {
  const ledger = new MemoryLedger();
  const result = await runDpSql({
    sql: 'SELECT x, COUNT(*) AS n FROM review_efd GROUP BY x',
    schema,
    engine,
    ledger,
    epsilon: 10,
    delta: 1e-6,
    rng: new SeededRandomSource(1),
  }).then(
    () => 'answered',
    (e: { code?: string }) => String(e.code),
  );
  return { result, charged: ledger.charges.length };
}

describe('review S36: PostgreSQL session settings the engine does not pin', () => {
  // Was BUG S36; fixed on main 8821b45 (sqlrun 9d5e22f: value-affecting settings pinned with SET LOCAL in every query transaction).
  it('regression S36: under extra_float_digits = -15, one person whose x is 100.5 does not change the outcome', async () => {
    const without = await outcome();
    await admin.query('INSERT INTO review_efd VALUES (5000, 100.5)');
    try {
      expect(await outcome()).toEqual(without);
    } finally {
      await admin.query('DELETE FROM review_efd WHERE pid = 5000');
    }
  }, 60_000);
});

describe('review S36b: standard_conforming_strings = off (a public-cause failure charged)', () => {
  // Was BUG S36b; fixed on main 8821b45 (same fix: standard_conforming_strings pinned on).
  it('regression S36b: with standard_conforming_strings = off a LIKE query is answered (or refused before the charge)', async () => {
    const off = await PostgresEngine.open({ connectionString: withSetting(postgresTestUrl(), 'standard_conforming_strings=off') });
    try {
      const ledger = new MemoryLedger();
      const result = await runDpSql({
        sql: "SELECT COUNT(*) AS n FROM review_efd WHERE CAST(x AS VARCHAR) LIKE '1%'",
        schema,
        engine: off,
        ledger,
        epsilon: 1,
        rng: new SeededRandomSource(1),
      }).then(
        () => 'answered',
        (e: { code?: string }) => String(e.code),
      );
      expect(result === 'answered' || ledger.charges.length === 0).toBe(true);
    } finally {
      await off.close();
    }
  }, 60_000);
});

/**
 * S38 (low; availability — an engine error that escapes as a process crash): `inReadOnlyTransaction`
 * holds a checked-out `pg` client across several statements (BEGIN, SET LOCAL …, the query, COMMIT) without an
 * 'error' listener of its own — `pool.on('error')` covers IDLE clients only. When the server ends the connection
 * while the client sits between two statements (here `idle_in_transaction_session_timeout = 1` ms; in life a DBA's
 * pg_terminate_backend, a failover, a proxy reset), the client emits 'error' with nobody listening and Node
 * terminates the whole process (a server: every analyst). Here it strikes the catalog read (before the charge); the
 * same gap sits between the statements of the query's own transaction, after the charge. Shown in a child process.
 * Rule: a checked-out client carries an 'error' listener from connect to release (the ledger's pool likewise);
 * a generative test terminates the backend at every step of the transaction.
 */
describe('review S38: a connection ended between two statements of the engine’s transaction', () => {
  // Was BUG S38 (sqlrun's "S37"); fixed on main 8821b45 (sqlrun 9d5e22f: a checked-out client carries an error listener until released).
  it('regression S38: a connection ended between two statements gives typed errors and the process exits normally', async () => {
    const { spawnSync } = await import('node:child_process');
    const { resolve, join } = await import('node:path');
    const root = resolve(import.meta.dirname, '../..');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'postgres-client-error-child.ts'), postgresTestUrl(), 'review_efd'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const outcomes = r.stdout.split('\n').filter((l) => l.startsWith('outcome '));
    // Every query settles (answered or a typed error) and the process exits normally.
    expect({ status: r.status, outcomes: outcomes.length }).toEqual({ status: 0, outcomes: 5 });
  }, 90_000);
});
