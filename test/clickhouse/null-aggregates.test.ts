/**
 * NULL is no value on ClickHouse (compile.proof.md, "NULL is no value"; src/sql/dialects/clickhouse-expr.ts):
 * the same reference and the same random NULL patterns as test/sql/null-aggregates.test.ts (DuckDB and
 * PostgreSQL), on a real 3-shard cluster with Nullable columns, for both top-P strategies — and once more with
 * every `least`/`greatest` given the meaning ClickHouse ≥ 24.12 has (NULL arguments ignored, as on
 * PostgreSQL: test/clickhouse/least-greatest.ts), under which a clamp written `least(greatest(x, lo), hi)`
 * turned a unit whose values were all NULL into −C·M. Exact aggregates (no noise).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import { clickhouseArraysDialect } from '../../src/sql/dialects/clickhouse.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { sumGrid } from '../../src/stats/fixed-point-grid.js';
import {
  checkNullCases,
  exactInputs,
  NULL_EXAMPLE,
  NULL_PROPERTY,
  type NullRow,
  nullRowsArbitrary,
  nullSchema,
  type Send,
} from '../sql/null-reference.js';
import { adminExec, clickhouseAvailable, createSharded, insertRows, type TestCluster, testCluster } from './cluster.js';
import { leastGreatestIgnoringNull } from './least-greatest.js';

const DB = 'tsdp_null_test';
let cluster: TestCluster;
let ch: ClickHouseEngine;
let engines: SqlEngine[];

/** Sends each statement with least/greatest as ClickHouse ≥ 24.12 evaluates them. */
const as2412: Send = (engine, statement) =>
  engine.query({ ...statement, sql: leastGreatestIgnoringNull(statement.sql) } as CompiledStatement);

async function load(rows: readonly NullRow[]): Promise<void> {
  await Promise.all(cluster.shards.map(async (s) => Promise.all(['t', 'r'].map((t) => adminExec(s, `TRUNCATE TABLE ${DB}.${t}`)))));
  for (const t of ['t', 'r'])
    await insertRows(
      cluster.shards[0] as string,
      `${DB}.${t}_all`,
      rows.map((r) => [r.uid, r.g, r.x, r.k]),
    );
}

/** Loads the rows and checks every case on `on` (default: the engine alone), as 18.16 and as ≥ 24.12 evaluate them. */
async function checkAll(rows: readonly NullRow[], on: readonly SqlEngine[] = [ch]): Promise<void> {
  await load(rows);
  await checkNullCases(rows, on, undefined, true);
  await checkNullCases(rows, on, as2412, true);
}

describe.skipIf(!clickhouseAvailable)('NULL values add nothing on ClickHouse (18.16 and ≥ 24.12 least/greatest)', () => {
  beforeAll(async () => {
    cluster = testCluster();
    const cols = 'uid Int64, g String, x Nullable(Float64), k Nullable(Int64)';
    await createSharded(cluster.shards, DB, { t: cols, r: cols }, (t) => (t === 't' ? 'cityHash64(uid)' : 'rand()'));
    ch = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema: nullSchema });
    // The same engine with the other top-P strategy (the dialect decides how the statements are compiled).
    const arrays = Object.create(ch, { dialect: { value: clickhouseArraysDialect } }) as SqlEngine;
    engines = [ch, arrays];
  }, 300_000);

  afterAll(async () => {
    await ch?.close();
    cluster?.stop?.();
  });

  it('the emulation of ≥ 24.12 least/greatest ignores NULL, as PostgreSQL does (the test of the test)', async () => {
    const sql = leastGreatestIgnoringNull(
      "SELECT least(CAST(NULL AS Nullable(Int64)), 1), greatest(2, CAST(NULL AS Nullable(Int64))), least(greatest(3, 1), 2), 'least(x' FORMAT TSV",
    );
    expect((await adminExec(cluster.shards[0] as string, sql)).trim()).toBe('1\t2\t2\tleast(x');
  });

  it('a unit whose values in a group are all NULL adds 0, not the lower clamp −C·M (regression)', async () => {
    await checkAll(NULL_EXAMPLE, engines); // both top-P strategies
    for (const send of [undefined, as2412]) {
      const got = await exactInputs(ch, 'SELECT g, SUM(x) AS s FROM t GROUP BY g', send);
      expect(Number(got.get('a')?.units) * sumGrid([-5, 10]).granularity).toBe(5.5);
      expect(got.get('b')?.units ?? 0n).toBe(0n);
    }
  }, 120_000);

  it('agrees with the reference on random NULL patterns (fast-check, seed 20261206, 12 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(nullRowsArbitrary, async (rows) => {
        await checkAll(rows);
      }),
      NULL_PROPERTY,
    );
  }, 600_000);
});
