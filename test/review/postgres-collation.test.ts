/**
 * Review S41 (session 9; class 1/2 "ε = ∞" through the released group KEY, and class 3 "whether a query is answered
 * depends on the rows"): a PostgreSQL column may carry a NONDETERMINISTIC collation (PostgreSQL ≥ 12, ICU:
 * `CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`, the documented
 * replacement for citext). `format_type` still says `text`, so the catalog step accepts the column, but the engine's
 * `=` on it is not byte equality:
 * - S41: `GROUP BY name` puts 'a' and 'A' in one group and returns ONE ROW'S SPELLING as the key — the first row the
 *   final aggregation reads (after the per-unit step the rows come ordered by unit: the smallest unit id's). Under
 *   partition selection the released key text is that person's value: D′ = 200 people 'a' → key 'a' (every seed);
 *   D = D′ + one person (pid 0) 'A' → key 'A'. The released key is a person's raw value (ε = ∞ for "someone wrote
 *   'A'"), although every count is bounded.
 * - S41b: PostgreSQL raises "nondeterministic collations are not supported for LIKE" (also regular expressions and
 *   substring searches) when the predicate is first EVALUATED: on an empty table `… WHERE name LIKE 'x%'` is
 *   answered; with one row it is charged, then ENGINE_ERROR.
 * The same holds for the privacy unit: 'Bob' and 'bob' are one unit (two people pooled, S25's class).
 * DuckDB's NOCASE/NOACCENT held (its GROUP BY returns the collated form, a function of the group), but S41c: DuckDB's
 * NFC collation and its ICU collations (`COLLATE de`, `en`, …) equate canonically equivalent spellings ('é' = 'e' +
 * U+0301) and return ONE ROW'S spelling as the key: a database file with `name VARCHAR COLLATE NFC`, 3 people 'é'
 * (composed) → key 'é' (1 code unit); one more person (pid 1) with the decomposed spelling → the released key is his
 * (2 code units), every seed.
 *
 * Rule that would close the class: the catalog step reads each declared text column's collation
 * (`pg_attribute.attcollation` → `pg_collation.collisdeterministic`) and refuses a nondeterministic one before the
 * charge (INVALID_SCHEMA), or the compiled SQL applies `COLLATE "C"` to every text column it reads (keys, units,
 * predicates); a generative test over the collations an operator can attach. DuckDB: refuse a declared column whose
 * collation is not the default (`duckdb_columns()`/`information_schema.columns.collation_name`) before the charge.
 * Owners: trust (engines/postgres.ts), sqlrun (engines/duckdb-catalog.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl, postgresTestUrlFor } from '../sql/postgres-url.js';

const DB = 'review_collation_s41';
const schema = parseSqlSchema({
  dataset: 'review_collation',
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

describe('review S41: a nondeterministic collation on a declared PostgreSQL text column', () => {
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
    await c.query("CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
    engine = await PostgresEngine.open({ connectionString: postgresTestUrlFor(DB) });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await c?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin?.end();
  });

  async function outcome(sql: string, seed: number): Promise<{ result: string; charged: number }> {
    const ledger = new MemoryLedger();
    const result = await runDpSql({ sql, schema, engine, ledger, epsilon: 100, delta: 1e-4, rng: new SeededRandomSource(seed) }).then(
      (r) => JSON.stringify(r.rows.map((row) => row[0])),
      (e: { code?: string }) => String(e.code),
    );
    return { result, charged: ledger.charges.length };
  }

  async function table(rows: string): Promise<void> {
    await c.query(`DROP TABLE IF EXISTS s; CREATE TABLE s (pid bigint, name text COLLATE ci); ${rows}`);
  }

  it("S41 (fixed: a nondeterministic collation is refused before the charge): the released key's spelling is one person's value — 200 × 'a' releases 'a', one more person (pid 0) 'A' releases 'A'", async () => {
    const sql = 'SELECT name, COUNT(*) AS n FROM s GROUP BY name';
    await table("INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    const without = await outcome(sql, 1);
    await table("INSERT INTO s VALUES (0, 'A'); INSERT INTO s SELECT i, 'a' FROM generate_series(1, 200) i");
    const withTarget = await outcome(sql, 1);
    // Any answer is fine (refused before the charge, or a key that is not a person's spelling), but the key set must
    // not change with one person: 200 people already make the group, so selection keeps it either way.
    expect(withTarget.result).toBe(without.result);
  }, 60_000);

  it('S41b (fixed, as S41): LIKE on such a column — answered on the empty table, ENGINE_ERROR after the charge with one row', async () => {
    const sql = "SELECT COUNT(*) AS n FROM s WHERE name LIKE 'x%'";
    await table('');
    const empty = await outcome(sql, 2);
    await table("INSERT INTO s VALUES (1, 'b')");
    const one = await outcome(sql, 2);
    expect(one.result === 'ENGINE_ERROR' ? 'ENGINE_ERROR' : 'answered').toBe(empty.result === 'ENGINE_ERROR' ? 'ENGINE_ERROR' : 'answered');
  }, 60_000);
});

describe('review S41c: a DuckDB NFC (or ICU) collation on a declared text column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'review-duck-collation-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The released keys' lengths in UTF-16 code units (the composed 'é' is 1, the decomposed 'e' + U+0301 is 2). */
  async function releasedKeyLengths(withTarget: boolean): Promise<string> {
    const path = join(dir, `c-${withTarget}.duckdb`);
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run('CREATE TABLE s (pid BIGINT, name VARCHAR COLLATE NFC)');
    if (withTarget) await c.run("INSERT INTO s VALUES (1, 'e' || chr(769))");
    await c.run('INSERT INTO s SELECT i, chr(233) FROM range(100, 103) r(i)');
    c.closeSync();
    instance.closeSync();
    const engine = await DuckDbEngine.open({ database: path });
    try {
      const r = await runDpSql({
        sql: 'SELECT name, COUNT(*) AS n FROM s GROUP BY name',
        schema,
        engine,
        ledger: new MemoryLedger(),
        epsilon: 100,
        delta: 1e-4,
        rng: new SeededRandomSource(1),
      }).then(
        (res) => JSON.stringify(res.rows.map((row) => String(row[0]).length)),
        (e: { code?: string }) => String(e.code),
      );
      return r;
    } finally {
      await engine.close();
    }
  }

  it('S41c (fixed: a collated DuckDB table is refused before the charge, duckdb-catalog.ts "No collations"): with or without one more person (pid 1) spelling \'é\' decomposed, the same outcome', async () => {
    const without = await releasedKeyLengths(false);
    const withTarget = await releasedKeyLengths(true);
    expect(withTarget).toBe(without);
  }, 60_000);
});
