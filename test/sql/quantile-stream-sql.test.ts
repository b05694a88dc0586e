/**
 * DP SQL quantiles on DuckDB and (with TSDP_TEST_POSTGRES_URL) PostgreSQL, streamed on the fine grid
 * (src/sql/quantile-stream-sql.ts; PostgreSQL through a server-side cursor, `PostgresEngine.queryChunks`): a seeded
 * release equals the library's streamed sampler (`makeStreamedFineQuantile`'s `releaseGroups`, one set of passes) on
 * the same bounded values, with and without declared GROUP BY keys (generative, seeds 2221 DuckDB, 2222 PostgreSQL);
 * the charge is the measurement's; ClickHouse's dialect keeps the 4,096 grid.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { QUANTILE_BINS } from '../../src/sql/quantile-grid.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { quantileBinIndex } from '../../src/stats/quantile-common.js';
import { FINE_QUANTILE_BINS, fineQuantileGrid, makeStreamedFineQuantile } from '../../src/stats/quantile-selection.js';
import { sparseFromRowBins } from '../../src/stats/quantile-sparse.js';
import type { GroupBinPass } from '../../src/stats/quantile-stream.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

let duck: DuckDbEngine;
let table = 0;
const GROUPS = ['a', 'b', 'c'] as const;
const PG_URL = process.env.TSDP_TEST_POSTGRES_URL;
let pgEngine: PostgresEngine | undefined;
let pgClient: pg.Client | undefined;

beforeAll(async () => {
  duck = await DuckDbEngine.open();
  if (PG_URL) {
    pgClient = new pg.Client({ connectionString: PG_URL });
    await pgClient.connect();
    pgEngine = await PostgresEngine.open({ connectionString: PG_URL });
  }
});
afterAll(async () => {
  await duck?.close();
  await pgEngine?.close();
  await pgClient?.end();
});

/** An engine and how to run DDL on it. */
interface Target {
  readonly engine: () => SqlEngine;
  readonly run: (sql: string) => Promise<unknown>;
  readonly types: { readonly int: string; readonly float: string; readonly text: string };
}
const DUCK: Target = {
  engine: () => duck,
  run: (sql) => duck.connection.run(sql),
  types: { int: 'BIGINT', float: 'DOUBLE', text: 'VARCHAR' },
};
const POSTGRES: Target = {
  engine: () => pgEngine as PostgresEngine,
  run: (sql) => (pgClient as pg.Client).query(sql),
  types: { int: 'bigint', float: 'double precision', text: 'text' },
};

function schemaFor(name: string, bounds: readonly [number, number], integer: boolean): SqlSchema {
  return parseSqlSchema({
    dataset: 'stream_sql',
    budget: { epsilon: 1e6 },
    tables: {
      [name]: {
        privacyUnit: 'pid',
        maxPartitions: 1,
        maxContributionsPerPartition: 1,
        columns: {
          pid: { type: 'integer' },
          g: { type: 'string', categories: [...GROUPS] },
          x: { type: integer ? 'integer' : 'float', lower: bounds[0], upper: bounds[1] },
        },
      },
    },
  });
}

/** The library's streamed releases of the groups' values (clamped to the bounds, as the SQL bounding does), from one set of passes. */
async function libraryReleases(
  groups: readonly (readonly number[])[],
  bounds: readonly [number, number],
  integer: boolean,
  quantile: number,
  rng: SeededRandomSource,
): Promise<{ value: number; interval: [number, number] }[]> {
  const grid = fineQuantileGrid(bounds, integer);
  const hists = groups.map((xs) =>
    sparseFromRowBins(
      Float64Array.from(xs, (x) => quantileBinIndex(x, grid.bounds[0], grid.bounds[1], grid.bins)),
      grid.bins,
    ),
  );
  const pass: GroupBinPass = async (sink) => {
    hists.forEach((s, g) => {
      s.index.forEach((i, k) => {
        sink.add(g, i, s.count[k] as bigint);
      });
    });
  };
  const r = makeStreamedFineQuantile(
    { bounds: grid.bounds, quantile, budget: { epsilon: 1 }, intervalShare: 0.2, integer, confidence: 0.95 },
    grid.bins,
  );
  const vs = await r.releaseGroups(pass, groups.length, rng);
  return vs.map((v) => ({ value: v.value, interval: [v.interval.lower, v.interval.upper] }));
}

