/**
 * Review ML M7's class (src/learn/classic/_internal/options-snapshot.ts): a classic model reads each field of
 * its options object once, at construction, so an options object that answers differently on a later read
 * cannot make the priced mechanism differ from the one that runs. Regression: LogisticRegression 'dp-sgd'
 * with an `epochs` getter (1, then 3) charged for 4 steps and ran 12. Generative: every classic model, random
 * valid options wrapped in a Proxy that counts reads per field and answers later reads with another valid
 * value — over construction, the privacy map and a fit, no field is read twice, and (LogisticRegression
 * 'dp-sgd') the steps that ran are the steps priced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import * as learn from '../../src/learn/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { startTrace } from '../../src/testing/index.js';

const rows = Array.from({ length: 40 }, (_, i) => [((i * 7) % 11) / 11, ((i * 3) % 5) / 5]);
const labels = rows.map((r) => ((r[0] as number) > 0.5 ? 1 : 0));

/** Options whose every field answers `first` on its first read and `later` afterwards; counts reads. */
function shifty(first: Record<string, unknown>, later: Record<string, unknown>) {
  const reads = new Map<string, number>();
  const proxy = new Proxy(first, {
    get(target, key, receiver) {
      if (typeof key !== 'string') return Reflect.get(target, key, receiver);
      const n = (reads.get(key) ?? 0) + 1;
      reads.set(key, n);
      return n === 1 ? target[key] : (later[key] ?? target[key]);
    },
  });
  return { proxy, reads };
}

const bounded = { epsilon: 1, bounds: { lower: [0, 0], upper: [1, 1] }, maxRowL1: 2 };
type Maker = (o: Record<string, unknown>) => { fit: (x: unknown, y: unknown, f: unknown) => Promise<unknown> };
const MODELS: [string, Record<string, unknown>, Maker][] = [
  ['GaussianNB', { ...bounded, classes: 2 }, (o) => new learn.GaussianNB(o as never) as never],
  ['KMeans', { ...bounded, clusters: 2, iterations: 2 }, (o) => new learn.KMeans(o as never) as never],
  [
    'LinearRegression',
    { ...bounded, labelBounds: { lower: 0, upper: 1 }, regularization: 1 },
    (o) => new learn.LinearRegression(o as never) as never,
  ],
  ['PCA', { ...bounded, components: 1 }, (o) => new learn.PCA(o as never) as never],
  ['StandardScaler', { ...bounded }, (o) => new learn.StandardScaler(o as never) as never],
  [
    'RandomForestClassifier',
    { ...bounded, classes: 2, trees: 2, maxDepth: 2, featureShare: 0.5 },
    (o) => new learn.RandomForestClassifier(o as never) as never,
  ],
  ['DecisionTreeClassifier', { ...bounded, classes: 2, maxDepth: 2 }, (o) => new learn.DecisionTreeClassifier(o as never) as never],
  [
    'LogisticRegression objective',
    { epsilon: 1, featureCount: 2, dataNorm: 1, regularization: 5 },
    (o) => new learn.LogisticRegression(o as never) as never,
  ],
  [
    'LogisticRegression output',
    { epsilon: 1, featureCount: 2, dataNorm: 1, method: 'output' },
    (o) => new learn.LogisticRegression(o as never) as never,
  ],
  [
    'LogisticRegression dp-sgd',
    {
      epsilon: 1,
      featureCount: 2,
      dataNorm: 1,
      method: 'dp-sgd',
      delta: 1e-3,
      datasetSize: 40,
      batchSize: 10,
      epochs: 1,
      learningRate: 1,
      maxGradNorm: 1,
    },
    (o) => new learn.LogisticRegression(o as never) as never,
  ],
];

const UNSUPERVISED = new Set([1, 3, 4]);

// Another valid value for each field a later read might see.
const LATER: Record<string, unknown> = {
  epsilon: 7,
  bounds: { lower: [-5, -5], upper: [5, 5] },
  maxRowL1: 1,
  classes: 3,
  clusters: 3,
  iterations: 4,
  components: 2,
  labelBounds: { lower: -3, upper: 3 },
  regularization: 0.5,
  trees: 3,
  maxDepth: 3,
  featureShare: 1,
  featureCount: 2,
  dataNorm: 3,
  method: 'objective',
  delta: 1e-2,
  datasetSize: 20,
  batchSize: 20,
  epochs: 3,
  learningRate: 0.1,
  maxGradNorm: 2,
  features: ['a', 'b'],
};

