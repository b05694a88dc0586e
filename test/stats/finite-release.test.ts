/**
 * Issue 10 items 4 and 12 (stats and Session paths): every released value is
 * finite. Bounds whose sums can overflow and budgets too small for a finite
 * noise scale are refused with INVALID_PARAMETER before anything is charged;
 * never a RangeError, never a non-finite value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { DpError } from '../../src/core/errors.js';
import { Session } from '../../src/session/index.js';
import { releaseCount, releaseMean, releaseQuantile, releaseSum, releaseVariance } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const M = Number.MAX_VALUE;
const extremes = [M, -M, 1e308, -1e308, 8.98e307, -8.98e307, 1e300, -1e300, 2 ** 600, 1e154, 0, -0, 1, -1, 5e-324, 1e-300, 100];
const boundArb = fc.oneof(fc.constantFrom(...extremes), fc.double({ noNaN: true, noDefaultInfinity: true }));
const boundsArb = fc.tuple(boundArb, boundArb).filter(([a, b]) => a < b);
const budgetArb = fc.oneof(
  fc.constantFrom(5e-324, 1e-320, 1e-300, 1e-30, 0.01, 1, 1e30, 1e308).map((epsilon) => ({ epsilon })),
  fc.constantFrom(5e-324, 1e-320, 1e-300, 1e-30, 0.01, 1, 1e30, 1e308).map((rho) => ({ rho })),
);
const kindArb = fc.constantFrom('count', 'sum', 'mean', 'variance', 'stddev', 'median', 'quantiles', 'estimated');

function allFinite(x: unknown): boolean {
  if (typeof x === 'number') return Number.isFinite(x);
  if (x !== null && typeof x === 'object') return Object.values(x).every(allFinite);
  return true;
}

describe('finite releases or a typed refusal before the charge', () => {
  it('regression: bounds at ±Number.MAX_VALUE and { rho: 5e-324 } are refused with INVALID_PARAMETER, not RangeError', () => {
    const rng = new SeededRandomSource(1);
    expect(() => releaseSum({ units: 5n, bounds: [-M, M], budget: { epsilon: 1 }, rng })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseMean({ count: 3n, units: 5n, bounds: [-M, M], budget: { epsilon: 1 }, rng })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseCount({ count: 3n, budget: { rho: 5e-324 }, rng })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseCount({ count: 3n, budget: { epsilon: 5e-324 }, rng })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseVariance({ count: 3n, units: 5n, squaredUnits: 5n, bounds: [-1e200, 1e200], budget: { epsilon: 1 }, rng })).toThrow(
      /INVALID_PARAMETER/,
    );
    expect(() => releaseQuantile({ binCounts: [1, 2, 3], bounds: [-M, M], quantile: 0.5, budget: { epsilon: 1 }, rng })).toThrow(
      /INVALID_PARAMETER/,
    );
    const session = Session.fromRecords([{ a: 1 }, { a: 2 }], { columns: ['a'], budget: PrivacyBudget.zcdp(1), rng });
    expect(() =>
      session
        .query()
        .variance('a', { bounds: [-1e300, 1e300] })
        .release({ rho: 0.1 }),
    ).toThrow(/INVALID_PARAMETER/);
    expect(() =>
      session
        .query()
        .sum('a', { bounds: [-M, M] })
        .release({ rho: 0.1 }),
    ).toThrow(/INVALID_PARAMETER/);
    expect(() => session.query().count().release({ rho: 5e-324 })).toThrow(/INVALID_PARAMETER/);
    expect(session.remaining).toEqual({ kind: 'zcdp', rho: 1 });
  });

  it('generative (Session): random bounds, budgets, contributions and aggregates give finite values with their charge, or INVALID_PARAMETER having charged nothing', () => {
    fc.assert(
      fc.property(
        kindArb,
        boundsArb,
        budgetArb,
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(M, -M, 1e308)), { maxLength: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        (kind, bounds, budget, contributions, values, seed) => {
          const rows = values.map((v, i) => ({ id: `u${i % 3}`, v }));
          const total = 'epsilon' in budget ? PrivacyBudget.pure(1e30) : PrivacyBudget.zcdp(1e30);
          const session = Session.fromRecords(rows, {
            columns: ['id', 'v'],
            privacyUnit: 'id',
            maxContributionsPerPartition: contributions,
            budget: total,
            rng: new SeededRandomSource(seed),
          });
          const q = session.query();
          const query =
            kind === 'count'
              ? q.count()
              : kind === 'estimated'
                ? q.mean('v').sum('v', { as: 's' })
                : kind === 'sum'
                  ? q.sum('v', { bounds })
                  : kind === 'mean'
                    ? q.mean('v', { bounds })
                    : kind === 'variance'
                      ? q.variance('v', { bounds })
                      : kind === 'stddev'
                        ? q.stddev('v', { bounds })
                        : kind === 'median'
                          ? q.median('v', { bounds, bins: 64, intervalShare: 0.2 })
                          : q.quantiles('v', [0.25, 0.75], { bounds, bins: 64 });
          const before = session.remaining;
          try {
            const r = query.release(budget);
            expect(allFinite(r.rows)).toBe(true);
            expect(r.guarantee).toEqual(r.charged);
          } catch (e) {
            expect(e).toBeInstanceOf(DpError);
            expect(['INVALID_PARAMETER', 'BUDGET_EXHAUSTED']).toContain((e as DpError).code);
            expect(session.remaining).toEqual(before);
          }
        },
      ),
      { numRuns: 500, seed: 1012 },
    );
  });

  it('generative (release functions): a finite release or INVALID_PARAMETER, never RangeError', () => {
    fc.assert(
      fc.property(
        boundsArb,
        budgetArb,
        fc.integer({ min: 1, max: 1000 }),
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        (bounds, budget, c, units) => {
          const rng = new SeededRandomSource(3);
          const common = { bounds, budget, maxContributionsPerPartition: c, rng };
          for (const f of [
            () => releaseSum({ ...common, units }),
            () => releaseMean({ ...common, count: 10n, units }),
            () => releaseVariance({ ...common, count: 10n, units, squaredUnits: units < 0n ? -units : units }),
            () => releaseCount({ budget, count: units, rng }),
            () => releaseQuantile({ ...common, binCounts: [1, 5, 2, 0], quantile: 0.5 }),
          ]) {
            try {
              expect(allFinite(f())).toBe(true);
            } catch (e) {
              expect(e).toBeInstanceOf(DpError);
              expect((e as DpError).code).toBe('INVALID_PARAMETER');
            }
          }
        },
      ),
      { numRuns: 300, seed: 1013 },
    );
  });
});
