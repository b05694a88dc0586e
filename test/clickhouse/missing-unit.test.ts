/**
 * Review S25 on ClickHouse (class "people merged into one unit"): a row whose privacy unit identifies no one —
 * NULL, the empty string of a text unit, NaN of a float unit — is not a unit. Before the fix every such row on a
 * shard was bounded as ONE unit (GROUP BY pools them; the salted hash of NULL is NULL, so the sort order chose the
 * kept groups) and one more such row moved COUNT … GROUP BY k by 2 in L1 with P = C = 1. The rule
 * (clickhouse-compile.ts `unitRows`, as compile.ts on DuckDB/PostgreSQL): every unit-level statement — main,
 * histogram, bounding report — drops such rows. Real 3-shard cluster; all unit-less rows on shard 0's local
 * table (the pooling case). Exact aggregates (no noise).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileBoundingReport } from '../../src/sql/bounding-report.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { CompiledStatement, SqlDialect } from '../../src/sql/dialect.js';
import { clickhouseArraysDialect, clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { adminExec, clickhouseAvailable, createSharded, insertRows, type TestCluster, testCluster } from './cluster.js';

const DB = 'tsdp_missing_unit_test';
const P = 1;
const C = 1;
/** One table per unit type; `missing` is the value that identifies no one for that type. */
const KINDS = [
  { table: 'mu_int', type: 'integer', ddl: 'Nullable(Int64)', missing: [null] as unknown[], unit: (i: number): unknown => i },
  { table: 'mu_text', type: 'string', ddl: 'Nullable(String)', missing: [null, ''] as unknown[], unit: (i: number): unknown => `p${i}` },
  {
    table: 'mu_float',
    type: 'float',
    ddl: 'Nullable(Float64)',
    missing: [null, Number.NaN] as unknown[],
    unit: (i: number): unknown => i + 0.5,
  },
] as const;

const schema = parseSqlSchema({
  dataset: 'missing_unit',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: Object.fromEntries(
    KINDS.map((k) => [
      k.table,
      {
        privacyUnit: 'pid',
        maxPartitions: P,
        maxContributionsPerPartition: C,
        columns: { pid: { type: k.type }, k: { type: 'string', categories: ['a', 'b'] }, v: { type: 'float', lower: 0, upper: 10 } },
      },
    ]),
  ),
});

type Row = readonly [unknown, 'a' | 'b', number];
let cluster: TestCluster;
let engines: SqlEngine[];

/** The statements of one query: main, each histogram, the bounding report. */
function statements(table: string, dialect: SqlDialect): CompiledStatement[] {
  const plan = planDpQuery(`SELECT k, COUNT(*) AS n, SUM(v) AS s, MEDIAN(v) AS m FROM ${table} GROUP BY k`, schema);
  const compiled = compileDpQuery(plan, dialect, 7n, schema);
  return [compiled.main, ...compiled.histograms, compileBoundingReport(plan, dialect, schema)];
}

/** Every statement's rows on `rows` (all on shard 0's local table), keys sorted: a canonical text. */
async function answers(table: string, rows: readonly Row[]): Promise<string[]> {
  await Promise.all(cluster.shards.map((s) => adminExec(s, `TRUNCATE TABLE ${DB}.${table}`)));
  if (rows.length) await insertRows(cluster.shards[0] as string, `${DB}.${table}`, rows);
  const out: string[] = [];
  for (const engine of engines)
    for (const st of statements(table, engine.dialect)) {
      const got = (await engine.query(st)).map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, String(v)])));
      out.push(got.sort().join('\n'));
    }
  return out;
}

/** Exact COUNT(*) per key from the main statement. */
async function counts(table: string, rows: readonly Row[]): Promise<Map<string, number>> {
  await Promise.all(cluster.shards.map((s) => adminExec(s, `TRUNCATE TABLE ${DB}.${table}`)));
  await insertRows(cluster.shards[0] as string, `${DB}.${table}`, rows);
  const plan = planDpQuery(`SELECT k, COUNT(*) AS n FROM ${table} GROUP BY k`, schema);
  const compiled = compileDpQuery(plan, clickhouseDialect, 1n, schema);
  const input = compiled.inputs[1];
  if (input?.kind !== 'count') throw new Error('fixture: the second output is the count');
  const out = new Map<string, number>();
  for (const r of await (engines[0] as SqlEngine).query(compiled.main))
    out.set(String(r[compiled.keyColumns[0] as string]), Number(r[input.count]));
  return out;
}

const l1 = (a: Map<string, number>, b: Map<string, number>) =>
  [...new Set([...a.keys(), ...b.keys()])].reduce((s, k) => s + Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0)), 0);

describe.skipIf(!clickhouseAvailable)('review S25 on ClickHouse: a row without a unit is not a unit', () => {
  beforeAll(async () => {
    cluster = testCluster();
    await createSharded(
      cluster.shards,
      DB,
      Object.fromEntries(KINDS.map((k) => [k.table, `pid ${k.ddl}, k String, v Float64`])),
      () => null,
    );
    const ch = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema });
    engines = [ch, Object.create(ch, { dialect: { value: clickhouseArraysDialect } }) as SqlEngine];
  }, 300_000);
  afterAll(async () => {
    if (cluster) await Promise.all(cluster.shards.map((s) => adminExec(s, `DROP DATABASE IF EXISTS ${DB}`)));
    cluster?.stop?.();
  });

  it('the review example (regression): one more NULL-unit row moves COUNT(*) GROUP BY k by at most P·C — by 0', async () => {
    const dPrime: Row[] = [
      [1, 'a', 10],
      [2, 'b', 10],
      [null, 'b', 10],
    ];
    const before = await counts('mu_int', dPrime);
    const after = await counts('mu_int', [...dPrime, [null, 'a', 10]]);
    expect(l1(before, after)).toBe(0);
    expect(before).toEqual(
      new Map([
        ['a', 1],
        ['b', 1],
      ]),
    );
  }, 60_000);

  it.each(KINDS.map((k) => [k.table, k] as const))(
    'every statement ignores rows without a unit, whatever else is there (%s, fast-check seed 25, 6 runs, both top-P strategies)',
    async (_name, kind) => {
      const row = (unit: fc.Arbitrary<unknown>) =>
        fc.tuple(unit, fc.constantFrom('a' as const, 'b' as const), fc.integer({ min: 0, max: 10 }));
      const withUnit = row(fc.integer({ min: 1, max: 4 }).map(kind.unit));
      const without = row(fc.constantFrom(...kind.missing));
      await fc.assert(
        fc.asyncProperty(fc.array(withUnit, { maxLength: 8 }), fc.array(without, { minLength: 1, maxLength: 4 }), async (kept, dropped) => {
          // The neighbour with the unit-less rows answers exactly as the data without them (every statement).
          expect(await answers(kind.table, [...kept, ...dropped] as Row[])).toEqual(await answers(kind.table, kept as Row[]));
        }),
        { seed: 25, numRuns: 6 },
      );
    },
    300_000,
  );
});
