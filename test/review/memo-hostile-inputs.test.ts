/**
 * Review stop 22, second shift (class 12: a memo keyed on an input it does not snapshot): 08cad5c closed the noise key
 * of src/sql/budget-memo.ts. Here the whole class for both memos: hostile values of every key input (odd strings,
 * Rationals, −0, NaN, ±Infinity, subnormals, getters, prototypes, Proxies) run first must not change what a later
 * honest input gets (its measurement is a fresh build's), and each hostile input's own outcome (its refusal, or its
 * measurement) is the same on a first and a second call.
 *
 * - budget-memo (runDpSql's split): holds — the budget is read once into a snapshot (`snapshot`), keyed and split.
 * - release-table-measurement (releaseTable's kept measurements): `keyOf` and `build` each read `p.budget` (and
 *   `p.bounds`, `p.confidence`), so a budget with a getter keys one ε and builds another, and the memo hands the
 *   other ε's measurement to every later honest release of the keyed ε in the process. Reachable only by code in the
 *   trusted process (releaseTable is a library function; JSON cannot carry a getter) — an `it.fails` guard.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/rational.js';
import { budgetOf } from '../../src/sql/budget-memo.js';
import { splitDpBudget } from '../../src/sql/budget-split.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { dpSqlMeasurement } from '../../src/sql/query-measurement.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { makeCountMeasurement, makeSumMeasurement } from '../../src/stats/release-count-sum.js';
import { makeMeanMeasurement, makeVarianceMeasurement } from '../../src/stats/release-mean-variance.js';
import { keptMeasurement } from '../../src/stats/release-table-measurement.js';

const schema = parseSqlSchema({
  dataset: 'visits',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    visits: {
      privacyUnit: 'person_id',
      maxPartitions: 2,
      maxContributionsPerPartition: 3,
      columns: {
        person_id: { type: 'integer' },
        region: { type: 'string', categories: ['north', 'south'] },
        city: { type: 'string' },
        amount: { type: 'float', lower: 0, upper: 100 },
      },
    },
  },
});
const PLANS = [
  'SELECT COUNT(*) AS n FROM visits',
  'SELECT region, COUNT(*) AS n, SUM(amount) AS s FROM visits GROUP BY region',
  'SELECT city, COUNT(*) AS n FROM visits GROUP BY city',
].map((sql) => planDpQuery(sql, schema));

/** A value that reads `first` on its first read and `later` after. */
/** A fresh build's guarantee of honest parameters, without the memo. */
function keptMeasurementFresh(
  kind: 'count' | 'sum' | 'mean' | 'variance' | 'stddev',
  p: {
    budget: { epsilon: number; delta: number };
    maxPartitions: number;
    maxContributionsPerPartition: number;
    confidence: number;
    bounds: [number, number];
  },
): unknown {
  if (kind === 'count') return makeCountMeasurement(p).privacyMap(1);
  if (kind === 'sum') return makeSumMeasurement({ ...p, widening: 0n }).privacyMap(1);
  if (kind === 'mean') return makeMeanMeasurement(p).privacyMap(1);
  return makeVarianceMeasurement(p, kind === 'stddev').privacyMap(1);
}

function flipping<T>(first: T, later: T): () => T {
  let reads = 0;
  return () => (reads++ === 0 ? first : later);
}

