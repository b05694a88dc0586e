/**
 * Review session 10b (review2): S51/S52 on PostgreSQL (the DuckDB members are in float-identity-stored-types.test.ts).
 *
 * S52 (PostgreSQL too): a public `unique` float key stored numeric(38,0) is read as stored, the private value it is
 * linked to as double precision; PostgreSQL has no numeric = float8 operator and casts the numeric side to float8,
 * so the distinct keys 10²² and 10²² + 1 both meet the one private row 10²²: counted twice at row level.
 * Held here: S51's unit join bigint × numeric(38,20) with one person at 2·10¹⁸ (PostgreSQL compares in unbounded
 * numeric: answered both ways); numeric(38,10) 'NaN' in a declared float value column (PostgreSQL refuses ±Infinity in a numeric with a typmod; an unbounded numeric is refused by the catalog check) (cast to double
 * precision: answered).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { explainDpSql } from '../../src/sql/explain-dp-sql.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

let engine: PostgresEngine;
let client: pg.Client;
beforeAll(async () => {
  const url = postgresTestUrl();
  engine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
  client = new pg.Client(url);
  await client.connect();
  await client.query(`
    DROP TABLE IF EXISTS r2_pubk, r2_priv, r2_ub, r2_ub_big, r2_ud, r2_nan;
    CREATE TABLE r2_pubk (k numeric(38,0), g text);
    INSERT INTO r2_pubk VALUES (10000000000000000000000, 'a'), (10000000000000000000001, 'a');
    CREATE TABLE r2_priv (a numeric(38,0));
    INSERT INTO r2_priv VALUES (10000000000000000000000);
    CREATE TABLE r2_ub (pid bigint, k text);
    INSERT INTO r2_ub VALUES (1, 'a'), (2, 'b');
    CREATE TABLE r2_ub_big AS SELECT * FROM r2_ub UNION ALL SELECT 2000000000000000000, 'a';
    CREATE TABLE r2_ud (pid numeric(38,20), w double precision);
    INSERT INTO r2_ud VALUES (1, 1), (2, 1);
    CREATE TABLE r2_nan (pid bigint, a numeric(38,10));
    INSERT INTO r2_nan VALUES (1, 1), (2, 'NaN');`);
}, 60_000);
afterAll(async () => {
  await client?.query('DROP TABLE IF EXISTS r2_pubk, r2_priv, r2_ub, r2_ub_big, r2_ud, r2_nan');
  await client?.end();
  await engine?.close();
});

async function outcome(sql: string, tables: Record<string, unknown>): Promise<string> {
  const ledger = new MemoryLedger();
  const schema = parseSqlSchema({ dataset: 'fidpg', budget: { epsilon: 100, delta: 1e-5 }, tables });
  try {
    await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(1) });
    return 'answered';
  } catch (e) {
    return ledger.charges.length === 0 ? `refused ${(e as Error).message}` : `charged-error ${(e as { code?: string }).code}`;
  }
}
const unit = (extra: Record<string, unknown>) => ({
  privacyUnit: 'pid',
  maxPartitions: 1,
  maxContributionsPerPartition: 1,
  columns: { pid: { type: 'float' }, ...extra },
});

describe('review2 S51/S52 on PostgreSQL', () => {
  it('S52 fixed: a unique public float key stored as numeric(38,0) is refused before the charge', async () => {
    const tables = {
      r2_pubk: { public: true, columns: { k: { type: 'float', unique: true }, g: { type: 'string', categories: ['a', 'b'] } } },
      r2_priv: { columns: { a: { type: 'float', lower: 0, upper: 1e23 } } },
    };
    const got = await outcome('SELECT g, COUNT(*) AS n FROM r2_priv JOIN r2_pubk ON r2_pubk.k = r2_priv.a GROUP BY g', tables);
    expect(got.startsWith('refused'), got).toBe(true);
  }, 60_000);
  it('unit join bigint × numeric(38,20), one person at 2·10¹⁸: refused both ways since S51 (a float unit is stored as double precision or real)', async () => {
    const K = { k: { type: 'string', categories: ['a', 'b'] } };
    const W = { w: { type: 'float', lower: 0, upper: 1 } };
    for (const t of ['r2_ub', 'r2_ub_big']) {
      expect(
        await outcome(`SELECT COUNT(*) AS n FROM ${t} JOIN r2_ud ON r2_ud.pid = ${t}.pid`, { [t]: unit(K), r2_ud: unit(W) }),
        t,
      ).toMatch(/^refused .*must be stored as DOUBLE or REAL/);
    }
  }, 60_000);
  it('held: numeric(38,10) NaN in a declared float value column are answered (SUM, AVG, WHERE)', async () => {
    // The unit is declared integer (its storage, bigint): since S51 a float unit must be stored as a floating-point type.
    const tables = {
      r2_nan: {
        ...unit({ a: { type: 'float', lower: 0, upper: 10 } }),
        columns: { pid: { type: 'integer' }, a: { type: 'float', lower: 0, upper: 10 } },
      },
    };
    for (const sql of [
      'SELECT SUM(a) AS s FROM r2_nan',
      'SELECT AVG(a) AS s FROM r2_nan',
      'SELECT COUNT(*) AS n FROM r2_nan WHERE a > 0',
    ]) {
      expect(await outcome(sql, tables), sql).toBe('answered');
    }
  }, 60_000);
});
