/**
 * Arithmetic over DP aggregates as post-processing (`SUM(x) / COUNT(*)`), and
 * aggregates named only in HAVING or ORDER BY: released with noise as hidden
 * outputs, charged within the query's ε, never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitDpBudget } from '../../src/sql/budget-split.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { formatDpSqlResult } from '../../src/sql/format-result.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { explainDpSql, runDpSql } from '../../src/sql/run-dp-sql.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits } from './data.js';
import { MemoryLedger, visitsSchema } from './fixtures.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await duckdbWithVisits();
});
afterAll(async () => {
  await duck?.close();
});

describe('planning output arithmetic and hidden aggregates', () => {
  it('plans SUM(x) / COUNT(x) as a derived output over two hidden aggregates, each charged a share', () => {
    const plan = planDpQuery(
      'SELECT region, SUM(amount) / COUNT(amount) AS mean, COUNT(*) AS n FROM visits GROUP BY region',
      visitsSchema(),
    );
    expect(plan.outputs.map((o) => [o.kind, o.name, o.kind === 'aggregate' ? Boolean(o.hidden) : null])).toEqual([
      ['key', 'region', null],
      ['derived', 'mean', null],
      ['aggregate', 'n', false],
      ['aggregate', 'sum(amount)', true],
      ['aggregate', 'count(amount)', true],
    ]);
    expect(plan.outputs[1]).toMatchObject({
      expr: { kind: 'binary', op: '/', left: { kind: 'output', index: 3 }, right: { kind: 'output', index: 4 } },
    });
    const split = splitDpBudget(plan, { epsilon: 1 });
    expect(split.outputs.map((o) => o?.toString() ?? null)).toEqual([null, null, '1/3', '1/3', '1/3']);
  });

  it('reuses an aggregate that is already an output (no extra share), and turns a HAVING-only aggregate into a hidden output', () => {
    const plan = planDpQuery(
      'SELECT region, COUNT(*) AS n, 100 * COUNT(*) / 40 AS pct FROM visits GROUP BY region HAVING AVG(minutes) > 10 ORDER BY SUM(day) DESC',
      visitsSchema(),
    );
    expect(plan.outputs.filter((o) => o.kind === 'aggregate').map((o) => [o.name, Boolean(o.kind === 'aggregate' && o.hidden)])).toEqual([
      ['n', false],
      ['avg(minutes)', true],
      ['sum(day)', true],
    ]);
    expect(plan.having).toMatchObject({ kind: 'binary', op: '>', left: { kind: 'output', index: 3 } });
    expect(plan.orderBy).toEqual([{ output: 4, descending: true }]);
    const ex = explainDpSql(plan.text, visitsSchema(), duckdbDialect, { epsilon: 1 });
    expect(ex.text).toMatch(/pct: no cost \(arithmetic over the noisy outputs: post-processing\)/);
    expect(ex.text).toMatch(/avg\(minutes\): ε=1\/3 \(mean, not printed/);
  });
});

describe('running output arithmetic', () => {
  it('computes derived outputs from the noisy aggregates, prints no hidden column, and charges ε once (seeded: deterministic)', async () => {
    const ledger = new MemoryLedger();
    // maxPartitions 4 ≥ the regions: no group is dropped, so the exact bounded aggregates do not depend on the random order.
    const base = visitsSchema();
    const visits = base.tables.get('visits');
    if (!visits) throw new Error('fixture');
    const schema = { ...base, tables: new Map([...base.tables, ['visits', { ...visits, unit: { ...visits.unit, maxPartitions: 4 } }]]) };
    const run = (sql: string, seed: number) =>
      runDpSql({ sql, schema, engine: duck, ledger, epsilon: 1e6, rng: new SeededRandomSource(seed) });
    // Reusing printed aggregates: the derived value is exactly their arithmetic.
    const shown = await run(
      'SELECT region, SUM(minutes) AS s, COUNT(minutes) AS c, SUM(minutes) / COUNT(minutes) AS r FROM visits GROUP BY region ORDER BY region',
      5,
    );
    for (const row of shown.rows) expect(row[3]).toBe((row[1] as number) / (row[2] as number));
    // Hidden aggregates: not printed, no interval, and (at ε = 10⁶, noise ≪ 0.01) the same ratio.
    const hidden = await run(
      'SELECT region, SUM(minutes) / COUNT(minutes) AS r, COUNT(*) AS n FROM visits GROUP BY region ORDER BY region',
      6,
    );
    expect(hidden.columns).toEqual(['region', 'r', 'n']);
    expect(Object.keys(hidden.intervals)).toEqual(['r', 'n']);
    // Over hidden aggregates only, a derived output has an interval (union bound); over printed ones, none.
    hidden.rows.forEach((row, i) => {
      const iv = hidden.intervals.r?.[i];
      if (!iv) throw new Error('derived interval missing');
      expect(iv[0]).toBeLessThanOrEqual(row[1] as number);
      expect(iv[1]).toBeGreaterThanOrEqual(row[1] as number);
    });
    expect(shown.intervals.r?.every((iv) => iv === null)).toBe(true);
    hidden.rows.forEach((row, i) => {
      expect(row[1] as number).toBeCloseTo(shown.rows[i]?.[3] as number, 2);
    });
    expect(ledger.charges.map((c) => c.epsilon.toString())).toEqual(['1000000', '1000000']);
    expect(formatDpSqlResult(hidden)).toMatch(/^region\s+r \(95% CI\)\s+n \(95% CI\)\n/);
  });

  it('covers the exact SUM/COUNT ratio with its 95% interval in at least 173 of 200 runs (false-failure probability ≤ 1e-6)', async () => {
    const base = visitsSchema();
    const visits = base.tables.get('visits');
    if (!visits) throw new Error('fixture');
    const schema = { ...base, tables: new Map([...base.tables, ['visits', { ...visits, unit: { ...visits.unit, maxPartitions: 4 } }]]) };
    const ledger = new MemoryLedger();
    const sql = "SELECT SUM(minutes) / COUNT(minutes) AS r FROM visits WHERE region = 'north'";
    // The exact bounded ratio: at ε = 10¹² the noise is far below 10⁻⁶.
    const exact = (await runDpSql({ sql, schema, engine: duck, ledger, epsilon: 1e12, rng: new SeededRandomSource(1) }))
      .rows[0]?.[0] as number;
    const rng = new SeededRandomSource(77);
    let covered = 0;
    for (let t = 0; t < 200; t++) {
      const r = await runDpSql({ sql, schema, engine: duck, ledger, epsilon: 5, rng });
      const iv = r.intervals.r?.[0];
      if (iv && iv[0] <= exact + 1e-6 && exact - 1e-6 <= iv[1]) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(173);
  });

  it('filters on an aggregate that is not printed (HAVING) and orders by another one', async () => {
    const ledger = new MemoryLedger();
    const all = await runDpSql({
      sql: 'SELECT region, COUNT(*) AS n, COUNT(DISTINCT person_id) AS u FROM visits GROUP BY region',
      schema: visitsSchema(),
      engine: duck,
      ledger,
      epsilon: 1000,
      rng: new SeededRandomSource(8),
    });
    const units = new Map(all.rows.map((row) => [row[0], row[2] as number]));
    const r = await runDpSql({
      sql: 'SELECT region, COUNT(*) AS n FROM visits GROUP BY region HAVING COUNT(DISTINCT person_id) >= 10 ORDER BY COUNT(DISTINCT person_id)',
      schema: visitsSchema(),
      engine: duck,
      ledger,
      epsilon: 1000,
      rng: new SeededRandomSource(9),
    });
    expect(r.columns).toEqual(['region', 'n']);
    const expected = [...units.entries()].filter(([, u]) => u >= 10.5).sort((a, b) => a[1] - b[1]);
    // Noise at ε = 1000/2 per output is far below 0.5 with overwhelming probability; groups near the threshold are avoided.
    expect(r.rows.map((row) => row[0]).filter((k) => Math.abs((units.get(k) ?? 0) - 10) > 0.5)).toEqual(
      expected.map(([k]) => k).filter((k) => Math.abs((units.get(k) ?? 0) - 10) > 0.5),
    );
  });
});
