/**
 * Issue 11 `--report-bounding` (src/sql/bounding-report.ts): with a small stated share of the query's budget,
 * inside the charge, DP SQL releases how many privacy units lost rows to contribution bounding and how many units
 * there are (each a count of sensitivity 1 under add/remove one unit).
 *
 * The table: 200 people. 1–150 have one row in group 'a'; 151–180 have three rows in 'a' (cut by
 * maxContributionsPerPartition = 2); 181–200 have one row in 'a' and one in 'b' (cut by maxPartitions = 1).
 * So GROUP BY g cuts 50 of 200 units; without GROUP BY only the 30 with three rows are cut.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { lossEquals } from '../../src/core/exact-loss.js';
import { compileBoundingReport } from '../../src/sql/bounding-report.js';
import { splitDpBudget } from '../../src/sql/budget-split.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { formatDpSqlResult } from '../../src/sql/format-result.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { dpSqlMeasurement } from '../../src/sql/query-measurement.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';
import { postgresTestUrl } from './postgres-url.js';

const engines: { name: string; engine: SqlEngine }[] = [];
let pgClient: pg.Client | undefined;

const ROWS = [
  ...Array.from({ length: 150 }, (_, i) => `(${i + 1}, 'a', 1.0)`),
  ...Array.from({ length: 30 }, (_, i) => [0, 1, 2].map(() => `(${i + 151}, 'a', 2.0)`)).flat(),
  ...Array.from({ length: 20 }, (_, i) => [`(${i + 181}, 'a', 3.0)`, `(${i + 181}, 'b', 3.0)`]).flat(),
];

beforeAll(async () => {
  const duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run('CREATE TABLE bv (pid BIGINT, g VARCHAR, x DOUBLE)');
  await duck.connection.run(`INSERT INTO bv VALUES ${ROWS.join(', ')}`);
  engines.push({ name: 'duckdb', engine: duck });
  const url = postgresTestUrl();
  pgClient = new pg.Client({ connectionString: url });
  await pgClient.connect();
  await pgClient.query('DROP TABLE IF EXISTS bv');
  await pgClient.query('CREATE TABLE bv (pid bigint, g text, x double precision)');
  await pgClient.query(`INSERT INTO bv VALUES ${ROWS.join(', ')}`);
  engines.push({ name: 'postgres', engine: await PostgresEngine.open({ connectionString: url }) });
}, 60_000);

afterAll(async () => {
  for (const e of engines) await e.engine.close();
  await pgClient?.query('DROP TABLE IF EXISTS bv').catch(() => {});
  await pgClient?.end();
});

function schema(rowLevel = false): SqlSchema {
  return parseSqlSchema({
    dataset: 'bv',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      bv: {
        ...(rowLevel ? {} : { privacyUnit: 'pid' }),
        maxPartitions: 1,
        maxContributionsPerPartition: 2,
        columns: {
          pid: { type: 'integer' },
          g: { type: 'string', categories: ['a', 'b'] },
          x: { type: 'float', lower: 0, upper: 5 },
        },
      },
    },
  });
}

const GROUPED = 'SELECT g, COUNT(*) AS n, SUM(x) AS s FROM bv GROUP BY g';
const UNGROUPED = 'SELECT COUNT(*) AS n FROM bv';

describe('the bounding report counts exactly in the engine', () => {
  it.each([
    [GROUPED, 200n, 50n],
    [UNGROUPED, 200n, 30n],
    ['SELECT g, COUNT(*) AS n FROM bv WHERE pid > 160 GROUP BY g', 40n, 40n],
  ])('%s: %s units, %s cut, on DuckDB and PostgreSQL (same FROM/WHERE/keys as the main statement)', async (sql, units, cut) => {
    for (const { engine } of engines) {
      const rows = await engine.query(compileBoundingReport(planDpQuery(sql, schema()), engine.dialect, schema()));
      expect(rows).toHaveLength(1);
      expect(BigInt(rows[0]?.units as never)).toBe(units);
      expect(BigInt(rows[0]?.cut as never)).toBe(cut);
    }
  });
});

describe('reportBounding in runDpSql', () => {
  it('is right within the noise where bounding cuts known units (seed 7; each count at ε = 5, |noise| ≤ 4 fails with probability ≤ 1e-8 ≤ 1e-6)', async () => {
    for (const { engine } of engines) {
      for (const [sql, cut] of [
        [GROUPED, 50],
        [UNGROUPED, 30],
      ] as const) {
        const r = await runDpSql({
          sql,
          schema: schema(),
          engine,
          ledger: new MemoryLedger(),
          epsilon: 20,
          reportBounding: { share: 0.5 },
          rng: new SeededRandomSource(7),
        });
        const b = r.bounding;
        expect(b).toBeDefined();
        expect(Math.abs((b?.unitsCut ?? -100) - cut)).toBeLessThanOrEqual(4);
        expect(Math.abs((b?.units ?? -100) - 200)).toBeLessThanOrEqual(4);
        expect(b?.epsilon).toBe(5);
        expect(b?.interval.units[0]).toBeLessThanOrEqual(b?.units ?? 0);
        expect(b?.interval.units[1]).toBeGreaterThanOrEqual(b?.units ?? 0);
      }
    }
  });

  it.each([
    [{ epsilon: 1 }, 'laplace'],
    [{ rho: 0.5, delta: 1e-6 }, 'gaussian'],
    [{ epsilon: 1, delta: 1e-6, noise: 'gaussian' as const }, 'gaussian from (ε, δ)'],
  ])('the share is inside the charge: charge == measurement map == the same query without the report (%j, %s)', async (budget, _kind) => {
    const engine = engines[0]?.engine as SqlEngine;
    const withReport = new MemoryLedger();
    const without = new MemoryLedger();
    for (const sql of [GROUPED, 'SELECT g, COUNT(*) AS n FROM bv WHERE x > 1 GROUP BY g']) {
      const a = await runDpSql({
        sql,
        schema: schema(),
        engine,
        ledger: withReport,
        ...budget,
        reportBounding: true,
        rng: new SeededRandomSource(1),
      });
      const b = await runDpSql({ sql, schema: schema(), engine, ledger: without, ...budget, rng: new SeededRandomSource(1) });
      const charged = withReport.charges.at(-1);
      expect(charged).toBeDefined();
      expect(lossEquals(a.loss, charged as never)).toBe(true);
      const plan = planDpQuery(sql, schema());
      const split = splitDpBudget(plan, { ...budget, reportBounding: true });
      const m = dpSqlMeasurement(plan, split);
      expect(lossEquals(m.privacyMap(1), a.loss)).toBe(true);
      expect(m.components.map((c) => c.name)).toEqual(expect.arrayContaining(['bounding report: units cut', 'bounding report: units']));
      // Inside the charge: the query with the report costs what it costs without.
      expect(lossEquals(a.loss, b.loss)).toBe(true);
      expect(a.bounding).toBeDefined();
      expect(b.bounding).toBeUndefined();
    }
  });

  it.each([
    [{ share: 0 }],
    [{ share: 0.51 }],
    [{ share: -0.1 }],
    [{ share: Number.NaN }],
    [{ share: 'x' as unknown as number }],
    [{} as { share: number }],
  ])('refuses reportBounding %j before any charge (INVALID_PARAMETER)', async (reportBounding) => {
    const ledger = new MemoryLedger();
    await expect(
      runDpSql({ sql: GROUPED, schema: schema(), engine: engines[0]?.engine as SqlEngine, ledger, epsilon: 1, reportBounding }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    expect(ledger.charges).toHaveLength(0);
  });

  it('refuses a row-level query and a share too small to release, before any charge', async () => {
    const engine = engines[0]?.engine as SqlEngine;
    const ledger = new MemoryLedger();
    await expect(runDpSql({ sql: GROUPED, schema: schema(true), engine, ledger, epsilon: 1, reportBounding: true })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
    });
    // Each count's ε is 1e-300 × 0.5 × ½: the statistics layer refuses that noise scale (checked before the charge).
    const tiny = runDpSql({ sql: UNGROUPED, schema: schema(), engine, ledger, epsilon: '1e-300', reportBounding: { share: 0.5 } });
    await expect(tiny).rejects.toBeInstanceOf(DpError);
    expect(ledger.charges).toHaveLength(0);
  });

  it('prints the footer line and states the share in --explain terms', async () => {
    const r = await runDpSql({
      sql: GROUPED,
      schema: schema(),
      engine: engines[0]?.engine as SqlEngine,
      ledger: new MemoryLedger(),
      epsilon: 1,
      reportBounding: true,
      rng: new SeededRandomSource(3),
    });
    const text = formatDpSqlResult(r);
    expect(text).toMatch(/bounding capped the contributions of ≈[\d,]+ of ≈[\d,]+ units \(DP, ε=0\.025 per count, within the charge/);
  });
});
