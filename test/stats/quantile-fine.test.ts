/**
 * dpQuantile on the fine grid (2³² bins, or one bin per integer of a declared integer column):
 * outputs in bounds and integer where declared, the interval holds the value, the charge is the
 * map and the map is the dense mechanism's; on wide bounds at n = 30,162 the value is within the
 * rank bound of the data (accuracy against diffprivlib: bench/stats/quantiles.md).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import {
  dpQuantile,
  FINE_QUANTILE_BINS,
  fineQuantileGrid,
  makeFineQuantileMeasurement,
  makeQuantileMeasurement,
  quantileBinIndex,
} from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

describe('dpQuantile on the fine grid', () => {
  it('generative: value in bounds, integer when declared, interval holds it, charge = map = the dense map (fast-check, seed 21)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -5, max: 30 }), fc.double({ min: -5, max: 30, noNaN: true })), { maxLength: 120 }),
        fc.constantFrom<[number, number]>([0, 20], [-3, 25], [0, 1.5e6], [0.5, 7.25]),
        fc.constantFrom(0, 0.1, 0.5, 0.9, 1),
        fc.boolean(),
        fc.constantFrom(0, 0.2, 0.5),
        fc.integer({ min: 0, max: 1_000 }),
        (xs, bounds, q, integer, intervalShare, seed) => {
          const budget = PrivacyBudget.pure(10);
          const r = dpQuantile(xs, q, {
            bounds,
            budget: { epsilon: 1 },
            integer,
            intervalShare,
            rng: new SeededRandomSource(seed),
            spendFrom: budget,
          });
          expect(r.value).toBeGreaterThanOrEqual(bounds[0]);
          expect(r.value).toBeLessThanOrEqual(bounds[1]);
          expect(r.interval.lower).toBeLessThanOrEqual(r.value);
          expect(r.interval.upper).toBeGreaterThanOrEqual(r.value);
          expect(r.interval.lower).toBeGreaterThanOrEqual(bounds[0]);
          expect(r.interval.upper).toBeLessThanOrEqual(bounds[1]);
          if (integer && Math.ceil(bounds[0]) <= Math.floor(bounds[1])) {
            expect(Number.isInteger(r.value)).toBe(true);
            expect(Number.isInteger(r.interval.lower) && Number.isInteger(r.interval.upper)).toBe(true);
          }
          const p = { bounds, quantile: q, budget: { epsilon: 1 }, intervalShare, integer };
          const grid = fineQuantileGrid(bounds, integer);
          const fine = makeFineQuantileMeasurement({ ...p, bounds: grid.bounds }, grid.bins).privacyMap(1);
          expect(r.guarantee).toEqual(fine);
          expect(r.charged).toEqual(fine);
          expect(fine).toEqual(makeQuantileMeasurement(p, 4096).privacyMap(1));
        },
      ),
      { seed: 21, numRuns: 150 },
    );
  });

  it('uses one bin per integer for a declared integer column with integer bounds, else 2³² bins', () => {
    expect(fineQuantileGrid([17, 90], true)).toEqual({ bounds: [16.5, 90.5], bins: 74 });
    expect(fineQuantileGrid([17, 90], false)).toEqual({ bounds: [17, 90], bins: FINE_QUANTILE_BINS });
    expect(fineQuantileGrid([0.5, 9], true)).toEqual({ bounds: [0.5, 9], bins: FINE_QUANTILE_BINS });
  });

  it('one bin per integer only when |L|, |U| < 2⁵² (there L − ½ and U + ½ are doubles): integer x is in bin x − L, generatively', () => {
    // Review stop 20 (third shift): at [2⁵² + 1, 2⁵² + 2²⁰] L − ½ rounded and x fell in bin x − L + 1.
    const near = fc.oneof(
      fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((d) => 2 ** 52 + d),
      fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((d) => -(2 ** 52) + d),
      fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((d) => 2 ** 53 - 2 ** 21 + d),
    );
    fc.assert(
      fc.property(near, fc.integer({ min: 1, max: 2 ** 20 }), fc.nat(), (lower, span, pick) => {
        const upper = lower + span;
        const grid = fineQuantileGrid([lower, upper], true);
        const lattice = Math.abs(lower) < 2 ** 52 && Math.abs(upper) < 2 ** 52;
        if (!lattice) {
          expect(grid).toEqual({ bounds: [lower, upper], bins: FINE_QUANTILE_BINS });
          return;
        }
        expect(grid.bins).toBe(span + 1);
        expect(grid.bounds[0]).toBe(lower - 0.5);
        expect(grid.bounds[1] - grid.bounds[0]).toBe(span + 1); // both ends exact
        for (const x of [lower, upper, lower + (pick % (span + 1))]) {
          expect(quantileBinIndex(x, grid.bounds[0], grid.bounds[1], grid.bins)).toBe(x - lower);
        }
      }),
      { seed: 52, numRuns: 300 },
    );
    // The reviewer's case now runs on 2³² equal bins; dpQuantile there is an integer inside the bounds.
    const lower = 2 ** 52 + 1;
    const upper = 2 ** 52 + 2 ** 20;
    expect(fineQuantileGrid([lower, upper], true).bins).toBe(FINE_QUANTILE_BINS);
    const xs = Array.from({ length: 200 }, (_, i) => lower + 1000 + i);
    const r = dpQuantile(xs, 0.5, { bounds: [lower, upper], budget: { epsilon: 1 }, integer: true, rng: new SeededRandomSource(5) });
    expect(Number.isInteger(r.value) && r.value >= lower && r.value <= upper).toBe(true);
  });

  it('wide bounds [0, 1.5e6], n = 30,162: every released median lies within the rank bound R(1e-9) of the data (20 releases; false-failure probability <= 20·1e-9 < 1e-6)', () => {
    const data = new SeededRandomSource(42);
    const u = () => (data.nextUint32() + 0.5) / 2 ** 32;
    const xs = Array.from({ length: 30_162 }, () =>
      Math.min(1.5e6, Math.max(0, 180_000 + 100_000 * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()))),
    );
    const sorted = [...xs].sort((a, b) => a - b);
    const t = 0.5 * xs.length;
    // Scale 2Δu/ε = 1 (Δu = ½, ε = 1): P(rank distance > ln(2³²) + ln(10⁹)) ≤ 10⁻⁹.
    const R = Math.log(2 ** 32) + Math.log(1e9);
    const slack = 1.5e6 / 2 ** 32; // one fine bin
    const low = (sorted[Math.floor(t - R) - 1] as number) - slack;
    const high = (sorted[Math.ceil(t + R)] as number) + slack;
    const rng = new SeededRandomSource('fine-wide');
    for (let i = 0; i < 20; i++) {
      const v = dpQuantile(xs, 0.5, { bounds: [0, 1.5e6], budget: { epsilon: 1 }, rng }).value;
      expect(v).toBeGreaterThanOrEqual(low);
      expect(v).toBeLessThanOrEqual(high);
    }
  });
});
