/**
 * Review session 10 (S25's class "people merged into one unit", guarding S48's fix): a privacy unit declared `float`
 * may be stored as DECIMAL(p, 0) or an integer type (check-public.ts). Distinct stored ids above 2⁵³ — 23-digit
 * account numbers in DECIMAL(38,0) — can be the same DOUBLE, so a fix of S48 that reads every declared float column
 * as DOUBLE must not read the UNIT that way: two people would become one unit, and bounding (P = 1) would keep one
 * of their groups by the salted hash, so adding one of them moves the exact counts by 2 > P·C (S25's shape). Checked
 * in advance on the lead's uncommitted S48 fix (22:50: `column` form casts every 'double' column, the unit included):
 * L1 = 2 at some salts; main 55987d1: L1 = 1 at every salt.
 *
 * Property (exact, no noise): person B (id 10²² + 1, group b) alone, then person A (id 10²², the same double, group
 * a) added; declared keys a, b; P = C = 1. For salts 1–12 the exact per-key counts move by at most P·C = 1 in L1.
 * The same through a unit join (the unit link must compare stored ids, not their doubles).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { explainDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  const c = duck.connection;
  await c.run('CREATE TABLE d1 (pid DECIMAL(38,0), k VARCHAR)');
  await c.run("INSERT INTO d1 VALUES (10000000000000000000001, 'b')");
  await c.run('CREATE TABLE d2 AS SELECT * FROM d1');
  await c.run("INSERT INTO d2 VALUES (10000000000000000000000, 'a')");
  // A second private table keyed by the same ids (one visit each, in the person's own group).
  await c.run('CREATE TABLE v1 (pid DECIMAL(38,0), w DOUBLE)');
  await c.run('INSERT INTO v1 VALUES (10000000000000000000001, 1)');
  await c.run('CREATE TABLE v2 AS SELECT * FROM v1');
  await c.run('INSERT INTO v2 VALUES (10000000000000000000000, 1)');
});
afterAll(async () => {
  await duck?.close();
});

const unitTable = (extra: Record<string, unknown>) => ({
  privacyUnit: 'pid',
  maxPartitions: 1,
  maxContributionsPerPartition: 1,
  columns: { pid: { type: 'float' }, ...extra },
});

/** Exact per-key counts (`units`) of a compiled statement, for keys a and b. */
async function counts(sql: string, tables: Record<string, unknown>, salt: bigint): Promise<{ a: number; b: number }> {
  const schema = parseSqlSchema({ dataset: 'float_unit', budget: { epsilon: 100, delta: 1e-5 }, tables });
  const compiled = explainDpSql(sql, schema, duck.dialect, { epsilon: 1 }, salt).compiled;
  const out = { a: 0, b: 0 };
  for (const row of await duck.query(compiled.main)) {
    const key = String(row[compiled.keyColumns[0] as string]);
    if (key === 'a' || key === 'b') out[key] = Number(row.units);
  }
  return out;
}

const K = { k: { type: 'string', categories: ['a', 'b'] } };

describe('review (S25 class, S48 fix guard): a float unit stored as DECIMAL(38,0) keeps distinct ids distinct', () => {
  it('held on main: adding person A moves the exact counts by at most P·C = 1 at every salt (GROUP BY k)', async () => {
    for (let salt = 1n; salt <= 12n; salt++) {
      const before = await counts('SELECT k, COUNT(*) AS n FROM d1 GROUP BY k', { d1: unitTable(K) }, salt);
      const after = await counts('SELECT k, COUNT(*) AS n FROM d2 GROUP BY k', { d2: unitTable(K) }, salt);
      expect(Math.abs(after.a - before.a) + Math.abs(after.b - before.b), `salt ${salt}`).toBeLessThanOrEqual(1);
    }
  });
  it('held on main: the same through a join on the unit', async () => {
    const tables = (d: string, v: string) => ({ [d]: unitTable(K), [v]: unitTable({ w: { type: 'float', lower: 0, upper: 1 } }) });
    for (let salt = 1n; salt <= 12n; salt++) {
      const before = await counts('SELECT k, COUNT(*) AS n FROM d1 JOIN v1 ON v1.pid = d1.pid GROUP BY k', tables('d1', 'v1'), salt);
      const after = await counts('SELECT k, COUNT(*) AS n FROM d2 JOIN v2 ON v2.pid = d2.pid GROUP BY k', tables('d2', 'v2'), salt);
      expect(Math.abs(after.a - before.a) + Math.abs(after.b - before.b), `salt ${salt}`).toBeLessThanOrEqual(1);
    }
  });
});
