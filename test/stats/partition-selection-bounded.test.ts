/**
 * Review S28 (class 13 "work bounded up front"): the truncated-geometric selector tabulated ~2·ln(1/δ)/ε keep
 * probabilities per query (10⁷ entries, ~166 MB, seconds of CPU at ε/maxPartitions = 1e-6). Rule
 * (partition-selection.ts `MAX_SELECTION_TABLE`): at most a public number of entries, a flat tail past it (sound:
 * both DP constraints hold for a constant sequence), tables memoised per public (ε, δ). Exact probabilities, no sampling.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SELECTION_TABLE, makePartitionSelector, truncatedGeometricProbabilities } from '../../src/stats/partition-selection.js';

/** Both DP constraints of partition selection between p(n−1) and p(n), in binary64 with exp rounded up by 4 ulps. */
function meetsConstraints(prev: number, here: number, epsilon: number, delta: number): boolean {
  const e = Math.exp(epsilon) * (1 + 2 ** -50);
  return here <= e * prev + delta && 1 - prev <= e * (1 - here) + delta;
}

describe('partition selection: bounded table, sound tail (review S28)', () => {
  it("regression: the review's ε = 1e-6, δ = 1e-9 builds at most MAX_SELECTION_TABLE entries", () => {
    expect(truncatedGeometricProbabilities(1e-6, 1e-9).length).toBeLessThanOrEqual(MAX_SELECTION_TABLE);
    expect(truncatedGeometricProbabilities(1e-5, 1e-9).length).toBeLessThanOrEqual(MAX_SELECTION_TABLE);
  });

  it('usual budgets still reach p = 1 inside the table (ε/P ≥ 1e-4 at δ ≥ 1e-12 is not cut)', () => {
    for (const [e, d] of [
      [1, 1e-6],
      [1e-3, 1e-12],
      [3e-4, 1e-12],
    ] as const) {
      const p = truncatedGeometricProbabilities(e, d);
      expect(p[p.length - 1]).toBe(1);
    }
  });

  it('generative (fast-check, seed 28): for any ε, δ, P the table is bounded and p(n) meets both DP constraints at every n, across the cap', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-8, max: 5, noNaN: true }),
        fc.double({ min: 1e-15, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (epsilon, delta, maxPartitions) => {
          const e = epsilon / maxPartitions;
          const d = delta / maxPartitions;
          const table = truncatedGeometricProbabilities(e, d);
          expect(table.length).toBeLessThanOrEqual(MAX_SELECTION_TABLE);
          const selector = makePartitionSelector({ epsilon, delta, maxPartitions });
          const cap = table.length;
          for (const n of [1, 2, 3, cap - 2, cap - 1, cap, cap + 1, cap + 1000, 10 * MAX_SELECTION_TABLE]) {
            if (n < 1) continue;
            const prev = selector.keepProbability(n - 1) as number;
            const here = selector.keepProbability(n) as number;
            expect(meetsConstraints(prev, here, e, d), `n = ${n}`).toBe(true);
          }
        },
      ),
      { seed: 28, numRuns: 25 },
    );
  });

  it('a selector with the same public (ε, δ) reuses its table (same keep probabilities, no rebuild visible to the caller)', () => {
    const a = makePartitionSelector({ epsilon: 1e-4, delta: 1e-9, maxPartitions: 3 });
    const b = makePartitionSelector({ epsilon: 1e-4, delta: 1e-9, maxPartitions: 3 });
    for (const n of [0, 1, 10, 1000, 50_000, 200_000]) expect(b.keepProbability(n)).toBe(a.keepProbability(n));
  });
});