const oddAmounts: unknown[] = [
  ' 1',
  '1.0',
  '1e0',
  '0x1',
  '+1',
  '1/1',
  '2/2',
  '-0',
  '',
  'NaN',
  'Infinity',
  '1_0',
  '١',
  -0,
  0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -1,
  5e-324,
  1,
  2,
  Rational.of(1),
  Rational.of(2, 2),
  Rational.of(1, 2),
];
/** Hostile budgets: odd amounts, getters, prototypes and Proxies in every key input. */
const amountsArb: fc.Arbitrary<() => Record<string, unknown>> = fc.oneof(
  fc
    .record({ e: fc.constantFrom(...oddAmounts), d: fc.constantFrom<unknown>(undefined, 1e-6, '1e-6', -0, Number.NaN) })
    .map(({ e, d }) => () => ({ epsilon: e, delta: d })),
  fc.record({ r: fc.constantFrom(...oddAmounts), d: fc.constantFrom<unknown>(undefined, 1e-6) }).map(({ r, d }) => () => ({
    rho: r,
    delta: d,
  })),
);
const hostileBudgetArb: fc.Arbitrary<() => Record<string, unknown>> = fc.oneof(
  amountsArb,
  fc.constantFrom<() => Record<string, unknown>>(
    // getters on every key input, each giving another value after its first read
    () => {
      const e = flipping<unknown>(1, 100);
      return {
        get epsilon() {
          return e();
        },
      };
    },
    () => {
      const e = flipping<unknown>(100, 1);
      return {
        get epsilon() {
          return e();
        },
        delta: 1e-6,
      };
    },
    () => {
      const n = flipping<unknown>('laplace', 'gaussian');
      return {
        epsilon: 1,
        delta: 1e-6,
        get noise() {
          return n();
        },
      };
    },
    () => {
      const d = flipping<unknown>(1e-6, 1e-3);
      return {
        epsilon: 1,
        get delta() {
          return d();
        },
        noise: 'gaussian',
      };
    },
    () => {
      const s = flipping<unknown>(0.1, 0.9);
      return {
        epsilon: 1,
        delta: 1e-6,
        reportBounding: {
          get share() {
            return s();
          },
        },
      };
    },
    () => {
      const r = flipping<unknown>(true, { share: 0.9 });
      return {
        epsilon: 1,
        delta: 1e-6,
        get reportBounding() {
          return r();
        },
      };
    },
    () => {
      const s = flipping<unknown>(0.1, 0.9);
      return { epsilon: 1, delta: 1e-6, reportBounding: new Proxy({ share: 0 }, { get: () => s() }) };
    },
    () => {
      const e = flipping<unknown>(1, 100);
      return new Proxy({ epsilon: 1 }, { get: (_t, k) => (k === 'epsilon' ? e() : undefined) });
    },
  ),
  fc.constantFrom(...plainHostile()),
);
/** Hostile budgets without getters or Proxies: the memo's outcome must be a fresh split's, whatever ran before. */
function plainHostile(): (() => Record<string, unknown>)[] {
  return [
    () => ({ epsilon: 1, delta: 1e-6, reportBounding: Object.create({ share: 0.5 }) }),
    () => ({ epsilon: 1, delta: 1e-6, reportBounding: Object.assign(Object.create(null), { share: 0.5 }) }),
    () => ({
      epsilon: 1,
      delta: 1e-6,
      reportBounding: new (class {
        share = 0.5;
      })(),
    }),
    () => Object.assign(Object.create({ epsilon: 100 }), { delta: 1e-6 }),
    () => ({ epsilon: 1, delta: 1e-6, reportBounding: { share: '0.5' } }),
    () => ({ epsilon: 1, delta: 1e-6, reportBounding: { share: -0 } }),
    () => ({ epsilon: 1, delta: 1e-6, reportBounding: { share: Number.NaN } }),
    () => ({ epsilon: 1, delta: 1e-6, reportBounding: new Boolean(true) }),
    () => ({ epsilon: 1, delta: 1e-6, noise: 'undefined' }),
    () => ({ epsilon: 1, noise: 'undefined' }),
  ];
}
const honestBudgets: Record<string, unknown>[] = [
  { epsilon: 1 },
  { epsilon: 100 },
  { epsilon: 1, delta: 1e-6 },
  { epsilon: 100, delta: 1e-6 },
  { epsilon: 1, delta: 1e-6, noise: 'gaussian' },
  { epsilon: 1, delta: 1e-6, noise: 'laplace' },
  { epsilon: 1, delta: 1e-6, reportBounding: { share: 0.1 } },
  { epsilon: 1, delta: 1e-6, reportBounding: { share: 0.9 } },
  { epsilon: 1, delta: 1e-6, reportBounding: true },
  { epsilon: 1, delta: 1e-6, reportBounding: { share: 0.5 } },
  { rho: 1 },
  { rho: 1, delta: 1e-6 },
];

