/**
 * Review S41h (class 1/2 on the released key): GROUP BY takes a type's equality from its DEFAULT btree or hash
 * operator class. `varchar` borrows text's classes, so ordinary DDL can add a default class for it whose equality is
 * case-insensitive, and the released key became one person's spelling. Rule (postgres.ts `checkDatabase`): a default
 * operator class created after initdb for a built-in type, or an entry added after initdb to a built-in operator
 * family, is refused INVALID_SCHEMA before the charge; a non-default class (never named by the compiled SQL) is kept.
 *
 * Generative (fast-check, seed 4108): over access method × default or not × the spelling of one more person, a
 * database with a default user class is refused uncharged both ways; with a non-default one the query is answered
 * and the released keys do not take the person's spelling.
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

const DB = 'tsdp_opclass_rule';
const schema = parseSqlSchema({
  dataset: 'opclass_rule',
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

const FUNCTIONS = `CREATE SCHEMA hidden;
CREATE FUNCTION hidden.ieq(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) = lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.ilt(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) < lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.ile(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) <= lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.ige(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) >= lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.igt(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) > lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.icmp(varchar, varchar) RETURNS int AS 'SELECT pg_catalog.bttextcmp(lower($1::text), lower($2::text))' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.ihash(varchar) RETURNS int AS 'SELECT pg_catalog.hashtext(lower($1::text))' LANGUAGE sql IMMUTABLE STRICT;
CREATE OPERATOR hidden.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.ieq);
CREATE OPERATOR hidden.< (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.ilt);
CREATE OPERATOR hidden.<= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.ile);
CREATE OPERATOR hidden.>= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.ige);
CREATE OPERATOR hidden.> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.igt);`;

const CLASS = {
  btree: (def: boolean) => `CREATE OPERATOR CLASS hidden.v_ops ${def ? 'DEFAULT ' : ''}FOR TYPE varchar USING btree AS
    OPERATOR 1 hidden.<, OPERATOR 2 hidden.<=, OPERATOR 3 hidden.=, OPERATOR 4 hidden.>=, OPERATOR 5 hidden.>,
    FUNCTION 1 hidden.icmp(varchar, varchar);`,
  hash: (def: boolean) => `CREATE OPERATOR CLASS hidden.v_hash ${def ? 'DEFAULT ' : ''}FOR TYPE varchar USING hash AS
    OPERATOR 1 hidden.=, FUNCTION 1 hidden.ihash(varchar);`,
} as const;

let admin: pg.Client;
let c: pg.Client;
let engine: PostgresEngine;

async function outcome(target: string | null): Promise<{ out: string; keys: string[]; charges: number }> {
  await c.query('DROP TABLE IF EXISTS s; CREATE TABLE s (pid bigint, name varchar)');
  if (target !== null) await c.query('INSERT INTO s VALUES (0, $1)', [target]);
  await c.query(`INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i`);
  const ledger = new MemoryLedger();
  const sql = 'SELECT name, COUNT(*) AS n FROM s GROUP BY name';
  return runDpSql({ sql, schema, engine, ledger, epsilon: 100, delta: 1e-4, rng: new SeededRandomSource(48) }).then(
    (r) => ({ out: 'answered', keys: r.rows.map((row) => String(row[0])).sort(), charges: ledger.charges.length }),
    (e: { code?: string }) => ({ out: String(e.code), keys: [], charges: ledger.charges.length }),
  );
}

describe('PostgreSQL: default operator classes created after initdb refused before the charge (review S41h)', () => {
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB} ENCODING 'UTF8' TEMPLATE template0`);
    c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
    await c.connect();
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin?.end();
  });

  it('generative (fast-check, seed 4108): access method × default × one more spelling — default classes refused uncharged; others answered, keys not the person’s', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('btree' as const, 'hash' as const),
        fc.boolean(),
        fc.constantFrom('A', 'a', 'b'),
        async (am, def, spelling) => {
          await c.query('DROP SCHEMA IF EXISTS hidden CASCADE');
          await c.query(`${FUNCTIONS}\n${CLASS[am](def)}`);
          const without = await outcome(null);
          const withTarget = await outcome(spelling);
          if (def) {
            expect(without).toEqual({ out: 'INVALID_SCHEMA', keys: [], charges: 0 });
            expect(withTarget).toEqual({ out: 'INVALID_SCHEMA', keys: [], charges: 0 });
            return;
          }
          expect([without.out, without.charges, withTarget.out, withTarget.charges]).toEqual(['answered', 1, 'answered', 1]);
          expect(without.keys).toEqual(['a']);
          expect(withTarget.keys).toContain('a');
        },
      ),
      { numRuns: 12, seed: 4108 },
    );
  }, 240_000);
});
