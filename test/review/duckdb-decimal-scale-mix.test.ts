/**
 * Review session 10 (issue 10 class 3, "engine errors that depend on the data"; finding S48): a column declared
 * `float` may be stored as any integer type or as DECIMAL(p, s) (check-public.ts FLOAT_TYPES / DECIMAL_TYPE), and
 * the compiled SQL reads it raw (compile-expr.ts `column` form). Two declared float columns therefore meet in the
 * engine with their STORED types wherever the compiler unifies two doubles without a conversion (`=`, `<`, `IN`,
 * `BETWEEN`, `CASE … THEN a ELSE b`, `COALESCE`, `NULLIF`, `LEAST`): DuckDB casts both to one DECIMAL(38, s), and a
 * value whose integer part does not fit 38 − s digits raises "Could not cast value … to DECIMAL" — on the rows
 * that hold it only. Measured on main 55987d1 (DuckDB in process, a database file or Parquet as stored):
 * BIGINT vs DECIMAL(38,20) (one value ≥ 10¹⁸), INTEGER vs DECIMAL(38,30) (≥ 10⁸), HUGEINT/UBIGINT vs DECIMAL(18,2)/(38,20):
 * `SELECT COUNT(*) FROM t WHERE a = b` / `a > b` / `SUM(CASE WHEN … THEN a ELSE b END)` / `SUM(NULLIF(a, b))` /
 * `SUM(COALESCE(a, b))` / `SUM(LEAST(a, b))` are answered without one person and charged, then ENGINE_ERROR with
 * them — a membership oracle at any ε. (DECIMAL vs DECIMAL of equal integer digits, DOUBLE vs DECIMAL held.)
 *
 * Rule that would close the class: a declared float column is read as DOUBLE in every compiled statement
 * (`CAST(col AS DOUBLE)` in the column form — total for every stored integer and DECIMAL type), or the catalog
 * refuses, before the charge, float columns stored as anything but DOUBLE/REAL; generative test over stored
 * numeric type pairs × the unifying forms × each type's extreme values. Owner: acct (src/sql compile-expr.ts /
 * check-public.ts) — or sqlrun (duckdb-catalog.ts) for a catalog refusal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'review-decimal-mix-'));
let duck: DuckDbEngine;
let parquet: { without: DuckDbEngine; with: DuckDbEngine };

beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  const c = duck.connection;
  // 50 people; a (BIGINT) and b (DECIMAL(38,20)) both declared float with bounds [0, 100].
  await c.run('CREATE TABLE t (pid BIGINT, a BIGINT, b DECIMAL(38,20))');
  await c.run('INSERT INTO t SELECT i, i, i + 0.5 FROM range(1, 51) r(i)');
  // The neighbour: one more person whose BIGINT is ≥ 10¹⁸ (a nanosecond timestamp, a large id).
  await c.run('CREATE TABLE t_plus AS SELECT * FROM t');
  await c.run('INSERT INTO t_plus VALUES (99, 2000000000000000000, 1)');
  // The same two tables as Parquet files (`tsdp sql --data x.parquet`: read as stored).
  await c.run(`COPY t TO '${join(dir, 'without.parquet')}' (FORMAT parquet)`);
  await c.run(`COPY t_plus TO '${join(dir, 'with.parquet')}' (FORMAT parquet)`);
  parquet = {
    without: await DuckDbEngine.open({ files: { t: join(dir, 'without.parquet') } }),
    with: await DuckDbEngine.open({ files: { t: join(dir, 'with.parquet') } }),
  };
}, 60_000);
afterAll(async () => {
  await duck?.close();
  await parquet?.without.close();
  await parquet?.with.close();
  rmSync(dir, { recursive: true, force: true });
});

const schema = (table: string) =>
  parseSqlSchema({
    dataset: 'decimal_mix',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      [table]: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: { pid: { type: 'integer' }, a: { type: 'float', lower: 0, upper: 100 }, b: { type: 'float', lower: 0, upper: 100 } },
      },
    },
  });

/** 'answered', 'refused' (nothing charged) or 'charged-error' (an error after the charge). */
async function outcome(engine: DuckDbEngine, table: string, sql: string): Promise<string> {
  const ledger = new MemoryLedger();
  try {
    await runDpSql({
      sql: sql.replace('FROM t', `FROM ${table}`),
      schema: schema(table),
      engine,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(1),
    });
    return 'answered';
  } catch (e) {
    return ledger.charges.length === 0 ? 'refused' : `charged-error ${(e as { code?: string }).code}`;
  }
}

const QUERIES = [
  'SELECT COUNT(*) AS n FROM t WHERE a = b',
  'SELECT SUM(CASE WHEN pid > 3 THEN a ELSE b END) AS s FROM t',
  'SELECT SUM(NULLIF(a, b)) AS s FROM t',
];

describe('review S48: two declared float columns stored as BIGINT and DECIMAL(38,20)', () => {
  it('control: every query is answered without the person (database tables and Parquet)', async () => {
    for (const sql of QUERIES) {
      expect(await outcome(duck, 't', sql)).toBe('answered');
      expect(await outcome(parquet.without, 't', sql)).toBe('answered');
    }
  });
  it('S48 fixed: with one person holding a = 2·10¹⁸ each query is answered, not charged then ENGINE_ERROR (DuckDB table)', async () => {
    for (const sql of QUERIES) expect(await outcome(duck, 't_plus', sql), sql).toBe('answered');
  });
  it('S48 fixed: the same through a Parquet file read as stored', async () => {
    for (const sql of QUERIES) expect(await outcome(parquet.with, 't', sql), sql).toBe('answered');
  });
});
