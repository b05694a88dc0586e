/**
 * Issue 10 item 5: nothing after the charge may throw a data-dependent error.
 * Hostile values in the data (throwing toString / valueOf /
 * Symbol.toPrimitive, throwing getters, proxies, symbols, bigints, NaN, huge
 * numbers, −0, Unicode) as group keys, unit ids and values: every query is
 * either refused before the charge with a typed DpError, or answered with
 * finite values — never thrown after it — and no message carries a value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { DpError } from '../../src/core/errors.js';
import { Session } from '../../src/session/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const MARK = 'SECRET-7f3a';
const thrower = () => {
  throw new Error(`${MARK} thrown by the data`);
};
/** Hostile values; each is rebuilt per call so proxies and getters are fresh. */
const hostileValues: Array<() => unknown> = [
  () => ({ toString: thrower }),
  () => ({ valueOf: thrower, toString: thrower }),
  () => ({ [Symbol.toPrimitive]: thrower }),
  () => Object.create(null),
  () =>
    new Proxy(
      {},
      {
        get: thrower,
        has: thrower,
        ownKeys: thrower,
        getPrototypeOf: thrower,
        getOwnPropertyDescriptor: thrower,
      },
    ),
  () => Symbol(MARK),
  () => 10n ** 400n,
  () => -(10n ** 400n),
  () => 123n,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => -Number.MAX_VALUE,
  () => Number.MAX_VALUE,
  () => 1e308,
  () => -0,
  () => `${MARK}\u0000\uD800é😀`,
  () => `${MARK} 42 `,
  () => [MARK],
  () => thrower,
  () => undefined,
  () => null,
  () => true,
  () => 37,
  () => 'a',
];
const pick = (i: number): unknown => (hostileValues[i % hostileValues.length] as () => unknown)();

/**
 * A record whose fields may be hostile values, throwing getters, or which may
 * itself be a throwing proxy. Built from indices inside the property (fast-check
 * would otherwise inspect the hostile values themselves).
 */
function makeRecord([unit, key, value, shape, person]: readonly number[]): unknown {
  if (shape === 0) return { unit: `p${person}`, key: pick(key as number), value: pick(value as number) };
  if (shape === 1) return { unit: pick(unit as number), key: pick(key as number), value: pick(value as number) };
  if (shape === 2) {
    const r = { unit: `p${person}`, key: 'a' } as Record<string, unknown>;
    Object.defineProperty(r, 'value', { get: thrower, enumerable: true });
    return r;
  }
  return new Proxy({ unit: `p${person}`, key: pick(key as number) }, { get: thrower, has: thrower, getOwnPropertyDescriptor: thrower });
}
const recordArb = fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 9 }));

type Query = (s: Session) => { release(spec: { epsilon: number; delta?: number }): { rows: readonly { values: object }[] } };
const queries: Array<[string, Query, { epsilon: number; delta?: number }]> = [
  [
    'count by declared keys',
    (s) =>
      s
        .query()
        .groupBy('key', { keys: ['a', 37, true, null] })
        .count(),
    { epsilon: 1 },
  ],
  [
    'sum by declared keys',
    (s) =>
      s
        .query()
        .groupBy('key', { keys: ['a', 'b'] })
        .sum('value', { bounds: [-10, 10] }),
    { epsilon: 1 },
  ],
  [
    'mean, variance',
    (s) =>
      s
        .query()
        .mean('value', { bounds: [0, 100] })
        .variance('value', { bounds: [0, 100] }),
    { epsilon: 1 },
  ],
  ['median', (s) => s.query().median('value', { bounds: [0, 100], bins: 64 }), { epsilon: 1 }],
  ['estimated bounds', (s) => s.query().sum('value'), { epsilon: 1 }],
  ['partition selection on hostile keys', (s) => s.query().groupBy('key').count().countDistinct(), { epsilon: 1, delta: 1e-6 }],
];

function finiteEverywhere(x: unknown): boolean {
  if (typeof x === 'number') return Number.isFinite(x);
  if (x !== null && typeof x === 'object') return Object.values(x).every(finiteEverywhere);
  return true;
}

describe('hostile values in the data never throw after the charge', () => {
  it('regression: a group key whose String() throws is dropped by the key rule, after a charge that stands', () => {
    const rows = [
      { key: { toString: thrower }, v: 1 },
      { key: 'a', v: 2 },
    ];
    const session = Session.fromRecords(rows, {
      columns: ['key', 'v'],
      budget: PrivacyBudget.approximate(2, 1e-6),
      rng: new SeededRandomSource(1),
    });
    const r = session.query().groupBy('key').count().release({ epsilon: 1, delta: 1e-7 });
    expect(r.rows.every((row) => typeof row.key === 'string')).toBe(true);
    expect(session.remaining).toEqual({ kind: 'approximate', epsilon: 1, delta: 1e-6 - 1e-7 });
  });

  it('refuses hostile declared keys and parameters before the charge, with a message that quotes none of them', () => {
    const session = Session.fromRecords([{ key: 'a' }], { columns: ['key'], budget: PrivacyBudget.pure(1) });
    const hostile = { toString: thrower } as unknown as string;
    for (const attempt of [
      () =>
        session
          .query()
          .groupBy('key', { keys: [hostile] })
          .count()
          .release({ epsilon: 0.5 }),
      () =>
        session
          .query()
          .groupBy('key', { keys: [Number.NaN] })
          .count()
          .release({ epsilon: 0.5 }),
      () =>
        session
          .query()
          .count()
          .release({ epsilon: hostile as unknown as number }),
      () =>
        session
          .query()
          .sum('key', { bounds: [hostile as unknown as number, 1] })
          .release({ epsilon: 0.5 }),
      () =>
        session
          .query()
          .median('key', { bounds: [0, 1], bins: hostile as unknown as number })
          .release({ epsilon: 0.5 }),
    ]) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DpError);
      expect((error as DpError).message).not.toContain(MARK);
    }
    expect(session.remaining).toEqual({ kind: 'pure', epsilon: 1 });
  });

  it('generative: every query on hostile records is refused before the charge (typed) or answered with finite values', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 12 }),
        fc.integer({ min: 0, max: queries.length - 1 }),
        fc.boolean(),
        (recipes, qi, unit) => {
          const rows = recipes.map(makeRecord);
          const [, build, spec] = queries[qi] as (typeof queries)[number];
          const session = Session.fromRecords(rows, {
            columns: ['unit', 'key', 'value'],
            budget: PrivacyBudget.approximate(10, 1e-5),
            rng: new SeededRandomSource(qi + 1),
            ...(unit ? { privacyUnit: 'unit', maxPartitions: 2 } : {}),
          });
          const before = session.remaining;
          let result: { rows: readonly { values: object }[] } | undefined;
          let error: unknown;
          try {
            result = build(session).release(spec);
          } catch (e) {
            error = e;
          }
          if (error !== undefined) {
            expect(error).toBeInstanceOf(DpError);
            expect(String((error as DpError).message)).not.toContain(MARK);
            expect(session.remaining).toEqual(before); // refused = charged nothing
          } else {
            expect(session.remaining).not.toEqual(before);
            expect(finiteEverywhere(result?.rows.map((r) => r.values))).toBe(true);
          }
        },
      ),
      { numRuns: 300, seed: 105 },
    );
  });
});