describe('classic models read their options once (review ML M7)', () => {
  it('regression: LogisticRegression dp-sgd with an epochs getter (1, then 3) runs the 4 steps it charged for', async () => {
    const { proxy } = shifty(MODELS[9]?.[1] as Record<string, unknown>, { epochs: 3 });
    const model = new learn.LogisticRegression(proxy as never);
    const trace = startTrace();
    let report: learn.FitReport;
    try {
      report = await model.fit(rows, labels, { budget: PrivacyBudget.approximate(10, 1e-2), rng: new SeededRandomSource('m7') });
    } finally {
      trace.stop();
    }
    expect(trace.noise.filter((r) => r.primitive === 'dp-sgd-gaussian').length).toBe(4);
    expect(report.guarantee).toEqual(model.privacyMap(1));
  });

  it('every model, random valid options behind a shifting Proxy: no field read twice over construction, privacy map and fit (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: MODELS.length - 1 }),
        fc.double({ min: 0.5, max: 4, noNaN: true }),
        fc.subarray(Object.keys(LATER)),
        fc.integer({ min: 1, max: 1000 }),
        async (which, epsilon, shifting, seed) => {
          const [, base, make] = MODELS[which] as (typeof MODELS)[number];
          const later = Object.fromEntries(shifting.map((k) => [k, LATER[k]]));
          const { proxy, reads } = shifty({ ...base, epsilon }, later);
          const model = make(proxy) as unknown as {
            fit: (...args: unknown[]) => Promise<unknown>;
            privacyMap?: (d: number) => unknown;
          };
          model.privacyMap?.(1);
          const fitOptions = { budget: PrivacyBudget.approximate(100, 0.5), rng: new SeededRandomSource(seed) };
          // KMeans, PCA and StandardScaler are unsupervised: fit(x, options).
          if (UNSUPERVISED.has(which)) await model.fit(rows, fitOptions);
          else await model.fit(rows, labels, fitOptions);
          for (const [key, n] of reads) expect({ key, reads: n }).toEqual({ key, reads: 1 });
        },
      ),
      { numRuns: 10 },
    );
  });
});

/** An array whose entry i answers `first[i]` on its first read and `later` afterwards; counts reads per index. */
function shiftyArray(first: number[], later: number) {
  const reads = new Map<string, number>();
  const proxy = new Proxy(first, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^[0-9]+$/.test(key)) {
        const n = (reads.get(key) ?? 0) + 1;
        reads.set(key, n);
        return n === 1 ? target[Number(key)] : later;
      }
      return Reflect.get(target, key, receiver);
    },
  });
  return { proxy, reads };
}

describe('classic models read nested option arrays once (review ML M9)', () => {
  it('regression: GaussianNB with bounds answering 1 then NaN fits with finite parameters and charges what it states', async () => {
    const upper = shiftyArray([1, 1], Number.NaN);
    const nb = new learn.GaussianNB({ epsilon: 1, bounds: { lower: [0, 0], upper: upper.proxy }, classes: 2 });
    const report = await nb.fit(rows, labels, { budget: PrivacyBudget.pure(1), rng: new SeededRandomSource(9) });
    expect(report.guarantee).toEqual(nb.measurement.privacyMap(1));
    const params = nb.params as { means: Float64Array; variances: Float64Array };
    expect([...params.means, ...params.variances].every(Number.isFinite)).toBe(true);
    expect(Math.max(...upper.reads.values())).toBe(1);
  });

  it('every bounded model and LogisticRegression: each bounds entry and feature name read at most once over construction and fit (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: MODELS.length - 1 }),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -5, 1e300),
        fc.integer({ min: 1, max: 1000 }),
        async (which, later, seed) => {
          const [, base, make] = MODELS[which] as (typeof MODELS)[number];
          const lower = shiftyArray([0, 0], later);
          const upper = shiftyArray([1, 1], later);
          const options = 'bounds' in base ? { ...base, bounds: { lower: lower.proxy, upper: upper.proxy } } : { ...base };
          const model = make(options) as unknown as { fit: (...args: unknown[]) => Promise<unknown> };
          const fitOptions = { budget: PrivacyBudget.approximate(100, 0.5), rng: new SeededRandomSource(seed) };
          if (UNSUPERVISED.has(which)) await model.fit(rows, fitOptions);
          else await model.fit(rows, labels, fitOptions);
          for (const r of [lower.reads, upper.reads]) for (const [i, n] of r) expect({ i, reads: n }).toEqual({ i, reads: 1 });
        },
      ),
      { numRuns: 10 },
    );
  });
});
