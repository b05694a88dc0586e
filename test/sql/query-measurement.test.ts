/**
 * DP SQL charges what its measurement's privacy map returns (issue 10, "the
 * calculus carries the load", and item 15): per query shape, the ledger's
 * charge, the released `loss` and `dpSqlMeasurement(...).privacyMap(1)` are
 * the same exact value, equal to the budget split's own statement; ρ is kept
 * as ρ, so five zCDP queries cost one conversion of their total.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lossEquals } from '../../src/core/exact-loss.js';
import { zcdp, zcdpToApproximate } from '../../src/core/loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { splitDpBudget } from '../../src/sql/budget-split.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { dpSqlMeasurement } from '../../src/sql/query-measurement.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
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

const SHAPES = [
  'SELECT COUNT(*) AS n FROM visits',
  'SELECT region, COUNT(*) AS n, SUM(amount) AS s FROM visits GROUP BY region',
  'SELECT region, AVG(minutes) AS m, STDDEV(day) AS sd FROM visits GROUP BY region',
  'SELECT region, MEDIAN(amount) AS med FROM visits GROUP BY region',
  'SELECT city, COUNT(*) AS n, AVG(minutes) AS m FROM visits GROUP BY city',
  'SELECT city, SUM(amount) / COUNT(*) AS avg FROM visits GROUP BY city',
  'SELECT COUNT(DISTINCT person_id) AS u FROM visits',
];

describe('the charge, the released loss and the measurement’s map agree', () => {
  it('per query shape, noise and budget (fast-check, seed 21)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SHAPES),
        fc.oneof(
          fc.record({ epsilon: fc.constantFrom(0.5, 1, '1/3', '2/7', 3), delta: fc.constantFrom(1e-6, '1e-7') }),
          fc.record({ rho: fc.constantFrom(0.05, '1/10', '3/10', 1), delta: fc.constantFrom(1e-6, '1e-7') }),
          fc.record({ epsilon: fc.constantFrom(1, 2), delta: fc.constant(1e-6), noise: fc.constant('gaussian' as const) }),
        ),
        fc.integer({ min: 1, max: 1000 }),
        async (sql, budget, seed) => {
          const schema = visitsSchema();
          const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-measure-')) });
          const plan = planDpQuery(sql, schema);
          const split = splitDpBudget(plan, budget);
          const map = dpSqlMeasurement(plan, split).privacyMap(1);
          const r = await runDpSql({ sql, schema, engine: duck, ledger, ...budget, rng: new SeededRandomSource(seed) });
          const [entry] = await ledger.entries(schema.dataset);
          if (!entry) throw new Error('no charge recorded');
          expect(lossEquals(map, split.charge), sql).toBe(true);
          expect(lossEquals(r.loss, map), sql).toBe(true);
          expect(lossEquals({ epsilon: entry.epsilon, delta: entry.delta, rho: entry.rho }, map), sql).toBe(true);
          expect(r.spent.epsilon).toBe(map.epsilon.toNumberUp());
          if (split.noise === 'gaussian') expect(map.rho.isZero()).toBe(false);
          else expect(map.rho.isZero()).toBe(true);
        },
      ),
      { numRuns: 60, seed: 21 },
    );
  }, 120_000);

  it('a split whose statement differs from the measurement’s map is an INTERNAL error (before any charge)', () => {
    const plan = planDpQuery('SELECT COUNT(*) AS n FROM visits', visitsSchema());
    const split = splitDpBudget(plan, { epsilon: 1 });
    const tampered = { ...split, charge: { ...split.charge, epsilon: Rational.parse('9/10') } };
    expect(() => dpSqlMeasurement(plan, tampered)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    const noisier = { ...split, outputs: split.outputs.map((o) => (o ? o.mul(Rational.of(2n)) : o)) };
    expect(() => dpSqlMeasurement(plan, noisier)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('scales with the distance: pure ε by dIn, ρ by dIn²', () => {
    const plan = planDpQuery('SELECT COUNT(*) AS n, SUM(amount) AS s FROM visits', visitsSchema());
    const lap = dpSqlMeasurement(plan, splitDpBudget(plan, { epsilon: 1 }));
    expect(lap.privacyMap(3).epsilon.toString()).toBe('3');
    const gau = dpSqlMeasurement(plan, splitDpBudget(plan, { rho: '1/10' }));
    expect(gau.privacyMap(2).rho.toString()).toBe('2/5');
    expect(gau.components.map((c) => c.measurement.privacyMap(1).kind)).toEqual(['zcdp', 'zcdp']);
  });
});

describe('five zCDP queries cost one conversion of their total (item 15)', () => {
  it('before: 5 × ε_CKS(ρ, δ) = 5; after: ε_CKS(5ρ, δ), recorded in the ledger in ρ', async () => {
    const D = 1e-6;
    // ρ whose conversion at δ = 1e-6 is ε = 1 (bisection on the public CKS conversion).
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (zcdpToApproximate(zcdp(mid), D).epsilon <= 1) lo = mid;
      else hi = mid;
    }
    const rho = lo;
    const before = 5 * zcdpToApproximate(zcdp(rho), D).epsilon;
    const schema = parseSqlSchema({
      dataset: 'five',
      budget: { epsilon: 10, delta: D },
      tables: {
        visits: {
          privacyUnit: 'person_id',
          columns: { person_id: { type: 'integer' }, minutes: { type: 'integer', lower: 0, upper: 60 } },
        },
      },
    });
    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-five-')) });
    for (let q = 0; q < 5; q++) {
      await runDpSql({ sql: 'SELECT COUNT(*) AS n FROM visits', schema, engine: duck, ledger, rho, rng: new SeededRandomSource(q + 1) });
    }
    const status = await ledger.status({ dataset: 'five', cap: schema.budget });
    const after = status.dataset.guarantee.epsilon.toNumber();
    expect(before).toBeCloseTo(5, 6);
    expect(status.dataset.spent.rho.toNumber()).toBeCloseTo(5 * rho, 12);
    // The ledger pins the data set to zcdp accounting at its first (ρ) spend and converts Σρ once at D/2 (the other D/2 is
    // kept for spends' δ, e.g. partition selection): ε_CKS(5ρ, 5e-7) ≈ 2.455 (2.385 if the whole D were reserved).
    expect(after).toBeCloseTo(zcdpToApproximate(zcdp(5 * rho), D / 2).epsilon, 6);
    expect(after).toBeLessThan(before / 2);
    console.log(`five zCDP queries at ρ=${rho} (δ=1e-6): before ε=${before.toFixed(4)}, after ε=${after.toFixed(4)}`);
  });
});

describe('DP SQL states its privacy unit to the ledger (issue 10 "one privacy-unit type"; review P2)', () => {
  it('a per-person query pins the data set to person_id; a per-record charge (synth) is then refused, charging nothing', async () => {
    const schema = visitsSchema();
    const table = schema.tables.get('visits');
    // The schema holds core's PrivacyUnit (no representation of its own).
    expect(table?.unit).toMatchObject({ column: 'person_id' });
    expect(Object.isFrozen(table?.unit)).toBe(true);
    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-unit-sql-')) });
    await runDpSql({ sql: 'SELECT COUNT(*) AS n FROM visits', schema, engine: duck, ledger, epsilon: 0.5, rng: new SeededRandomSource(3) });
    expect((await ledger.pins(schema.dataset)).map((p) => p.unit?.column)).toEqual(['person_id']);
    const { privacyUnit } = await import('../../src/core/privacy-unit.js');
    const { exactLoss } = await import('../../src/core/exact-loss.js');
    await expect(
      ledger.charge({ dataset: schema.dataset, cap: schema.budget, unit: privacyUnit(null) }, exactLoss(zcdp(0.01)), 'tsdp synth'),
    ).rejects.toMatchObject({ code: 'DOMAIN_MISMATCH' });
    expect((await ledger.entries(schema.dataset)).length).toBe(1);
    // A second per-person query is charged as usual.
    await runDpSql({ sql: 'SELECT COUNT(*) AS n FROM visits', schema, engine: duck, ledger, epsilon: 0.5, rng: new SeededRandomSource(4) });
    expect((await ledger.entries(schema.dataset)).length).toBe(2);
  });
});

describe('the released losses are compared with the charge after the run, exactly (review 22:46: not circular)', () => {
  it('accepts losses that add up exactly to what the noise is calibrated with and refuses any other with INTERNAL', async () => {
    const { checkReleasedLosses } = await import('../../src/sql/query-measurement.js');
    const { approximate, pure, zcdp } = await import('../../src/core/loss.js');
    const { addLoss, statedExactLoss, ZERO_LOSS } = await import('../../src/core/exact-loss.js');
    const stated = [pure(1), approximate(0.5, 1e-6), zcdp(0.125), zcdp(0.125)];
    const calibrated = stated.reduce((t, l) => addLoss(t, statedExactLoss(l)), ZERO_LOSS);
    const charge = { epsilon: Rational.parse('1.5'), delta: Rational.parse('1e-6'), rho: Rational.parse('0.25') };
    const m = { calibrated, privacyMap: () => charge };
    expect(() => checkReleasedLosses(stated.map(statedExactLoss), m)).not.toThrow();
    for (const bad of [
      [pure(1), approximate(0.5, 1e-6), zcdp(0.125)],
      [pure(1.5), zcdp(0.25)],
      [pure(1.01), approximate(0.5, 1e-6), zcdp(0.25)],
      // One ulp of ε too much: the 1e-9 tolerance used before let this, and any drift below it, pass.
      [pure(1), approximate(0.5000000000000001, 1e-6), zcdp(0.25)],
      // One ulp of ρ too little.
      [pure(1), approximate(0.5, 1e-6), zcdp(0.24999999999999997)],
    ])
      expect(() => checkReleasedLosses(bad.map(statedExactLoss), m)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    // A release stating a loss that is not one (a negative amount) is INTERNAL too, never a caller's error.
    const broken = { epsilon: Rational.of(-1n), delta: Rational.ZERO, rho: Rational.ZERO };
    expect(() => checkReleasedLosses([broken], m)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    // Calibrated with more than the charge: INTERNAL even when the releases agree with the calibration.
    expect(() => checkReleasedLosses(stated.map(statedExactLoss), { calibrated, privacyMap: () => ZERO_LOSS })).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
  });

  it('generative: the comparison is exact — equal rational sums pass, a mismatch of any size (one ulp) is INTERNAL', async () => {
    const { checkReleasedLosses } = await import('../../src/sql/query-measurement.js');
    const { approximate, pure, zcdp } = await import('../../src/core/loss.js');
    const { addLoss, statedExactLoss, ZERO_LOSS } = await import('../../src/core/exact-loss.js');
    const amount = fc.double({ min: 1e-300, max: 1e3, noNaN: true });
    const loss = fc.oneof(
      amount.map((e) => pure(e)),
      fc.tuple(amount, fc.double({ min: 1e-300, max: 0.1, noNaN: true })).map(([e, d]) => approximate(e, d)),
      amount.map((r) => zcdp(r)),
    );
    fc.assert(
      fc.property(fc.array(loss, { minLength: 1, maxLength: 8 }), fc.nat(), fc.boolean(), (losses, pick, up) => {
        const calibrated = losses.reduce((t, l) => addLoss(t, statedExactLoss(l)), ZERO_LOSS);
        const m = { calibrated, privacyMap: () => calibrated };
        expect(() => checkReleasedLosses(losses.map(statedExactLoss), m)).not.toThrow();
        // Move one stated amount by one ulp: the sums now differ by a tiny rational, and that is refused.
        const i = pick % losses.length;
        const l = losses[i] as (typeof losses)[number];
        const nudge = (x: number) => (up ? nextUp(x) : nextDown(x));
        const moved =
          l.kind === 'zcdp' ? zcdp(nudge(l.rho)) : l.kind === 'pure' ? pure(nudge(l.epsilon)) : approximate(nudge(l.epsilon), l.delta);
        const changed = losses.map((x, j) => (j === i ? moved : x));
        expect(() => checkReleasedLosses(changed.map(statedExactLoss), m)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
      }),
      { numRuns: 300, seed: 20261206 },
    );
  });
});

function nextUp(x: number): number {
  const b = new Float64Array([x]);
  const u = new BigUint64Array(b.buffer);
  u[0] = (u[0] as bigint) + 1n;
  return b[0] as number;
}
function nextDown(x: number): number {
  const b = new Float64Array([x]);
  const u = new BigUint64Array(b.buffer);
  u[0] = (u[0] as bigint) - 1n;
  return b[0] as number;
}
