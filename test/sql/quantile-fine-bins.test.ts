/**
 * The fine quantile grid's bin rule (src/sql/quantile-grid.ts): a row's bin in SQL is
 * ⌊((clamp(x) − L) / R) · B⌋ capped at B − 1, the same IEEE double operations as the statistics
 * layer's `quantileBinIndex`, so DuckDB, PostgreSQL and TypeScript put every value in the same
 * bin of the 2³²-bin grid (or the one-bin-per-integer grid). Generative (fast-check, seed 11):
 * values at and beside bin edges (nextDown/nextUp of L + k·R/B), ±0, the bounds, values beyond
 * them and ±∞ (clamped to the bounds), NULL (no row); the histogram statement's (bin, count)
 * rows equal the TypeScript reference on each engine. NaN is tested apart: both engines order
 * NaN above every number, so it clamps to the upper bound (its own row in the reference).
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextDown, nextUp } from '../../src/numeric/float-bits.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { QUANTILE_BINS, quantileGrid, streamedQuantileGrid, streamsQuantiles } from '../../src/sql/quantile-grid.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { quantileBinIndex } from '../../src/stats/quantile-common.js';
import { postgresTestUrl } from './postgres-url.js';

let duck: DuckDbEngine;
let pgEngine: PostgresEngine;
let pgWriter: pg.Client;
let table = 0;

beforeAll(async () => {
  duck = await DuckDbEngine.open();
  const url = postgresTestUrl();
  pgEngine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
  pgWriter = new pg.Client(url);
  await pgWriter.connect();
});

afterAll(async () => {
  for (let i = 0; i < table; i++) await pgWriter?.query(`DROP TABLE IF EXISTS "fine_bins_${i}"`);
  await pgWriter?.end();
  await duck?.close();
  await pgEngine?.close();
});

function schemaFor(name: string, lower: number, upper: number, integer: boolean): SqlSchema {
  return parseSqlSchema({
    dataset: 'fine_bins',
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

/** A double as SQL text both engines parse exactly (shortest round-trip decimal, or a special). */
function literal(x: number | null, engine: 'duckdb' | 'postgres'): string {
  if (x === null) return 'NULL';
  const text = Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : Object.is(x, -0) ? '-0' : String(x);
  return engine === 'duckdb' ? `CAST('${text}' AS DOUBLE)` : `CAST('${text}' AS DOUBLE PRECISION)`;
}

/** The TypeScript reference of `values` on a grid (NaN clamps to the upper bound; NULL is no row). */
function referenceOn(values: readonly (number | null)[], grid: { bounds: readonly [number, number]; bins: number }): Map<number, bigint> {
  const reference = new Map<number, bigint>();
  for (const v of values) {
    if (v === null) continue;
    const c = Number.isNaN(v) ? grid.bounds[1] : v;
    const b = quantileBinIndex(c, grid.bounds[0], grid.bounds[1], grid.bins);
    reference.set(b, (reference.get(b) ?? 0n) + 1n);
  }
  return reference;
}

/**
 * The histogram (bin → rows) each engine returns for the values, and the TypeScript reference on that engine's grid
 * (DuckDB streams its histogram on the fine grid, `streamedQuantileGrid`; PostgreSQL keeps `quantileGrid`'s).
 */
