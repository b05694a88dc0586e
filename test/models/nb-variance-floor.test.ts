/**
 * Issue 13: GaussianNB's variance floor follows the noise of its releases (src/learn/classic/_internal/
 * nb-parameters.ts) instead of a constant 0.03 that exceeded the true variance of rare one-hot features — so more
 * ε did not help (Adult, 107 features: 0.804 at ε = 0.1, 0.784 at ε = 10, below diffprivlib's 0.816). The floor
 * is post-processing: the privacy map and the charge are those of the three statistics, unchanged (pinned from
 * main 8f4f98f, before the rule). The rule's laws (monotone in ε and the count, bounds) are property-tested
 * beside the code (src/learn/classic/nb-parameters.test.ts); here the model end to end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/index.js';
import { GaussianNB } from '../../src/learn/index.js';
import { SeededRandomSource, startTrace } from '../../src/testing/index.js';

/** Released statistics' Laplace scales, in release order (counts, sums, squares), from the noise trace. */
function traceScales(run: () => Promise<unknown>): Promise<number[]> {
  const trace = startTrace();
  return run()
    .then(() => trace.noise.filter((r) => (r.extra as { index?: number } | undefined)?.index === 0).map((r) => r.scale))
    .finally(() => trace.stop());
}

describe('GaussianNB variance floor, end to end', () => {
  it('a never-set feature of 2 000 rows per class gets (3 + b_Q)/n̂ at ε = 50, not 0.03 (failure probability ≤ 1e-6)', async () => {
    const n = 2000;
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 2 * n; i++) {
      x.push([0, i % 2]);
      y.push(i % 2);
    }
    const nb = new GaussianNB({ epsilon: 50, bounds: { lower: [0, 0], upper: [1, 1] }, classes: 2 });
    const [countScale, , squaresScale] = (await traceScales(() =>
      nb.fit(x, y, { budget: PrivacyBudget.pure(50), rng: new SeededRandomSource(13) }),
    )) as [number, number, number];
    // |n̂ − n| ≤ t for both counts except with probability 2·exp(−t/b) ≤ 1e-6; the noisy variance of the
    // never-set feature exceeds the floor only if the square sum's noise exceeds 3 + b_Q: probability
    // ≤ exp(−1 − 3/b_Q) < 1e-12 at b_Q < 0.2.
    const t = countScale * Math.log(2e6);
    expect(squaresScale).toBeLessThan(0.2);
    for (const c of [0, 1]) {
      const v = nb.params.variances[c * 2] as number;
      expect(v).toBeGreaterThanOrEqual((3 + squaresScale) / (n + t));
      expect(v).toBeLessThanOrEqual((3 + squaresScale) / (n - t));
      expect(v).toBeLessThan(0.03 / 10);
    }
    expect(nb.score(x, y)).toBe(1);
  });

  it('the privacy map and the charge are unchanged by the floor (values of main 8f4f98f)', async () => {
    const pinned: [number, number, number, number | undefined, number, number][] = [
      [0.1, 3, 2, 2, 0.09999999990000003, 0.29999999966391133],
      [1, 107, 2, 19, 0.9999999990000001, 2.999999995814096],
      [10, 5, 4, undefined, 9.999999990000003, 29.99999996985449],
      [0.37, 12, 3, 4.5, 0.36999999963, 1.1099999987284739],
    ];
    for (const [epsilon, d, classes, maxRowL1, one, three] of pinned) {
      const bounds = { lower: new Array<number>(d).fill(0), upper: new Array<number>(d).fill(1) };
      const nb = new GaussianNB({ epsilon, bounds, classes, maxRowL1 });
      expect(nb.measurement.privacyMap(1).epsilon).toBe(one);
      expect(nb.measurement.privacyMap(3).epsilon).toBe(three);
      const budget = PrivacyBudget.pure(epsilon);
      const report = await nb.fit([new Array<number>(d).fill(0.5)], [0], { budget, rng: new SeededRandomSource(1) });
      expect(report.guarantee).toEqual(nb.measurement.privacyMap(1));
    }
  });

  it('random data, bounds and ε: every released variance is finite, positive and at most r²/4; more ε never raises b_Q', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true })), {
          minLength: 4,
          maxLength: 4,
        }),
        fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }), { minLength: 0, maxLength: 30 }),
        fc.double({ min: 0.01, max: 30, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        async (d, pairs, rows, epsilon, seed) => {
          const lower = pairs.slice(0, d).map(([a]) => a);
          const upper = pairs.slice(0, d).map(([a, w]) => a + w);
          const nb = new GaussianNB({ epsilon, bounds: { lower, upper }, classes: 2 });
          const x = rows.map((r) => r.slice(0, d));
          const y = rows.map((_, i) => i % 2);
          const rng = new SeededRandomSource(seed);
          const scales = await traceScales(() => nb.fit(x, y, { budget: PrivacyBudget.pure(epsilon), rng }));
          const more = new GaussianNB({ epsilon: epsilon * 2, bounds: { lower, upper }, classes: 2 });
          const moreScales = await traceScales(() => more.fit(x, y, { budget: PrivacyBudget.pure(epsilon * 2), rng }));
          expect(moreScales[2]).toBeLessThanOrEqual(scales[2] as number);
          for (let f = 0; f < d; f++) {
            const m = Math.max(Math.abs(lower[f] as number), Math.abs(upper[f] as number)) || 1;
            const r = (Math.max(0, upper[f] as number) - Math.min(0, lower[f] as number)) / m;
            for (const c of [0, 1]) {
              const v = nb.params.variances[c * d + f] as number;
              expect(Number.isFinite(v) && v > 0).toBe(true);
              // The model clamps to its own r²/4; this r is recomputed here with different roundings: a few ulps apart.
              if (r > 0) expect(v).toBeLessThanOrEqual(((r * r) / 4) * (1 + 2 ** -48));
            }
          }
          expect(nb.predict(x.length > 0 ? x : [new Array<number>(d).fill(0)]).every((c) => c === 0 || c === 1)).toBe(true);
        },
      ),
      { numRuns: 40, seed: 4242 },
    );
  });
});
