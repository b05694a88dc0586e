/**
 * Review M10 (class 18 "one person is one unit", ClickHouse float units): ClickHouse groups and hashes −0. and +0.
 * apart, so one person spelled both ways was bounded as two units (COUNT(*) GROUP BY k moved by 2 with P·C = 1);
 * ±∞ was kept as a unit (all +∞ rows one pooled unit); and on a cluster the unit-sharded Distributed table sends −0.
 * and +0. to different shards. Rule (clickhouse-compile.ts `unitRows`, clickhouse.ts `checkSharding`): a float
 * unit is normalised by `+ 0.` before grouping and hashing, NaN and ±∞ are not units (dropped, as on DuckDB and
 * PostgreSQL), and a float unit on a cluster of several shards is refused before the charge. Exact aggregates
 * (no noise), one server (shard 0's local table) and the 3-shard cluster.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { clickhouseArraysDialect, clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { adminExec, clickhouseAvailable, createSharded, type TestCluster, testCluster } from './cluster.js';

const DB = 'tsdp_float_unit_test';
const P = 1;
const C = 1;
const schemaInput = {
  dataset: 'float_unit',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    fu: {
      privacyUnit: 'pid',
      maxPartitions: P,
      maxContributionsPerPartition: C,
      columns: { pid: { type: 'float' }, k: { type: 'string', categories: ['a', 'b', 'c'] } },
    },
  },
} as const;
const schema = parseSqlSchema(schemaInput);
const SQL = 'SELECT k, COUNT(*) AS n FROM fu GROUP BY k';

/** Unit spellings: the same person (±0), other people, and values that identify no one. */
const SPELLINGS = [0, -0, 1.5, -1.5, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, null] as const;
type Unit = (typeof SPELLINGS)[number];
type Row = readonly [Unit, 'a' | 'b' | 'c'];

const literal = (u: Unit): string =>
  u === null
    ? 'NULL'
    : Number.isNaN(u)
      ? 'nan'
      : u === Number.POSITIVE_INFINITY
        ? 'inf'
        : u === Number.NEGATIVE_INFINITY
          ? '-inf'
          : Object.is(u, -0)
            ? '-0.'
            : String(u);

let cluster: TestCluster;
let one: ClickHouseEngine;

/** Exact bounded COUNT(*) per key on `rows` (all in shard 0's local table, read through that one server). */
async function counts(rows: readonly Row[], salt: bigint, arrays: boolean): Promise<Map<string, bigint>> {
  await adminExec(cluster.shards[0] as string, `TRUNCATE TABLE ${DB}.fu`);
  if (rows.length)
    await adminExec(
      cluster.shards[0] as string,
      `INSERT INTO ${DB}.fu VALUES ${rows.map(([u, k]) => `(${literal(u)}, '${k}')`).join(', ')}`,
    );
  const dialect = arrays ? clickhouseArraysDialect : clickhouseDialect;
  const main = compileDpQuery(planDpQuery(SQL, schema), dialect, salt, schema).main;
  const out = new Map<string, bigint>();
  for (const r of await one.query(main)) out.set(String(r.tsdp_k0), r.tsdp_a0 as bigint);
  return out;
}

const l1 = (a: Map<string, bigint>, b: Map<string, bigint>) =>
  ['a', 'b', 'c'].reduce((s, k) => {
    const d = (a.get(k) ?? 0n) - (b.get(k) ?? 0n);
    return s + (d < 0n ? -d : d);
  }, 0n);

describe.skipIf(!clickhouseAvailable)('ClickHouse: a float unit is one unit whatever its zero, and ±∞ is no unit (review M10)', () => {
  beforeAll(async () => {
    cluster = testCluster();
    // fu: Nullable units on shard 0 (one server); fs: sharded by cityHash64(pid) over the cluster (a sharding key cannot be Nullable).
    await createSharded(cluster.shards, DB, { fu: 'pid Nullable(Float64), k String', fs: 'pid Float64, k String' }, (t) =>
      t === 'fs' ? 'cityHash64(pid)' : null,
    );
    one = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, schema });
  }, 120_000);
  afterAll(async () => {
    if (cluster) await Promise.all(cluster.shards.map((s) => adminExec(s, `DROP DATABASE IF EXISTS ${DB}`))).catch(() => undefined);
    cluster?.stop?.();
  });

  it('regression (a)(b): one person spelled 0. and −0. counts once (P·C = 1); rows whose unit is ±∞ count nothing', async () => {
    for (const arrays of [false, true]) {
      const both = await counts(
        [
          [0, 'a'],
          [-0, 'b'],
        ],
        7n,
        arrays,
      );
      expect([...both.values()].reduce((s, v) => s + v, 0n)).toBe(1n);
      const infinite = await counts(
        [
          [Number.POSITIVE_INFINITY, 'a'],
          [Number.POSITIVE_INFINITY, 'b'],
          [Number.NEGATIVE_INFINITY, 'c'],
        ],
        7n,
        arrays,
      );
      expect([...infinite.values()].reduce((s, v) => s + v, 0n)).toBe(0n);
    }
  }, 60_000);

  it('regression (c): a float unit on a cluster of several shards is refused before the charge (UNSUPPORTED_QUERY, nothing charged)', async () => {
    const sharded = parseSqlSchema({ ...schemaInput, tables: { fs: schemaInput.tables.fu } });
    const engine = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema: sharded });
    const ledger = new MemoryLedger();
    const sql = SQL.replace('FROM fu', 'FROM fs');
    const refused = runDpSql({ sql, schema: sharded, engine, ledger, epsilon: 1 });
    await expect(refused).rejects.toMatchObject({ code: 'UNSUPPORTED_QUERY' });
    await expect(refused).rejects.toThrow(/floating-point/);
    expect(ledger.charges.length).toBe(0);
  }, 60_000);

  it('generative (fast-check, seed 1010): removing one person (every spelling of a unit value) moves the counts by at most P·C; removing rows without a unit moves nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...SPELLINGS), fc.constantFrom('a' as const, 'b' as const, 'c' as const)), { maxLength: 10 }),
        fc.constantFrom(...SPELLINGS),
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        fc.boolean(),
        async (rows, person, salt, arrays) => {
          const same = (u: Unit) => (person === null || Number.isNaN(person) ? Object.is(u, person) : u === person);
          const without = rows.filter(([u]) => !same(u));
          const d = l1(await counts(rows, salt, arrays), await counts(without, salt, arrays));
          const isUnit = person !== null && Number.isFinite(person);
          expect(d).toBeLessThanOrEqual(isUnit ? BigInt(P * C) : 0n);
        },
      ),
      { numRuns: 30, seed: 1010 },
    );
  }, 180_000);
});