async function histograms(
  values: readonly (number | null)[],
  lower: number,
  upper: number,
  integer: boolean,
): Promise<Map<string, { reference: Map<number, bigint>; got: Map<number, bigint>; bins: number }>> {
  const name = `fine_bins_${table++}`;
  const schema = schemaFor(name, lower, upper, integer);
  const plan = planDpQuery(`SELECT MEDIAN(x) FROM ${name}`, schema);
  const measure = (plan.outputs[0] as { aggregate: { measure: Parameters<typeof quantileGrid>[0] } }).aggregate.measure;
  const out = new Map<string, { reference: Map<number, bigint>; got: Map<number, bigint>; bins: number }>();
  const pairs: [string, SqlEngine][] = [
    ['duckdb', duck],
    ['postgres', pgEngine],
  ];
  for (const [label, engine] of pairs) {
    const kind = label as 'duckdb' | 'postgres';
    const grid = streamsQuantiles(engine.dialect) ? streamedQuantileGrid(measure) : quantileGrid(measure);
    const type = integer ? 'BIGINT' : kind === 'duckdb' ? 'DOUBLE' : 'DOUBLE PRECISION';
    const rows = values.map((v, i) => `(${i + 1}, CAST(${literal(v, kind)} AS ${type}))`).join(', ');
    const run = async (sql: string) => (kind === 'duckdb' ? await duck.connection.run(sql) : await pgWriter.query(sql));
    await run(`DROP TABLE IF EXISTS "${name}"`);
    await run(`CREATE TABLE "${name}" (pid BIGINT, x ${type})`);
    if (values.length > 0) await run(`INSERT INTO "${name}" VALUES ${rows}`);
    const compiled = compileDpQuery(plan, engine.dialect, 7n, schema);
    const statement = compiled.histograms[0];
    if (!statement) throw new Error('no histogram statement');
    expect(statement.bins).toBe(grid.bins);
    const got = new Map<number, bigint>();
    for (const r of await engine.query(statement)) got.set(Number(r.bin), BigInt(String(r.n)));
    out.set(label, { reference: referenceOn(values, grid), got, bins: grid.bins });
  }
  return out;
}

/** Values at, just below and just above the edges of bins k (the grid's edges L + k·R/B), and specials. */
function edgeValues(lower: number, upper: number, bins: number, ks: readonly number[]): number[] {
  const out: number[] = [lower, upper, nextUp(lower), nextDown(upper), 0, -0, lower - 1, upper + 1, Infinity, -Infinity];
  for (const k of ks) {
    const e = lower + ((upper - lower) / bins) * k;
    out.push(e, nextDown(e), nextUp(e), lower + (k / bins) * (upper - lower));
  }
  return out;
}

describe('the fine quantile grid: one bin per value on DuckDB, PostgreSQL and in TypeScript', () => {
  it('float columns: bin edges, ±0, bounds, ±∞ and NULL land in the TypeScript bin (generative, seed 11)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e7, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: QUANTILE_BINS }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constant(null)), { maxLength: 6 }),
        async (lower, width, ks, extra) => {
          const upper = lower + width;
          if (!(upper > lower)) return;
          const values = [...edgeValues(lower, upper, QUANTILE_BINS, ks), ...extra, null];
          for (const [, { reference, got }] of await histograms(values, lower, upper, false))
            expect([...got].sort((a, b) => a[0] - b[0])).toEqual([...reference].sort((a, b) => a[0] - b[0]));
        },
      ),
      { seed: 11, numRuns: 25 },
    );
  }, 240_000);

  it('integer columns: one bin per integer, values beyond the bounds clamped (generative, seed 12)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: 1, max: 2 ** 32 - 1 }),
        fc.array(fc.integer({ min: -3e9, max: 3e9 }), { maxLength: 12 }),
        async (lower, span, extra) => {
          const upper = lower + span;
          const values = [lower, upper, lower + 1, upper - 1, lower - 5, upper + 5, ...extra, null];
          for (const [, { reference, got }] of await histograms(values, lower, upper, true)) {
            expect(Math.max(...reference.keys())).toBeLessThanOrEqual(span);
            expect([...got].sort((a, b) => a[0] - b[0])).toEqual([...reference].sort((a, b) => a[0] - b[0]));
          }
        },
      ),
      { seed: 12, numRuns: 20 },
    );
  }, 240_000);

  it('NaN clamps to the upper bound on both engines (its bin is the last)', async () => {
    for (const [, { reference, got, bins }] of await histograms([Number.NaN, 1, Number.NaN], 0, 10, false)) {
      expect(reference.get(bins - 1)).toBe(2n);
      expect(got).toEqual(reference);
    }
  });
});
