/**
 * Review stop 21, first shift — the lead's S64 fix (293c737: at most `QUANTILE_BINS` = 4,096 bins per SQL quantile
 * histogram, one per integer up to 4,096 integers) on ClickHouse: test/sql/quantile-fine-bins.test.ts checks that
 * DuckDB and PostgreSQL put every value in `quantileBinIndex`'s bin; this is the same property on a 3-shard
 * ClickHouse 18.16 cluster (the compiled histogram statement through `ClickHouseEngine`, a Distributed table sharded
 * by the unit). Float columns: values at and beside the 4,096-bin edges, ±0, the bounds, beyond them, ±∞, NaN (→ the
 * upper bound, chClamp), subnormals, NULL (no row); integer columns: spans straddling the 4,096-integer switch
 * (span + 1 ≤ 4,096: one bin per integer; above: 4,096 equal bins on [L, U]). The histogram's (bin, count) rows
 * equal the TypeScript reference (one row per unit, C = 1: nothing dropped). Generative (fast-check seeds 2171,
 * 2172). Held on main 5d7a4d7.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextDown, nextUp } from '../../src/numeric/float-bits.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { QUANTILE_BINS, quantileGrid } from '../../src/sql/quantile-grid.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { quantileBinIndex } from '../../src/stats/quantile-common.js';
import { adminExec, clickhouseAvailable, createSharded, insertRows, type TestCluster, testCluster } from '../clickhouse/cluster.js';

const DB = `tsdp_review_qbins_${process.pid}`;
let cluster: TestCluster | undefined;
let table = 0;

beforeAll(() => {
  if (clickhouseAvailable) cluster = testCluster();
});
afterAll(async () => {
  if (cluster) for (const s of cluster.shards) await adminExec(s, `DROP DATABASE IF EXISTS ${DB}`);
  cluster?.stop?.();
});

function schemaFor(name: string, lower: number, upper: number, integer: boolean): SqlSchema {
  return parseSqlSchema({
    dataset: 'review_qbins',
    budget: { epsilon: 10 },
    tables: {
      [name]: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: { pid: { type: 'integer' }, x: { type: integer ? 'integer' : 'float', lower, upper } },
      },
    },
  });
}

/** The ClickHouse histogram (bin → rows) and the TypeScript reference for the values. */
async function histograms(values: readonly (number | null)[], lower: number, upper: number, integer: boolean) {
  const c = cluster as TestCluster;
  const name = `qb_${table++}`;
  const schema = schemaFor(name, lower, upper, integer);
  const plan = planDpQuery(`SELECT MEDIAN(x) FROM ${name}`, schema);
  const grid = quantileGrid((plan.outputs[0] as { aggregate: { measure: Parameters<typeof quantileGrid>[0] } }).aggregate.measure);
  const reference = new Map<number, bigint>();
  for (const v of values) {
    if (v === null) continue;
    const b = quantileBinIndex(Number.isNaN(v) ? grid.bounds[1] : v, grid.bounds[0], grid.bounds[1], grid.bins);
    reference.set(b, (reference.get(b) ?? 0n) + 1n);
  }
  await createSharded(c.shards, DB, { [name]: `pid Int64, x Nullable(${integer ? 'Int64' : 'Float64'})` }, () => 'pid');
  await insertRows(
    c.shards[0] as string,
    `${DB}.${name}_all`,
    values.map((v, i) => [BigInt(i + 1), v === null ? null : integer ? BigInt(v) : v]),
  );
  const engine = await ClickHouseEngine.open({ url: c.shards[0] as string, database: DB, cluster: 'tsdp', schema });
  try {
    const statement = compileDpQuery(plan, engine.dialect, 7n, schema).histograms[0];
    if (!statement) throw new Error('no histogram statement');
    const got = new Map<number, bigint>();
    for (const r of await engine.query(statement)) got.set(Number(r.bin), BigInt(String(r.n)));
    return { reference, got, bins: grid.bins };
  } finally {
    await engine.close();
  }
}

const sorted = (m: Map<number, bigint>) => [...m].sort((a, b) => a[0] - b[0]);

describe.skipIf(!clickhouseAvailable)('review: SQL quantile bins on ClickHouse (4,096-bin cap, S64 fix 293c737)', () => {
  it('float columns: edges of the 4,096-bin grid, ±0, bounds, ±∞, NaN, subnormals land in the TypeScript bin (seed 2171)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e7, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: QUANTILE_BINS }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.oneof(fc.double(), fc.constant(null)), { maxLength: 5 }),
        async (lower, width, ks, extra) => {
          const upper = lower + width;
          if (!(upper > lower)) return;
          const values: (number | null)[] = [lower, upper, nextUp(lower), nextDown(upper), 0, -0, lower - 1, upper + 1];
          values.push(Infinity, -Infinity, Number.NaN, 5e-324, -5e-324, null, ...extra);
          for (const k of ks) {
            const e = lower + (width / QUANTILE_BINS) * k;
            values.push(e, nextDown(e), nextUp(e));
          }
          const { reference, got, bins } = await histograms(values, lower, upper, false);
          expect(bins).toBe(QUANTILE_BINS);
          expect(sorted(got)).toEqual(sorted(reference));
        },
      ),
      { seed: 2171, numRuns: 12 },
    );
  }, 300_000);

  it('integer columns: spans around the 4,096-integer switch, values beyond the bounds clamped (seed 2172)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.oneof(fc.integer({ min: 4090, max: 4100 }), fc.integer({ min: 1, max: 2 ** 20 })),
        fc.array(fc.integer({ min: -3e9, max: 3e9 }), { maxLength: 8 }),
        async (lower, span, extra) => {
          const upper = lower + span;
          const mid = lower + Math.floor(span / 2);
          const values = [lower, upper, lower + 1, upper - 1, mid, mid + 1, lower - 5, upper + 5, ...extra, null];
          const { reference, got, bins } = await histograms(values, lower, upper, true);
          expect(bins).toBe(Math.min(span + 1, QUANTILE_BINS));
          expect(sorted(got)).toEqual(sorted(reference));
        },
      ),
      { seed: 2172, numRuns: 12 },
    );
  }, 300_000);
});
