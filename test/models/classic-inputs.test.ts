/**
 * The classic models read typed arrays, rows, records, Arrow tables and DP
 * SQL results alike; a malformed cell never refuses (value rule: it reads as
 * 0); and on small, well-separated data they learn (fixed seeds).
 */
import { tableFromArrays } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/index.js';
import {
  GaussianNB,
  KMeans,
  LinearRegression,
  LogisticRegression,
  PCA,
  RandomForestClassifier,
  readMatrix,
  StandardScaler,
} from '../../src/learn/index.js';
import { SeededRandomSource } from '../../src/testing/index.js';

const features = ['a', 'b'];
const bounds = { lower: [0, 0], upper: [1, 1] };

/** n rows: class 1 near (0.8, 0.8), class 0 near (0.2, 0.2), from a seeded source. */
function blobs(n: number, seed: number) {
  const rng = new SeededRandomSource(seed);
  const u = () => rng.nextUint32() / 2 ** 32;
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    x.push([c ? 0.8 + 0.15 * (u() - 0.5) : 0.2 + 0.15 * (u() - 0.5), c ? 0.75 + 0.15 * (u() - 0.5) : 0.25 + 0.15 * (u() - 0.5)]);
    y.push(c);
  }
  return { x, y };
}

describe('model inputs', () => {
  const { x, y } = blobs(40, 1);
  const records = x.map((r, i) => ({ a: r[0], b: r[1], label: y[i] }));
  const matrix = { values: Float64Array.from(x.flat()), rows: x.length, columns: 2 };
  const arrow = tableFromArrays({
    a: Float64Array.from(x, (r) => r[0] as number),
    b: Float64Array.from(x, (r) => r[1] as number),
    label: Float64Array.from(y),
  });
  const sql = { columns: ['label', 'a', 'b'], rows: x.map((r, i) => [y[i], r[0], r[1]]) };

  it('a matrix, rows, records, an Arrow table and a SQL result give the same fit for the same seed', async () => {
    const fitWith = async (input: unknown, labels: unknown) => {
      const nb = new GaussianNB({ epsilon: 1, bounds, classes: 2, features });
      await nb.fit(input as never, labels as never, { budget: PrivacyBudget.pure(1), rng: new SeededRandomSource(9) });
      return Array.from(nb.params.means);
    };
    const expected = await fitWith(matrix, y);
    expect(await fitWith(x, y)).toEqual(expected);
    expect(await fitWith(records, 'label')).toEqual(expected);
    expect(await fitWith(arrow, 'label')).toEqual(expected);
    expect(await fitWith(sql, 'label')).toEqual(expected);
  });

  it('records need their feature names, and a named column a table lacks is refused (public schema)', () => {
    expect(() => readMatrix(records)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => readMatrix(arrow, ['a', 'zz'])).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => readMatrix(sql, ['zz'])).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('any cell value — hostile getters, strings, NaN, bigint, objects — reads as a number, never refuses (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ a: fc.anything(), b: fc.anything() }), { maxLength: 8 }), (recs) => {
        const m = readMatrix(recs as Record<string, unknown>[], features);
        expect(m.rows).toBe(recs.length);
        for (const v of m.values) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 200 },
    );
    const hostile = {
      get a(): number {
        throw new Error('secret 123456');
      },
      b: 1,
    };
    const m = readMatrix([hostile], features);
    expect(Array.from(m.values)).toEqual([0, 1]);
  });
});

describe('the models learn on separated blobs (seed 7; each noise draw is below the margin with probability ≥ 1 − 1e-6)', () => {
  // 4 000 rows at ε = 2: every Laplace draw has scale ≤ 20/ε_share, |noise| > 30·scale has probability e^-30 < 1e-13 per
  // coordinate; at n = 4 000 such noise moves a mean by < 0.05, far below the 0.3 margin of the blobs.
  const { x, y } = blobs(4000, 7);
  const test = blobs(400, 8);
  const budget = () => ({ budget: PrivacyBudget.pure(2), rng: new SeededRandomSource(7) });

  it('GaussianNB, LogisticRegression (objective and output), RandomForest and LinearRegression fit the blobs', async () => {
    const nb = new GaussianNB({ epsilon: 2, bounds, classes: 2 });
    await nb.fit(x, y, budget());
    expect(nb.score(test.x, test.y)).toBeGreaterThan(0.95);
    const lr = new LogisticRegression({ epsilon: 2, featureCount: 2, dataNorm: Math.SQRT2 });
    await lr.fit(x, y, budget());
    expect(lr.score(test.x, test.y)).toBeGreaterThan(0.95);
    const out = new LogisticRegression({ epsilon: 2, featureCount: 2, dataNorm: Math.SQRT2, method: 'output', regularization: 20 });
    await out.fit(x, y, budget());
    expect(out.score(test.x, test.y)).toBeGreaterThan(0.9);
    const rf = new RandomForestClassifier({ epsilon: 2, bounds, classes: 2, trees: 5, maxDepth: 4 });
    await rf.fit(x, y, budget());
    expect(rf.score(test.x, test.y)).toBeGreaterThan(0.8);
    const lin = new LinearRegression({ epsilon: 2, bounds, labelBounds: { lower: 0, upper: 1 } });
    await lin.fit(x, y, budget());
    expect(lin.score(test.x, test.y)).toBeGreaterThan(0.8);
  });

  it('KMeans finds the two blobs, PCA the direction joining them, StandardScaler their mean and spread', async () => {
    const km = new KMeans({ epsilon: 2, clusters: 2, bounds, iterations: 4 });
    await km.fit(x, budget());
    const labels = km.predict(test.x);
    let agree = 0;
    labels.forEach((l, i) => {
      agree += l === test.y[i] ? 1 : 0;
    });
    expect(Math.max(agree, labels.length - agree) / labels.length).toBeGreaterThan(0.95);
    const pca = new PCA({ epsilon: 2, components: 1, bounds });
    await pca.fit(x, budget());
    expect(pca.score(test.x)).toBeGreaterThan(0.9);
    const sc = new StandardScaler({ epsilon: 2, bounds });
    await sc.fit(x, budget());
    expect(sc.params.mean[0]).toBeCloseTo(0.5, 1);
    expect(sc.params.scale[0]).toBeCloseTo(0.3, 1);
    const z = sc.transform(test.x);
    expect(z.columns).toBe(2);
  });
});
