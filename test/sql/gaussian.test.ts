/**
 * Gaussian noise in DP SQL: a ρ (zCDP) budget, or noise=gaussian within (ε, δ),
 * charged to the (ε, δ) ledger as the conversion of ρ at the query's δ; a
 * refused query charges nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zcdp, zcdpToApproximate } from '../../src/core/loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { splitDpBudget } from '../../src/sql/budget-split.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { explainDpSql, runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits } from './data.js';
import { visitsSchema } from './fixtures.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await duckdbWithVisits();
});
afterAll(async () => {
  await duck?.close();
});

const ledger = () => new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-gauss-')) });
const DECLARED = 'SELECT region, COUNT(*) AS n, SUM(amount) AS s, MEDIAN(minutes) AS m FROM visits GROUP BY region';
const SELECTED = 'SELECT city, COUNT(*) AS n, AVG(minutes) AS m FROM visits GROUP BY city';

describe('splitDpBudget with Gaussian noise', () => {
  it('states ρ as ρ (the ledger converts totals once) and gives each output ρ/k', () => {
    const split = splitDpBudget(planDpQuery(DECLARED, visitsSchema()), { rho: '0.1', delta: '1e-7' });
    expect(split.noise).toBe('gaussian');
    expect(split.rho?.toString()).toBe('1/10');
    expect(split.charge.rho.toString()).toBe('1/10');
    expect(split.charge.epsilon.toString()).toBe('0');
    expect(split.charge.delta.toString()).toBe('0');
    expect(split.outputs.filter((o) => o !== null).map((o) => o?.toString())).toEqual(['1/30', '1/30', '1/30']);
    expect(split.selection).toBeNull();
    // No δ is needed for ρ alone.
    expect(splitDpBudget(planDpQuery(DECLARED, visitsSchema()), { rho: '0.1' }).charge.rho.toString()).toBe('1/10');
  });

  it('composes DP partition selection (√(2ρ/(k+1)) rounded up, δ/2) with the outputs’ ρ·k/(k+1)', () => {
    const split = splitDpBudget(planDpQuery(SELECTED, visitsSchema()), { rho: '1/2', delta: '1e-6' });
    const k = 2;
    const sel = Math.sqrt((2 * 0.5) / (k + 1));
    expect(split.selection?.delta.toString()).toBe('1/2000000');
    expect(split.selection?.epsilon.ge(Rational.fromNumber(sel))).toBe(true);
    expect(split.selection?.epsilon.sub(Rational.fromNumber(sel)).toNumber()).toBeLessThanOrEqual(1e-9);
    expect(split.charge.epsilon.equals(split.selection?.epsilon ?? Rational.ZERO)).toBe(true);
    expect(split.charge.delta.toString()).toBe('1/2000000');
    expect(split.charge.rho.toString()).toBe('1/3');
    expect(split.outputs.filter((o) => o !== null).map((o) => o?.toString())).toEqual(['1/6', '1/6']);
  });

  it('with noise=gaussian, uses the largest ρ whose conversion at δ fits ε, and states that ρ', () => {
    const split = splitDpBudget(planDpQuery(DECLARED, visitsSchema()), { epsilon: 1, delta: '1e-6', noise: 'gaussian' });
    const rho = split.rho?.toNumber() ?? 0;
    expect(split.charge.rho.equals(split.rho ?? Rational.ZERO)).toBe(true);
    expect(zcdpToApproximate(zcdp(rho), 1e-6).epsilon).toBeLessThanOrEqual(1);
    expect(zcdpToApproximate(zcdp(rho * 1.001), 1e-6).epsilon).toBeGreaterThan(1);
  });

  it('refuses Gaussian noise from ε without δ, selection without δ, ρ with ε, and ρ with noise=laplace', () => {
    const plan = planDpQuery(DECLARED, visitsSchema());
    expect(() => splitDpBudget(plan, { epsilon: 1, noise: 'gaussian' })).toThrow(/delta > 0/);
    expect(() => splitDpBudget(planDpQuery(SELECTED, visitsSchema()), { rho: 0.1 })).toThrow(/delta > 0/);
    expect(() => splitDpBudget(plan, { rho: 0.1, epsilon: 1, delta: 1e-6 })).toThrow(/either epsilon or rho/);
    expect(() => splitDpBudget(plan, { rho: 0.1, delta: 1e-6, noise: 'laplace' })).toThrow(/rho gives Gaussian noise/);
    expect(() => splitDpBudget(plan, { delta: 1e-6 })).toThrow(/needs an epsilon/);
  });
});

describe('runDpSql with Gaussian noise', () => {
  it('releases with discrete Gaussian noise (interval widths match σ² = 1/(2ρ)) and charges ρ as ρ (seeded: deterministic)', async () => {
    const l = ledger();
    const r = await runDpSql({
      sql: DECLARED,
      schema: visitsSchema(),
      engine: duck,
      ledger: l,
      rho: '3/10',
      delta: '1e-6',
      rng: new SeededRandomSource(11),
    });
    expect(r.spent).toEqual({ epsilon: 0, delta: 0, rho: Rational.parse('3/10').toNumberUp() });
    expect(r.loss.rho.toString()).toBe('3/10');
    expect(r.guarantee).toEqual({ kind: 'zcdp', rho: Rational.parse('3/10').toNumberUp() });
    const entries = await l.entries('visits');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.rho.toString()).toBe('3/10');
    expect(entries[0]?.epsilon.isZero()).toBe(true);
    // COUNT(*): ρ = 0.1 per output, L2² = maxPartitions·C² = 2·9 = 18, σ = √(18/0.2) = √90; 95% half-width ≈ 1.96σ.
    const sigma = Math.sqrt(18 / (2 * 0.1));
    for (const iv of r.intervals.n ?? []) {
      if (!iv) throw new Error('count interval missing');
      // The count interval may be cut at 0, so only the upper half-width is checked.
      const row = r.rows[(r.intervals.n ?? []).indexOf(iv)] as (string | number | null)[];
      const half = iv[1] - Math.max(0, Number(row[1]));
      expect(half).toBeGreaterThan(1.8 * sigma);
      expect(half).toBeLessThan(2.2 * sigma);
    }
    for (const iv of r.intervals.m ?? []) expect(iv).not.toBeNull();
  });

  it('selects undeclared keys with DP partition selection under a ρ budget (seeded: deterministic)', async () => {
    const l = ledger();
    const r = await runDpSql({
      sql: SELECTED,
      schema: visitsSchema(),
      engine: duck,
      ledger: l,
      rho: 20,
      delta: '1e-5',
      rng: new SeededRandomSource(3),
    });
    const split = splitDpBudget(planDpQuery(SELECTED, visitsSchema()), { rho: 20, delta: '1e-5' });
    const entry = (await l.entries('visits'))[0];
    expect(entry?.epsilon.equals(split.charge.epsilon)).toBe(true);
    expect(entry?.rho.equals(split.charge.rho)).toBe(true);
    expect(entry?.delta.toString()).toBe('1/200000');
    expect(r.rows.length).toBeGreaterThan(0);
    for (const row of r.rows) expect(String(row[0])).toMatch(/^c[0-4]$|^null$/);
  });

  it('states the noise and the charge in the explanation', () => {
    const ex = explainDpSql(DECLARED, visitsSchema(), duckdbDialect, { rho: '0.1', delta: '1e-7' });
    expect(ex.text).toMatch(/noise: discrete Gaussian, ρ=1\/10 \(zCDP, charged as ρ/);
    expect(ex.text).toMatch(/charge: ε=0, δ=0, ρ=1\/10/);
    expect(ex.text).toMatch(/n: ρ=1\/30 \(count\)/);
  });

  it('charges nothing for a refused query: selection without δ, ρ beyond the budget, unsupported SQL', async () => {
    const l = ledger();
    const schema = parseSqlSchema({ dataset: 'g', budget: { epsilon: 3, delta: 1e-6 }, tables: rawTables() });
    const base = { schema, engine: duck, ledger: l, sql: 'SELECT COUNT(*) AS n FROM visits' };
    await expect(runDpSql({ ...base, epsilon: 1, noise: 'gaussian' as const })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    await expect(runDpSql({ ...base, rho: 1 })).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
    await expect(runDpSql({ ...base, sql: 'SELECT * FROM visits', rho: 0.1 })).rejects.toMatchObject({
      code: 'UNSUPPORTED_QUERY',
    });
    expect(await l.entries('g')).toHaveLength(0);
    const ok = await runDpSql({ ...base, rho: 0.1, rng: new SeededRandomSource(2) });
    expect(ok.loss.rho.toString()).toBe('1/10');
    expect(await l.entries('g')).toHaveLength(1);
  });
});

function rawTables() {
  return {
    visits: {
      privacyUnit: 'person_id',
      maxPartitions: 2,
      maxContributionsPerPartition: 3,
      columns: { person_id: { type: 'integer' }, minutes: { type: 'integer', lower: 0, upper: 60 } },
    },
  };
}
