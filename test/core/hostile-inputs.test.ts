/**
 * S7 inside the arguments (issue 10 class 12): the hostile value is not the argument itself but something it carries —
 * a typed array with an own `length` getter, a subclass overriding `subarray`, a Proxy of a Float64Array, a detached
 * buffer; records and rows with throwing getters or revoked Proxies; a matrix whose `values` is a Proxy.
 * Rules: the layers read every array once through `edgeTypedArray` (src/learn/_internal/layer-edge.ts) — a doctored
 * array is INVALID_PARAMETER and a genuine one is used through a clean view of the same memory; the classic models'
 * one reader (src/learn/classic/model-input.ts, "Reading rule") reads the structure once inside edgeRead
 * (INVALID_PARAMETER) and every cell totally, so a hostile cell or row reads as missing and never refuses a fit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { PrivacyBudget, Session } from '../../src/index.js';
import * as learn from '../../src/learn/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const rng = () => new SeededRandomSource(3);
const outcome = async (f: () => unknown): Promise<string> => {
  try {
    await f();
    return 'ok';
  } catch (e) {
    return e instanceof DpError ? e.code : `escaped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  }
};

/** Doctored versions of a Float64Array of n values (each must be refused). */
function doctored(n: number): Record<string, () => unknown> {
  return {
    'own length getter': () =>
      Object.defineProperty(new Float64Array(n), 'length', {
        get() {
          throw new Error('length');
        },
      }),
    'subclass with a throwing subarray and length': () => {
      class Bad extends Float64Array {
        override get length(): number {
          throw new Error('length');
        }
      }
      return new Bad(n);
    },
    'Proxy of a Float64Array': () => new Proxy(new Float64Array(n), { get: () => 1e308 }),
    'detached buffer': () => {
      const a = new Float64Array(n);
      structuredClone(a.buffer, { transfer: [a.buffer] });
      return a;
    },
    'wrong length': () => new Float64Array(n + 1),
  };
}

