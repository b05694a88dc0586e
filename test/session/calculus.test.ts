/**
 * Issue 10, "the calculus carries the load" (Session path) and item 15
 * (Session side): every Session query is priced by a measurement built with
 * core's defineTransformation / defineMeasurement / chain; the session charges
 * exactly its privacyMap(1), and the released guarantee is that same value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { exactLoss, fitsCap, lossEquals } from '../../src/core/exact-loss.js';
import { zcdp, zcdpToApproximate } from '../../src/core/loss.js';
import { Rational } from '../../src/numeric/rational.js';
import { Session, type SessionQuery } from '../../src/session/index.js';
import { makeAggregateQueryMeasurement } from '../../src/stats/query-measurement.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const rows = Array.from({ length: 60 }, (_, i) => ({ id: `p${i % 30}`, g: ['a', 'b', 'c'][i % 3], v: (i * 7) % 50 }));
const columns = ['id', 'g', 'v'];

type Path = [string, (q: SessionQuery) => SessionQuery, { epsilon: number; delta?: number } | { rho: number }];
const paths: Path[] = [
  ['count', (q) => q.count(), { epsilon: 0.5 }],
  ['sum', (q) => q.sum('v', { bounds: [0, 50] }), { epsilon: 0.5 }],
  [
    'mean + variance + stddev',
    (q) =>
      q
        .mean('v', { bounds: [0, 50] })
        .variance('v', { bounds: [0, 50] })
        .stddev('v', { bounds: [0, 50] }),
    { rho: 0.3 },
  ],
  ['median with interval', (q) => q.median('v', { bounds: [0, 50], bins: 64 }), { epsilon: 0.5 }],
  ['quantiles', (q) => q.quantiles('v', [0.1, 0.9], { bounds: [0, 50], bins: 64 }), { rho: 0.2 }],
  ['estimated bounds', (q) => q.mean('v'), { epsilon: 0.5 }],
  [
    'declared keys',
    (q) =>
      q
        .groupBy('g', { keys: ['a', 'b', 'z'] })
        .count()
        .countDistinct(),
    { epsilon: 0.5, weights: [1, 2] } as never,
  ],
  [
    'partition selection',
    (q) =>
      q
        .groupBy('g')
        .count()
        .sum('v', { bounds: [0, 50] }),
    { epsilon: 1, delta: 1e-6 },
  ],
  ['unused delta', (q) => q.count(), { epsilon: 0.5, delta: 1e-7 }],
];

describe('Session queries are measurements: charge == released guarantee == privacy map', () => {
  for (const [name, build, spec] of paths) {
    it(`${name}`, () => {
      const session = Session.fromRecords(rows, {
        columns,
        privacyUnit: 'id',
        maxContributionsPerPartition: 2,
        budget: 'rho' in spec ? PrivacyBudget.zcdp(10) : PrivacyBudget.approximate(10, 1e-3),
        rng: new SeededRandomSource(7),
      });
      const query = build(session.query());
      const before = session.budget.spentExact;
      const result = query.release(spec as never);
      const map = makeAggregateQueryMeasurement(query.spec, query.budgetPlan(spec as never)).privacyMap(1);
      expect(result.guarantee).toEqual(result.charged);
      expect(lossEquals(exactLoss(result.charged), exactLoss(map))).toBe(true);
      const after = session.budget.spentExact;
      const spentNow = {
        epsilon: after.epsilon.sub(before.epsilon),
        delta: after.delta.sub(before.delta),
        rho: after.rho.sub(before.rho),
      };
      expect(lossEquals(spentNow, exactLoss(result.charged))).toBe(true);
      expect(query.price(spec as never)).toEqual(result.charged);
    });
  }

  it('the map scales by group privacy and is zero at zero (property)', () => {
    const session = Session.fromRecords(rows, { columns, budget: PrivacyBudget.pure(1) });
    const q = session
      .query()
      .count()
      .sum('v', { bounds: [0, 50] });
    const m = makeAggregateQueryMeasurement(q.spec, q.budgetPlan({ epsilon: 0.5 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const x = m.privacyMap(lo);
        const y = m.privacyMap(hi);
        expect(x.kind).toBe('pure');
        expect((x as { epsilon: number }).epsilon).toBeLessThanOrEqual((y as { epsilon: number }).epsilon);
      }),
      { seed: 15, numRuns: 100 },
    );
    expect(m.privacyMap(0)).toEqual({ kind: 'pure', epsilon: 0 });
    expect(m.privacyMap(1)).toEqual({ kind: 'pure', epsilon: 0.5 });
  });

  it('item 15: five Gaussian queries on an (ε, δ) session are kept as ρ and converted once, on the total', () => {
    const session = Session.fromRecords(rows, { columns, budget: PrivacyBudget.approximate(5, 1e-6), rng: new SeededRandomSource(8) });
    for (let i = 0; i < 5; i++) session.query().count().release({ rho: 0.05 });
    const spent = session.budget.spentExact;
    expect(spent.rho.equals(exactLoss(zcdp(0.05)).rho.mul(Rational.of(5n)))).toBe(true);
    expect(spent.epsilon.isZero()).toBe(true);
    // One conversion of the total fits the cap of 5; five separate conversions (one per query) would not.
    const once = zcdpToApproximate(zcdp(0.25), 1e-6).epsilon;
    const five = 5 * zcdpToApproximate(zcdp(0.05), 1e-6).epsilon;
    expect(once).toBeLessThan(5);
    expect(five).toBeGreaterThan(5);
    expect(fitsCap(spent, { epsilon: Rational.fromNumber(5), delta: Rational.fromNumber(1e-6) })).toBe(true);
  });
});
