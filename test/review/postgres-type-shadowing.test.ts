/**
 * Review S42 (session 9; class 3 "whether a query is answered depends on the rows" — S39's "catalog shadowing"
 * class through TYPE NAMES): the PostgreSQL dialect writes its casts with type names, and two of them are not SQL
 * keywords but ordinary names resolved through the search path: `text` (`CAST("k0" AS text)` in the salted hash of
 * every bounded statement, `$n::text` parameters, text keys) and `date`. S39's check (`checkDatabase`) looks at
 * `pg_proc`, `pg_operator` and `pg_cast` only. With a search path that names `pg_catalog` after a writable schema
 * (`ALTER DATABASE … SET search_path = public, pg_catalog` — the same configuration S39's rule guards for functions),
 * a `public.text` DOMAIN with a CHECK replaces the built-in type in every cast: `CREATE DOMAIN public.text AS
 * pg_catalog.text CHECK (VALUE NOT LIKE '#%')`. A VARCHAR column (its `format_type` is `character varying`, so the
 * catalog step accepts it as a string) is then cast through the domain: `SELECT name, COUNT(*) … GROUP BY name` is
 * answered without the person whose name is '#abc' and ENGINE_ERROR after the charge with them.
 *
 * Rule that would close the class: every name the compiled SQL resolves through the catalog is either qualified
 * (`pg_catalog.text`, `pg_catalog.date`) or checked like functions: a type (or domain) with a `pg_catalog` type's name
 * in a schema of the search path is refused before the charge; the generative test of S39 extended to types.
 * Owner: trust (src/sql/engines/postgres.ts, dialects/postgres.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

const DB = 'review_type_s42';
const schema = parseSqlSchema({
  dataset: 'review_type_shadow',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    s: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, name: { type: 'string' } },
    },
  },
});

describe('review S42: a type with a built-in type’s name on the search path', () => {
  let admin: pg.Client;
  let c: pg.Client;
  let engine: PostgresEngine;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.query(`ALTER DATABASE ${DB} SET search_path = public, pg_catalog`);
    c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
    await c.connect();
    await c.query(`CREATE DOMAIN public.text AS pg_catalog.text CHECK (VALUE NOT LIKE '#%');
      CREATE TABLE s (pid bigint, name varchar(40));
      INSERT INTO s SELECT i, 'n' || i FROM generate_series(1, 100) AS i`);
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin?.end();
  });

  async function outcome(): Promise<{ result: string; charged: number }> {
    const ledger = new MemoryLedger();
    const result = await runDpSql({
      sql: 'SELECT name, COUNT(*) AS n FROM s GROUP BY name',
      schema,
      engine,
      ledger,
      epsilon: 100,
      delta: 1e-4,
      rng: new SeededRandomSource(1),
    }).then(
      () => 'answered',
      (e: { code?: string }) => String(e.code),
    );
    return { result, charged: ledger.charges.length };
  }

  it("S42 (fixed: the dialect names pg_catalog.text/date): answered without the person whose name is '#abc', ENGINE_ERROR after the charge with them (CAST(… AS text) is public.text)", async () => {
    const without = await outcome();
    await c.query("INSERT INTO s VALUES (1000, '#abc')");
    try {
      expect(await outcome()).toEqual(without);
    } finally {
      await c.query('DELETE FROM s WHERE pid = 1000');
    }
  }, 60_000);
});
