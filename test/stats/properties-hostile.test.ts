import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyValueRule,
  ContributionBounder,
  dpMean,
  dpStddev,
  dpSum,
  makeFixedPointGrid,
  meanGrid,
  sumGrid,
} from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { startTrace } from '../../src/testing/trace.js';

const hostile = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  2 ** 53,
  2 ** 53 - 1,
  -(2 ** 53),
  1e308,
  -1e308,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
];
const anyDouble = fc.oneof(
  fc.double(),
  fc.constantFrom(...hostile),
  fc.integer({ min: -1000, max: 1000 }).map((x) => x / 8),
);
const boundsArb = fc
  .tuple(fc.double({ min: -1e15, max: 1e15, noNaN: true }), fc.double({ min: -1e15, max: 1e15, noNaN: true }))
  .filter(([a, b]) => a < b && b - a > 1e-300);

/** The exact units that reached the noise primitive (trace hook), for one release. */
function tracedUnits(f: () => unknown): bigint[] {
  const trace = startTrace();
  try {
    f();
  } finally {
    trace.stop();
  }
  return trace.noise.map((r) => BigInt(r.value));
}

describe('fixed-point grid (property tests)', () => {
  it('every unit value lies in [−maxUnits, maxUnits] and maps back inside the bounds up to one grid step', () => {
    fc.assert(
      fc.property(boundsArb, fc.array(anyDouble, { maxLength: 50 }), ([lo, hi], xs) => {
        const g = makeFixedPointGrid([lo, hi]);
        for (const x of xs) {
          if (Number.isNaN(x)) continue;
          const u = g.toUnits(x);
          expect(Number.isInteger(u)).toBe(true);
          expect(Object.is(u, -0)).toBe(false);
          expect(Math.abs(u)).toBeLessThanOrEqual(g.maxUnits);
          const back = u * g.granularity;
          expect(back).toBeGreaterThanOrEqual(lo - g.granularity);
          expect(back).toBeLessThanOrEqual(hi + g.granularity);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('toUnits is monotone (so any rounding rule stays within the sensitivity)', () => {
    fc.assert(
      fc.property(boundsArb, anyDouble, anyDouble, ([lo, hi], a, b) => {
        fc.pre(!Number.isNaN(a) && !Number.isNaN(b));
        const g = makeFixedPointGrid([lo, hi], { shift: lo / 2 + hi / 2 });
        const [x, y] = a <= b ? [a, b] : [b, a];
        expect(g.toUnits(x)).toBeLessThanOrEqual(g.toUnits(y));
      }),
      { numRuns: 500 },
    );
  });

  it('dpSum releases exactly the BigInt reference sum of clamped grid units (typed and plain arrays, hostile values dropped)', () => {
    fc.assert(
      fc.property(boundsArb, fc.array(anyDouble, { maxLength: 200 }), ([lo, hi], xs) => {
        const g = sumGrid([lo, hi]);
        const reference = xs.filter((x) => Number.isFinite(x)).reduce((s, x) => s + BigInt(g.toUnits(x)), 0n);
        const rng = new SeededRandomSource(1);
        const typed = tracedUnits(() => dpSum(Float64Array.from(xs), { bounds: [lo, hi], budget: { epsilon: 1 }, rng }));
        const plain = tracedUnits(() => dpSum(xs, { bounds: [lo, hi], budget: { epsilon: 1 }, rng }));
        expect(typed).toEqual([reference]);
        expect(plain).toEqual([reference]);
      }),
      { numRuns: 200 },
    );
  });

  it('dpMean counts only valid values and sums them exactly (drop rule); impute replaces them', () => {
    fc.assert(
      fc.property(fc.array(anyDouble, { maxLength: 100 }), (xs) => {
        const g = meanGrid([-10, 10]);
        const valid = xs.filter((x) => Number.isFinite(x));
        const traced = tracedUnits(() =>
          dpMean(Float64Array.from(xs), { bounds: [-10, 10], budget: { epsilon: 1 }, rng: new SeededRandomSource(2) }),
        );
        expect(traced).toEqual([BigInt(valid.length), valid.reduce((s, x) => s + BigInt(g.toUnits(x)), 0n)]);
        const imputed = tracedUnits(() =>
          dpMean(Float64Array.from(xs), {
            bounds: [-10, 10],
            budget: { epsilon: 1 },
            onInvalid: { impute: 3 },
            rng: new SeededRandomSource(2),
          }),
        );
        const ref = xs.map((x) => (Number.isFinite(x) ? x : 3));
        expect(imputed).toEqual([BigInt(xs.length), ref.reduce((s, x) => s + BigInt(g.toUnits(x)), 0n)]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('hostile values (SECURITY.md §3–4)', () => {
  const rng = new SeededRandomSource(9);

  it('NaN and ±Infinity never reach a sum; results stay finite', () => {
    const xs = new Float64Array([1, Number.NaN, 2, Number.POSITIVE_INFINITY, 3, Number.NEGATIVE_INFINITY, -0]);
    const units = tracedUnits(() => dpSum(xs, { bounds: [0, 10], budget: { epsilon: 1 }, rng }));
    const g = sumGrid([0, 10]);
    expect(units).toEqual([BigInt(g.toUnits(1) + g.toUnits(2) + g.toUnits(3))]);
    for (const r of [
      dpSum(xs, { bounds: [0, 10], budget: { epsilon: 1 }, rng }),
      dpMean(xs, { bounds: [0, 10], budget: { epsilon: 1 }, rng }),
      dpStddev(xs, { bounds: [0, 10], budget: { epsilon: 1 }, rng }),
    ]) {
      expect(Number.isFinite(r.value)).toBe(true);
      expect(Number.isFinite(r.interval.lower) && Number.isFinite(r.interval.upper)).toBe(true);
    }
  });

  it('an all-NaN column is an empty column, not an error (errors would depend on data)', () => {
    const xs = new Float64Array(1000).fill(Number.NaN);
    const units = tracedUnits(() => dpMean(xs, { bounds: [0, 10], budget: { epsilon: 1 }, rng }));
    expect(units).toEqual([0n, 0n]);
  });

  it('values near 2^53 with bounds near 2^53 are summed exactly (no precision loss, no overflow throw)', () => {
    const big = 2 ** 53;
    const xs = new Float64Array(5000).fill(big - 1);
    xs[0] = big;
    xs[1] = 1e308;
    xs[2] = -1e308;
    const bounds: [number, number] = [-big, big];
    const g = sumGrid(bounds);
    const reference = Array.from(xs).reduce((s, x) => s + BigInt(g.toUnits(x)), 0n);
    const units = tracedUnits(() => dpSum(xs, { bounds, budget: { epsilon: 1 }, rng }));
    expect(units).toEqual([reference]);
    // The grid is exact here: 2^53 − 1 is a whole number of grid steps? It is within one step.
    expect(Math.abs(Number(reference) * g.granularity - ((big - 1) * 4997 + big + big - big))).toBeLessThanOrEqual(5000 * g.granularity);
  });

  it('−0 is read as 0 in bounds and values', () => {
    const g = makeFixedPointGrid([-0, 1]);
    expect(Object.is(g.lower, 0)).toBe(true);
    expect(Object.is(g.toUnits(-0), 0)).toBe(true);
    expect(applyValueRule(-0, 'drop')).toBe(0);
    expect(Object.is(applyValueRule(-0, 'drop'), -0)).toBe(false);
  });

  it('the value rule rejects strings that are not numbers and accepts numeric strings', () => {
    expect(applyValueRule(' 4.5 ', 'drop')).toBe(4.5);
    expect(applyValueRule('', 'drop')).toBeUndefined();
    expect(applyValueRule('NaN', 'drop')).toBeUndefined();
    expect(applyValueRule('Infinity', { impute: 7 })).toBe(7);
    expect(applyValueRule(null, { impute: 7 })).toBe(7);
    expect(applyValueRule(true, 'drop')).toBeUndefined();
    expect(applyValueRule(12n, 'drop')).toBe(12);
  });

  it('hostile parameters are refused before any data is read', () => {
    const xs = new Float64Array([1, 2, 3]);
    expect(() => dpSum(xs, { bounds: [0, Number.NaN], budget: { epsilon: 1 } })).toThrow(/INVALID_PARAMETER/);
    expect(() => dpSum(xs, { bounds: [0, 1], budget: { epsilon: -0 } })).toThrow(/INVALID_PARAMETER/);
    expect(() => dpSum(xs, { bounds: [0, 1], budget: { epsilon: Number.POSITIVE_INFINITY } })).toThrow(/INVALID_PARAMETER/);
    expect(() => dpMean(xs, { bounds: [0, 1], budget: { epsilon: 1 }, onInvalid: { impute: Number.NaN } })).toThrow(/INVALID_PARAMETER/);
  });
});

describe('contribution bounding (property tests)', () => {
  it('never keeps more than maxPartitions partitions or maxContributionsPerPartition rows per unit, and keeps everything within limits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 6 })), { maxLength: 200 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        (rows, maxPartitions, maxRows, seed) => {
          const b = new ContributionBounder<number>({ maxPartitions, maxContributionsPerPartition: maxRows }, new SeededRandomSource(seed));
          rows.forEach(([u, p], i) => {
            b.add(u, String(p), i);
          });
          const perUnit = new Map<unknown, number>();
          const seen = new Set<number>();
          for (const { unit, partition, rows: kept } of b.kept()) {
            perUnit.set(unit, (perUnit.get(unit) ?? 0) + 1);
            expect(kept.length).toBeLessThanOrEqual(maxRows);
            for (const i of kept) {
              expect(seen.has(i)).toBe(false);
              seen.add(i);
              const row = rows[i] as [number, number];
              expect(row[0]).toBe(unit);
              expect(String(row[1])).toBe(partition);
            }
            const available = rows.filter(([u, p]) => u === unit && String(p) === partition).length;
            expect(kept.length).toBe(Math.min(available, maxRows));
          }
          for (const [unit, n] of perUnit) {
            expect(n).toBeLessThanOrEqual(maxPartitions);
            const distinct = new Set(rows.filter(([u]) => u === unit).map(([, p]) => p)).size;
            expect(n).toBe(Math.min(distinct, maxPartitions));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('drops excess rows uniformly, not by order: each of 4 rows is kept about half the time with 2 slots (4000 runs; false-failure probability <= 1e-6)', () => {
    const rng = new SeededRandomSource(77);
    const kept = [0, 0, 0, 0];
    const runs = 4000;
    for (let r = 0; r < runs; r++) {
      const b = new ContributionBounder<number>({ maxPartitions: 1, maxContributionsPerPartition: 2 }, rng);
      for (let i = 0; i < 4; i++) b.add('alice', 'g', i);
      for (const { rows } of b.kept()) for (const i of rows) kept[i] = (kept[i] as number) + 1;
    }
    // Bin(4000, 1/2): P(|X − 2000| > 165) < 2.5e-7 per row (Hoeffding: 2·exp(−2·165²/4000)).
    for (const k of kept) expect(Math.abs(k - runs / 2)).toBeLessThanOrEqual(165);
  });
});
