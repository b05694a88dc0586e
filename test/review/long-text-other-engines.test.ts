/**
 * Review stop 20 (first shift): S59/S61's class (a per-value engine limit reached after the charge) on DuckDB and
 * ClickHouse — HELD. The shapes that fail on PostgreSQL past its 1 GB MaxAllocSize (UPPER/LOWER, TRIM, ILIKE, the
 * implicit text → number/date/boolean conversions, a text privacy unit's blank-id regex; pg-long-text-alloc,
 * pg-long-text-members) plus LIKE '%a_', LENGTH, `v || 'zz'` and GROUP BY v, over one person's long value (text
 * column and text unit; 270 MB in the review's run, 64 MB as committed): every one answered on DuckDB 1.5 (in memory) and on one ClickHouse 18.16 shard. A guard
 * against a fix for PostgreSQL that breaks the other dialects (a length guard that itself fails, or refuses).
 * Not tried: values near DuckDB's 4 GB string limit or ClickHouse's max_memory_usage (10 GB pinned): not on a
 * shared 23 GB machine.
 * Cost: two 64 MB values per engine (at 270 MB: DuckDB 317 s, ClickHouse 233 s at load 12; the boolean shape re-lowers the
 * value per IN item on DuckDB).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { adminExec, clickhouseAvailable, type TestCluster, testCluster } from '../clickhouse/cluster.js';
import { outcome, sweepSchema } from './engine-extremes-sweep.js';

/** 64 MB here (CI time); the review ran the same file once with 270 MB: both engines answered every shape (635 s at load 12). */
const BIG = 64_000_000;
const SHAPES = [
  "SELECT COUNT(*) AS n FROM rv_long WHERE UPPER(v) = 'A' OR LOWER(v) = 'b'",
  "SELECT COUNT(*) AS n FROM rv_long WHERE v ILIKE 'a%'",
  "SELECT COUNT(*) AS n FROM rv_long WHERE v LIKE '%a_'",
  "SELECT COUNT(*) AS n FROM rv_long WHERE TRIM(v) = 'a'",
  'SELECT COUNT(*) AS n FROM rv_long WHERE v = 3',
  "SELECT COUNT(*) AS n FROM rv_long WHERE v = DATE '2020-01-01'",
  'SELECT COUNT(*) AS n FROM rv_long WHERE v = TRUE',
  'SELECT COUNT(*) AS n FROM rv_long WHERE LENGTH(v) > 3',
  "SELECT COUNT(*) AS n FROM rv_long WHERE UPPER(v || 'zz') = 'AZZ'",
  'SELECT v, COUNT(*) AS n FROM rv_long GROUP BY v',
];
const UNIT_SHAPES = ['SELECT COUNT(*) AS n FROM rv_unit', 'SELECT SUM(w) AS s FROM rv_unit'];
const unitSchema: SqlSchema = parseSqlSchema({
  dataset: 'rv61',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    rv_unit: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'string' }, w: { type: 'integer', lower: 0, upper: 10 } },
    },
  },
});

/** Every shape's outcome that is a charged failure (empty when all are answered or refused before the charge). */
async function charged(textEngine: SqlEngine, unitEngine: SqlEngine): Promise<string[]> {
  const got: string[] = [];
  for (const sql of SHAPES) got.push(`${sql} → ${await outcome(textEngine, sweepSchema('string', 'rv_long'), sql)}`);
  for (const sql of UNIT_SHAPES) got.push(`${sql} → ${await outcome(unitEngine, unitSchema, sql)}`);
  return got.filter((o) => o.includes('→ charged'));
}

describe('review S61 held: one person’s long text on DuckDB', () => {
  let duck: DuckDbEngine;
  beforeAll(async () => {
    // A long deadline: `v = TRUE` compiles to LOWER(TRIM(v)) IN (six words) twice, which DuckDB evaluates per item —
    // over 60 s (the default deadline) for 270 MB at load 11–17; that is class 14's conceded deadline bit, not this test's.
    duck = await DuckDbEngine.open({ allowExternalAccess: true, statementTimeoutMs: 600_000 });
    await duck.connection.run(`CREATE TABLE rv_long AS SELECT i AS pid, 'a' AS v FROM range(1, 21) r(i)`);
    await duck.connection.run(`INSERT INTO rv_long VALUES (21, repeat('x', ${BIG}))`);
    await duck.connection.run(`CREATE TABLE rv_unit AS SELECT 'p' || i AS pid, i % 10 AS w FROM range(1, 21) r(i)`);
    await duck.connection.run(`INSERT INTO rv_unit VALUES (repeat('y', ${BIG}), 1)`);
  }, 300_000);
  afterAll(async () => {
    await duck?.close();
  });
  it('every shape answered or refused before the charge', async () => {
    expect(await charged(duck, duck)).toEqual([]);
  }, 600_000);
});

const DB = `tsdp_review_long_${process.pid}`;
/** A BIG-byte text in ClickHouse 18.16 (no `repeat`). */
const big = (c: string) => `arrayStringConcat(arrayMap(x -> '${c.repeat(1000)}', range(${BIG / 1000})))`;
describe.skipIf(!clickhouseAvailable)('review S61 held: one person’s long text on ClickHouse (one shard)', () => {
  let cluster: TestCluster | undefined;
  let base = '';
  beforeAll(async () => {
    cluster = testCluster();
    base = cluster.shards[0] as string;
    await adminExec(base, `DROP DATABASE IF EXISTS ${DB}`);
    await adminExec(base, `CREATE DATABASE ${DB}`);
    await adminExec(base, `CREATE TABLE ${DB}.rv_long (pid Int64, v String) ENGINE = MergeTree ORDER BY tuple()`);
    await adminExec(base, `INSERT INTO ${DB}.rv_long SELECT toInt64(number + 1), 'a' FROM system.numbers LIMIT 20`);
    await adminExec(base, `INSERT INTO ${DB}.rv_long SELECT 21, ${big('x')}`);
    await adminExec(base, `CREATE TABLE ${DB}.rv_unit (pid String, w Int64) ENGINE = MergeTree ORDER BY tuple()`);
    await adminExec(
      base,
      `INSERT INTO ${DB}.rv_unit SELECT concat('p', toString(number)), toInt64(number % 10) FROM system.numbers LIMIT 20`,
    );
    await adminExec(base, `INSERT INTO ${DB}.rv_unit SELECT ${big('y')}, 1`);
  }, 300_000);
  afterAll(async () => {
    if (base) await adminExec(base, `DROP DATABASE IF EXISTS ${DB}`);
    cluster?.stop?.();
  });
  it('every shape answered or refused before the charge', async () => {
    const text = await ClickHouseEngine.open({ url: base, database: DB, schema: sweepSchema('string', 'rv_long') });
    const unit = await ClickHouseEngine.open({ url: base, database: DB, schema: unitSchema });
    try {
      expect(await charged(text, unit)).toEqual([]);
    } finally {
      await text.close();
      await unit.close();
    }
  }, 600_000);
});
