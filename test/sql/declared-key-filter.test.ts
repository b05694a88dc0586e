/**
 * Review S65 (class 11): the compiled statements keep only the declared values of declared GROUP BY keys
 * (`declaredKeyFilter`, src/sql/declared-keys.ts). Generative over random declared sets × random data keys, with
 * values that differ only by conversion ('1' vs 1, '01', '-0' vs −0 vs 0, NaN, ±Infinity, 1e21, case, leading and
 * trailing spaces, dates as text and malformed dates, 'true' vs true vs 1), on DuckDB and (with
 * TSDP_TEST_POSTGRES_URL) PostgreSQL. Two properties, on the exact (noise-free) statements:
 * - the law is unchanged: the filtered main and histogram statements return exactly the rows the unfiltered ones
 *   (the same plan with the key undeclared: the statements before S65) return for the keys the release keeps
 *   (`keyString`: String(engine value) is a declared value's String) — with P larger than any unit's groups, so
 *   bounding keeps the same rows;
 * - the rows returned are ≤ the public bound: declared values (main), × the grid's bins (histogram).
 * Deterministic (no noise, no sampling): fast-check seed 2190/2191, 25 runs each.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { MAX_DECLARED_HISTOGRAM_ROWS } from '../../src/sql/declared-keys.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { EngineRow, EngineValue, SqlEngine } from '../../src/sql/engine.js';
import { keyString } from '../../src/sql/engine-values.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import type { QueryPlan } from '../../src/sql/plan.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

type Cat = string | number | boolean;
interface KeyKind {
  readonly type: string;
  readonly sqlType: { duckdb: string; postgres: string };
  /** Data values as SQL text literals cast to the column's type (null: NULL). */
  readonly data: readonly (string | null)[];
  readonly declared: readonly Cat[];
}

const KINDS: readonly KeyKind[] = [
  {
    type: 'string',
    sqlType: { duckdb: 'VARCHAR', postgres: 'text' },
    data: ['a', 'A', 'a ', ' a', '1', '01', '', 'NaN', '2024-01-01', 'b', null],
    declared: ['a', 'A', 'a ', '1', 1, '01', 'NaN', '2024-01-01', true, 'zz', ''],
  },
  {
    type: 'integer',
    sqlType: { duckdb: 'BIGINT', postgres: 'bigint' },
    data: ['0', '1', '-1', '10', '9007199254740993', '-9223372036854775808', null],
    declared: [0, '0', '-0', 1, '1', '01', '1.0', -1, 10, '9007199254740993', '-9223372036854775808', '9223372036854775808', 'a'],
  },
  {
    // Runs of consecutive integers (the range form of `integerRange`, stop 24) and the values just outside them.
    type: 'integer',
    sqlType: { duckdb: 'BIGINT', postgres: 'bigint' },
    data: ['-3', '-2', '-1', '0', '1', '2', '3', '4', '9223372036854775807', '-9223372036854775808', null],
    declared: [-2, '-1', 0, '0', 1, 2, '3', '02', '9223372036854775807', '9223372036854775806', '-9223372036854775808'],
  },
  {
    type: 'float',
    sqlType: { duckdb: 'DOUBLE', postgres: 'double precision' },
    data: ['0', '-0', 'NaN', '1', '1.5', '1e21', 'Infinity', '-Infinity', '0.1', null],
    declared: [0, '0', '-0', 'NaN', 1, '1', '1.0', 1.5, '1e21', 1e21, 'Infinity', '-Infinity', 0.1, '0.10'],
  },
  {
    type: 'date',
    sqlType: { duckdb: 'DATE', postgres: 'date' },
    data: ['2024-01-01', '2024-02-29', '1999-12-31', null],
    declared: ['2024-01-01', '2024-1-1', '2024-02-29', 20240101, '1999-12-31T00:00:00'],
  },
  {
    type: 'boolean',
    sqlType: { duckdb: 'BOOLEAN', postgres: 'boolean' },
    data: ['true', 'false', null],
    declared: [true, 'true', 'TRUE', false, 1],
  },
];

const caseArb = fc.integer({ min: 0, max: KINDS.length - 1 }).chain((kind) => {
  const k = KINDS[kind] as KeyKind;
  return fc.record({
    kind: fc.constant(kind),
    declared: fc.uniqueArray(fc.constantFrom(...k.declared), { minLength: 1, maxLength: 5, selector: (c) => String(c) }),
    rows: fc.array(
      fc.record({ unit: fc.integer({ min: 0, max: 6 }), key: fc.constantFrom(...k.data), x: fc.integer({ min: 0, max: 9 }) }),
      {
        minLength: 0,
        maxLength: 30,
      },
    ),
  });
});

function schemaOf(k: KeyKind, declared: readonly Cat[]) {
  return parseSqlSchema({
    dataset: 'dkf',
    budget: { epsilon: 10 },
    tables: {
      dkf: {
        privacyUnit: 'pid',
        maxPartitions: 50,
        maxContributionsPerPartition: 50,
        columns: {
          pid: { type: 'integer' },
          k: { type: k.type, categories: [...declared] },
          x: { type: 'integer', lower: 0, upper: 9 },
        },
      },
    },
  });
}

