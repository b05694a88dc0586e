/**
 * Rows without a privacy unit are not a unit (review S25, class 18 "people merged into one unit";
 * compile.proof.md "Rows without a unit"). Before the fix, every row whose unit was NULL (or, for a text
 * unit, the empty string a blank field of a file yields) was bounded as ONE person: with P = 1, C = 1, one
 * more such row moved COUNT(*) GROUP BY k by 2 in L1. Now every unit-level statement (main, quantile
 * histogram, bounding report) drops them, on DuckDB and PostgreSQL, for tables and declared CSV files.
 * Exact aggregates (no noise): the property is about the engine's bounded inputs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileBoundingReport } from '../../src/sql/bounding-report.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { explainDpSql } from '../../src/sql/explain-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { postgresTestUrl } from './postgres-url.js';

type Key = 'a' | 'b' | 'c';
/** A row: unit id (null, '', NaN, ±∞ = missing), key, value in [0, 10]. */
type Row = readonly [number | string | null, Key, number];

function schema(table: string, unitType: 'integer' | 'string' | 'float', P: number, C: number): SqlSchema {
  return parseSqlSchema({
    dataset: 'missing_unit',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      [table]: {
        privacyUnit: 'pid',
        maxPartitions: P,
        maxContributionsPerPartition: C,
        columns: {
          pid: { type: unitType },
          k: { type: 'string', categories: ['a', 'b', 'c'] },
          v: { type: 'float', lower: 0, upper: 10 },
        },
      },
    },
  });
}

let duck: DuckDbEngine;
let postgres: PostgresEngine;
let client: pg.Client;
const dir = mkdtempSync(join(tmpdir(), 'tsdp-missing-unit-'));

beforeAll(async () => {
  const url = postgresTestUrl();
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  postgres = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
  client = new pg.Client(url);
  await client.connect();
  for (const [t, type] of [
    ['mu_int', ['BIGINT', 'bigint']],
    ['mu_txt', ['VARCHAR', 'text']],
    ['mu_dbl', ['DOUBLE', 'double precision']],
  ] as const) {
    await duck.connection.run(`CREATE OR REPLACE TABLE ${t} (pid ${type[0]}, k VARCHAR, v DOUBLE)`);
    await client.query(`DROP TABLE IF EXISTS ${t}; CREATE TABLE ${t} (pid ${type[1]}, k text, v double precision)`);
  }
}, 60_000);

afterAll(async () => {
  await duck?.close();
  await postgres?.close();
  await client?.query('DROP TABLE IF EXISTS mu_int; DROP TABLE IF EXISTS mu_txt; DROP TABLE IF EXISTS mu_dbl');
  await client?.end();
  rmSync(dir, { recursive: true, force: true });
});

const literal = (v: number | string | null) =>
  v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : Number.isFinite(v) ? String(v) : `CAST('${v}' AS DOUBLE PRECISION)`;

async function load(table: string, rows: readonly Row[]): Promise<void> {
  await duck.connection.run(`DELETE FROM ${table}`);
  await client.query(`DELETE FROM ${table}`);
  if (!rows.length) return;
  const values = rows.map((r) => `(${r.map(literal).join(', ')})`).join(', ');
  await duck.connection.run(`INSERT INTO ${table} VALUES ${values}`);
  await client.query(`INSERT INTO ${table} VALUES ${values}`);
}

/** Everything the unit-level statements return, keyed for comparison: main's per-key inputs, histogram bins, bounding report. */
async function exactAll(engine: SqlEngine, table: string, s: SqlSchema): Promise<{ counts: Map<string, number>; all: string }> {
  const main = explainDpSql(`SELECT k, COUNT(*) AS n, SUM(v) AS s FROM ${table} GROUP BY k`, s, engine.dialect, { epsilon: 1 }, 7n);
  const input = main.compiled.inputs[1];
  if (input?.kind !== 'count') throw new Error('fixture: the second output is the count');
  const counts = new Map<string, number>();
  const mainRows: string[] = [];
  for (const r of await engine.query(main.compiled.main)) {
    const key = String(r[main.compiled.keyColumns[0] as string]);
    counts.set(key, Number(r[input.count]));
    mainRows.push(JSON.stringify(Object.entries(r).map(([c, v]) => [c, String(v)])));
  }
  const median = explainDpSql(`SELECT k, MEDIAN(v) AS m FROM ${table} GROUP BY k`, s, engine.dialect, { epsilon: 1 }, 7n);
  const bins: string[] = [];
  for (const h of median.compiled.histograms)
    for (const r of await engine.query(h)) bins.push(JSON.stringify(Object.values(r).map(String)));
  const report = (await engine.query(compileBoundingReport(main.plan, engine.dialect, s))).map((r) =>
    JSON.stringify(Object.values(r).map(String)),
  );
  return { counts, all: JSON.stringify([mainRows.sort(), bins.sort(), report]) };
}

function l1(a: Map<string, number>, b: Map<string, number>): number {
  let s = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) s += Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0));
  return s;
}

const engines = () => [duck, postgres] as const;

