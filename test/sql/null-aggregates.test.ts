/**
 * NULL is no value (compile.proof.md, "NULL is no value"): SUM, AVG, VARIANCE, COUNT(x) and quantile
 * histograms ignore NULL on DuckDB and PostgreSQL alike, and a unit whose values in a group are all NULL
 * adds nothing. Before the fix, `LEAST(GREATEST(NULL, lo), hi)` (both engines ignore NULL arguments) turned
 * such a unit into −C·M, a NULL operand of `+` into −1e300 and a NULL quantile value into the top bin —
 * and the two engines agreed, so only a reference computed here catches it. Exact aggregates (no noise).
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { type FixedPointGrid, meanGrid, sumGrid, varianceGrid } from '../../src/stats/fixed-point-grid.js';
import { postgresTestUrl } from './postgres-url.js';

interface Row {
  uid: number;
  g: 'a' | 'b' | 'c';
  /** A float in quarters (exact in binary, so the grid units are exact and no rounding tie arises). */
  x: number | null;
  k: number | null;
}

const C = 2;
const columns = {
  uid: { type: 'integer' },
  g: { type: 'string', categories: ['a', 'b', 'c'] },
  x: { type: 'float', lower: -5, upper: 10 },
  k: { type: 'integer', lower: 0, upper: 20 },
} as const;
/** maxPartitions = 3 = the number of groups: no group is dropped, so the engines' hashes do not matter. */
const schema: SqlSchema = parseSqlSchema({
  dataset: 'nulls',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    t: { privacyUnit: 'uid', maxPartitions: 3, maxContributionsPerPartition: C, columns },
    r: { columns },
  },
});

let duck: DuckDbEngine;
let postgres: PostgresEngine;
let client: pg.Client;

beforeAll(async () => {
  const url = postgresTestUrl();
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  postgres = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
  client = new pg.Client(url);
  await client.connect();
});

afterAll(async () => {
  await duck?.close();
  await postgres?.close();
  await client?.end();
});

const literal = (v: number | string | null) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v));

