/**
 * Review session 9c, S41f (S41e's class — a stored PostgreSQL text type whose `=`/GROUP BY is not byte equality —
 * through a DOMAIN that prints as a declared type): S41e's rule (postgres.ts `catalog`) recognises unbounded bpchar by
 * its `format_type` spelling `bpchar`. `format_type` prints a domain by its own name, unqualified when the domain is
 * visible on the search path, and `check-public.ts` TEXT_TYPES accepts the names `string`, `text`, `varchar`, `name`…
 * - `CREATE DOMAIN public.string AS pg_catalog.bpchar` under the DEFAULT search path ("$user", public): pg_catalog has
 *   no type `string`, so the domain is visible and prints `string` — accepted for a declared string;
 * - `CREATE DOMAIN public.text AS pg_catalog.bpchar` with a search path naming `pg_catalog` after a writable schema
 *   (the configuration S39 and S42 guard: `ALTER DATABASE … SET search_path = public, pg_catalog`) prints `text`.
 * The column's collation is the deterministic default (S41's check does not see it), but its `=` and GROUP BY are
 * bpchar's: trailing spaces ignored, kept in the value. D′ = 200 people 'a' → key 'a'; D = D′ + one person (pid 0)
 * 'a  ' → key 'a  ' (that person's raw spelling).
 *
 * Rule that would close it: read the column's BASE type (`pg_type.typbasetype`, recursively) and its namespace for the
 * checks — a domain (or any type outside pg_catalog) is refused before the charge, or bpchar is judged on the base
 * type; or have the compiled SQL read text columns as `::pg_catalog.text`. Owner: trust (engines/postgres.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

const schema = parseSqlSchema({
  dataset: 'review_bpchar_domain',
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

const CASES = [
  { domain: 'string', searchPath: null, db: 'review_bpchar_domain_string' },
  { domain: 'text', searchPath: 'public, pg_catalog', db: 'review_bpchar_domain_text' },
] as const;

describe.each(CASES)(
  'review S41f: a domain public.$domain over bpchar (search path $searchPath) equates trailing-space spellings',
  ({ domain, searchPath, db: DB }) => {
    let admin: pg.Client;
    let c: pg.Client;
    let engine: PostgresEngine;
    beforeAll(async () => {
      admin = new pg.Client({ connectionString: postgresTestUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
      await admin.query(`CREATE DATABASE ${DB} ENCODING 'UTF8' TEMPLATE template0`);
      if (searchPath !== null) await admin.query(`ALTER DATABASE ${DB} SET search_path = ${searchPath}`);
      c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
      await c.connect();
      await c.query(`CREATE DOMAIN public.${domain} AS pg_catalog.bpchar`);
      engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
    }, 60_000);
    afterAll(async () => {
      await engine?.close();
      await c?.end();
      await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      await admin?.end();
    });

    async function keys(rows: string): Promise<string> {
      await c.query(`DROP TABLE IF EXISTS s; CREATE TABLE s (pid bigint, name public.${domain}); ${rows}`);
      const ledger = new MemoryLedger();
      return runDpSql({
        sql: 'SELECT name, COUNT(*) AS n FROM s GROUP BY name',
        schema,
        engine,
        ledger,
        epsilon: 100,
        delta: 1e-4,
        rng: new SeededRandomSource(1),
      }).then(
        (r) => JSON.stringify(r.rows.map((row) => row[0])),
        (e: { code?: string }) => String(e.code),
      );
    }

    it("S41f (fixed: domains and types outside pg_catalog refused before the charge, postgres.ts catalog): 200 × 'a' and one more person spelling 'a  ' in a column of a domain over bpchar give the same outcome", async () => {
      const without = await keys("INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
      const withTarget = await keys("INSERT INTO s VALUES (0, 'a  '); INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
      // Any answer is fine (refused before the charge, or a key that is not a person's spelling), but 200 people already
      // make the group, so the released key set must not change with one person.
      expect([without, withTarget]).toEqual([without, without]);
    }, 60_000);
  },
);
