/**
 * The shared harness of the "NULL is no value" test (compile.proof.md): the table, the queries, a TypeScript
 * reference of the exact bounded inputs each aggregate must compute (NULLs skipped, a unit with no value in a
 * group adding nothing), the random NULL patterns and the check — run on DuckDB and PostgreSQL by
 * test/sql/null-aggregates.test.ts and on a ClickHouse cluster by test/clickhouse/null-aggregates.test.ts,
 * so every engine is held to the same reference.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { CompiledStatement } from '../../src/sql/dialect.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { exactUnits } from '../../src/sql/engine-values.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { type FixedPointGrid, meanGrid, sumGrid, varianceGrid } from '../../src/stats/fixed-point-grid.js';
import { scaledToCapReference } from './scaled-to-cap-reference.js';

/** One row of tables t (unit-level, unit `uid`) and r (row-level); both hold the same rows. */
export interface NullRow {
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
export const nullSchema: SqlSchema = parseSqlSchema({
  dataset: 'nulls',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    t: { privacyUnit: 'uid', maxPartitions: 3, maxContributionsPerPartition: C, columns },
    r: { columns },
  },
});

type Measure = (r: NullRow) => number | null;
/** What each aggregate's exact inputs must be, per group. */
interface Expected {
  count?: bigint;
  units?: bigint;
  squares?: bigint;
  histogram?: bigint;
}

/** The exact bounded inputs the compiled SQL must compute, from the rows (NULLs skipped). */
function reference(
  rows: readonly NullRow[],
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
    // A unit with n > C values weighs its sums to C values: ⌊s·C/n + ½⌋ in exact integers, as scaled-to-cap.ts.
    const toCap = (s: number) => (unitLevel ? scaledToCapReference(BigInt(s), BigInt(cell.n), BigInt(cap)) : BigInt(s));
    const within = (v: bigint, lo: bigint, hi: bigint) => (v < lo ? lo : v > hi ? hi : v);
    const b = BigInt(bound);
    e.units = (e.units ?? 0n) + (unitLevel ? within(toCap(cell.units), -b, b) : BigInt(cell.units));
    const squareBound = BigInt(cap) * BigInt(grid.maxUnits) * BigInt(grid.maxUnits);
    e.squares = (e.squares ?? 0n) + (unitLevel ? within(toCap(cell.squares), 0n, squareBound) : BigInt(cell.squares));
  }
  return out;
}

const big = (v: unknown) => (v === null || v === undefined ? 0n : BigInt(String(v)));

/** How a test sends a compiled statement (the engine's own query, or a rewritten one). */
export type Send = (engine: SqlEngine, statement: CompiledStatement) => Promise<readonly EngineRow[]>;
const plainSend: Send = (engine, statement) => engine.query(statement);

/**
 * Runs one single-aggregate query on one engine: its exact inputs per group and its histogram totals.
 * @param engine - the engine (its dialect compiles the query, as runDpSql does).
 * @param sql - the DP query.
 * @param send - how a statement is run.
 * @returns per group key, the exact inputs.
 */