/** Replaces tables t and r (same rows) on both engines. */
async function load(rows: readonly Row[]): Promise<void> {
  const values = rows.map((r) => `(${[r.uid, r.g, r.x, r.k].map(literal).join(', ')})`).join(', ');
  for (const table of ['t', 'r']) {
    await duck.connection.run(`CREATE OR REPLACE TABLE ${table} (uid BIGINT, g VARCHAR, x DOUBLE, k BIGINT)`);
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (uid bigint, g text, x double precision, k bigint)`);
    if (rows.length) {
      await duck.connection.run(`INSERT INTO ${table} VALUES ${values}`);
      await client.query(`INSERT INTO ${table} VALUES ${values}`);
    }
  }
}

type Measure = (r: Row) => number | null;
/** What each aggregate's exact inputs must be, per group. */
interface Expected {
  count?: bigint;
  units?: bigint;
  squares?: bigint;
}

/** The exact bounded inputs the compiled SQL must compute, from the rows (NULLs skipped). */
function reference(
  rows: readonly Row[],
  measure: Measure,
  kind: 'sum' | 'mean' | 'variance' | 'countValues',
  bounds: readonly [number, number],
  unitLevel: boolean,
): Map<string, Expected> {
  const grid: FixedPointGrid = kind === 'variance' ? varianceGrid(bounds) : kind === 'mean' ? meanGrid(bounds) : sumGrid(bounds);
  const cells = new Map<string, { n: number; units: number; squares: number }>();
  rows.forEach((r, i) => {
    const v = measure(r);
    const key = unitLevel ? `${r.g}|${r.uid}` : `${r.g}|row${i}`;
    const cell = cells.get(key) ?? { n: 0, units: 0, squares: 0 };
    cells.set(key, cell);
    if (v === null) return;
    const u = grid.toUnits(v);
    cell.n++;
    cell.units += u;
    cell.squares += u * u;
  });
  const out = new Map<string, Expected>();
  const cap = unitLevel ? C : 1;
  for (const [key, cell] of cells) {
    const g = key.split('|')[0] as string;
    const e = out.get(g) ?? { count: 0n, units: 0n, squares: 0n };
    out.set(g, e);
    if (cell.n === 0) continue; // a unit (or row) with no value in this group adds nothing
    const bound = cap * grid.maxUnits;
    e.count = (e.count ?? 0n) + BigInt(Math.min(cell.n, cap));
    e.units = (e.units ?? 0n) + BigInt(unitLevel ? Math.max(-bound, Math.min(bound, cell.units)) : cell.units);
    e.squares = (e.squares ?? 0n) + BigInt(unitLevel ? Math.min(cap * grid.maxUnits * grid.maxUnits, cell.squares) : cell.squares);
  }
  return out;
}

const big = (v: unknown) => (v === null || v === undefined ? 0n : BigInt(String(v)));

/** Runs one single-aggregate query on one engine: its exact inputs per group and its histogram totals. */
async function exact(engine: SqlEngine, sql: string): Promise<Map<string, Expected & { histogram?: bigint }>> {
  const plan = planDpQuery(sql, schema);
  const compiled = compileDpQuery(plan, engine.dialect, 11n, schema);
  const rows: EngineRow[] = await engine.query(compiled.main);
  const out = new Map<string, Expected & { histogram?: bigint }>();
  const input = compiled.inputs.find((x) => x !== null);
  if (!input) throw new Error('no aggregate');
  for (const row of rows) {
    const g = String(row[compiled.keyColumns[0] as string]);
    const e: Expected & { histogram?: bigint } = {};
    if (input.kind === 'count') e.count = big(row[input.count]);
    if (input.kind === 'sum') e.units = big(row[input.units]);
    if (input.kind === 'mean') Object.assign(e, { count: big(row[input.count]), units: big(row[input.units]) });
    if (input.kind === 'variance')
      Object.assign(e, { count: big(row[input.count]), units: big(row[input.units]), squares: big(row[input.squares]) });
    out.set(g, e);
  }
  for (const h of compiled.histograms) {
    for (const row of await engine.query(h)) {
      const g = String(row.k0);
      const e = out.get(g) ?? {};
      e.histogram = (e.histogram ?? 0n) + big(row.n);
      out.set(g, e);
    }
  }
  return out;
}

interface Case {
  sql: (table: string) => string;
  measure: Measure;
  kind: 'sum' | 'mean' | 'variance' | 'countValues' | 'quantile';
  bounds: readonly [number, number];
}
const CASES: Case[] = [
  { sql: (t) => `SELECT g, SUM(x) AS s FROM ${t} GROUP BY g`, measure: (r) => r.x, kind: 'sum', bounds: [-5, 10] },
  { sql: (t) => `SELECT g, AVG(x) AS s FROM ${t} GROUP BY g`, measure: (r) => r.x, kind: 'mean', bounds: [-5, 10] },
  { sql: (t) => `SELECT g, SUM(k) AS s FROM ${t} GROUP BY g`, measure: (r) => r.k, kind: 'sum', bounds: [0, 20] },
  { sql: (t) => `SELECT g, AVG(k) AS s FROM ${t} GROUP BY g`, measure: (r) => r.k, kind: 'mean', bounds: [0, 20] },
  { sql: (t) => `SELECT g, VARIANCE(x) AS s FROM ${t} GROUP BY g`, measure: (r) => r.x, kind: 'variance', bounds: [-5, 10] },
  {
    sql: (t) => `SELECT g, SUM(x + 1) AS s FROM ${t} GROUP BY g`,
    measure: (r) => (r.x === null ? null : r.x + 1),
    kind: 'sum',
    bounds: [-4, 11],
  },
  {
    sql: (t) => `SELECT g, AVG(k * 2) AS s FROM ${t} GROUP BY g`,
    measure: (r) => (r.k === null ? null : r.k * 2),
    kind: 'mean',
    bounds: [0, 40],
  },
  { sql: (t) => `SELECT g, COUNT(x) AS s FROM ${t} GROUP BY g`, measure: (r) => r.x, kind: 'countValues', bounds: [-5, 10] },
  { sql: (t) => `SELECT g, MEDIAN(x) AS s FROM ${t} GROUP BY g`, measure: (r) => r.x, kind: 'quantile', bounds: [-5, 10] },
];

/** Checks every case on both engines, unit-level (t) and row-level (r), against the reference. */
async function checkAll(rows: readonly Row[]): Promise<void> {
  await load(rows);
  for (const c of CASES) {
    for (const [table, unitLevel] of [
      ['t', true],
      ['r', false],
    ] as const) {
      const ref = reference(rows, c.measure, c.kind === 'quantile' ? 'countValues' : c.kind, c.bounds, unitLevel);
      for (const engine of [duck, postgres] as SqlEngine[]) {
        const got = await exact(engine, c.sql(table));
        const what = `${engine.dialect.name} ${c.sql(table)}`;
        for (const [g, e] of ref) {
          const h = got.get(g) ?? {};
          if (c.kind === 'quantile') {
            expect(h.histogram ?? 0n, `${what} ${g}: histogram total = values counted`).toBe(e.count);
            continue;
          }
          if (c.kind === 'countValues' || c.kind === 'mean' || c.kind === 'variance')
            expect(h.count ?? 0n, `${what} ${g} count`).toBe(e.count);
          if (c.kind !== 'countValues') expect(h.units ?? 0n, `${what} ${g} units`).toBe(e.units);
          if (c.kind === 'variance') expect(h.squares ?? 0n, `${what} ${g} squares`).toBe(e.squares);
        }
      }
    }
  }
}

describe('NULL values add nothing to SUM, AVG, VARIANCE, COUNT(x) or quantiles, on DuckDB and PostgreSQL', () => {
  it('a unit whose values in a group are all NULL adds 0, not the lower clamp −C·M (regression)', async () => {
    const rows: Row[] = [
      { uid: 1, g: 'a', x: 3, k: 4 },
      { uid: 1, g: 'a', x: 2.5, k: 6 },
      { uid: 2, g: 'a', x: null, k: null },
      { uid: 2, g: 'a', x: null, k: null },
      { uid: 3, g: 'b', x: null, k: 2 },
      { uid: 4, g: 'c', x: -1, k: null },
    ];
    await checkAll(rows);
    // The example by hand: SUM(x) in group a is 5.5 (unit 2 adds nothing), in b is 0.
    await load(rows);
    for (const engine of [duck, postgres] as SqlEngine[]) {
      const got = await exact(engine, 'SELECT g, SUM(x) AS s FROM t GROUP BY g');
      expect(Number(got.get('a')?.units) * sumGrid([-5, 10]).granularity, engine.dialect.name).toBe(5.5);
      expect(got.get('b')?.units ?? 0n, engine.dialect.name).toBe(0n);
    }
  });

  it('agrees with the reference on random NULL patterns (fast-check, seed 20261206, 12 runs)', async () => {
    const quarter = fc.integer({ min: -32, max: 48 }).map((n) => n / 4); // some below −5 and above 10: clamped
    const row = fc.record({
      uid: fc.integer({ min: 1, max: 6 }),
      g: fc.constantFrom('a' as const, 'b' as const, 'c' as const),
      x: fc.option(quarter, { freq: 2 }),
      k: fc.option(fc.integer({ min: -3, max: 25 }), { freq: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 24 }), async (rows) => {
        await checkAll(rows);
      }),
      { numRuns: 12, seed: 20261206 },
    );
  }, 120_000);
});