describe('DP SQL quantiles streamed on DuckDB (quantile-stream-sql.ts)', () => {
  it('compiles DuckDB and PostgreSQL histograms on the fine grid, ordered by (group, bin); ClickHouse keeps 4,096 bins', () => {
    const schema = schemaFor('t', [0, 1e6], false);
    const plan = planDpQuery('SELECT g, MEDIAN(x) AS m FROM t GROUP BY g', schema);
    const d = compileDpQuery(plan, duckdbDialect, 1n, schema).histograms[0];
    const p = compileDpQuery(plan, postgresDialect, 1n, schema).histograms[0];
    const c = compileDpQuery(plan, clickhouseDialect, 1n, schema).histograms[0];
    for (const h of [d, p]) {
      expect({ bins: h?.bins, streamed: h?.streamed, ordered: /ORDER BY "k0", "bin"$/.test(h?.sql ?? '') }).toEqual({
        bins: FINE_QUANTILE_BINS,
        streamed: true,
        ordered: true,
      });
    }
    expect({ bins: c?.bins, streamed: c?.streamed }).toEqual({ bins: QUANTILE_BINS, streamed: undefined });
  });

  it('a seeded release equals the library sampler on the same bounded values, with and without declared keys (generative, seed 2221)', async () => {
    await seededEquality(DUCK, 2221);
  }, 240_000);

  it.skipIf(!PG_URL)(
    'PostgreSQL (a server-side cursor): the same equality (generative, seed 2222)',
    async () => {
      await seededEquality(POSTGRES, 2222);
    },
    240_000,
  );
});

/** The seeded equality of a streamed SQL release and the library sampler on `target` (fast-check, `seed`). */
async function seededEquality(target: Target, fcSeed: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom(0.1, 0.25, 0.5, 0.9),
      fc.array(fc.record({ g: fc.constantFrom(...GROUPS), x: fc.integer({ min: -300, max: 1300 }) }), { maxLength: 60 }),
      fc.integer({ min: 1, max: 2 ** 31 }),
      async (integer, grouped, quantile, rows, seed) => {
        const bounds: [number, number] = [0, 1000];
        const name = `stream_sql_${table++}`;
        const schema = schemaFor(name, bounds, integer);
        const ty = target.types;
        await target.run(`CREATE TABLE "${name}" (pid ${ty.int}, g ${ty.text}, x ${integer ? ty.int : ty.float})`);
        const values = rows.map((r, i) => `(${i + 1}, '${r.g}', ${integer ? r.x : r.x + 0.25})`).join(', ');
        if (rows.length > 0) await target.run(`INSERT INTO "${name}" VALUES ${values}`);
        const q = quantile === 0.5 ? 'MEDIAN(x)' : `QUANTILE(x, ${quantile})`;
        const sql = grouped ? `SELECT g, ${q} AS m FROM "${name}" GROUP BY g` : `SELECT ${q} AS m FROM "${name}"`;
        const result = await runDpSql({
          sql,
          schema,
          engine: target.engine(),
          ledger: new MemoryLedger(),
          epsilon: 1,
          rng: new SeededRandomSource(seed),
        });
        // runDpSql draws the bounding salt (two words), then the quantiles of all groups (declared order) from one set of passes.
        const rng = new SeededRandomSource(seed);
        rng.nextUint32();
        rng.nextUint32();
        const xs = (g?: string) => rows.filter((r) => g === undefined || r.g === g).map((r) => (integer ? r.x : r.x + 0.25));
        const expected = await libraryReleases(
          (grouped ? GROUPS : [undefined]).map((g) => xs(g)),
          bounds,
          integer,
          quantile,
          rng,
        );
        const col = result.columns.indexOf('m');
        const got = result.rows.map((r, i) => ({ value: r[col], interval: result.intervals.m?.[i] }));
        expect(got).toEqual(expected);
        expect(result.spent.epsilon).toBe(1);
      },
    ),
    { seed: fcSeed, numRuns: 30 },
  );
}