export async function exactInputs(engine: SqlEngine, sql: string, send: Send = plainSend): Promise<Map<string, Expected>> {
  const plan = planDpQuery(sql, nullSchema);
  const compiled = compileDpQuery(plan, engine.dialect, 11n, nullSchema);
  const key = compiled.keyColumns[0] as string;
  const out = new Map<string, Expected>();
  const input = compiled.inputs.find((x) => x !== null);
  if (!input) throw new Error('no aggregate');
  for (const row of await send(engine, compiled.main)) {
    const e: Expected = {};
    if (input.kind === 'count') e.count = big(row[input.count]);
    // Row-level linear sums carry an affine map the release applies (stop 19): read them as the release does.
    if (input.kind === 'sum') e.units = exactUnits(row, input);
    if (input.kind === 'mean') Object.assign(e, { count: big(row[input.count]), units: exactUnits(row, input) });
    if (input.kind === 'variance')
      Object.assign(e, { count: big(row[input.count]), units: big(row[input.units]), squares: big(row[input.squares]) });
    out.set(String(row[key]), e);
  }
  for (const h of compiled.histograms) {
    for (const row of await send(engine, h)) {
      const g = String(row[key]);
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
  // Two counts in one query (ClickHouse carries them in one packed column: clickhouse-compile.ts `unitColumns`): each is checked.
  { sql: (t) => `SELECT g, AVG(x) AS s, COUNT(*) AS n FROM ${t} GROUP BY g`, measure: (r) => r.x, kind: 'mean', bounds: [-5, 10] },
  { sql: (t) => `SELECT g, COUNT(*) AS s, AVG(x) AS m FROM ${t} GROUP BY g`, measure: () => 1, kind: 'countValues', bounds: [-5, 10] },
];

/**
 * Checks every case on every engine, unit-level (t) and row-level (r), against the reference.
 * @param rows - the rows, already loaded into t and r on every engine.
 * @param engines - the engines.
 * @param send - how a statement is run.
 * @param concurrent - send the statements at once (an engine that serves parallel statements).
 */
export async function checkNullCases(
  rows: readonly NullRow[],
  engines: readonly SqlEngine[],
  send: Send = plainSend,
  concurrent = false,
): Promise<void> {
  const runs = CASES.flatMap((c) =>
    (['t', 'r'] as const).flatMap((table) => engines.map((engine) => ({ c, table, unitLevel: table === 't', engine }))),
  );
  // Concurrently only where the engine serves parallel statements (a ClickHouse cluster); in order otherwise.
  const results = concurrent
    ? await Promise.all(runs.map((r) => exactInputs(r.engine, r.c.sql(r.table), send)))
    : await runs.reduce<Promise<Map<string, Expected>[]>>(
        async (acc, r) => [...(await acc), await exactInputs(r.engine, r.c.sql(r.table), send)],
        Promise.resolve([]),
      );
  runs.forEach(({ c, table, unitLevel, engine }, i) => {
    const ref = reference(rows, c.measure, c.kind === 'quantile' ? 'countValues' : c.kind, c.bounds, unitLevel);
    const got = results[i] as Map<string, Expected>;
    const what = `${engine.dialect.name} ${c.sql(table)}`;
    for (const [g, e] of ref) {
      const h = got.get(g) ?? {};
      if (c.kind === 'quantile') {
        expect(h.histogram ?? 0n, `${what} ${g}: histogram total = values counted`).toBe(e.count);
        continue;
      }
      if (c.kind === 'countValues' || c.kind === 'mean' || c.kind === 'variance') expect(h.count ?? 0n, `${what} ${g} count`).toBe(e.count);
      if (c.kind !== 'countValues') expect(h.units ?? 0n, `${what} ${g} units`).toBe(e.units);
      if (c.kind === 'variance') expect(h.squares ?? 0n, `${what} ${g} squares`).toBe(e.squares);
    }
  });
}

/** The regression example: unit 2's values in group a are all NULL; unit 3 has no x, unit 4 no k. */
export const NULL_EXAMPLE: readonly NullRow[] = [
  { uid: 1, g: 'a', x: 3, k: 4 },
  { uid: 1, g: 'a', x: 2.5, k: 6 },
  { uid: 2, g: 'a', x: null, k: null },
  { uid: 2, g: 'a', x: null, k: null },
  { uid: 3, g: 'b', x: null, k: 2 },
  { uid: 4, g: 'c', x: -1, k: null },
];

/** Random NULL patterns: values in quarters (some below −5 and above 10: clamped), NULL one time in three. */
export const nullRowsArbitrary: fc.Arbitrary<NullRow[]> = fc.array(
  fc.record({
    uid: fc.integer({ min: 1, max: 6 }),
    g: fc.constantFrom('a' as const, 'b' as const, 'c' as const),
    x: fc.option(
      fc.integer({ min: -32, max: 48 }).map((n) => n / 4),
      { freq: 2 },
    ),
    k: fc.option(fc.integer({ min: -3, max: 25 }), { freq: 2 }),
  }),
  { maxLength: 24 },
);

/** The property's seed and number of runs (the same on every engine). */
export const NULL_PROPERTY = { seed: 20261206, numRuns: 12 } as const;
