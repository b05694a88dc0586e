/**
 * Review session 9d, S41g (S41f's class — a stored PostgreSQL type whose `=`/GROUP BY is not byte equality and whose
 * printed name passes as a declared type): S41f's rule (postgres.ts `catalog`) refuses a domain or a type whose
 * namespace is not pg_catalog, but a superuser can CREATE a BASE type INSIDE pg_catalog (oid ≥ 16384; S39 refuses
 * functions, operators and casts created there after initdb, not types). `CREATE TYPE pg_catalog.string` with
 * bpchar's I/O (its functions, operators and DEFAULT btree operator class in a schema `hidden` that is not on the
 * search path, named unlike any pg_catalog function, so S39 does not see them) prints `string`, typtype 'b', namespace
 * pg_catalog — accepted for a declared string; its GROUP BY is bpchar's (trailing spaces ignored, kept in the value).
 * D′ = 200 people 'a' → key 'a'; D = D′ + one person (pid 0) 'a  ' → key 'a  ' (that person's raw spelling).
 *
 * Rule that would close it: read only pg_catalog types created by initdb (`typ.oid < 16384`, as S39 does for
 * functions and operators), or refuse any pg_type row created after initdb in pg_catalog in checkDatabase.
 * Owner: trust (engines/postgres.ts).
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
  dataset: 'review_pgcat_type',
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

const DB = 'review_pgcat_type';
const TYPE_SQL = `CREATE SCHEMA hidden;
CREATE TYPE pg_catalog.string;
CREATE FUNCTION hidden.sin(cstring, oid, integer) RETURNS pg_catalog.string AS 'bpcharin' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION hidden.sout(pg_catalog.string) RETURNS cstring AS 'bpcharout' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE pg_catalog.string (INPUT = hidden.sin, OUTPUT = hidden.sout, LIKE = pg_catalog.bpchar, CATEGORY = 'S', COLLATABLE = true);
CREATE FUNCTION hidden.eq(pg_catalog.string, pg_catalog.string) RETURNS bool AS 'bpchareq' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION hidden.lt(pg_catalog.string, pg_catalog.string) RETURNS bool AS 'bpcharlt' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION hidden.le(pg_catalog.string, pg_catalog.string) RETURNS bool AS 'bpcharle' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION hidden.ge(pg_catalog.string, pg_catalog.string) RETURNS bool AS 'bpcharge' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION hidden.gt(pg_catalog.string, pg_catalog.string) RETURNS bool AS 'bpchargt' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION hidden.cmp(pg_catalog.string, pg_catalog.string) RETURNS int AS 'bpcharcmp' LANGUAGE internal IMMUTABLE STRICT;
CREATE OPERATOR hidden.= (LEFTARG = pg_catalog.string, RIGHTARG = pg_catalog.string, FUNCTION = hidden.eq);
CREATE OPERATOR hidden.< (LEFTARG = pg_catalog.string, RIGHTARG = pg_catalog.string, FUNCTION = hidden.lt);
CREATE OPERATOR hidden.<= (LEFTARG = pg_catalog.string, RIGHTARG = pg_catalog.string, FUNCTION = hidden.le);
CREATE OPERATOR hidden.>= (LEFTARG = pg_catalog.string, RIGHTARG = pg_catalog.string, FUNCTION = hidden.ge);
CREATE OPERATOR hidden.> (LEFTARG = pg_catalog.string, RIGHTARG = pg_catalog.string, FUNCTION = hidden.gt);
CREATE OPERATOR CLASS hidden.s_ops DEFAULT FOR TYPE pg_catalog.string USING btree AS
  OPERATOR 1 hidden.<, OPERATOR 2 hidden.<=, OPERATOR 3 hidden.=, OPERATOR 4 hidden.>=, OPERATOR 5 hidden.>,
  FUNCTION 1 hidden.cmp(pg_catalog.string, pg_catalog.string);`;

describe('review S41g: a base type pg_catalog.string (created after initdb) with bpchar semantics', () => {
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
    await c.query(TYPE_SQL);
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin?.end();
  });

  async function keys(rows: string): Promise<string> {
    await c.query(`DROP TABLE IF EXISTS s; CREATE TABLE s (pid bigint, name pg_catalog.string); ${rows}`);
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

  it("S41g (fixed: only initdb's own base types of pg_catalog are read, postgres.ts catalog): 200 × 'a' and one more person spelling 'a  ' give the same outcome", async () => {
    const without = await keys("INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    const withTarget = await keys("INSERT INTO s VALUES (0, 'a  '); INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    // Any answer is fine (refused before the charge, or a key that is not a person's spelling), but 200 people already
    // make the group, so the released key set must not change with one person.
    expect([without, withTarget]).toEqual([without, without]);
  }, 60_000);
});