describe('S7 inside the arguments: the learn layers', () => {
  it('regression: a doctored array never lets anything but a DpError out of forward, backward, perExampleSquaredNorms, accumulateScaledGradients and perExampleGradient (a Proxy, a detached buffer, a wrong length: INVALID_PARAMETER; a genuine typed array with an own or subclass `length`: used through a clean view, its accessor never runs)', async () => {
    const bad: string[] = [];
    for (const [name, make] of Object.entries(doctored(4))) {
      const d = learn.dense(2, 2, { rng: rng() });
      const ok = d.forward(new Float64Array(4), 2); // a valid pass: batch 2
      d.backward(new Float64Array(ok.length), 2);
      const calls: [string, () => unknown][] = [
        ['forward', () => learn.dense(2, 2, { rng: rng() }).forward(make() as Float64Array, 2)],
        ['backward', () => d.backward(make() as Float64Array, 2)],
        ['perExampleSquaredNorms', () => d.perExampleSquaredNorms(make() as Float64Array)],
        ['accumulateScaledGradients', () => d.accumulateScaledGradients(make() as Float64Array)],
        ['perExampleGradient', () => d.perExampleGradient(0, make() as Float64Array)],
      ];
      for (const [m, call] of calls) {
        const r = await outcome(call);
        const genuine = name === 'own length getter' || name === 'subclass with a throwing subarray and length';
        if (!(r === 'INVALID_PARAMETER' || (genuine && r === 'ok'))) bad.push(`${name} → ${m}: ${r}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('generative: a genuine array, a subarray view or a Float32 copy gives the same forward output, and out buffers are written through (fast-check, seed 12)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }), fc.nat({ max: 3 }), (xs, pad) => {
        const a = learn.dense(3, 2, { rng: rng() });
        const b = learn.dense(3, 2, { rng: rng() });
        const plain = Float64Array.from(xs);
        const backing = new Float64Array(pad + 6 + 2);
        backing.set(plain, pad);
        const view = backing.subarray(pad, pad + 6);
        const y1 = Array.from(a.forward(plain, 2));
        const y2 = Array.from(b.forward(view, 2));
        expect(y2).toEqual(y1);
        const g = new Float64Array(4).fill(1);
        a.backward(g, 2);
        const out = new Float64Array(2);
        a.perExampleSquaredNorms(out);
        expect(out.every((v) => v > 0)).toBe(true); // written into the caller's array, not into a copy
      }),
      { seed: 12, numRuns: 50 },
    );
  });
});

const HOSTILE_CELLS: (() => unknown)[] = [
  () => ({
    get x0() {
      throw new Error('getter');
    },
    x1: 1,
  }),
  () => {
    const { proxy, revoke } = Proxy.revocable([1, 2], {});
    revoke();
    return proxy;
  },
  () => new Proxy([1, 2], { get: () => Symbol('s') }),
  () =>
    new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('ownKeys');
        },
        getOwnPropertyDescriptor: () => {
          throw new Error('gopd');
        },
      },
    ),
  () => [Number.NaN, 1n],
  () => null,
];

const MODELS: [string, () => { fit(x: unknown, ...r: unknown[]): Promise<unknown> }, boolean][] = [
  [
    'GaussianNB',
    () => new learn.GaussianNB({ epsilon: 1, bounds: { lower: [0, 0], upper: [1, 1] }, classes: 2, features: ['x0', 'x1'] }) as never,
    true,
  ],
  [
    'KMeans',
    () =>
      new learn.KMeans({
        epsilon: 1,
        clusters: 2,
        bounds: { lower: [0, 0], upper: [1, 1] },
        iterations: 2,
        features: ['x0', 'x1'],
      }) as never,
    false,
  ],
  [
    'StandardScaler',
    () => new learn.StandardScaler({ epsilon: 1, bounds: { lower: [0, 0], upper: [1, 1] }, features: ['x0', 'x1'] }) as never,
    false,
  ],
  [
    'LogisticRegression',
    () => new learn.LogisticRegression({ epsilon: 1, featureCount: 2, dataNorm: 1, features: ['x0', 'x1'] }) as never,
    true,
  ],
];

describe('S7 inside the arguments: the classic models read rows totally', () => {
  it('generative: hostile records or rows anywhere in the data never refuse a fit, and the fit is charged (fast-check, seed 13)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: MODELS.length - 1 }),
        fc.array(fc.oneof(fc.constant(-1), fc.nat({ max: HOSTILE_CELLS.length - 1 })), { minLength: 1, maxLength: 12 }),
        async (m, picks) => {
          const [, make, supervised] = MODELS[m] as (typeof MODELS)[number];
          const rows = picks.map((p, i) => (p < 0 ? { x0: (i % 3) / 3, x1: 0.5 } : (HOSTILE_CELLS[p] as () => unknown)()));
          const session = Session.fromRecords([{ a: 1 }], { columns: ['a'], budget: PrivacyBudget.pure(10), rng: rng() });
          const before = session.remaining;
          const options = { budget: session, rng: rng() };
          const r = await outcome(() =>
            supervised
              ? make().fit(
                  rows,
                  rows.map((_, i) => i % 2),
                  options,
                )
              : make().fit(rows, options),
          );
          expect(r).toBe('ok');
          expect(session.remaining).not.toEqual(before);
        },
      ),
      { seed: 13, numRuns: 60 },
    );
  }, 60_000);

  it('regression: a hostile CONTAINER (a Proxy over the rows, a matrix whose values is a Proxy, labels with a throwing length, options with a throwing getter) is INVALID_PARAMETER and charges nothing', async () => {
    const nb = () => new learn.GaussianNB({ epsilon: 1, bounds: { lower: [0], upper: [1] }, classes: 2 });
    const session = Session.fromRecords([{ a: 1 }], { columns: ['a'], budget: PrivacyBudget.pure(10), rng: rng() });
    const before = JSON.stringify(session.remaining);
    const options = { budget: session, rng: rng() };
    const throwing = new Proxy([], {
      get: () => {
        throw new Error('get');
      },
    });
    const cases: [string, () => Promise<unknown>][] = [
      ['rows Proxy', () => nb().fit(throwing as never, [0], options)],
      ['matrix values Proxy', () => nb().fit({ values: new Proxy(new Float64Array(1), {}), rows: 1, columns: 1 } as never, [0], options)],
      [
        'labels length getter',
        () =>
          nb().fit(
            [[0.5]],
            new Proxy([0], {
              get: (t, k) => {
                if (k === 'length') throw new Error('len');
                return Reflect.get(t, k);
              },
            }) as never,
            options,
          ),
      ],
      [
        'options getter',
        () =>
          nb().fit(
            [[0.5]],
            [0],
            Object.defineProperty({}, 'budget', {
              get() {
                throw new Error('budget');
              },
            }) as never,
          ),
      ],
      ['predict on a Proxy', async () => nb().predict(throwing as never)],
    ];
    const got: Record<string, string> = {};
    for (const [name, call] of cases) got[name] = await outcome(call);
    expect(got).toEqual(Object.fromEntries(cases.map(([n]) => [n, 'INVALID_PARAMETER'])));
    expect(JSON.stringify(session.remaining)).toBe(before);
  });
});
