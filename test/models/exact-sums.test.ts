/**
 * SECURITY §3 for the classic models: the sums handed to the Laplace mechanism are exact, on a public
 * fixed-point grid (src/learn/classic/_internal/exact-sums.ts; noise.proof.md "Exact sums"), so for a data set
 * and a neighbour the traced noise inputs of each statistic differ, in exact arithmetic, by at most the
 * sensitivity the statistic declares — no n·ulp rounding term (until this change the models added clamped
 * doubles in floating point, and clipped rows' L1 norms in floating point, so both could exceed the bound).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/index.js';
import * as learn from '../../src/learn/index.js';
import { Rational } from '../../src/numeric/rational.js';
import { SeededRandomSource, startTrace } from '../../src/testing/index.js';

type Rows = { x: number[][]; y: number[] };
interface Statistic {
  values: number[];
  sensitivity: number;
}

/** The traced noise calls grouped into statistics (each statistic's coordinates are traced with index 0 … size−1). */
async function statistics(run: () => Promise<unknown>): Promise<Statistic[]> {
  const trace = startTrace();
  try {
    await run();
  } finally {
    trace.stop();
  }
  const out: Statistic[] = [];
  for (const r of trace.noise) {
    const index = (r.extra as { index: number }).index;
    if (index === 0) out.push({ values: [], sensitivity: r.sensitivity });
    (out[out.length - 1] as Statistic).values.push(r.value as number);
  }
  return out;
}

/** Σ|a_i − b_i| in exact rational arithmetic. */
function exactL1(a: readonly number[], b: readonly number[]): Rational {
  let s = Rational.ZERO;
  a.forEach((v, i) => {
    s = s.add(
      Rational.fromNumber(v)
        .sub(Rational.fromNumber(b[i] as number))
        .abs(),
    );
  });
  return s;
}

const D = 3;
const bounds = { lower: [-1, 0, 0], upper: [1, 3, 1e6] };
type Model = { name: string; nonAdaptive: number; fit: (r: Rows, seed: number) => Promise<unknown> };
function models(epsilon: number, maxRowL1: number): Model[] {
  const opts = (seed: number) => ({ budget: PrivacyBudget.pure(epsilon), rng: new SeededRandomSource(seed) });
  return [
    {
      name: 'gaussian-nb',
      nonAdaptive: 3,
      fit: (r, s) => new learn.GaussianNB({ epsilon, bounds, classes: 2, maxRowL1 }).fit(r.x, r.y, opts(s)),
    },
    { name: 'standard-scaler', nonAdaptive: 3, fit: (r, s) => new learn.StandardScaler({ epsilon, bounds, maxRowL1 }).fit(r.x, opts(s)) },
    {
      name: 'linear-regression',
      nonAdaptive: 2,
      fit: (r, s) => new learn.LinearRegression({ epsilon, bounds, labelBounds: { lower: -2, upper: 2 }, maxRowL1 }).fit(r.x, r.y, opts(s)),
    },
    // PCA's covariance and KMeans' later steps read released values (adaptive): their first statistics only.
    { name: 'pca', nonAdaptive: 2, fit: (r, s) => new learn.PCA({ epsilon, components: 1, bounds, maxRowL1 }).fit(r.x, opts(s)) },
    {
      name: 'kmeans',
      nonAdaptive: 2,
      fit: (r, s) => new learn.KMeans({ epsilon, clusters: 2, bounds, maxRowL1, iterations: 2 }).fit(r.x, opts(s)),
    },
    {
      name: 'random-forest',
      nonAdaptive: 2,
      fit: (r, s) =>
        new learn.RandomForestClassifier({ epsilon, bounds, classes: 2, trees: 2, maxDepth: 2, maxRowL1 }).fit(r.x, r.y, opts(s)),
    },
  ];
}

/** Values that break float sums: tiny, near-1, thirds, huge (clamped), and ordinary ones. */
const value = fc.oneof(
  fc.double({ min: -2, max: 2e6, noNaN: true }),
  fc.constantFrom(1e-300, 2 ** -60, 1 - 2 ** -53, 1 / 3, 0.1, 0.7, 1, 3, 1e6, 1e300),
);
const row = fc.tuple(fc.array(value, { minLength: D, maxLength: D }), fc.constantFrom(0, 1, -1.5, 2));
const neighbours = fc.tuple(fc.array(row, { maxLength: 30 }), row, fc.nat(), fc.boolean()).map(([rs, extra, at, add]): [Rows, Rows] => {
  const a = { x: rs.map((r) => r[0]), y: rs.map((r) => r[1]) };
  if (add || rs.length === 0) {
    const i = at % (rs.length + 1); // inserted anywhere: a float sum depends on the order, an exact one does not
    return [a, { x: [...a.x.slice(0, i), extra[0], ...a.x.slice(i)], y: [...a.y.slice(0, i), extra[1], ...a.y.slice(i)] }];
  }
  const i = at % rs.length;
  return [a, { x: a.x.filter((_, j) => j !== i), y: a.y.filter((_, j) => j !== i) }];
});

describe('classic models sum exactly (SECURITY §3)', () => {
  it('regression: rows clipped to ‖u‖₁ ≤ 1 (thirds) added among 0.1s — the sums move by at most the sensitivity, exactly, and lie on the 2⁻²⁰ grid', async () => {
    const base = Array.from({ length: 200 }, (_, i) => [0.1, 0.1 * (i % 3), 7 * i]);
    const third = [1, 3, 1e6]; // u = (1, 1, 1), clipped to L1 = 1: (1/3, 1/3, 1/3) in floats
    const a: Rows = { x: base, y: base.map(() => 0) };
    const b: Rows = { x: [...base.slice(0, 77), third, ...base.slice(77)], y: [...a.y, 0] };
    const m = models(1, 1)[1] as Model; // StandardScaler: count, sums, squares
    const sa = await statistics(() => m.fit(a, 9));
    const sb = await statistics(() => m.fit(b, 9));
    for (let s = 0; s < 3; s++) {
      const A = sa[s] as Statistic;
      const B = sb[s] as Statistic;
      expect(exactL1(A.values, B.values).le(Rational.fromNumber(A.sensitivity))).toBe(true);
      for (const v of [...A.values, ...B.values]) expect(Number.isInteger(v * 2 ** 24)).toBe(true);
    }
  });

  it('generative: random models × data with float-hostile values × a neighbour inserted anywhere or removed — each statistic moves by ≤ its declared sensitivity in exact arithmetic', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.oneof(fc.constant(1), fc.double({ min: 0.3, max: D, noNaN: true })),
        fc.integer({ min: 0, max: 5 }),
        neighbours,
        fc.integer({ min: 1, max: 1000 }),
        async (epsilon, maxRowL1, which, [a, b], seed) => {
          const m = models(epsilon, maxRowL1)[which] as Model;
          const sa = await statistics(() => m.fit(a, seed));
          const sb = await statistics(() => m.fit(b, seed));
          for (let s = 0; s < m.nonAdaptive; s++) {
            const A = sa[s] as Statistic;
            const B = sb[s] as Statistic;
            expect(B.sensitivity).toBe(A.sensitivity);
            expect(exactL1(A.values, B.values).le(Rational.fromNumber(A.sensitivity))).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