describe('rows without a privacy unit are dropped, not bounded as one unit (review S25)', () => {
  it("review S25's example: one more NULL-id row moves nothing (P = C = 1), on DuckDB and PostgreSQL", async () => {
    const s = schema('mu_int', 'integer', 1, 1);
    const dPrime: Row[] = [
      [1, 'a', 10],
      [2, 'b', 10],
      [null, 'b', 10],
    ];
    for (const engine of engines()) {
      await load('mu_int', dPrime);
      const a = await exactAll(engine, 'mu_int', s);
      await load('mu_int', [...dPrime, [null, 'a', 10]]);
      const b = await exactAll(engine, 'mu_int', s);
      expect(b.all).toBe(a.all);
      expect(a.counts.get('a')).toBe(1);
      expect(a.counts.get('b')).toBe(1);
    }
  }, 60_000);

  it("a text unit's empty string is missing too (a blank field), on DuckDB and PostgreSQL", async () => {
    const s = schema('mu_txt', 'string', 1, 1);
    const dPrime: Row[] = [
      ['p1', 'a', 1],
      ['p2', 'b', 1],
      ['', 'b', 1],
    ];
    for (const engine of engines()) {
      await load('mu_txt', dPrime);
      const a = await exactAll(engine, 'mu_txt', s);
      await load('mu_txt', [...dPrime, ['', 'a', 1]]);
      expect((await exactAll(engine, 'mu_txt', s)).all).toBe(a.all);
    }
  }, 60_000);

  it('a float unit: NaN and ±∞ identify no one (review S25, NaN member), on DuckDB and PostgreSQL', async () => {
    const s = schema('mu_dbl', 'float', 1, 1);
    const dPrime: Row[] = [
      [1.5, 'a', 1],
      [2.5, 'b', 1],
      [Number.NaN, 'b', 1],
      [Number.POSITIVE_INFINITY, 'b', 1],
    ];
    for (const engine of engines()) {
      await load('mu_dbl', dPrime);
      const a = await exactAll(engine, 'mu_dbl', s);
      expect(a.counts.get('b')).toBe(1);
      for (const extra of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        await load('mu_dbl', [...dPrime, [extra, 'a', 1]]);
        expect((await exactAll(engine, 'mu_dbl', s)).all).toBe(a.all);
      }
    }
  }, 60_000);

  it.each([
    // Header `pid,v,k` (sqlcsv stop 25): the typed `v` is not the last column, so the statements read a typed field
    // other than the last and each version runs the typed reader's forced scan and fold, as before stop 25 — with
    // `v` last every statement here read no typed field but the last and ran on the text path, deciding nothing
    // (`duckdb-csv-choice.ts`, "A statement that reads no typed field"). Same rows, same answers.
    ['integer', 'pid,v,k\n1,1,a\n2,1,b\n,1,b\n', 'pid,v,k\n1,1,a\n2,1,b\n,1,b\n,1,a\n'],
    ['string', 'pid,v,k\np1,1,a\np2,1,b\n,1,b\n', 'pid,v,k\np1,1,a\np2,1,b\n,1,b\n,1,a\n'],
  ] as const)(
    'a declared CSV file with a blank %s unit field: one more such line moves nothing',
    async (type, before, after) => {
      const s = schema('mu_csv', type, 1, 1);
      const out: string[] = [];
      for (const [name, text] of [
        ['before.csv', before],
        ['after.csv', after],
      ] as const) {
        const path = join(dir, `${type}-${name}`);
        writeFileSync(path, text);
        const engine = await DuckDbEngine.open({
          files: { mu_csv: path },
          columnTypes: { mu_csv: { pid: type, k: 'string', v: 'float' } },
        });
        try {
          out.push((await exactAll(engine, 'mu_csv', s)).all);
        } finally {
          await engine.close();
        }
      }
      expect(out[1]).toBe(out[0]);
    },
    60_000,
  );

  it('generative (fast-check, seed 25): a missing-unit row changes no statement; a new person moves counts by ≤ P·C in L1 and ≤ C per key', async () => {
    const key = fc.constantFrom<Key>('a', 'b', 'c');
    const value = fc.integer({ min: 0, max: 10 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('integer', 'string', 'float'),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 2 }),
        fc.array(fc.tuple(fc.option(fc.integer({ min: 1, max: 4 }), { freq: 3 }), key, value), { maxLength: 12 }),
        fc.tuple(fc.integer({ min: 0, max: 3 }), key, value),
        fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 4 }),
        async (type, P, C, raw, [how, mk, mv], person) => {
          const table = type === 'string' ? 'mu_txt' : type === 'float' ? 'mu_dbl' : 'mu_int';
          const s = schema(table, type, P, C);
          const id = (i: number | null): number | string | null =>
            i === null ? null : type === 'string' ? `p${i}` : type === 'float' ? i + 0.5 : i;
          const base: Row[] = raw.map(([i, k, v]) => [id(i), k, v]);
          // The ways a unit value identifies no one, per type (NULL for all).
          const none =
            type === 'string'
              ? [null, '']
              : type === 'float'
                ? [null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]
                : [null];
          const missing: Row = [none[how % none.length] ?? null, mk, mv];
          const fresh: Row[] = person.map(([k, v]) => [id(99), k, v]);
          for (const engine of engines()) {
            await load(table, base);
            const a = await exactAll(engine, table, s);
            await load(table, [...base, missing]);
            expect((await exactAll(engine, table, s)).all).toBe(a.all);
            await load(table, [...base, missing, ...fresh]);
            const b = await exactAll(engine, table, s);
            expect(l1(a.counts, b.counts)).toBeLessThanOrEqual(P * C);
            for (const k of ['a', 'b', 'c']) expect(Math.abs((b.counts.get(k) ?? 0) - (a.counts.get(k) ?? 0))).toBeLessThanOrEqual(C);
          }
        },
      ),
      { seed: 25, numRuns: 30 },
    );
  }, 300_000);
});