/** A row as comparable text (bigint, −0, NaN kept apart). */
function rowText(r: EngineRow): string {
  return JSON.stringify(Object.entries(r).map(([c, v]) => [c, typeof v, Object.is(v, -0) ? '-0' : String(v)]));
}

function keep(declared: readonly Cat[], rows: readonly EngineRow[]): EngineRow[] {
  const names = new Set(declared.map((c) => keyString([c])));
  return rows.filter((r) => r.k0 !== null && names.has(keyString([r.k0 as EngineValue])));
}

async function check(engine: SqlEngine, load: (sql: string) => Promise<unknown>, dialect: 'duckdb' | 'postgres', seed: number) {
  await fc.assert(
    fc.asyncProperty(caseArb, async ({ kind, declared, rows }) => {
      const k = KINDS[kind] as KeyKind;
      const t = k.sqlType[dialect];
      await load('DROP TABLE IF EXISTS dkf');
      await load(`CREATE TABLE dkf (pid BIGINT, k ${t}, x BIGINT)`);
      if (rows.length) {
        const values = rows.map((r) => `(${r.unit}, ${r.key === null ? 'NULL' : `CAST('${r.key}' AS ${t})`}, ${r.x})`);
        await load(`INSERT INTO dkf VALUES ${values.join(', ')}`);
      }
      const schema = schemaOf(k, declared);
      const plan = planDpQuery('SELECT k, COUNT(*) AS c, SUM(x) AS s, MEDIAN(x) AS m FROM dkf GROUP BY k', schema);
      const undeclared: QueryPlan = { ...plan, groupBy: plan.groupBy.map((g) => ({ ...g, categories: null })) };
      const filtered = compileDpQuery(plan, engine.dialect, 7n, schema);
      const before = compileDpQuery(undeclared, engine.dialect, 7n, schema);
      const categories = plan.groupBy[0]?.categories?.length ?? 0;
      const main = await engine.query(filtered.main);
      expect(main.length).toBeLessThanOrEqual(categories);
      expect(main.map(rowText).sort()).toEqual(
        keep(declared, await engine.query(before.main))
          .map(rowText)
          .sort(),
      );
      const h = filtered.histograms[0];
      const hb = before.histograms[0];
      if (!h || !hb) throw new Error('no histogram');
      const hist = await engine.query(h);
      expect(hist.length).toBeLessThanOrEqual(categories * h.bins);
      expect(hist.map(rowText).sort()).toEqual(
        keep(declared, await engine.query(hb))
          .map(rowText)
          .sort(),
      );
    }),
    { seed, numRuns: 25 },
  );
}

describe('declared keys filtered before bounding (S65): same law, rows ≤ the public bound', () => {
  it('DuckDB (seed 2190)', async () => {
    const engine = await DuckDbEngine.open();
    try {
      await check(engine, (sql) => engine.connection.run(sql), 'duckdb', 2190);
    } finally {
      await engine.close();
    }
  }, 120_000);

  describe.skipIf(!process.env.TSDP_TEST_POSTGRES_URL)('PostgreSQL', () => {
    const url = process.env.TSDP_TEST_POSTGRES_URL as string;
    let client: pg.Client;
    let engine: PostgresEngine;
    beforeAll(async () => {
      client = new pg.Client({ connectionString: url });
      await client.connect();
      engine = await PostgresEngine.open({ connectionString: url });
    });
    afterAll(async () => {
      await client?.query('DROP TABLE IF EXISTS dkf');
      await client?.end();
      await engine?.close();
    });
    it('PostgreSQL (seed 2191)', async () => {
      await check(engine, (sql) => client.query(sql), 'postgres', 2191);
    }, 120_000);
  });
});

describe('declared histogram rows bounded before the charge (S65)', () => {
  const wide = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
  it('refuses declared combinations × bins past MAX_DECLARED_HISTOGRAM_ROWS at compile time; 64 × 4,096 compiles', () => {
    const schema = (n: number) =>
      parseSqlSchema({
        dataset: 'dkf',
        budget: { epsilon: 10 },
        tables: {
          dkf: {
            privacyUnit: 'pid',
            columns: { pid: { type: 'integer' }, k: { type: 'string', categories: wide(n) }, x: { type: 'float', lower: 0, upper: 1 } },
          },
        },
      });
    const compile = (n: number) => {
      const s = schema(n);
      return compileDpQuery(planDpQuery('SELECT k, MEDIAN(x) FROM dkf GROUP BY k', s), duckdbDialect, 1n, s);
    };
    // The limit counts the 4,096-bin grid (`quantileGrid`) on every engine; DuckDB streams its histogram on the fine grid.
    expect(compile(64).histograms).toHaveLength(1);
    expect(64 * 4096).toBe(MAX_DECLARED_HISTOGRAM_ROWS);
    expect(() => compile(65)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_QUERY' }));
    // Counts alone hold ≤ the declared combinations (the planner's MAX_RELEASED_GROUPS): no histogram limit applies.
    const s = schema(5000);
    expect(compileDpQuery(planDpQuery('SELECT k, COUNT(*) FROM dkf GROUP BY k', s), duckdbDialect, 1n, s).histograms).toHaveLength(0);
  });
});
