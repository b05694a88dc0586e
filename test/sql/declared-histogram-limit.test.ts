/**
 * S65 second shift (class 11): `MAX_DECLARED_HISTOGRAM_ROWS` is a public limit that must fit the memory it bounds.
 * At 2²⁰ (the first limit), 256 declared groups × 5,000 distinct x with MEDIAN aborted a 256 MiB process on DuckDB
 * after the charge: whether an admitted query was answered depended on the data's distinct values. Now 2¹⁸.
 * - Generative (fast-check seed 2211, 40 runs): a query with d declared groups and q quantile outputs compiles iff
 *   d × q × 4,096 ≤ the limit, and is refused UNSUPPORTED_QUERY (before any charge: at compile time) otherwise.
 * - Worst case at the limit under a 256 MiB heap (child process): every declared group full of distinct values (all
 *   4,096 bins of every histogram are rows), 64 groups × 1 output and 16 groups × 4 outputs, on DuckDB and (with
 *   TSDP_TEST_POSTGRES_URL) PostgreSQL and (a ClickHouse cluster) 3-shard ClickHouse: answered, charged once. Deterministic (the outcome, not the noise).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { MAX_DECLARED_HISTOGRAM_ROWS } from '../../src/sql/declared-keys.js';
import type { SqlDialect } from '../../src/sql/dialect.js';
import { clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { FINE_QUANTILE_BINS } from '../../src/stats/quantile-selection.js';
import { adminExec, clickhouseAvailable, createSharded, type TestCluster, testCluster } from '../clickhouse/cluster.js';

const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'declared-histogram-limit-child.ts');
const OUTPUTS = ['MEDIAN(x)', 'QUANTILE(x, 0.25)', 'QUANTILE(y, 0.75)', 'MEDIAN(y)'];

function outcome(args: readonly string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', CHILD, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, out: r.stdout.trim() };
}

describe('S65: the declared histogram row limit fits a 256 MiB heap', () => {
  it('generative: d declared groups × q quantile outputs compile iff d·q·4,096 ≤ the limit (seed 2211)', () => {
    expect(MAX_DECLARED_HISTOGRAM_ROWS).toBe(64 * 4096);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 140 }), fc.integer({ min: 1, max: 4 }), (d, q) => {
        const schema = parseSqlSchema({
          dataset: 'dhl',
          budget: { epsilon: 10 },
          tables: {
            dhl_t: {
              privacyUnit: 'pid',
              columns: {
                pid: { type: 'integer' },
                g: { type: 'string', categories: Array.from({ length: d }, (_, i) => `g${i}`) },
                x: { type: 'float', lower: 0, upper: 1 },
                y: { type: 'float', lower: 0, upper: 1 },
              },
            },
          },
        });
        const sql = `SELECT g, ${OUTPUTS.slice(0, q).join(', ')} FROM dhl_t GROUP BY g`;
        // The limit counts 4,096 bins per quantile output on every dialect (public, the dialect's path aside): ClickHouse
        // holds those rows; DuckDB and PostgreSQL stream their fine-grid histograms and hold ≤ 4,096 coarse bins per
        // group and output.
        const compile = (dialect: SqlDialect) => () => compileDpQuery(planDpQuery(sql, schema), dialect, 1n, schema);
        if (d * q * 4096 <= MAX_DECLARED_HISTOGRAM_ROWS) {
          const h = compile(clickhouseDialect)();
          expect(h.histograms.reduce((n, x) => n + x.bins, 0) * d).toBe(d * q * 4096);
          for (const dialect of [duckdbDialect, postgresDialect]) {
            const c = compile(dialect)();
            expect(c.histograms.map((x) => [x.bins, x.streamed])).toEqual(Array.from({ length: q }, () => [FINE_QUANTILE_BINS, true]));
          }
        } else {
          for (const dialect of [clickhouseDialect, duckdbDialect, postgresDialect]) {
            expect(compile(dialect)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_QUERY' }));
          }
        }
      }),
      { seed: 2211, numRuns: 40 },
    );
  });

  it('DuckDB: the worst case at the limit (64 × 1 and 16 × 4 outputs, 5,000 distinct values a group) answers', () => {
    expect(outcome(['64', '5000', '1'])).toEqual({ status: 0, out: 'answered rows=64 charged=1' });
    expect(outcome(['16', '5000', '4'])).toEqual({ status: 0, out: 'answered rows=16 charged=1' });
  }, 480_000);

  it.skipIf(!process.env.TSDP_TEST_POSTGRES_URL)(
    'PostgreSQL: the worst case at the limit (64 × 1 and 16 × 4 outputs) answers',
    () => {
      expect(outcome(['64', '5000', '1', 'postgres'])).toEqual({ status: 0, out: 'answered rows=64 charged=1' });
      expect(outcome(['16', '5000', '4', 'postgres'])).toEqual({ status: 0, out: 'answered rows=16 charged=1' });
    },
    480_000,
  );
});

describe.skipIf(!clickhouseAvailable)('S65: the declared histogram row limit fits a 256 MiB heap on ClickHouse (3 shards)', () => {
  const db = `tsdp_dhl_${process.pid}`;
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = testCluster();
    await createSharded(cluster.shards, db, { dhl_t: 'pid Int64, g String, x Float64, y Float64' }, () => 'pid');
    const frac = (c: string) => `(number * ${c}) - floor(number * ${c})`;
    await adminExec(
      cluster.shards[0] as string,
      `INSERT INTO ${db}.dhl_t_all SELECT toInt64(number), concat('g', toString(intDiv(number, 5000))), ${frac('0.6180339887498949')}, ${frac('0.4142135623730951')} FROM system.numbers LIMIT ${64 * 5000}`,
      { insert_distributed_sync: '1' },
    );
  }, 300_000);
  afterAll(async () => {
    if (cluster) for (const s of cluster.shards) await adminExec(s, `DROP DATABASE IF EXISTS ${db}`);
    cluster?.stop?.();
  });

  it('the worst case at the limit (64 × 1 and 16 × 4 outputs) answers', () => {
    const first = (cluster as TestCluster).shards[0] as string;
    expect(outcome(['64', '5000', '1', 'clickhouse', first, db])).toEqual({ status: 0, out: 'answered rows=64 charged=1' });
    expect(outcome(['16', '5000', '4', 'clickhouse', first, db])).toEqual({ status: 0, out: 'answered rows=16 charged=1' });
  }, 480_000);
});
