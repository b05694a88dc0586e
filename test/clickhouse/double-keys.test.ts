/**
 * Double GROUP BY keys on ClickHouse are one partition per released key (review S23, issue 10 class 1).
 *
 * ClickHouse groups −0.0 and +0.0 apart (and NaNs of either sign apart) while the driver merges the shards' rows by
 * the key's text, so before the fix one unit could hold two engine partitions of ONE released key and move it by 2C.
 * Rule (clickhouse-expr.ts `doubleKey`): a double key is normalised before anything groups by it — `+ 0.` maps −0 to
 * +0 and every NaN becomes the one `nan` — so the engine's groups and the released keys are the same partition.
 * Generative test: random people with values around ±0 and a random neighbour who adds one person with up to four
 * rows; for keys that produce signed zeros (ROUND, multiplication by 0, negation), the exact count of every released
 * key moves by at most C, and no two engine rows carry the same released key.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { explainDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { adminExec, clickhouseAvailable, createSharded, insertRows, type TestCluster, testCluster } from './cluster.js';

const DB = 'tsdp_double_keys_test';
const C = 1;
const schema = parseSqlSchema({
  dataset: 'double_keys',
  budget: { epsilon: 1000, delta: 1e-3 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 4,
      maxContributionsPerPartition: C,
      columns: { pid: { type: 'integer' }, v: { type: 'float', lower: -10, upper: 10 } },
    },
  },
});
const KEYS = ['ROUND(v)', 'v * 0.0', '-ROUND(v)', 'ROUND(v) * 2'];
const VALUES = [-0.4, -0.3, -0.0, 0, 0.2, 0.4, 0.6, -0.6, 1.2, -1.2];

let cluster: TestCluster;
let ch: ClickHouseEngine;

/** The exact count of each released key, and how many engine rows carried it. */
async function exactCounts(key: string, rows: readonly (readonly [number, number])[]) {
  await Promise.all(cluster.shards.map((s) => adminExec(s, `TRUNCATE TABLE ${DB}.t`)));
  if (rows.length > 0) await insertRows(cluster.shards[0] as string, `${DB}.t_all`, rows);
  const sql = `SELECT ${key} AS k, COUNT(*) AS n FROM t GROUP BY ${key}`;
  const compiled = explainDpSql(sql, schema, clickhouseDialect, { epsilon: 1, delta: 1e-4 }, 5n).compiled;
  const input = compiled.inputs[1];
  if (input?.kind !== 'count') throw new Error('fixture: the second output is the count');
  const counts = new Map<string, bigint>();
  const carriers = new Map<string, number>();
  for (const r of await ch.query(compiled.main)) {
    const k = String(r[compiled.keyColumns[0] as string]);
    counts.set(k, (counts.get(k) ?? 0n) + BigInt(r[input.count] as bigint));
    carriers.set(k, (carriers.get(k) ?? 0) + 1);
  }
  return { counts, carriers };
}

describe.skipIf(!clickhouseAvailable)('ClickHouse double keys: one engine partition per released key (S23)', () => {
  beforeAll(async () => {
    cluster = testCluster();
    await createSharded(cluster.shards, DB, { t: 'pid Int64, v Float64' }, () => 'cityHash64(pid)');
    ch = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema });
  }, 120_000);
  afterAll(async () => {
    await ch?.close();
    if (cluster) await Promise.all(cluster.shards.map((s) => adminExec(s, `DROP DATABASE IF EXISTS ${DB}`)));
    cluster?.stop?.();
  });

  it('regression: a person with ROUND(v) = −0 and +0 moves the released key "0" by at most C', async () => {
    const everyone = Array.from({ length: 12 }, (_, i) => [i + 1, 0.1 + (i % 3)] as const);
    const a = await exactCounts('ROUND(v)', everyone);
    const b = await exactCounts('ROUND(v)', [...everyone, [99, -0.3], [99, 0.2]]);
    expect(b.carriers.get('0')).toBe(1);
    expect(Number((b.counts.get('0') ?? 0n) - (a.counts.get('0') ?? 0n))).toBeLessThanOrEqual(C);
  }, 60_000);

  it('generative (fast-check, seed 2323): random data and neighbours, keys with signed zeros — every released key moves by ≤ C', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KEYS),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.constantFrom(...VALUES)), { maxLength: 16 }),
        fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 4 }),
        async (key, base, added) => {
          const a = await exactCounts(key, base);
          const b = await exactCounts(key, [...base, ...added.map((v) => [99, v] as const)]);
          for (const m of [a.carriers, b.carriers]) for (const n of m.values()) expect(n).toBe(1);
          for (const k of new Set([...a.counts.keys(), ...b.counts.keys()]))
            expect(Number((b.counts.get(k) ?? 0n) - (a.counts.get(k) ?? 0n))).toBeLessThanOrEqual(C);
        },
      ),
      { seed: 2323, numRuns: 25 },
    );
  }, 300_000);
});
