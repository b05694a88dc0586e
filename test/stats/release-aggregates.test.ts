import { describe, expect, it } from 'vitest';
import { gaussianHalfWidth, laplaceHalfWidth } from '../../src/stats/_internal/noise.js';
import {
  meanGrid,
  releaseCount,
  releaseCountDistinct,
  releaseMean,
  releaseMeanKnownSize,
  releaseStddev,
  releaseSum,
  releaseVariance,
  sumGrid,
  varianceGrid,
} from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { startTrace } from '../../src/testing/trace.js';
import { binomialLowerLimit, binomialUpperLimit } from './binomial.js';

const ALPHA = 1e-6;

function exactLaplaceCoverage(scale: number, k: number): number {
  const lambda = Math.exp(-1 / scale);
  return 1 - (2 * lambda ** (k + 1)) / (1 + lambda);
}

describe('releaseCount', () => {
  it('returns an integer value, the pure guarantee and an analytic interval', () => {
    const r = releaseCount({ count: 100n, budget: { epsilon: 0.5 }, rng: new SeededRandomSource(1) });
    expect(Number.isInteger(r.value)).toBe(true);
    expect(r.guarantee).toEqual({ kind: 'pure', epsilon: 0.5 });
    expect(r.interval.method).toBe('analytic');
    expect(r.interval.lower).toBeLessThanOrEqual(r.value);
    expect(r.notForRelease).toBe(true);
  });

  it('scales noise with maxPartitions · maxContributionsPerPartition (L1) and sqrt for zCDP (L2)', () => {
    const a = releaseCount({
      count: 5,
      budget: { epsilon: 1 },
      maxPartitions: 3,
      maxContributionsPerPartition: 2,
      rng: new SeededRandomSource(2),
    });
    expect(a.noise[0]?.scale).toBe(6);
    const b = releaseCount({
      count: 5,
      budget: { rho: 0.5 },
      maxPartitions: 4,
      maxContributionsPerPartition: 1,
      rng: new SeededRandomSource(2),
    });
    expect(b.noise[0]?.kind).toBe('discrete-gaussian');
    expect(b.noise[0]?.scale).toBeCloseTo(2, 12); // σ² = 4 / (2 · 0.5)
    expect(b.guarantee).toEqual({ kind: 'zcdp', rho: 0.5 });
  });

  it('counts distinct units with sensitivity maxPartitions only', () => {
    const r = releaseCountDistinct({ units: 10, budget: { epsilon: 1 }, maxPartitions: 2, rng: new SeededRandomSource(3) });
    expect(r.noise[0]?.scale).toBe(2);
  });

  it('refuses bad budgets and counts with INVALID_PARAMETER', () => {
    expect(() => releaseCount({ count: 1, budget: { epsilon: Number.NaN } })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseCount({ count: 1, budget: { epsilon: 0 } })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseCount({ count: 1.5, budget: { epsilon: 1 } })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseCount({ count: 1, budget: { rho: Number.POSITIVE_INFINITY } })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseCount({ count: 1, budget: { epsilon: 1 }, maxPartitions: 0 })).toThrow(/INVALID_PARAMETER/);
  });

  it('interval half-widths reach the stated level and are not loose (exact discrete Laplace tail)', () => {
    for (const scale of [0.5, 1, 3, 20, 1e6]) {
      const k = laplaceHalfWidth(scale, 0.95);
      expect(exactLaplaceCoverage(scale, k)).toBeGreaterThanOrEqual(0.95);
      if (k > 0) expect(exactLaplaceCoverage(scale, k - 1)).toBeLessThan(0.95);
    }
    expect(gaussianHalfWidth(10, 0.95)).toBeGreaterThanOrEqual(19);
    expect(gaussianHalfWidth(10, 0.95)).toBeLessThanOrEqual(21);
  });

  it('95% intervals cover the true count about 95% of the time (3000 releases; false-failure probability <= 1e-6)', () => {
    const rng = new SeededRandomSource(42);
    const n = 3000;
    let covered = 0;
    let scale = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const r = releaseCount({ count: 500, budget: { epsilon: 0.05 }, rng });
      scale = r.noise[0]?.scale ?? 0;
      k = (r.interval.upper - r.interval.lower) / 2;
      if (r.interval.lower <= 500 && 500 <= r.interval.upper) covered++;
    }
    const p = exactLaplaceCoverage(scale, k);
    expect(p).toBeGreaterThanOrEqual(0.95);
    expect(p).toBeLessThan(0.955);
    expect(covered).toBeGreaterThanOrEqual(binomialLowerLimit(n, p, ALPHA / 2));
    expect(covered).toBeLessThanOrEqual(binomialUpperLimit(n, p, ALPHA / 2));
  });
});

