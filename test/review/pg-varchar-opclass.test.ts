/**
 * Review session 9e, S41h (S41/S41e–g's class — a stored PostgreSQL column whose GROUP BY equality is not byte
 * equality): S41g's rule reads only initdb's own base types of pg_catalog, but GROUP BY takes its equality from the
 * type's DEFAULT btree operator class (the type cache: GetDefaultOpClass), not from the type. `varchar` has no
 * operator class of its own (it borrows text's by binary coercion), so `CREATE OPERATOR CLASS ... DEFAULT FOR TYPE
 * varchar USING btree` is accepted without touching a catalog row, and an exact-type default wins over the borrowed
 * one. Its operators and functions live in a schema `hidden` off the search path, named unlike any pg_catalog
 * function, so S39 (checkDatabase: names shadowing pg_catalog on the search path, or oid ≥ 16384 inside pg_catalog)
 * does not see them; the column prints `character varying`, a declared string type. Equality here is lower(a) =
 * lower(b): D′ = 200 people 'a' → key 'a'; D = D′ + one person (pid 0) 'A' → key 'A' (that person's spelling).
 *
 * Rule that would close it: refuse (before the charge) any pg_opclass / pg_opfamily / pg_amop / pg_amproc row created
 * after initdb (oid ≥ 16384) — or at least any whose opcintype is a type a declared column may have — as S39 does
 * for functions, operators and casts; or group on an expression whose equality is fixed (e.g. CAST(col AS text)
 * COLLATE "C", text's own opclass). Owner: trust (engines/postgres.ts).
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
  dataset: 'review_pg_varchar_opclass',
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

const DB = 'review_pg_varchar_opclass';
// Runs as the test cluster's superuser (the data owner), in its own database.
const OPCLASS_SQL = `CREATE SCHEMA hidden;
CREATE FUNCTION hidden.ieq(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) = lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.ilt(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) < lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.ile(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) <= lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.ige(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) >= lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.igt(varchar, varchar) RETURNS bool AS 'SELECT lower($1::text) > lower($2::text)' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.icmp(varchar, varchar) RETURNS int AS 'SELECT pg_catalog.bttextcmp(lower($1::text), lower($2::text))' LANGUAGE sql IMMUTABLE STRICT;
CREATE OPERATOR hidden.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.ieq);
CREATE OPERATOR hidden.< (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.ilt);
CREATE OPERATOR hidden.<= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.ile);
CREATE OPERATOR hidden.>= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.ige);
CREATE OPERATOR hidden.> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hidden.igt);
CREATE OPERATOR CLASS hidden.v_ops DEFAULT FOR TYPE varchar USING btree AS
  OPERATOR 1 hidden.<, OPERATOR 2 hidden.<=, OPERATOR 3 hidden.=, OPERATOR 4 hidden.>=, OPERATOR 5 hidden.>,
  FUNCTION 1 hidden.icmp(varchar, varchar);`;

describe('review S41h: a DEFAULT btree operator class for varchar (created after initdb, off the search path) with case-insensitive equality', () => {
  let admin: pg.Client;
  let c: pg.Client;
  let engine: PostgresEngine;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB} ENCODING 'UTF8' TEMPLATE template0`);
    c = new pg.Client({ connectionString: postgresTestUrlFor(DB) });
    await c.connect();
    await c.query(OPCLASS_SQL);
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin?.end();
  });

  async function keys(rows: string): Promise<string> {
    await c.query(`DROP TABLE IF EXISTS s; CREATE TABLE s (pid bigint, name varchar); ${rows}`);
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

  it("S41h (fixed: a default operator class or built-in family entry created after initdb is refused before the charge, postgres.ts checkDatabase): 200 × 'a' and one more person spelling 'A' give the same outcome", async () => {
    const without = await keys("INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    const withTarget = await keys("INSERT INTO s VALUES (0, 'A'); INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    // Any answer is fine (refused before the charge, or a key that is not a person's spelling), but 200 people already
    // make the group, so the released key set must not change with one person.
    expect([without, withTarget]).toEqual([without, without]);
  }, 60_000);
});
