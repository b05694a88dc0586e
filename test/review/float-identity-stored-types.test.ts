/**
 * Review session 10b (review2), re-attack of S48/S50's fix (compile-expr.ts `column` form + isIdentityColumn):
 * a declared float VALUE column is read as CAST(col AS DOUBLE); the privacy unit and `unique` columns as stored.
 *
 * S51 (S48's class 3 on identity columns): two identity columns stored with different types still meet raw —
 * a unit join `ud.pid = ub.pid` (BIGINT against DECIMAL(38,20); HUGEINT against DECIMAL(38,0)) or the unit against
 * a `unique` column of its own table — and DuckDB unifies them to one DECIMAL(38, s) whose cast fails on one
 * person's id (2·10¹⁸, 1.5·10³⁸): ENGINE_ERROR after the charge; without that person, answered.
 *
 * S52 (S50's class 18 through the other side of a row-level link): a public `unique` float key stored as
 * DECIMAL(38,0) is read as stored, but the private column it is joined to is a VALUE column, read as DOUBLE, so
 * the engine compares the link in DOUBLE: the distinct public keys 10²² and 10²² + 1 both meet the one private row
 * 10²², which is counted twice (row-level plan, sensitivity taken as 1).
 *
 * Held: the unit compared to a value column (`pid = a`, DOUBLE against stored BIGINT) is answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { explainDpSql, runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  const c = duck.connection;
  // `*_big` = the same table plus one person whose id is large for the other table's stored type.
  await c.run("CREATE TABLE ub AS SELECT * FROM (VALUES (CAST(1 AS BIGINT), 'a'), (2, 'b')) t(pid, k)");
  await c.run("CREATE TABLE ub_big AS SELECT * FROM ub UNION ALL SELECT 2000000000000000000, 'a'");
  await c.run('CREATE TABLE ud (pid DECIMAL(38,20), w DOUBLE)');
  await c.run('INSERT INTO ud VALUES (1, 1), (2, 1)');
  await c.run("CREATE TABLE uh AS SELECT * FROM (VALUES (CAST(1 AS HUGEINT), 'a'), (2, 'b')) t(pid, k)");
  await c.run("CREATE TABLE uh_big AS SELECT * FROM uh UNION ALL SELECT 150000000000000000000000000000000000000, 'a'");
  await c.run('CREATE TABLE ud0 (pid DECIMAL(38,0), w DOUBLE)');
  await c.run('INSERT INTO ud0 VALUES (1, 1), (2, 1)');
  await c.run('CREATE TABLE uu (pid BIGINT, uid DECIMAL(38,20), a DOUBLE)');
  await c.run('INSERT INTO uu VALUES (1, 1, 1), (2, 2, 2)');
  await c.run('CREATE TABLE uu_big AS SELECT * FROM uu UNION ALL SELECT 2000000000000000000, 3, 3');
  await c.run('CREATE TABLE pubk (k DECIMAL(38,0), g VARCHAR)');
  await c.run("INSERT INTO pubk VALUES (10000000000000000000000, 'a'), (10000000000000000000001, 'a')");
  await c.run('CREATE TABLE priv (a DECIMAL(38,0))');
  await c.run('INSERT INTO priv VALUES (10000000000000000000000)');
});
afterAll(async () => {
  await duck?.close();
});

/** 'answered', 'refused' (nothing charged) or 'charged-error CODE' (an error after the charge: the hole). */
async function outcome(sql: string, tables: Record<string, unknown>): Promise<string> {
  const ledger = new MemoryLedger();
  const schema = parseSqlSchema({ dataset: 'fid', budget: { epsilon: 100, delta: 1e-5 }, tables });
  try {
    await runDpSql({ sql, schema, engine: duck, ledger, epsilon: 1, rng: new SeededRandomSource(1) });
    return 'answered';
  } catch (e) {
    return ledger.charges.length === 0 ? 'refused' : `charged-error ${(e as { code?: string }).code}`;
  }
}
const unit = (extra: Record<string, unknown>) => ({
  privacyUnit: 'pid',
  maxPartitions: 1,
  maxContributionsPerPartition: 1,
  columns: { pid: { type: 'float' }, ...extra },
});
const K = { k: { type: 'string', categories: ['a', 'b'] } };
const W = { w: { type: 'float', lower: 0, upper: 1 } };
const UU = { uid: { type: 'float', unique: true }, a: { type: 'float', lower: 0, upper: 3 } };

/** The outcome without and with the one large person (the hole: they differ, and the second is charged). */
async function both(sql: (t: string) => string, small: string, big: string, tables: (t: string) => Record<string, unknown>) {
  return [await outcome(sql(small), tables(small)), await outcome(sql(big), tables(big))];
}

describe('review2 S51 (S48 class on identity columns): stored unit types meet raw', () => {
  it('S51 fixed: unit join BIGINT × DECIMAL(38,20), one person at 2·10¹⁸ — refused before the charge both ways (float units must be stored as DOUBLE/REAL)', async () => {
    const got = await both(
      (t) => `SELECT COUNT(*) AS n FROM ${t} JOIN ud ON ud.pid = ${t}.pid`,
      'ub',
      'ub_big',
      (t) => ({ [t]: unit(K), ud: unit(W) }),
    );
    expect(got).toEqual(['refused', 'refused']);
  }, 60_000);
  it('S51 fixed: unit join HUGEINT × DECIMAL(38,0), one person at 1.5·10³⁸ — refused before the charge both ways', async () => {
    const got = await both(
      (t) => `SELECT COUNT(*) AS n FROM ${t} JOIN ud0 ON ud0.pid = ${t}.pid`,
      'uh',
      'uh_big',
      (t) => ({ [t]: unit(K), ud0: unit(W) }),
    );
    expect(got).toEqual(['refused', 'refused']);
  }, 60_000);
  it('S51 fixed: unit (BIGINT) = unique column (DECIMAL(38,20)) of one table, in WHERE and COALESCE — refused both ways', async () => {
    for (const where of ['pid = uid', 'COALESCE(pid, uid) > 0']) {
      const got = await both(
        (t) => `SELECT COUNT(*) AS n FROM ${t} WHERE ${where}`,
        'uu',
        'uu_big',
        (t) => ({ [t]: unit(UU) }),
      );
      expect(got, where).toEqual(['refused', 'refused']);
    }
  }, 60_000);
  it('the unit stored BIGINT against a value column (pid = a) — refused both ways since S51 (a float unit stored as an integer)', async () => {
    const got = await both(
      (t) => `SELECT COUNT(*) AS n FROM ${t} WHERE pid = a`,
      'uu',
      'uu_big',
      (t) => ({ [t]: unit(UU) }),
    );
    expect(got).toEqual(['refused', 'refused']);
  }, 60_000);
});

describe('review2 S52 (S50 class): a unique public key read as stored, compared to a private value read as DOUBLE', () => {
  it('S52 fixed: a unique public float key stored as DECIMAL(38,0) is refused before the charge (identities stored as DOUBLE/REAL only)', async () => {
    const tables = {
      pubk: { public: true, columns: { k: { type: 'float', unique: true }, g: { type: 'string', categories: ['a', 'b'] } } },
      priv: { columns: { a: { type: 'float', lower: 0, upper: 1e23 } } },
    };
    expect(await outcome('SELECT g, COUNT(*) AS n FROM priv JOIN pubk ON pubk.k = priv.a GROUP BY g', tables)).toBe('refused');
  }, 60_000);
});
