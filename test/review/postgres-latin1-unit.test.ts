/**
 * Review S40 (session 8; class 11 "public-cause failures are charged" — a regression of the S25c fix): the one
 * definition of a missing text unit (`src/core/missing-unit.ts`, BLANK = White_Space + U+FEFF) reaches PostgreSQL as
 * a pattern `^(c₁|c₂|…)*$` holding the characters themselves (U+1680, U+2000…, U+3000, U+FEFF). On a database whose
 * encoding is not UTF-8 (`ENCODING 'LATIN1'`, still found in legacy installations; `initdb -E LATIN1`), those
 * characters cannot be converted to the server's encoding: every DP query over a table with a TEXT privacy unit is
 * charged, then fails with ENGINE_ERROR ("may depend on the data" — it does not: it is the database's encoding, a
 * public fact). Before the S25c fix the text-unit condition was `<> ''`, which every encoding accepts (by reading).
 *
 * Rule that would close the class: what the compiled SQL needs from the server (its encoding, here) is checked at
 * open or at the catalog step, before the charge — refuse a non-UTF8 `server_encoding` with a typed error naming it,
 * or write the pattern so that every server encoding accepts it; a generative test over the supported encodings.
 * Owner: trust (S25c's `unitRows` lines in src/sql/compile.ts), with sqlrun (engines/postgres.ts open/catalog).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

const DB = 'review_latin1';
let admin: pg.Client;
let engine: PostgresEngine | undefined;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: postgresTestUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.query(`CREATE DATABASE ${DB} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
  const c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
  await c.connect();
  await c.query(
    "CREATE TABLE people (pid TEXT, age INTEGER); INSERT INTO people SELECT 'p' || i, 20 + i % 50 FROM generate_series(1, 100) AS i",
  );
  await c.end();
  engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
}, 60_000);
afterAll(async () => {
  await engine?.close();
  await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin?.end();
});

const schema = parseSqlSchema({
  dataset: 'review_latin1',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    people: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'string' }, age: { type: 'integer', lower: 0, upper: 120 } },
    },
  },
});

describe('review S40: a text privacy unit on a LATIN1 PostgreSQL database', () => {
  // Was BUG S40 (every query charged, then ENGINE_ERROR); fixed by the lead: PostgresEngine.catalog refuses a database
  // whose server_encoding is not UTF8 (INVALID_SCHEMA) before any charge.
  it('regression S40: a LATIN1 database is refused before the charge (INVALID_SCHEMA, nothing charged)', async () => {
    const ledger = new MemoryLedger();
    const result = await runDpSql({
      sql: 'SELECT COUNT(*) AS n FROM people WHERE age > 30',
      schema,
      engine: engine as PostgresEngine,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(1),
    }).then(
      () => 'answered',
      (e: { code?: string }) => String(e.code),
    );
    // Answered, or refused before the charge — never charged, then an engine error.
    expect({ result, charged: ledger.charges.length }).not.toEqual({ result: 'ENGINE_ERROR', charged: 1 });
    expect({ result, charged: ledger.charges.length }).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
  }, 60_000);
});
