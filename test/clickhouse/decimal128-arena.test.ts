/**
 * No compiled ClickHouse statement puts a Decimal128 value where 18.16 keeps it in an arena (trust-classes "Stop 21").
 *
 * ClickHouse 18.16 reads a `Decimal128` back from an arena with an aligned 16-byte load at an address that is only
 * 8-aligned: `ColumnDecimal<Decimal128>::deserializeAndInsertFromArena` faults and the whole server dies (SIGSEGV,
 * "Address: NULL pointer"). Each of these kills a shard at 1–100 rows, whatever the settings:
 * `groupArray(toDecimal128(x, 0))`, `groupArray(tuple(…, toDecimal128(x, 0)))`, `GROUP BY s, d` with a String key
 * and a Decimal128 key (the serialized-keys method). A plain `sum(toDecimal128(…))` state, and Decimal128 in per-row
 * expressions, sorts and LIMIT BY, do not (main's statements, 10⁶ and 3·10⁶ rows with two-level and external
 * aggregation forced: no crash). Reverted 1d2d7c0 crashed through the `arrays` bounding: its per-unit
 * `Decimal128` sum travelled in `groupArray(tuple(tsdp_h, keys…, sums…))`.
 * Rule (clickhouse-compile.ts header): a value that enters `groupArray`, a tuple aggregated by it, or a GROUP BY key
 * is never Decimal128 — per-unit quantities are Int64/UInt64, stored Decimal columns are read as Float64, and
 * Decimal128 is only a `sum` argument or a per-row expression.
 * Test: every statement shape (row and unit level, SUM/AVG/COUNT/quantile, Decimal(38, 2) and Int64 columns as keys
 * and values, both boundings) runs on the real 3-shard cluster, and every shard still answers `/ping` after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseArraysDialect, clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { explainDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { adminExec, clickhouseAvailable, createSharded, insertRows, type TestCluster, testCluster } from './cluster.js';

const DB = 'tsdp_decimal128_arena_test';
/** Stored Decimal(38, 2) `d` (declared float) and Int64 `g`, `v` as keys and values; `pid` the unit unless row level. */
const COLUMNS = { pid: { type: 'integer' }, s: { type: 'string' }, g: { type: 'integer' } };
const BOUNDED = { d: { type: 'float', lower: -10, upper: 10 }, v: { type: 'integer', lower: -1000, upper: 1000 } };
const table = (rowLevel: boolean) => ({
  ...(rowLevel ? {} : { privacyUnit: 'pid' }),
  maxPartitions: 4,
  maxContributionsPerPartition: 2,
  columns: { ...COLUMNS, ...BOUNDED },
});
const QUERIES = [
  'SELECT s, d, COUNT(*) AS n FROM t GROUP BY s, d',
  'SELECT d, COUNT(*) AS n, SUM(v) AS a FROM t GROUP BY d',
  'SELECT s, g, SUM(d) AS a, AVG(v) AS b, COUNT(d) AS n, COUNT(v) AS m FROM t GROUP BY s, g',
  'SELECT g, SUM(v) AS a, AVG(d) AS b FROM t GROUP BY g',
  'SELECT SUM(d) AS a, COUNT(*) AS n FROM t',
  'SELECT s, MEDIAN(d) AS m, MEDIAN(v) AS w FROM t GROUP BY s',
];
let cluster: TestCluster;

/** Whether every shard still answers. */
const alive = () =>
  Promise.all(
    cluster.shards.map((s) =>
      fetch(`${s}/ping`).then(
        (r) => r.ok,
        () => false,
      ),
    ),
  );

describe.skipIf(!clickhouseAvailable)('ClickHouse 18.16: no Decimal128 in an arena-kept value (stop 21)', () => {
  beforeAll(async () => {
    cluster = testCluster();
    await createSharded(cluster.shards, DB, { t: 'pid Int64, s String, g Int64, d Decimal(38, 2), v Int64' }, () => 'cityHash64(pid)');
    const rows = Array.from({ length: 300 }, (_, i) => [i % 41, `k${i % 5}`, i % 7, String((i % 19) / 2 - 4.5), (i % 2001) - 1000]);
    await insertRows(cluster.shards[0] as string, `${DB}.t_all`, rows);
  }, 120_000);
  afterAll(async () => {
    if (cluster) await Promise.all(cluster.shards.map((s) => adminExec(s, `DROP DATABASE IF EXISTS ${DB}`)));
    cluster?.stop?.();
  });

  for (const rowLevel of [false, true])
    for (const [name, dialect] of [
      ['limitBy', clickhouseDialect],
      ['arrays', clickhouseArraysDialect],
    ] as const)
      it(`${rowLevel ? 'row' : 'unit'} level, ${name} bounding: every statement runs and every shard survives`, async () => {
        const schema = parseSqlSchema({ dataset: 'd128', budget: { epsilon: 1000, delta: 1e-3 }, tables: { t: table(rowLevel) } });
        for (const q of QUERIES) {
          const c = explainDpSql(q, schema, dialect, { epsilon: 1, delta: 1e-4 }, 5n).compiled;
          for (const sql of [c.main.sql, ...c.histograms.map((h) => h.sql)]) {
            const out = await adminExec(cluster.shards[0] as string, `${sql} FORMAT TSV`, { database: DB });
            expect(out.length, q).toBeGreaterThan(0);
            expect(await alive(), q).toEqual([true, true, true]);
          }
        }
      }, 120_000);
});
