/**
 * Review S39 (class 3 "whether a query is answered depends on one person's row", stored-only.ts "Names"): the compiled
 * SQL calls built-ins by bare name, and a database may define a function, macro or operator with the same name that
 * replaces it (a DuckDB MACRO in the database file; a PostgreSQL overload on the search path with an exact argument
 * type). Rule: the catalog step refuses such a database INVALID_SCHEMA before any charge; operator functions with other
 * names (normalisers, trigger functions) are kept. Generative: random built-in name × a shadowing definition that fails
 * on one person's value × with/without that person — refused, nothing charged, the same outcome either way; controls
 * with names the compiled SQL never calls are answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from './postgres-url.js';

const schema = parseSqlSchema({
  dataset: 'shadowed_builtins',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, name: { type: 'string' }, x: { type: 'integer', lower: 0, upper: 100 } },
    },
  },
});

/** Queries whose compiled SQL calls the shadowed names (LOWER, LEAST/GREATEST clamps, ABS, the salted hash). */
const QUERIES = [
  "SELECT COUNT(*) AS n FROM t WHERE lower(name) = 'n1'",
  'SELECT SUM(x) AS s FROM t',
  'SELECT COUNT(*) AS n FROM t WHERE abs(x) > 3',
] as const;

async function outcome(engine: SqlEngine, sql: string): Promise<{ result: string; charged: number }> {
  const ledger = new MemoryLedger();
  const result = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(3939) }).then(
    () => 'answered',
    (e: { code?: string }) => String(e.code),
  );
  return { result, charged: ledger.charges.length };
}

describe('S39 on DuckDB: a user macro with a built-in’s name in the database file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdp-s39-duck-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;

  async function duckOutcome(macro: string, withTarget: boolean, sql: string): Promise<{ result: string; charged: number }> {
    const path = join(dir, `db-${n++}.duckdb`);
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run('CREATE TABLE t (pid BIGINT, name VARCHAR, x BIGINT)');
    await c.run("INSERT INTO t SELECT i, 'n' || i, i % 50 FROM range(1, 51) r(i)");
    if (withTarget) await c.run("INSERT INTO t VALUES (1000, '#abc', 7)");
    await c.run(macro);
    c.closeSync();
    instance.closeSync();
    const engine = await DuckDbEngine.open({ database: path });
    try {
      return await outcome(engine, sql);
    } finally {
      await engine.close();
    }
  }

  it('generative (fast-check, seed 3939): a macro named like a built-in is refused before the charge, with or without the person', async () => {
    const shadows = [
      "CREATE MACRO lower(s) AS CASE WHEN starts_with(s, '#') THEN CAST(CAST(substr(s, 2) AS INTEGER) AS VARCHAR) ELSE lcase(s) END",
      "CREATE MACRO least(a, b) AS CAST(CAST(a AS VARCHAR) || 'x' AS INTEGER)",
      "CREATE MACRO greatest(a, b) AS CAST(CAST(a AS VARCHAR) || 'x' AS INTEGER)",
      "CREATE MACRO abs(a) AS CAST(CAST(a AS VARCHAR) || 'x' AS INTEGER)",
      'CREATE MACRO upper(s) AS ucase(s)',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...shadows), fc.constantFrom(...QUERIES), async (macro, sql) => {
        const without = await duckOutcome(macro, false, sql);
        const withTarget = await duckOutcome(macro, true, sql);
        expect(without).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
        expect(withTarget).toEqual(without);
      }),
      { numRuns: 8, seed: 3939 },
    );
  }, 120_000);

  it('control: a macro with a name the compiled SQL never calls is kept (answered)', async () => {
    expect(await duckOutcome('CREATE MACRO my_normalise(s) AS lcase(s)', true, QUERIES[0])).toEqual({ result: 'answered', charged: 1 });
  }, 60_000);
});

describe('S39 on PostgreSQL: a function or operator with a pg_catalog name on the search path', () => {
  const DB = 'tsdp_s39_builtins';
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
    await c.query(`CREATE TABLE t (pid BIGINT, name VARCHAR(40), x BIGINT);
      INSERT INTO t SELECT i, 'n' || i, i % 50 FROM generate_series(1, 50) AS i;
      CREATE FUNCTION public.audit_row() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN NEW; END $f$;
      CREATE FUNCTION public.my_normalise(s varchar) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT pg_catalog.lower(s) $f$`);
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin?.end();
  });

  it('control: trigger functions and functions with other names are kept (answered)', async () => {
    expect(await outcome(engine, QUERIES[0])).toEqual({ result: 'answered', charged: 1 });
  }, 60_000);

  it('generative (fast-check, seed 3940): a shadowing function, operator or cast is refused before the charge, with or without the person', async () => {
    const shadows: readonly (readonly [string, string])[] = [
      [
        "CREATE FUNCTION public.lower(s varchar) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT CASE WHEN s LIKE '#%' THEN CAST(CAST(substr(s, 2) AS integer) AS text) ELSE pg_catalog.lower(s) END $f$",
        'DROP FUNCTION public.lower(varchar)',
      ],
      [
        "CREATE FUNCTION public.abs(a bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $f$ SELECT CAST(CAST(a AS text) || 'x' AS bigint) $f$",
        'DROP FUNCTION public.abs(bigint)',
      ],
      [
        `CREATE FUNCTION public.s39_gt(a bigint, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $f$ SELECT CAST(CAST(a AS text) || 'x' AS bigint) > b $f$;
         CREATE OPERATOR public.> (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = public.s39_gt)`,
        'DROP OPERATOR public.> (bigint, integer); DROP FUNCTION public.s39_gt(bigint, integer)',
      ],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...shadows), fc.constantFrom(...QUERIES), async ([create, drop], sql) => {
        await c.query(create);
        try {
          const without = await outcome(engine, sql);
          await c.query("INSERT INTO t VALUES (1000, '#abc', 7)");
          const withTarget = await outcome(engine, sql);
          await c.query('DELETE FROM t WHERE pid = 1000');
          expect(without).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
          expect(withTarget).toEqual(without);
        } finally {
          await c.query(drop);
        }
      }),
      { numRuns: 6, seed: 3940 },
    );
  }, 120_000);
});
