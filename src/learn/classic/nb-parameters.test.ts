/**
 * Issue 13: GaussianNB's variance floor was a constant 0.03 (u-space), above the true variance of many rare
 * one-hot features, so more ε did not help (Adult, 107 features: 0.804 at ε = 0.1, 0.784 at ε = 10). The rule
 * (`_internal/nb-parameters.ts`): priors, means and variances are a function of the released statistics and
 * public parameters only, and the floor min((r/6)², (3 + b_Q)/n̂) follows the noise scale b_Q of the released
 * sums of squares and the released count n̂. Regression: the rule's values on fixed inputs. Generative (fast-check):
 * any released statistics — negative, huge, zero counts — and any bounds give finite positive variances
 * between the floor and r²/4, means inside the u-space hull, and a floor that never grows with ε (a smaller
 * b_Q) nor with the count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { featureScales } from './_internal/features.js';
import { FLOOR_SPREAD, nbParameters, PSEUDO_COUNT, unitHull, varianceFloor } from './_internal/nb-parameters.js';
import { laplaceStatistic, splitEpsilon } from './_internal/noise.js';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

describe('GaussianNB variance floor (nb-parameters.ts)', () => {
  it('is (3 + b_Q)/n̂ below the cap, the cap (r/6)² above it, and 1 for a constant feature', () => {
    expect(varianceFloor(0.5, 3500, 1)).toBeCloseTo((PSEUDO_COUNT + 0.5) / 3500, 15);
    expect(varianceFloor(1e6, 10, 1)).toBe((1 / FLOOR_SPREAD) ** 2);
    expect(varianceFloor(2, -40, 2)).toBe((2 / FLOOR_SPREAD) ** 2); // a negative released count reads as 1
    expect(varianceFloor(2, 1e9, 0)).toBe(1);
  });

  it('a never-seen feature of a large class gets a variance far below the old constant 0.03', () => {
    const hull = unitHull({ lower: [0], upper: [1] }, featureScales({ lower: [0], upper: [1] }));
    const p = nbParameters({ counts: [20_000, 5_000], sums: [-3, 2], squares: [-1, 0.5] }, hull, 4.2);
    expect(p.variances[0]).toBeCloseTo((PSEUDO_COUNT + 4.2) / 20_000, 15);
    expect(p.variances[1]).toBeCloseTo((PSEUDO_COUNT + 4.2) / 5_000, 15);
    expect(p.means[0]).toBe(0); // −3/20000 clamped into the hull [0, 1]
    expect(Math.max(...p.variances)).toBeLessThan(0.03);
  });

  it('more ε never raises the floor, whatever the count and range (b_Q as GaussianNB calibrates it)', () => {
    fc.assert(
      fc.property(
        finite(0.01, 50),
        finite(1, 20),
        finite(0.2, 10),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 2, max: 6 }),
        finite(-100, 1e7),
        finite(0, 2),
        (epsilon, factor, rowL1, d, k, count, range) => {
          // GaussianNB's squares share: weights 0.1, 0.45, 0.45 (gaussian-nb.ts).
          const bQ = (e: number) => laplaceStatistic(splitEpsilon(e, [0.1, 0.45, 0.45])[2] as number, rowL1, k * d).scale;
          const low = varianceFloor(bQ(epsilon * factor), count, range);
          const high = varianceFloor(bQ(epsilon), count, range);
          expect(low).toBeLessThanOrEqual(high);
          expect(varianceFloor(bQ(epsilon), count + 1 + Math.abs(count), range)).toBeLessThanOrEqual(high);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('any released statistics and bounds give finite variances in [floor, r²/4] and means in the hull', () => {
    const bound = fc.tuple(finite(-5, 5), finite(-5, 5)).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 4 }),
        fc.array(bound, { minLength: 6, maxLength: 6 }),
        fc.array(finite(-1e6, 1e6), { minLength: 4, maxLength: 4 }),
        fc.array(finite(-1e9, 1e9), { minLength: 48, maxLength: 48 }),
        fc.array(finite(-1e9, 1e9), { minLength: 48, maxLength: 48 }),
        finite(0, 1e4),
        (d, k, pairs, counts, sums, squares, bQ) => {
          const bounds = { lower: pairs.slice(0, d).map((p) => p[0]), upper: pairs.slice(0, d).map((p) => p[1]) };
          const hull = unitHull(bounds, featureScales(bounds));
          const released = { counts: counts.slice(0, k), sums: sums.slice(0, k * d), squares: squares.slice(0, k * d) };
          const p = nbParameters(released, hull, bQ);
          let priors = 0;
          for (let c = 0; c < k; c++) {
            priors += p.classPrior[c] as number;
            for (let f = 0; f < d; f++) {
              const low = hull.low[f] as number;
              const high = hull.high[f] as number;
              const r = high - low;
              const v = p.variances[c * d + f] as number;
              const m = p.means[c * d + f] as number;
              expect(Number.isFinite(v) && v > 0).toBe(true);
              expect(v).toBeGreaterThanOrEqual(varianceFloor(bQ, counts[c] as number, r));
              if (r > 0) expect(v).toBeLessThanOrEqual((r * r) / 4);
              expect(m).toBeGreaterThanOrEqual(low);
              expect(m).toBeLessThanOrEqual(high);
            }
          }
          expect(priors).toBeCloseTo(1, 12);
        },
      ),
      { numRuns: 200 },
    );
  });
});