describe('releaseSum', () => {
  it('releases the exact grid sum plus integer noise (trace shows the exact units)', () => {
    const g = sumGrid([0, 100]);
    const xs = [0.1, 0.2, 0.3, 99.99, 150, -3];
    const units = xs.reduce((s, x) => s + BigInt(g.toUnits(x)), 0n);
    const trace = startTrace();
    const r = releaseSum({ units, bounds: [0, 100], budget: { epsilon: 1 }, rng: new SeededRandomSource(5) });
    trace.stop();
    expect(trace.noise[0]?.value).toBe(units);
    expect(trace.noise[0]?.sensitivity).toBeCloseTo(100, 6);
    expect(Math.abs(r.value - 200.59)).toBeLessThan(2000);
    expect(r.interval.lower).toBeLessThan(r.value);
  });

  it('widens the sensitivity for a float sum by the rounding bound', () => {
    const exact = releaseSum({ units: 0n, bounds: [0, 1], budget: { epsilon: 1 }, rng: new SeededRandomSource(1) });
    const float = releaseSum({ floatSum: 0.5, rowBound: 1e6, bounds: [0, 1], budget: { epsilon: 1 }, rng: new SeededRandomSource(1) });
    expect((float.noise[0]?.scale ?? 0) > (exact.noise[0]?.scale ?? 0)).toBe(true);
    expect(() => releaseSum({ floatSum: Number.NaN, rowBound: 10, bounds: [0, 1], budget: { epsilon: 1 } })).toThrow(/INVALID_PARAMETER/);
  });

  it('95% Gaussian intervals of sums cover at least ~95% (2000 releases; false-failure probability <= 1e-6)', () => {
    const rng = new SeededRandomSource(7);
    const g = sumGrid([-5, 5]);
    const units = BigInt(g.toUnits(3.25)) * 1000n;
    const truth = Number(units) * g.granularity;
    let covered = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const r = releaseSum({ units, bounds: [-5, 5], budget: { rho: 0.1 }, rng });
      if (r.interval.lower <= truth && truth <= r.interval.upper) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(binomialLowerLimit(n, 0.95, ALPHA));
  });

  it('refuses bad bounds', () => {
    expect(() => releaseSum({ units: 0n, bounds: [1, 1], budget: { epsilon: 1 } })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseSum({ units: 0n, bounds: [0, Number.POSITIVE_INFINITY], budget: { epsilon: 1 } })).toThrow(/INVALID_PARAMETER/);
    expect(() => releaseSum({ units: 0n, bounds: [Number.NaN, 1], budget: { epsilon: 1 } })).toThrow(/INVALID_PARAMETER/);
  });
});

function meanInputs(xs: number[], bounds: [number, number]) {
  const g = meanGrid(bounds);
  return { count: xs.length, units: xs.reduce((s, x) => s + BigInt(g.toUnits(x)), 0n) };
}

describe('releaseMean, releaseVariance, releaseStddev', () => {
  const xs = Array.from({ length: 2000 }, (_, i) => 20 + (i % 41));
  const trueMean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const trueVar = xs.reduce((s, x) => s + (x - trueMean) ** 2, 0) / xs.length;

  it('mean is accurate, within bounds, and its guarantee is the whole budget', () => {
    const r = releaseMean({ ...meanInputs(xs, [0, 100]), bounds: [0, 100], budget: { epsilon: 1 }, rng: new SeededRandomSource(11) });
    expect(r.value).toBeGreaterThanOrEqual(0);
    expect(r.value).toBeLessThanOrEqual(100);
    expect(Math.abs(r.value - trueMean)).toBeLessThan(1);
    expect(r.guarantee.kind).toBe('pure');
    expect(r.guarantee.kind === 'pure' && r.guarantee.epsilon).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('95% mean intervals cover the true mean at least 95% of the time (1500 releases; false-failure probability <= 1e-6)', () => {
    const rng = new SeededRandomSource(12);
    const small = xs.slice(0, 50);
    const input = meanInputs(small, [0, 100]);
    const truth = small.reduce((s, x) => s + x, 0) / small.length;
    let covered = 0;
    const n = 1500;
    for (let i = 0; i < n; i++) {
      const r = releaseMean({ ...input, bounds: [0, 100], budget: { epsilon: 1 }, rng });
      if (r.interval.lower <= truth && truth <= r.interval.upper) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(binomialLowerLimit(n, 0.95, ALPHA));
  });

  it('known-size mean has the diffprivlib sensitivity (upper − lower) and change-one semantics', () => {
    const input = meanInputs(xs, [0, 100]);
    const r = releaseMeanKnownSize({
      size: xs.length,
      units: input.units,
      bounds: [0, 100],
      budget: { epsilon: 1 },
      rng: new SeededRandomSource(3),
    });
    expect(Math.abs(r.value - trueMean)).toBeLessThan(0.5);
  });

  it('variance and stddev are accurate and their intervals cover the truth (400 releases; false-failure probability <= 1e-6)', () => {
    const g = varianceGrid([0, 100]);
    let units = 0n;
    let squares = 0n;
    for (const x of xs) {
      const d = BigInt(g.toUnits(x));
      units += d;
      squares += d * d;
    }
    const rng = new SeededRandomSource(13);
    let covered = 0;
    const n = 400;
    for (let i = 0; i < n; i++) {
      const v = releaseVariance({ count: xs.length, units, squaredUnits: squares, bounds: [0, 100], budget: { epsilon: 1 }, rng });
      if (v.interval.lower <= trueVar && trueVar <= v.interval.upper) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(binomialLowerLimit(n, 0.95, ALPHA));
    const sd = releaseStddev({ count: xs.length, units, squaredUnits: squares, bounds: [0, 100], budget: { rho: 1 }, rng });
    expect(Math.abs(sd.value - Math.sqrt(trueVar))).toBeLessThan(1);
    expect(sd.guarantee).toEqual({ kind: 'zcdp', rho: 1 });
  });

  it('an empty partition gives a value inside the bounds, never NaN', () => {
    const r = releaseMean({ count: 0, units: 0, bounds: [-1, 1], budget: { epsilon: 0.1 }, rng: new SeededRandomSource(4) });
    expect(Number.isFinite(r.value)).toBe(true);
    const v = releaseVariance({
      count: 0,
      units: 0,
      squaredUnits: 0,
      bounds: [-1, 1],
      budget: { epsilon: 0.1 },
      rng: new SeededRandomSource(4),
    });
    expect(v.value).toBeGreaterThanOrEqual(0);
    expect(v.value).toBeLessThanOrEqual(1);
  });
});
