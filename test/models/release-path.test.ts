/**
 * Trust (issue 10), the class of LogisticRegression's Newton fallback: no classic model may pick its release
 * through a branch on the data (a convergence test, an early stop, an empty class or cluster, a zero variance).
 * Rule: logistic-regression.proof.md, "One release path". Generative test: for random models, random and
 * degenerate data sets (one label only, constant rows, all-zero rows, an empty class, no rows) and a neighbour
 * (one row added or removed), the traced release path — every noise primitive call with its sensitivity, scale,
 * size and coordinate — is the same sequence, and never shorter than the model's declared release.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/index.js';
import * as learn from '../../src/learn/index.js';
import { SeededRandomSource, startTrace } from '../../src/testing/index.js';

type Rows = { x: number[][]; y: number[] };
const D = 3;

const value = fc.oneof(fc.double({ min: -3, max: 3, noNaN: true }), fc.constantFrom(0, 1, -1, 1e9, Number.NaN));
const labelled = fc.tuple(fc.array(value, { minLength: D, maxLength: D }), fc.integer({ min: 0, max: 2 }));
/** Random rows and the degenerate shapes. */
const dataset: fc.Arbitrary<Rows> = fc
  .oneof(
    fc.array(labelled, { maxLength: 40 }),
    fc.array(labelled, { maxLength: 40 }).map((rs) => rs.map(([r]) => [r, 1] as [number[], number])), // one label only
    fc.tuple(labelled, fc.integer({ min: 1, max: 40 })).map(([r, n]) => Array.from({ length: n }, () => r)), // constant rows
    fc.integer({ min: 1, max: 40 }).map((n) => Array.from({ length: n }, (_, i) => [[0, 0, 0], i % 2] as [number[], number])), // zeros
    fc.constant([] as [number[], number][]), // no rows
  )
  .map((rs) => ({ x: rs.map((r) => r[0]), y: rs.map((r) => r[1]) }));

/** D and a neighbour: one row removed (at a random place) or one row added. */
const neighbours = fc.tuple(dataset, labelled, fc.nat(), fc.boolean()).map(([a, extra, at, add]): [Rows, Rows] => {
  if (add || a.x.length === 0) return [a, { x: [...a.x, extra[0]], y: [...a.y, extra[1]] }];
  const i = at % a.x.length;
  return [a, { x: a.x.filter((_, j) => j !== i), y: a.y.filter((_, j) => j !== i) }];
});

function models(epsilon: number): { name: string; fit: (r: Rows, seed: number) => Promise<unknown> }[] {
  const bounds = { lower: [-1, 0, -2], upper: [1, 2, 2] };
  const opts = (seed: number) => ({ budget: PrivacyBudget.pure(epsilon), rng: new SeededRandomSource(seed) });
  return [
    ...(['objective', 'output'] as const).map((method) => ({
      name: `logistic ${method}`,
      fit: (r: Rows, s: number) => new learn.LogisticRegression({ epsilon, featureCount: D, dataNorm: 2, method }).fit(r.x, r.y, opts(s)),
    })),
    { name: 'gaussian-nb', fit: (r, s) => new learn.GaussianNB({ epsilon, bounds, classes: 4 }).fit(r.x, r.y, opts(s)) },
    {
      name: 'linear-regression',
      fit: (r, s) => new learn.LinearRegression({ epsilon, bounds, labelBounds: { lower: 0, upper: 2 } }).fit(r.x, r.y, opts(s)),
    },
    { name: 'kmeans', fit: (r, s) => new learn.KMeans({ epsilon, clusters: 3, bounds, iterations: 3 }).fit(r.x, opts(s)) },
    { name: 'pca', fit: (r, s) => new learn.PCA({ epsilon, components: 2, bounds }).fit(r.x, opts(s)) },
    { name: 'standard-scaler', fit: (r, s) => new learn.StandardScaler({ epsilon, bounds }).fit(r.x, opts(s)) },
    {
      name: 'random-forest',
      fit: (r, s) => new learn.RandomForestClassifier({ epsilon, bounds, classes: 3, trees: 3, maxDepth: 2 }).fit(r.x, r.y, opts(s)),
    },
  ];
}

async function path(run: () => Promise<unknown>): Promise<string[]> {
  const trace = startTrace();
  try {
    await run();
  } finally {
    trace.stop();
  }
  return trace.noise.map((r) => {
    const e = (r.extra ?? {}) as { size?: number; index?: number; granularity?: number };
    return `${r.primitive} Δ=${r.sensitivity} b=${r.scale} g=${e.granularity} ${e.index}/${e.size}`;
  });
}

describe('classic models: one release path for a data set and its neighbour (Trust, issue 10)', () => {
  it('random models × ε × random and degenerate data sets × neighbour: the traced noise calls are the same sequence', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.integer({ min: 0, max: 7 }),
        neighbours,
        fc.integer({ min: 1, max: 1000 }),
        async (epsilon, which, [a, b], seed) => {
          const m = models(epsilon)[which] as ReturnType<typeof models>[number];
          const pa = await path(() => m.fit(a, seed));
          const pb = await path(() => m.fit(b, seed));
          expect(pa.length).toBeGreaterThan(0);
          expect(pb).toEqual(pa);
        },
      ),
      { numRuns: 120 },
    );
  });
});
