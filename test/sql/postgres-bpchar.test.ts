/**
 * Review S41e (class 1 on the released key): a PostgreSQL `bpchar` column without a length keeps the trailing spaces
 * it was given, but its '=' and GROUP BY ignore them: 200 people 'a' release the key 'a'; one more person spelling it
 * 'a  ' made the key his spelling. Rule (postgres.ts `catalog`): unbounded `bpchar` is reported as a type no declared
 * type allows, so a declared column of it is refused INVALID_SCHEMA before the charge; `character(n)` (every value
 * padded to n: one spelling per group), `text` and `varchar` are kept. Review S41f: a domain (`public.string` over
 * bpchar printed as `string`) or any type outside pg_catalog is refused the same way.
 *
 * Generative (fast-check, seed 4105): over stored text types × the spelling of one more person × queries, a query is
 * refused uncharged on both neighbours or answered on both, and every key released without the person is released
 * with the same spelling with him.
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

const DB = 'tsdp_bpchar_rule';
const TYPES = ['text', 'varchar', 'varchar(8)', 'character(4)', 'bpchar', 'public.string', 'public.tdom', 'public.vdom'] as const;
/** Review S41f: domains print under their own name (`string` over bpchar looks like a declared text type). */
const REFUSED: ReadonlySet<string> = new Set(['bpchar', 'public.string', 'public.tdom', 'public.vdom']);
const schema = parseSqlSchema({
  dataset: 'bpchar_rule',
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

let admin: pg.Client;
let c: pg.Client;
let engine: PostgresEngine;

/** The released keys (sorted) or the refusal's code, and the number of charges, for `sql` over the table as built. */
async function outcome(type: string, target: string | null): Promise<{ out: string; keys: string[]; charges: number }> {
  await c.query(`DROP TABLE IF EXISTS s; CREATE TABLE s (pid bigint, name ${type})`);
  if (target !== null) await c.query('INSERT INTO s VALUES (0, $1)', [target]);
  await c.query(`INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i`);
  const ledger = new MemoryLedger();
  const sql = 'SELECT name, COUNT(*) AS n FROM s GROUP BY name';
  return runDpSql({ sql, schema, engine, ledger, epsilon: 100, delta: 1e-4, rng: new SeededRandomSource(41) }).then(
    (r) => {
      const keys = r.rows.map((row) => String(row[0])).sort();
      return { out: 'answered', keys, charges: ledger.charges.length };
    },
    (e: { code?: string }) => ({ out: String(e.code), keys: [], charges: ledger.charges.length }),
  );
}

describe('PostgreSQL: bpchar without a length refused before the charge (review S41e)', () => {
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB} ENCODING 'UTF8' TEMPLATE template0`);
    c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
    await c.connect();
    // Domains: over bpchar (S41f) and over text/varchar (a domain is refused whatever its base: only pg_catalog's types are read).
    await c.query(
      'CREATE DOMAIN public.string AS pg_catalog.bpchar; CREATE DOMAIN public.tdom AS text; CREATE DOMAIN public.vdom AS varchar(8)',
    );
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin?.end();
  });

  it("regression: 200 × 'a' plus one person spelled 'a  ' in a bpchar column — INVALID_SCHEMA with nothing charged, both ways", async () => {
    expect(await outcome('bpchar', null)).toEqual({ out: 'INVALID_SCHEMA', keys: [], charges: 0 });
    expect(await outcome('bpchar', 'a  ')).toEqual({ out: 'INVALID_SCHEMA', keys: [], charges: 0 });
  }, 60_000);

  it('generative (fast-check, seed 4105): text types × one more spelling — refused uncharged both ways, or answered with the same spelling of every key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TYPES), fc.constantFrom('a', 'a ', 'a  ', 'a   ', ' a', 'b'), async (type, spelling) => {
        const without = await outcome(type, null);
        const withTarget = await outcome(type, spelling);
        if (REFUSED.has(type)) {
          expect(without).toEqual({ out: 'INVALID_SCHEMA', keys: [], charges: 0 });
          expect(withTarget).toEqual({ out: 'INVALID_SCHEMA', keys: [], charges: 0 });
          return;
        }
        expect([without.out, without.charges, withTarget.out, withTarget.charges]).toEqual(['answered', 1, 'answered', 1]);
        for (const key of without.keys) expect(withTarget.keys).toContain(key);
      }),
      { numRuns: 20, seed: 4105 },
    );
  }, 240_000);
});
