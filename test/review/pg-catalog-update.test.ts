/**
 * Review session 9f, S41i (S41h's class — the catalog changes what the compiled SQL's equality, grouping and hashing
 * mean): S41h's rule (postgres.ts checkDatabase) looks only at catalog ROWS created after initdb (oid ≥ 16384: a new
 * default operator class, a new entry in a built-in family). A superuser data owner (the same actor as S41g's, who
 * created types inside pg_catalog) can instead UPDATE initdb's own rows in place, so every oid stays < 16384:
 * `pg_operator.oprcode` of `=(text,text)` → hidden.ieq (lower(a) = lower(b)), and the built-in btree/hash families'
 * support functions `pg_amproc.amproc` bttextcmp/hashtext → hidden.icmp/hidden.ihash. The functions live in a schema
 * `hidden` off the search path, named unlike any pg_catalog function, so S39 does not see them; no type, class,
 * family, operator or cast is created. GROUP BY (hash or sort aggregation alike — both checked by hand) then merges
 * 'A' into 'a': D′ = 200 people 'a' → key 'a'; D = D′ + one person (pid 0) 'A' → key 'A' (that person's spelling).
 *
 * Rule that would close it: refuse (before the charge) any initdb catalog row (oid < 16384) of pg_operator
 * (oprcode, oprrest, oprjoin, oprcom, oprnegate), pg_amop (amopopr), pg_amproc (amproc), pg_opclass (opcfamily),
 * pg_cast (castfunc), pg_type (typinput/typoutput/…) or pg_proc that references an object created after initdb
 * (oid ≥ 16384); a swap between two built-ins (e.g. prosrc of texteq) still needs a fingerprint of initdb's catalog
 * (hash of the relevant columns compared with the server version's known value) or a non-superuser role.
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
  dataset: 'review_pg_catalog_update',
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

const DB = 'review_pg_catalog_update';
// Runs as the test cluster's superuser (the data owner), in its own database.
const UPDATE_SQL = `CREATE SCHEMA hidden;
CREATE FUNCTION hidden.ieq(text, text) RETURNS bool AS 'SELECT pg_catalog.texteq(pg_catalog.lower($1), pg_catalog.lower($2))' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.icmp(text, text) RETURNS int AS 'SELECT pg_catalog.bttextcmp(pg_catalog.lower($1), pg_catalog.lower($2))' LANGUAGE sql IMMUTABLE STRICT;
CREATE FUNCTION hidden.ihash(text) RETURNS int AS 'SELECT pg_catalog.hashtext(pg_catalog.lower($1))' LANGUAGE sql IMMUTABLE STRICT;
UPDATE pg_catalog.pg_operator SET oprcode = 'hidden.ieq'::regproc WHERE oid = 'pg_catalog.=(text,text)'::regoperator;
UPDATE pg_catalog.pg_amproc SET amproc = 'hidden.icmp'::regproc WHERE amproc = 'pg_catalog.bttextcmp'::regproc;
UPDATE pg_catalog.pg_amproc SET amproc = 'hidden.ihash'::regproc WHERE amproc = 'pg_catalog.hashtext'::regproc;`;

describe('review S41i: initdb catalog rows UPDATEd in place (text = and its btree/hash support point at hidden case-insensitive functions)', () => {
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
    await c.query(UPDATE_SQL);
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin?.end();
  });

  async function keys(rows: string): Promise<string> {
    await c.query(`DROP TABLE IF EXISTS s; CREATE TABLE s (pid bigint, name text); ${rows}`);
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

  it.fails("S41i (NOT DEFENDED by decision, SECURITY.md \"Not defended\": a superuser editing initdb's catalog rows in place can read the tables directly): 200 × 'a' and one more person spelling 'A' give the same outcome", async () => {
    const without = await keys("INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    const withTarget = await keys("INSERT INTO s VALUES (0, 'A'); INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    // Any answer is fine (refused before the charge, or a key that is not a person's spelling), but 200 people already
    // make the group, so the released key set must not change with one person.
    expect([without, withTarget]).toEqual([without, without]);
  }, 60_000);
});
