/**
 * Class 11 (a public-cause failure charged), the member of review S45: PostgreSQL checks EXECUTE on a function at
 * executor start, whatever the rows. Rule (postgres.ts `preflight`, run by runDpSql after the catalog step): every
 * compiled statement is planned with EXPLAIN as the query role before the charge; a privilege it lacks is refused
 * INVALID_SCHEMA, nothing charged.
 *
 * Generative (fast-check, seed 45): for a random set of built-ins whose EXECUTE is revoked from PUBLIC (functions the
 * compiled SQL calls, operator functions, and others it never calls) and a random accepted query, the outcome is
 * answered, or INVALID_SCHEMA with nothing charged — never charged and then failed. Regression: revoking
 * `hashtextextended` refuses a grouped query with INVALID_SCHEMA before the charge; re-granting answers it.
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

const DB = 'tsdp_preflight';
const ROLE = 'tsdp_preflight_reader';

const schema = parseSqlSchema({
  dataset: 'preflight',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    s: {
      privacyUnit: 'pid',
      maxPartitions: 2,
      maxContributionsPerPartition: 1,
      columns: {
        pid: { type: 'integer' },
        name: { type: 'string', categories: ['n0', 'n1'] },
        x: { type: 'float', lower: 0, upper: 100 },
      },
    },
  },
});

const QUERIES = [
  'SELECT name, COUNT(*) AS n FROM s GROUP BY name',
  'SELECT COUNT(*) AS n FROM s',
  "SELECT SUM(x) AS t FROM s WHERE lower(name) = 'n1'",
  'SELECT name, AVG(x) AS m FROM s GROUP BY name',
  'SELECT COUNT(*) AS n FROM s WHERE abs(x - 50) < 10',
] as const;

/** Built-in functions (by signature) a hardened database might revoke: some the compiled SQL calls, some it never does. */
const FUNCTIONS = [
  'hashtextextended(text, bigint)',
  'hashint8extended(bigint, bigint)',
  'lower(text)',
  'abs(double precision)',
  'float8mi(double precision, double precision)',
  'int8pl(bigint, bigint)',
  'textlike(text, text)',
  'md5(text)',
  'upper(text)',
  'length(text)',
] as const;

let admin: pg.Client;
let owner: pg.Client;
let engine: PostgresEngine;

async function outcome(sql: string): Promise<{ result: string; charged: number }> {
  const ledger = new MemoryLedger();
  const result = await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(45) }).then(
    () => 'answered',
    (e: { code?: string }) => String(e.code),
  );
  return { result, charged: ledger.charges.length };
}

describe('PostgreSQL preflight: privileges checked before the charge', () => {
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB} ENCODING 'UTF8' TEMPLATE template0`);
    await admin.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE}; END IF; END $$`,
    );
    owner = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
    await owner.connect();
    await owner.query(`CREATE TABLE s (pid bigint, name text, x double precision);
      INSERT INTO s SELECT i, 'n' || (i % 3), (i % 100)::float8 FROM generate_series(1, 200) AS i;
      GRANT SELECT ON s TO ${ROLE}`);
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB), readerRole: ROLE });
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
    await owner?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin?.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin?.end();
  });

  it('regression: EXECUTE on hashtextextended revoked refuses a grouped query INVALID_SCHEMA before the charge; granted again, it is answered', async () => {
    await owner.query('REVOKE EXECUTE ON FUNCTION hashtextextended(text, bigint) FROM PUBLIC');
    try {
      const ledger = new MemoryLedger();
      const err = await runDpSql({ sql: QUERIES[0], schema, engine, ledger, epsilon: 1 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'INVALID_SCHEMA' });
      expect((err as Error).message).toContain('nothing was charged');
      expect(ledger.charges).toHaveLength(0);
    } finally {
      await owner.query('GRANT EXECUTE ON FUNCTION hashtextextended(text, bigint) TO PUBLIC');
    }
    expect(await outcome(QUERIES[0])).toEqual({ result: 'answered', charged: 1 });
  }, 60_000);

  it('generative (fast-check, seed 45): revoked built-ins × queries — answered, or INVALID_SCHEMA uncharged; never charged then failed', async () => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.subarray([...FUNCTIONS], { minLength: 0, maxLength: 3 }), fc.constantFrom(...QUERIES), async (revoked, sql) => {
        for (const f of revoked) await owner.query(`REVOKE EXECUTE ON FUNCTION ${f} FROM PUBLIC`);
        try {
          const o = await outcome(sql);
          if (o.result === 'answered') expect(o.charged).toBe(1);
          else {
            refused++;
            expect(o).toEqual({ result: 'INVALID_SCHEMA', charged: 0 });
          }
        } finally {
          for (const f of revoked) await owner.query(`GRANT EXECUTE ON FUNCTION ${f} TO PUBLIC`);
        }
      }),
      { numRuns: 40, seed: 45 },
    );
    expect(refused).toBeGreaterThan(0);
  }, 240_000);
});
