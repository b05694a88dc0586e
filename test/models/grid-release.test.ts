/**
 * Review S8 (SECURITY §1, Mironov 2012): every noisy real value a classic model
 * releases goes through the grid Laplace path (src/learn/classic/_internal/noise.proof.md).
 * LogisticRegression 'objective' and 'output' used to release θ + float K-norm noise:
 * the regression checks that every released weight is a multiple of the stated
 * public grid; the generative test traces every noise call of random models ×
 * parameters × data and checks that each is the grid Laplace primitive on its own
 * grid, and that the noisy coordinates traced are exactly the model's released
 * statistics (nothing noisy leaves another way).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/index.js';
import * as learn from '../../src/learn/index.js';
import { laplaceGranularity } from '../../src/random/index.js';
import { SeededRandomSource, startTrace } from '../../src/testing/index.js';

function data(rows: number, d: number, seed: number) {
  const rng = new SeededRandomSource(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: d }, () => Number(rng.nextUint32() % 1000) / 1000);
    x.push(row);
    y.push((row[0] as number) > 0.5 ? 1 : 0);
  }
  return { x, y };
}

function isOnGrid(v: number, g: number): boolean {
  // g is a power of two: v / g is exact, so it is an integer iff v is a multiple of g.
  return Number.isInteger(v / g);
}

describe('review S8: LogisticRegression releases its weights on the public grid', () => {
  for (const method of ['objective', 'output'] as const) {
    it(`'${method}': every θ_j is a multiple of params.granularity, a power of two (regression: float K-norm noise was released)`, async () => {
      const { x, y } = data(80, 3, 7);
      const lr = new learn.LogisticRegression({ epsilon: 1, featureCount: 3, dataNorm: 2, method });
      await lr.fit(x, y, { budget: PrivacyBudget.pure(1), rng: new SeededRandomSource(3) });
      const g = lr.params.granularity as number;
      expect(g).toBeGreaterThan(0);
      expect(Math.log2(g)).toBe(Math.round(Math.log2(g)));
      expect(lr.params.theta).toHaveLength(4);
      for (const v of lr.params.theta) expect(isOnGrid(v, g)).toBe(true);
    });
  }
});

type Fit = () => Promise<learn.FitReport>;
interface Case {
  name: string;
  /** The number of noisy coordinates the model releases (the sum of its statistics' sizes). */
  released: number;
  fit: Fit;
  /** Extra released values that must lie on the grid (LogisticRegression's θ). */
  onGrid?: () => { values: Float64Array; grid: number };
}

function cases(epsilon: number, d: number, rows: number, seed: number, k: number, depth: number): Case[] {
  const { x, y } = data(rows, d, seed);
  const bounds = { lower: new Array(d).fill(0), upper: new Array(d).fill(1) };
  const opts = () => ({ budget: PrivacyBudget.pure(epsilon), rng: new SeededRandomSource(seed + 1) });
  const out: Case[] = [];
  for (const method of ['objective', 'output'] as const) {
    const lr = new learn.LogisticRegression({ epsilon, featureCount: d, dataNorm: Math.sqrt(d), method });
    out.push({
      name: `logistic ${method}`,
      released: d + 1,
      fit: () => lr.fit(x, y, opts()),
      onGrid: () => ({ values: lr.params.theta, grid: lr.params.granularity as number }),
    });
  }
  const nb = new learn.GaussianNB({ epsilon, bounds, classes: 2 });
  out.push({ name: 'gaussian-nb', released: 2 + 2 * 2 * d, fit: () => nb.fit(x, y, opts()) });
  const lin = new learn.LinearRegression({ epsilon, bounds, labelBounds: { lower: 0, upper: 1 } });
  out.push({ name: 'linear-regression', released: ((d + 1) * (d + 2)) / 2 + d + 1, fit: () => lin.fit(x, y, opts()) });
  const km = new learn.KMeans({ epsilon, clusters: k, bounds, iterations: 2 });
  out.push({ name: 'kmeans', released: 2 * (k + k * d), fit: () => km.fit(x, opts()) });
  const pca = new learn.PCA({ epsilon, components: 1, bounds });
  out.push({ name: 'pca', released: 1 + d + (d * (d + 1)) / 2, fit: () => pca.fit(x, opts()) });
  const sc = new learn.StandardScaler({ epsilon, bounds });
  out.push({ name: 'standard-scaler', released: 1 + 2 * d, fit: () => sc.fit(x, opts()) });
  const rf = new learn.RandomForestClassifier({ epsilon, bounds, classes: 2, trees: k, maxDepth: depth });
  out.push({ name: 'random-forest', released: k * 2 ** depth * 2 + 2 + 2 * d, fit: () => rf.fit(x, y, opts()) });
  const tree = new learn.DecisionTreeClassifier({ epsilon, bounds, classes: 2, maxDepth: depth });
  out.push({ name: 'decision-tree', released: 2 ** depth * 2 + 2 + 2 * d, fit: () => tree.fit(x, y, opts()) });
  return out;
}

describe('every classic model releases noise only through the grid Laplace path (generative)', () => {
  it('random models × ε × shapes × data: each traced noise call is grid Laplace on its own grid; the traced coordinates are the released ones', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 8 }),
        async (epsilon, d, rows, seed, k, depth, which) => {
          const c = cases(epsilon, d, rows, seed, k, depth)[which] as Case;
          const trace = startTrace();
          try {
            await c.fit();
          } finally {
            trace.stop();
          }
          expect(trace.noise.length).toBe(c.released);
          for (const r of trace.noise) {
            expect(r.primitive).toBe('laplace');
            expect((r.extra as { granularity: number }).granularity).toBe(laplaceGranularity(r.scale));
          }
          if (c.onGrid) {
            const { values, grid } = c.onGrid();
            expect(trace.noise.every((r) => (r.extra as { granularity: number }).granularity === grid)).toBe(true);
            for (const v of values) expect(isOnGrid(v, grid)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
