/**
 * The same query suite on both real engines: the exact bounded aggregates the
 * rewritten SQL computes must agree between DuckDB and PostgreSQL and with a
 * reference computed here in TypeScript; then full DP runs on both.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { type EngineRow, engineError, type SqlEngine } from '../../src/sql/engine.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { meanGrid, sumGrid } from '../../src/stats/fixed-point-grid.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits, makeVisits } from './data.js';
import { loadPostgresVisits } from './data-postgres.js';
import { visitsSchema } from './fixtures.js';
import { postgresTestUrl } from './postgres-url.js';
import { scaledToCapReference } from './scaled-to-cap-reference.js';

/** The fixture schema with maxPartitions ≥ the number of regions, so no group is dropped and engines must agree exactly. */
function allPartitionsSchema(): SqlSchema {
  const s = visitsSchema();
  const visits = s.tables.get('visits');
  const people = s.tables.get('people');
  if (!visits || !people) throw new Error('fixture');
  return {
    ...s,
    tables: new Map([
      ...s.tables,
      ['visits', { ...visits, unit: { ...visits.unit, maxPartitions: 4 } }],
      ['people', { ...people, unit: { ...people.unit, maxPartitions: 4 } }],
    ]),
  };
}

let duck: DuckDbEngine;
let pgEngine: PostgresEngine;
const engines = (): [string, SqlEngine][] => [
  ['duckdb', duck],
  ['postgres', pgEngine],
];

beforeAll(async () => {
  const url = postgresTestUrl();
  await loadPostgresVisits(url);
  duck = await duckdbWithVisits();
  pgEngine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
});

afterAll(async () => {
  await duck?.close();
  await pgEngine?.close();
});

async function exact(engine: SqlEngine, sql: string, schema: SqlSchema): Promise<Map<string, EngineRow>> {
  const plan = planDpQuery(sql, schema);
  const compiled = compileDpQuery(plan, engine.dialect, 7n, schema);
  const rows = await engine.query(compiled.main);
  return new Map(rows.map((r) => [JSON.stringify(compiled.keyColumns.map((k) => r[k] ?? null)), r]));
}

const big = (v: unknown) => BigInt(String(v));

