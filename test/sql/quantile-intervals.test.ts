/**
 * Quantile outputs of DP SQL (MEDIAN, PERCENTILE_CONT, QUANTILE, MIN/MAX) carry a
 * confidence interval bought with a share of their own budget (two exponential
 * mechanisms for its ends, the statistics layer's `releaseQuantile`), so the
 * query's charge is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { formatDpSqlResult } from '../../src/sql/format-result.js';
import { explainDpSql, runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const N = 20000;
/** Declared groups h = i mod H of the coverage test (each released from the same set of passes). */
const H = 10;
const schema = parseSqlSchema({
  dataset: 'q',
  budget: { epsilon: 1e6 },
  tables: {
    t: {
      columns: {
        x: { type: 'integer', lower: 0, upper: 100 },
        g: { type: 'string', categories: ['a', 'b'] },
        h: { type: 'integer', categories: Array.from({ length: H }, (_, k) => k) },
      },
    },
  },
});
let engine: DuckDbEngine;
let sorted: number[];
let sortedByH: number[][];

beforeAll(async () => {
  engine = await DuckDbEngine.open({ allowExternalAccess: true });
  // A skewed, deterministic column: x = floor(100·(i/N)²).
  await engine.connection.run(
    `CREATE TABLE t AS SELECT CAST(FLOOR(100 * (i / ${N}.0) * (i / ${N}.0)) AS BIGINT) AS x, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS g, i % ${H} AS h FROM range(${N}) r(i)`,
  );
  const xs = Array.from({ length: N }, (_, i) => Math.floor(100 * (i / N) * (i / N)));
  sorted = [...xs].sort((a, b) => a - b);
  sortedByH = Array.from({ length: H }, (_, k) => xs.filter((_, i) => i % H === k).sort((a, b) => a - b));
});

afterAll(async () => {
  await engine?.close();
});

/** The exact q-quantile of sorted values: the value of rank ⌈q·n⌉ (1-based), the smallest for q = 0. */
const exactQuantile = (q: number, values: readonly number[] = sorted) => values[Math.max(0, Math.ceil(q * values.length) - 1)] as number;

describe('quantile intervals in DP SQL', () => {
  it('gives MEDIAN, PERCENTILE_CONT, QUANTILE, MIN and MAX an interval containing the value, at an unchanged charge', async () => {
    const ledger = new MemoryLedger();
    const r = await runDpSql({
      sql: 'SELECT g, MEDIAN(x) AS m, PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY x) AS p90, QUANTILE(x, 0.25) AS q1, MIN(x) AS lo, MAX(x) AS hi FROM t GROUP BY g',
      schema,
      engine,
      ledger,
      epsilon: 10,
      rng: new SeededRandomSource(3),
    });
    expect(ledger.charges.map((c) => [c.epsilon.toString(), c.delta.toString()])).toEqual([['10', '0']]);
    expect(r.spent).toEqual({ epsilon: 10, delta: 0 });
    for (const name of ['m', 'p90', 'q1', 'lo', 'hi']) {
      const col = r.columns.indexOf(name);
      r.rows.forEach((row, i) => {
        const iv = r.intervals[name]?.[i];
        expect(iv, name).not.toBeNull();
        const [lo, hi] = iv as [number, number];
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(100);
        expect(row[col] as number).toBeGreaterThanOrEqual(lo);
        expect(row[col] as number).toBeLessThanOrEqual(hi);
      });
    }
    // The median's interval is informative at this budget (not the declared bounds).
    const m = r.intervals.m?.[0] as [number, number];
    expect(m[1] - m[0]).toBeLessThan(20);
    expect(formatDpSqlResult(r)).not.toMatch(/no interval/);
  });

  it('covers the exact median and 0.9-quantile each in at least 172 of 200 releases (false-failure probability ≤ 6e-7 for two 95% intervals)', async () => {
    // 200 releases per quantile = 20 queries × H = 10 declared groups. The groups of a query are released from one set
    // of passes, each with fresh randomness reading only its own state (quantile-stream.ts; quantile-sparse.proof.md,
    // "Streamed, several groups"), so the 200 coverage events are independent, each of probability ≥ 0.95: the count
    // covered is at least Binomial(200, 0.95), as with 200 one-group queries (CI time: 140 statements instead of 1,400).
    const ledger = new MemoryLedger();
    const rng = new SeededRandomSource(20261123);
    const covered = { m: 0, p90: 0 };
    const widths = { m: 0, p90: 0 };
    const queries = 20;
    const releases = queries * H;
    for (let t = 0; t < queries; t++) {
      const r = await runDpSql({
        sql: 'SELECT h, MEDIAN(x) AS m, QUANTILE(x, 0.9) AS p90 FROM t GROUP BY h',
        schema,
        engine,
        ledger,
        epsilon: 4,
        rng,
      });
      expect(r.rows).toHaveLength(H);
      r.rows.forEach((row, i) => {
        const values = sortedByH[Number(row[r.columns.indexOf('h')])] as number[];
        const truth = { m: exactQuantile(0.5, values), p90: exactQuantile(0.9, values) };
        for (const k of ['m', 'p90'] as const) {
          const iv = r.intervals[k]?.[i];
          if (!iv) throw new Error(`no interval for ${k}`);
          const [lo, hi] = iv;
          if (lo <= truth[k] && truth[k] <= hi) covered[k]++;
          widths[k] += (hi - lo) / releases;
        }
      });
    }
    // P(Binomial(200, 0.95) ≤ 171) = 2.95e-7 per quantile; two quantiles: ≤ 5.9e-7.
    expect(covered.m).toBeGreaterThanOrEqual(172);
    expect(covered.p90).toBeGreaterThanOrEqual(172);
    // Sanity: the intervals say something (the bounds are 100 wide).
    expect(widths.m).toBeLessThan(20);
    expect(ledger.charges).toHaveLength(queries);
  });

  it('states the split in --explain, releases no interval with share 0, and refuses a bad share before charging', async () => {
    const ex = explainDpSql('SELECT MEDIAN(x) AS m, COUNT(*) AS n FROM t', schema, duckdbDialect, { epsilon: 1 });
    expect(ex.text).toMatch(
      /m: ε=1\/2 \(quantile: 80% exponential mechanism for the value, 10% for each end of its interval \(two more exponential mechanisms\); integer column: one bin per integer, value and ends are integers\)/,
    );
    expect(ex.text).toMatch(/n: ε=1\/2 \(count\)/);
    const ledger = new MemoryLedger();
    const r = await runDpSql({
      sql: 'SELECT MEDIAN(x) AS m FROM t',
      schema,
      engine,
      ledger,
      epsilon: 1,
      quantileIntervalShare: 0,
      rng: new SeededRandomSource(1),
    });
    expect(r.intervals.m).toEqual([null]);
    expect(formatDpSqlResult(r)).toMatch(/\[no interval\]/);
    await expect(
      runDpSql({ sql: 'SELECT MEDIAN(x) FROM t', schema, engine, ledger, epsilon: 1, quantileIntervalShare: 1 }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    expect(ledger.charges).toHaveLength(1);
  });
});