function outcome(f: () => unknown): string {
  try {
    const r = f() as ReturnType<typeof budgetOf>;
    return JSON.stringify({ split: r.split, loss: r.measurement.privacyMap(1) }, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
}

describe('class 12 over every key input of both memos', () => {
  it('budget-memo: a hostile budget never changes what a later honest budget gets (generative, seed 22221)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PLANS), hostileBudgetArb, fc.constantFrom(...honestBudgets), (plan, hostile, honest) => {
        outcome(() => budgetOf(plan, hostile() as never));
        outcome(() => budgetOf(plan, hostile() as never));
        const fresh = outcome(() => {
          const split = splitDpBudget(plan, honest as never);
          return { split, measurement: dpSqlMeasurement(plan, split) };
        });
        expect(outcome(() => budgetOf(plan, honest as never))).toBe(fresh);
      }),
      { seed: 22221, numRuns: 400 },
    );
  });

  it('budget-memo: a hostile budget (a fresh instance each call) without getters gets the outcome of a fresh split, whatever ran before (seed 22222)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PLANS),
        fc.oneof(amountsArb, fc.constantFrom(...plainHostile())),
        fc.constantFrom(...honestBudgets),
        (plan, hostile, honest) => {
          const fresh = outcome(() => {
            const split = splitDpBudget(plan, hostile() as never);
            return { split, measurement: dpSqlMeasurement(plan, split) };
          });
          expect(outcome(() => budgetOf(plan, hostile() as never))).toBe(fresh);
          outcome(() => budgetOf(plan, honest as never));
          expect(outcome(() => budgetOf(plan, hostile() as never))).toBe(fresh);
        },
      ),
      { seed: 22222, numRuns: 400 },
    );
  });

  it('release-table-measurement: odd public parameters without getters get a fresh build (seed 22223)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<unknown>(1, -0, 0.5, 5e-324, Number.NaN, '1', Rational.of(1)),
        fc.constantFrom<unknown>(undefined, 0, -0, 1e-6),
        fc.constantFrom<[unknown, unknown]>([0, 100], [-0, 100], [0, '100'], [Number.NaN, 1]),
        (epsilon, delta, bounds) => {
          const budget = delta === undefined ? { epsilon } : { epsilon, delta };
          const p = { budget: budget as never, maxPartitions: 1, maxContributionsPerPartition: 1, bounds: bounds as never };
          const fresh = outcome(() => ({ split: null, measurement: makeSumMeasurement({ ...p, widening: 0n }) }));
          expect(outcome(() => ({ split: null, measurement: keptMeasurement('sum', p).measurement }))).toBe(fresh);
          expect(outcome(() => ({ split: null, measurement: keptMeasurement('sum', p).measurement }))).toBe(fresh);
        },
      ),
      { seed: 22223, numRuns: 100 },
    );
  });

  // Closed (lead, stop 22): the parameters are read once into a plain snapshot (data properties only), keyed and
  // built from it; accessors and Proxies make them unkeyable (built fresh, never kept).
  it('release-table-measurement: a budget with a getter keys one ε and builds another; a later honest release of the keyed ε gets the other', () => {
    const e = flipping<unknown>(1, 100);
    const hostile = {
      get epsilon() {
        return e();
      },
    };
    keptMeasurement('count', { budget: hostile as never, maxPartitions: 1, maxContributionsPerPartition: 1, confidence: 0.5 });
    const honest = { budget: { epsilon: 1 }, maxPartitions: 1, maxContributionsPerPartition: 1, confidence: 0.5 };
    const kept = keptMeasurement('count', honest);
    const fresh = makeCountMeasurement(honest).privacyMap(1);
    expect(kept.guarantee).toEqual(fresh);
  });

  it('release-table-measurement: getters and Proxies on any field never change what a later honest release gets (generative, lead stop 22)', () => {
    const kinds = ['count', 'sum', 'mean', 'variance', 'stddev'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.constantFrom('budget.epsilon', 'budget.delta', 'maxPartitions', 'confidence', 'bounds.1', 'proxy.budget', 'proxy.params'),
        fc.constantFrom(0.5, 1, 2),
        fc.constantFrom(3, 100),
        (kind, where, epsilon, other) => {
          const honest = {
            budget: { epsilon, delta: 1e-6 },
            maxPartitions: 2,
            maxContributionsPerPartition: 1,
            confidence: 0.9,
            bounds: [0, 10] as [number, number],
          };
          const flip = flipping<number>(epsilon, other);
          const h: Record<string, unknown> = { ...honest, budget: { ...honest.budget }, bounds: [...honest.bounds] };
          const [obj, key] = where.split('.') as [string, string];
          if (obj === 'proxy') {
            if (key === 'budget') h.budget = new Proxy(honest.budget, { get: (t, k) => (k === 'epsilon' ? flip() : Reflect.get(t, k)) });
          } else {
            const target = obj === 'budget' ? (h.budget as object) : obj === 'bounds' ? (h.bounds as object) : h;
            const field = obj === 'budget' || obj === 'bounds' ? key : obj;
            const base =
              obj === 'budget' && field === 'delta'
                ? 1e-6
                : obj === 'maxPartitions'
                  ? 2
                  : obj === 'confidence'
                    ? 0.9
                    : obj === 'bounds'
                      ? 10
                      : epsilon;
            const f2 = flipping<number>(base, obj === 'confidence' ? 0.5 : other);
            Object.defineProperty(target, field, { get: f2, enumerable: true, configurable: true });
          }
          const params =
            where === 'proxy.params' ? new Proxy(h, { get: (t, k) => (k === 'maxPartitions' ? flip() : Reflect.get(t, k)) }) : h;
          try {
            keptMeasurement(kind, params as never);
            keptMeasurement(kind, params as never);
          } catch {
            // a refused hostile build keeps nothing
          }
          const kept = keptMeasurement(kind, honest);
          const fresh = keptMeasurementFresh(kind, honest);
          expect(kept.guarantee).toEqual(fresh);
        },
      ),
      { seed: 22224, numRuns: 300 },
    );
  });
});
