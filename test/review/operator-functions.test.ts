/**
 * Review S39 (session 8; class 3 "whether a query is answered depends on the rows" — the S29/S30/S31 rule "a declared
 * table is read without evaluating SQL the operator wrote", through the FUNCTIONS the compiled SQL names): the
 * compiled statements call built-ins by bare name (`LOWER("t"."name")`, `hash(…)`, `LEAST(…)`, `char_length(…)`,
 * `hashtextextended(…)`), and each engine resolves a bare name through the operator's catalog first:
 * - DuckDB: a MACRO (or `CREATE FUNCTION`) stored in the database file with a built-in's name (`lower`, `least`, …)
 *   replaces the built-in for every query on that database (the server's `db: duckdb:` data sets);
 * - PostgreSQL: a function of the same name whose argument types match EXACTLY wins over `pg_catalog`'s that needs an
 *   implicit cast (CVE-2018-1058's mechanism) — `public.lower(character varying)` is called for a VARCHAR column even
 *   with pg_catalog first on the search path.
 * An operator's function that is not total (here: `CAST(substr(x, 2) AS integer)` for codes written `#…`) then raises
 * on one person's value: `SELECT COUNT(*) … WHERE lower(name) = 'n1'` is answered without that person and
 * ENGINE_ERROR after the charge with them. (A macro `least(a, b)` that always fails makes every query charged, then
 * ENGINE_ERROR: class 11.) The stored-only catalog rule (stored-only.ts, clickhouse-stored.ts) checks relations and
 * columns, not names.
 *
 * Rule that would close the class: the compiled SQL names only the engine's own functions and operators —
 * PostgreSQL: qualify them (`pg_catalog.lower`, `OPERATOR(pg_catalog.>)`) or run with `search_path = pg_catalog` and
 * schema-qualified tables; DuckDB: qualify built-ins (`system.main.lower`) or refuse, at the catalog step before the
 * charge, a database holding any user macro/function whose name the dialect emits (`duckdb_functions()` where not
 * internal); ClickHouse has no user functions on 18.16 (newer versions: SQL UDFs — same check). Generative test:
 * for every function/operator name the dialects emit, an operator definition shadowing it is refused or never called.
 * Owner: sqlrun (dialects, engines).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

function namesSchema(dataset: string, table: string): SqlSchema {
  return parseSqlSchema({
    dataset,
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      [table]: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: { pid: { type: 'integer' }, name: { type: 'string' } },
      },
    },
  });
}

async function outcome(engine: SqlEngine, schema: SqlSchema, table: string): Promise<{ result: string; charged: number }> {
  const ledger = new MemoryLedger();
  const result = await runDpSql({
    sql: `SELECT COUNT(*) AS n FROM ${table} WHERE lower(name) = 'n1'`,
    schema,
    engine,
    ledger,
    epsilon: 1,
    rng: new SeededRandomSource(1),
  }).then(
    () => 'answered',
    (e: { code?: string }) => String(e.code),
  );
  return { result, charged: ledger.charges.length };
}

describe('review S39: a DuckDB macro with a built-in’s name in the database file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'review-duck-macro-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const schema = namesSchema('review_duck_macro', 't');

  async function duckOutcome(withTarget: boolean): Promise<{ result: string; charged: number }> {
    const path = join(dir, `t-${withTarget}.duckdb`);
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run('CREATE TABLE t (pid BIGINT, name VARCHAR)');
    await c.run("INSERT INTO t SELECT i, 'n' || i FROM range(1, 101) r(i)");
    if (withTarget) await c.run("INSERT INTO t VALUES (1000, '#abc')");
    // The operator's normaliser: codes written '#<number>' become the number.
    await c.run(
      "CREATE MACRO lower(x) AS CASE WHEN starts_with(x, '#') THEN CAST(CAST(substr(x, 2) AS INTEGER) AS VARCHAR) ELSE lcase(x) END",
    );
    c.closeSync();
    instance.closeSync();
    const engine = await DuckDbEngine.open({ database: path });
    try {
      return await outcome(engine, schema, 't');
    } finally {
      await engine.close();
    }
  }

  // Was BUG S39; fixed by the lead: DuckDbEngine.catalog refuses a database whose user macro/function has a built-in's name.
  it("regression S39: with or without the person whose name is '#abc', the database is refused before the charge (the macro would replace LOWER)", async () => {
    const without = await duckOutcome(false);
    const withTarget = await duckOutcome(true);
    expect(withTarget).toEqual(without);
    expect(without).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
  }, 60_000);
});

describe('review S39: a PostgreSQL function overload with an exact argument type', () => {
  // Its own database: a public.lower in the shared test database would (rightly) refuse every parallel test's queries.
  const DB = 'review_fn_s39';
  let admin: pg.Client;
  let c: pg.Client;
  let engine: PostgresEngine;
  const schema = namesSchema('review_fn', 'review_fn');
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB}`);
    c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
    await c.connect();
    await c.query(`CREATE TABLE review_fn (pid BIGINT, name VARCHAR(40));
      INSERT INTO review_fn SELECT i, 'n' || i FROM generate_series(1, 100) AS i;
      CREATE OR REPLACE FUNCTION public.lower(x character varying) RETURNS text LANGUAGE sql IMMUTABLE AS
        $f$ SELECT CASE WHEN x LIKE '#%' THEN CAST(CAST(substr(x, 2) AS integer) AS text) ELSE pg_catalog.lower(x) END $f$`);
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin?.end();
  });

  // Was BUG S39; fixed by the lead: PostgresEngine.catalog refuses a database with a function/operator of a
  // pg_catalog name on the search path (or a user cast) before the charge.
  it("regression S39: with or without the person whose name is '#abc', the database is refused before the charge (public.lower(varchar) would win over pg_catalog.lower(text))", async () => {
    const without = await outcome(engine, schema, 'review_fn');
    await c.query("INSERT INTO review_fn VALUES (1000, '#abc')");
    try {
      expect(await outcome(engine, schema, 'review_fn')).toEqual(without);
      expect(without).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
    } finally {
      await c.query('DELETE FROM review_fn WHERE pid = 1000');
    }
  }, 60_000);
});
