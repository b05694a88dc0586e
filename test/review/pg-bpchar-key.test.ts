/**
 * Review session 9b, S41e (S41's class — a stored text type whose `=` is not byte equality — through the released
 * group KEY; class 1/2, ε = ∞ on the key): a PostgreSQL column of type `bpchar` (unbounded `character`, no length) is
 * accepted for a declared string (`check-public.ts` TEXT_TYPES lists `bpchar`), its collation is the deterministic
 * default (so S41's collation check does not see it), but bpchar's `=` and GROUP BY ignore trailing spaces while the
 * stored value keeps them: 'a' and 'a  ' are one group and the engine returns ONE ROW's spelling as the key (the
 * first row the final aggregation reads — the smallest unit id's). D′ = 200 people 'a' → key 'a'; D = D′ + one person
 * (pid 0) 'a  ' → key 'a  ': the released key is that person's raw value.
 *
 * Rule that would close it: refuse `bpchar`/`character` without a length for a declared string before the charge
 * (char(n) pads every value to n, so its key is a function of the group), or have the compiled SQL read text columns
 * as `::text` (which strips the padding). Owner: trust (check-public.ts / engines/postgres.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

const DB = 'review_bpchar_s41e';
const schema = parseSqlSchema({
  dataset: 'review_bpchar',
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

describe('review S41e: a PostgreSQL bpchar column equates trailing-space spellings', () => {
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

  async function keys(rows: string): Promise<string> {
    await c.query(`DROP TABLE IF EXISTS s; CREATE TABLE s (pid bigint, name bpchar); ${rows}`);
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

  it("S41e (fixed: bpchar without a length refused INVALID_SCHEMA before the charge, postgres.ts catalog): 200 × 'a' and one more person spelling 'a  ' give the same outcome", async () => {
    const without = await keys("INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    const withTarget = await keys("INSERT INTO s VALUES (0, 'a  '); INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    // Any answer is fine (refused before the charge, or a key that is not a person's spelling), but 200 people already
    // make the group, so the released key set must not change with one person.
    expect([without, withTarget]).toEqual([without, without]);
  }, 60_000);
});
