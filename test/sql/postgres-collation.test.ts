/**
 * Review S41 (class 1 on the released key / class 3): a PostgreSQL column with a NONDETERMINISTIC collation makes
 * '=' and GROUP BY treat different spellings as one and return one row's spelling as the key. Rule (postgres.ts
 * `catalog`): such a column's stored type carries its collation, which no declared type allows — a declared column
 * so collated is refused INVALID_SCHEMA before the charge; deterministic collations (bytewise equality) are kept.
 *
 * Generative (fast-check, seed 41): over collations (deterministic libc/ICU, nondeterministic ICU at several
 * strengths) × queries over the column, the outcome is answered (deterministic) or INVALID_SCHEMA with nothing
 * charged (nondeterministic) — never charged then failed, never a key from a nondeterministic group.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from './postgres-url.js';

const DB = 'tsdp_collation_rule';
const COLLATIONS = [
  { name: 'C', create: null, deterministic: true },
  { name: 'icu_det', create: "provider = icu, locale = 'und'", deterministic: true },
  { name: 'ci2', create: "provider = icu, locale = 'und-u-ks-level2', deterministic = false", deterministic: false },
  { name: 'ci1', create: "provider = icu, locale = 'und-u-ks-level1', deterministic = false", deterministic: false },
  { name: 'nd_und', create: "provider = icu, locale = 'und', deterministic = false", deterministic: false },
] as const;
const QUERIES = [
  'SELECT name, COUNT(*) AS n FROM s GROUP BY name',
  "SELECT COUNT(*) AS n FROM s WHERE name LIKE 'a%'",
  'SELECT COUNT(*) AS n FROM s',
] as const;
const schema = parseSqlSchema({
  dataset: 'collation_rule',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    s: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, name: { type: 'string', categories: ['a', 'A', 'b'] } },
    },
  },
});

let admin: pg.Client;
let c: pg.Client;
let engine: PostgresEngine;

describe('PostgreSQL: nondeterministic collations refused before the charge', () => {
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB} ENCODING 'UTF8' TEMPLATE template0`);
    c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
    await c.connect();
    for (const k of COLLATIONS) if (k.create) await c.query(`CREATE COLLATION ${k.name} (${k.create})`);
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin?.end();
  });

  it('generative (fast-check, seed 41): collations × queries — answered when deterministic, INVALID_SCHEMA uncharged otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...COLLATIONS), fc.constantFrom(...QUERIES), fc.nat(50), async (k, sql, extra) => {
        await c.query(
          `DROP TABLE IF EXISTS s; CREATE TABLE s (pid bigint, name text COLLATE "${k.name}");
           INSERT INTO s SELECT i, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'A' END FROM generate_series(1, ${100 + extra}) i`,
        );
        const ledger = new MemoryLedger();
        const result = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(41) }).then(
          () => 'answered',
          (e: { code?: string }) => String(e.code),
        );
        if (k.deterministic) expect({ result, charged: ledger.charges.length }).toEqual({ result: 'answered', charged: 1 });
        else expect({ result, charged: ledger.charges.length }).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
      }),
      { numRuns: 15, seed: 41 },
    );
  }, 120_000);
});