describe('the rewritten SQL on DuckDB and PostgreSQL', () => {
  it('computes the bounded exact aggregates of the reference implementation on both engines', async () => {
    const schema = allPartitionsSchema();
    const sql = 'SELECT region, COUNT(*) AS n, COUNT(DISTINCT person_id) AS people, AVG(minutes) AS m FROM visits GROUP BY region';
    // Reference: per (person, region) rows capped at C = 3; minutes on the mean grid, a person's sum of n > 3 values
    // weighted to 3 values (⌊s·3/n + ½⌋ in exact integers, src/sql/scaled-to-cap.ts), then clamped to ±3·maxUnits.
    const { visits } = makeVisits();
    const grid = meanGrid([0, 60]);
    const per = new Map<string, { n: number; units: number }>();
    // The compiled statements keep only the declared regions (S65, src/sql/declared-keys.ts): 'west' is not declared.
    const declared = new Set(['north', 'south', 'east']);
    for (const v of visits) {
      if (!declared.has(v.region)) continue;
      const key = `${v.region}|${v.person_id}`;
      const e = per.get(key) ?? { n: 0, units: 0 };
      e.n++;
      e.units += grid.toUnits(v.minutes);
      per.set(key, e);
    }
    const ref = new Map<string, { n: bigint; units: bigint; people: bigint }>();
    for (const [key, e] of per) {
      const region = key.split('|')[0] as string;
      const r = ref.get(region) ?? { n: 0n, units: 0n, people: 0n };
      const cap = 3 * grid.maxUnits;
      r.n += BigInt(Math.min(e.n, 3));
      const weighted = scaledToCapReference(BigInt(e.units), BigInt(e.n), 3n);
      const b = BigInt(cap);
      r.units += weighted < -b ? -b : weighted > b ? b : weighted;
      r.people += 1n;
      ref.set(region, r);
    }
    for (const [name, engine] of engines()) {
      const rows = await exact(engine, sql, schema);
      expect(rows.size, name).toBe(ref.size);
      for (const [region, r] of ref) {
        const row = rows.get(JSON.stringify([region]));
        if (!row) throw new Error(`${name}: no row for ${region} in ${[...rows.keys()].join(' ')}`);
        expect(row, `${name} ${region}`).toBeDefined();
        expect(big(row?.units), name).toBe(r.people);
        expect(big(row?.a0), name).toBe(r.n);
        expect(big(row?.a1), name).toBe(r.units);
      }
    }
  });

  const suite: [string, string][] = [
    [
      'filters',
      "SELECT region, COUNT(*) AS n, SUM(minutes) AS s, COUNT(city) AS c FROM visits WHERE city IS NOT NULL AND day BETWEEN 5 AND 25 AND city IN ('c1', 'c2', 'c3') GROUP BY region",
    ],
    [
      'CASE and CAST',
      "SELECT region, SUM(CASE WHEN day > 15 THEN minutes * 2 ELSE 0 END) AS s, AVG(CAST(day AS integer)) AS d FROM visits WHERE NOT (city LIKE 'c4') GROUP BY region",
    ],
    [
      'a public join',
      'SELECT r.label, COUNT(*) AS n, VARIANCE(v.day) AS var FROM visits v JOIN regions r ON v.region = r.code GROUP BY r.label',
    ],
    ['a private join on the unit', 'SELECT AVG(p.age) AS age, COUNT(*) AS n FROM visits v JOIN people p ON v.person_id = p.person_id'],
    ['no GROUP BY', 'SELECT COUNT(*) AS n, STDDEV(minutes) AS sd, COUNT(DISTINCT person_id) AS u FROM visits'],
    // At most maxPartitions = 4 keys, so that no group is dropped (the engines hash differently).
    ['GROUP BY an arithmetic expression', 'SELECT FLOOR(day / 10) * 10 AS d10, COUNT(*) AS n, SUM(minutes) AS s FROM visits GROUP BY 1'],
    [
      'GROUP BY a CASE and a condition',
      "SELECT CASE WHEN day > 15 THEN 'late' ELSE 'early' END AS half, minutes > 30 AS long, COUNT(*) AS n FROM visits GROUP BY 1, 2",
    ],
  ];
  for (const [name, sql] of suite) {
    it(`agrees exactly between engines: ${name}`, async () => {
      const schema = allPartitionsSchema();
      const [a, b] = await Promise.all(engines().map(([, e]) => exact(e, sql, schema)));
      expect(a && b && [...a.keys()].sort()).toEqual(b && [...b.keys()].sort());
      for (const [key, row] of a ?? []) {
        const other = b?.get(key);
        for (const [col, v] of Object.entries(row)) expect(String(other?.[col]), `${key} ${col}`).toBe(String(v));
      }
    });
  }

  it('sums float values as exact fixed-point integers (PostgreSQL real cast to double precision) within one unit per row', async () => {
    const schema = allPartitionsSchema();
    const sql = 'SELECT region, SUM(amount) AS s FROM visits GROUP BY region';
    const [a, b] = await Promise.all(engines().map(([, e]) => exact(e, sql, schema)));
    const g = sumGrid([0, 100]);
    for (const [key, row] of a ?? []) {
      const diff = Number(big(row.a0) - big(b?.get(key)?.a0));
      // float4 storage differs from double by < 2^-20 relative: a few units of 2^-25 per row.
      expect(Math.abs(diff) * g.granularity).toBeLessThan(0.01);
    }
  });

  it('keeps at most maxPartitions groups per unit (a random, salted choice) on both engines', async () => {
    const schema = visitsSchema(); // maxPartitions 2
    const units = new Set(makeVisits().visits.map((v) => v.person_id)).size;
    for (const [name, engine] of engines()) {
      for (const salt of [1n, 2n, 3n]) {
        const plan = planDpQuery('SELECT region, COUNT(DISTINCT person_id) AS u FROM visits GROUP BY region', schema);
        const rows = await engine.query(compileDpQuery(plan, engine.dialect, salt, schema).main);
        const total = rows.reduce((s, r) => s + big(r.units), 0n);
        expect(total, name).toBeLessThanOrEqual(BigInt(2 * units));
        expect(total, name).toBeGreaterThanOrEqual(BigInt(units));
      }
    }
  });

  it('caps each unit at maxContributionsPerPartition rows per group in quantile histograms', async () => {
    const schema = allPartitionsSchema();
    const plan = planDpQuery('SELECT region, MEDIAN(minutes) AS m, COUNT(minutes) AS n FROM visits GROUP BY region', schema);
    for (const [name, engine] of engines()) {
      const compiled = compileDpQuery(plan, engine.dialect, 5n, schema);
      const main = await engine.query(compiled.main);
      const hist = await engine.query(compiled.histograms[0] as (typeof compiled.histograms)[0]);
      for (const r of main) {
        const inGroup = hist.filter((h) => h.k0 === r.k0).reduce((s, h) => s + big(h.n), 0n);
        expect(inGroup, name).toBe(big(r.a0));
      }
    }
  });
});

describe('runDpSql end to end on both engines', () => {
  it('emits every declared key (even empty ones), drops undeclared keys, and charges once (false-failure probability ≤ 1e-6: seeded)', async () => {
    for (const [name, engine] of engines()) {
      const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-test-')) });
      const result = await runDpSql({
        sql: "SELECT region, COUNT(*) AS n FROM visits WHERE region <> 'east' GROUP BY region ORDER BY region",
        schema: visitsSchema(),
        engine,
        ledger,
        epsilon: 100,
        rng: new SeededRandomSource(42),
      });
      expect(
        result.rows.map((r) => r[0]),
        name,
      ).toEqual(['east', 'north', 'south']);
      expect(result.rows[0]?.[1], name).toBeLessThanOrEqual(1);
      expect(result.notForRelease).toBe(true);
      expect(result.spent).toEqual({ epsilon: 100, delta: 0 });
      expect(result.remaining.epsilon).toBe(0);
      expect((await ledger.entries('visits')).length).toBe(1);
    }
  });

  it('selects undeclared keys with DP partition selection and needs delta for it', async () => {
    for (const [name, engine] of engines()) {
      const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-test-')) });
      const schema = parseSqlSchema({
        dataset: 'visits',
        budget: { epsilon: 10, delta: 1e-3 },
        tables: {
          visits: { privacyUnit: 'person_id', maxPartitions: 4, columns: { person_id: { type: 'integer' }, city: { type: 'string' } } },
        },
      });
      await expect(
        runDpSql({ sql: 'SELECT city, COUNT(*) FROM visits GROUP BY city', schema, engine, ledger, epsilon: 1 }),
      ).rejects.toMatchObject({
        code: 'INVALID_PARAMETER',
      });
      expect((await ledger.entries('visits')).length).toBe(0);
      const r = await runDpSql({
        sql: 'SELECT city, COUNT(*) AS n FROM visits GROUP BY city',
        schema,
        engine,
        ledger,
        epsilon: 8,
        delta: 1e-4,
        rng: new SeededRandomSource(7),
      });
      expect(r.spent, name).toEqual({ epsilon: 8, delta: 1e-4 });
      for (const row of r.rows) expect(String(row[0])).toMatch(/^c[0-4]$|^null$/);
    }
  });

  it('refuses a declared column the table lacks before the charge (NOT_FOUND naming it, nothing charged)', async () => {
    const schema = parseSqlSchema({
      dataset: 'broken',
      budget: { epsilon: 5 },
      tables: {
        visits: { privacyUnit: 'person_id', columns: { person_id: { type: 'integer' }, missing: { type: 'integer', lower: 0, upper: 1 } } },
      },
    });
    for (const [name, engine] of engines()) {
      const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-test-')) });
      const err = await runDpSql({ sql: 'SELECT SUM(missing) FROM visits', schema, engine, ledger, epsilon: 1 }).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'column', name: 'visits.missing' } });
      expect((await ledger.entries('broken')).length).toBe(0);
    }
  });

  it('maps every engine failure after the public checks to one data-independent ENGINE_ERROR, after the charge', async () => {
    const schema = visitsSchema();
    for (const [name, inner] of engines()) {
      // An engine whose statements fail (as a data-dependent failure would): the catalog is the real one.
      const engine: SqlEngine = {
        dialect: inner.dialect,
        catalog: (t) => inner.catalog(t),
        query: async () => {
          throw engineError(name);
        },
        close: async () => {},
      };
      const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-test-')) });
      const err = await runDpSql({ sql: 'SELECT COUNT(*) FROM visits', schema, engine, ledger, epsilon: 1 }).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ code: 'ENGINE_ERROR' });
      expect((err as Error).message).toBe(
        `ENGINE_ERROR: the ${name} engine could not run the query (the reason is withheld because it may depend on the data)`,
      );
      expect((await ledger.entries(schema.dataset)).length).toBe(1);
    }
  });
});
