import { describe, expect, it } from 'vitest';
import {
  dpQuantile,
  dpQuantiles,
  LogHistogram,
  logBinIndex,
  makePartitionSelector,
  quantileBinIndex,
  releaseApproximateBounds,
  releaseQuantile,
  truncatedGeometricProbabilities,
} from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { binomialLowerLimit } from './binomial.js';

describe('releaseQuantile (exponential mechanism over data intervals)', () => {
  const values = Array.from({ length: 5001 }, (_, i) => i / 50); // 0 … 100, median 50
  it('the released median is within the utility bound in 300 of 300 runs (false-failure probability <= 300·1e-9 < 1e-6)', () => {
    const rng = new SeededRandomSource(21);
    const sorted = values;
    for (let t = 0; t < 300; t++) {
      const r = dpQuantile(values, 0.5, { bounds: [0, 100], budget: { epsilon: 1 }, bins: 1024, rng });
      // EM: P(rank error > 2(ln bins + ln(1/β))/ε) <= β; β = 1e-9; plus one bin of width for the snap.
      const bound = 2 * (Math.log(1024) + Math.log(1e9));
      const rank = sorted.filter((x) => x < r.value).length;
      expect(Math.abs(rank - 2500)).toBeLessThanOrEqual(bound + 5001 / 1024 + 1);
    }
  });

  it('min and max are extreme quantiles: inside the bounds, at or beyond the data extremes (empty bins outside the data have full utility)', () => {
    const rng = new SeededRandomSource(22);
    const lo = dpQuantile(values, 0, { bounds: [-50, 150], budget: { epsilon: 2 }, rng });
    const hi = dpQuantile(values, 1, { bounds: [-50, 150], budget: { epsilon: 2 }, rng });
    expect(lo.value).toBeGreaterThanOrEqual(-50);
    expect(lo.value).toBeLessThan(2);
    expect(hi.value).toBeGreaterThan(98);
    expect(hi.value).toBeLessThanOrEqual(150);
  });

  it('is pure ε with the ε split over maxPartitions, and ε²/2-zCDP under a ρ budget', () => {
    const r = releaseQuantile({
      binCounts: [1, 2, 3, 4],
      bounds: [0, 4],
      quantile: 0.5,
      budget: { rho: 0.5 },
      rng: new SeededRandomSource(1),
    });
    expect(r.guarantee).toEqual({ kind: 'zcdp', rho: 0.5 });
    const p = releaseQuantile({
      binCounts: [1, 2, 3, 4],
      bounds: [0, 4],
      quantile: 0.5,
      budget: { epsilon: 1 },
      maxPartitions: 4,
      rng: new SeededRandomSource(1),
    });
    expect(p.guarantee).toEqual({ kind: 'pure', epsilon: 1 });
    expect(p.interval.method).toBe('bounds');
  });

  it('refuses bad quantiles and counts', () => {
    expect(() => releaseQuantile({ binCounts: [1, 2], bounds: [0, 1], quantile: 1.5, budget: { epsilon: 1 } })).toThrow(
      /INVALID_PARAMETER/,
    );
    expect(() => releaseQuantile({ binCounts: [1, -2], bounds: [0, 1], quantile: 0.5, budget: { epsilon: 1 } })).toThrow(
      /INVALID_PARAMETER/,
    );
    expect(() => releaseQuantile({ binCounts: [1, 2], bounds: [0, 1], quantile: Number.NaN, budget: { epsilon: 1 } })).toThrow(
      /INVALID_PARAMETER/,
    );
  });

  it('refuses a confidence outside (0, 1) instead of returning a NaN rank-error bound', () => {
    for (const confidence of [0, 1, 1.5, Number.NaN]) {
      expect(() => releaseQuantile({ binCounts: [1, 2], bounds: [0, 1], quantile: 0.5, confidence, budget: { epsilon: 1 } })).toThrow(
        /INVALID_PARAMETER/,
      );
    }
  });

  it('quantileBinIndex clamps into [0, bins − 1]', () => {
    expect(quantileBinIndex(-5, 0, 10, 10)).toBe(0);
    expect(quantileBinIndex(10, 0, 10, 10)).toBe(9);
    expect(quantileBinIndex(1e308, 0, 10, 10)).toBe(9);
    expect(quantileBinIndex(-0, 0, 10, 10)).toBe(0);
  });
});

describe('releaseQuantiles (quantile tree)', () => {
  it('several quantiles are ordered and close to the truth on 20000 values (seeded; accuracy margin >= 25 noise scales)', () => {
    const values = Array.from({ length: 20000 }, (_, i) => (i % 1000) / 10); // uniform on [0, 100)
    const rs = dpQuantiles(values, [0.1, 0.25, 0.5, 0.75, 0.9], {
      bounds: [0, 100],
      budget: { epsilon: 1 },
      rng: new SeededRandomSource(31),
    });
    const truth = [10, 25, 50, 75, 90];
    rs.forEach((r, i) => {
      expect(Math.abs(r.value - (truth[i] as number))).toBeLessThan(1.5);
    });
    for (let i = 1; i < rs.length; i++)
      expect((rs[i] as { value: number }).value).toBeGreaterThanOrEqual((rs[i - 1] as { value: number }).value);
  });
});

describe('quantile tree intervals', () => {
  it('95% union-bound intervals cover the exact quantiles at least 95% of the time (300 releases; false-failure probability <= 1e-6)', () => {
    const values = Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 3000) / 30); // 0 … 99.97
    const sorted = [...values].sort((a, b) => a - b);
    const qs = [0.1, 0.5, 0.9];
    const truth = qs.map((q) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number);
    const rng = new SeededRandomSource(61);
    const n = 300;
    let covered = 0;
    for (let t = 0; t < n; t++) {
      const rs = dpQuantiles(values, qs, { bounds: [0, 100], budget: { epsilon: 0.5 }, bins: 256, rng });
      // One event covers all quantiles of a release; count a release as covered when all are.
      if (rs.every((r, i) => r.interval.lower <= (truth[i] as number) && (truth[i] as number) <= r.interval.upper)) covered++;
      for (const r of rs) expect(r.interval.method).toBe('union-bound');
    }
    expect(covered).toBeGreaterThanOrEqual(binomialLowerLimit(n, 0.95, 1e-6));
  });
});

describe('single quantile with an interval share', () => {
  it('95% intervals cover the exact median at least 95% of the time (300 releases; false-failure probability <= 1e-6)', () => {
    const values = Array.from({ length: 2001 }, (_, i) => ((i * 7919) % 2001) / 20);
    const truth = [...values].sort((a, b) => a - b)[1000] as number;
    const rng = new SeededRandomSource(71);
    const n = 300;
    let covered = 0;
    for (let t = 0; t < n; t++) {
      const r = dpQuantile(values, 0.5, { bounds: [0, 100], budget: { epsilon: 1 }, bins: 256, intervalShare: 0.3, rng });
      expect(r.interval.method).toBe('union-bound');
      expect(r.interval.lower).toBeLessThanOrEqual(r.value);
      expect(r.value).toBeLessThanOrEqual(r.interval.upper);
      expect(r.guarantee.kind === 'pure' && r.guarantee.epsilon).toBeLessThanOrEqual(1);
      if (r.interval.lower <= truth && truth <= r.interval.upper) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(binomialLowerLimit(n, 0.95, 1e-6));
  });
});

describe('partition selection', () => {
  it('truncated-geometric keep probabilities satisfy the (ε, δ) constraints, start at 0, increase and reach 1', () => {
    for (const [epsilon, delta] of [
      [1, 1e-6],
      [0.1, 1e-9],
      [3, 1e-5],
    ] as const) {
      const p = truncatedGeometricProbabilities(epsilon, delta);
      expect(p[0]).toBe(0);
      expect(p[p.length - 1]).toBe(1);
      for (let n = 1; n < p.length; n++) {
        const a = p[n] as number;
        const b = p[n - 1] as number;
        expect(a).toBeGreaterThanOrEqual(b);
        expect(a).toBeLessThanOrEqual(Math.exp(epsilon) * b + delta + 1e-15);
        expect(1 - b).toBeLessThanOrEqual(Math.exp(epsilon) * (1 - a) + delta + 1e-15);
      }
      expect(p[1]).toBeLessThanOrEqual(delta);
    }
  });

  it('keeps big partitions and drops single-unit ones for all three methods (seeded; each check fails w.p. < 1e-7)', () => {
    const rng = new SeededRandomSource(41);
    for (const method of ['truncated-geometric', 'laplace', 'gaussian'] as const) {
      const s = makePartitionSelector({ epsilon: 1, delta: 1e-8, maxPartitions: 2, method });
      expect(s.guarantee).toEqual({ kind: 'approximate', epsilon: 1, delta: 1e-8 });
      for (let i = 0; i < 20; i++) {
        expect(s.keep(1, rng)).toBe(false);
        expect(s.keep(1000, rng)).toBe(true);
      }
    }
  });

  it('refuses delta = 0 and bad counts', () => {
    expect(() => makePartitionSelector({ epsilon: 1, delta: 0 })).toThrow(/INVALID_PARAMETER/);
    const s = makePartitionSelector({ epsilon: 1, delta: 1e-6 });
    expect(() => s.keep(Number.NaN)).toThrow(/INVALID_PARAMETER/);
  });
});

describe('approximate bounds', () => {
  it('bins values on a log scale', () => {
    expect(logBinIndex(0)).toBe(0);
    expect(logBinIndex(0.5)).toBe(0);
    expect(logBinIndex(1)).toBe(1);
    expect(logBinIndex(3)).toBe(2);
    expect(logBinIndex(-3)).toBe(-3);
    expect(logBinIndex(1e300)).toBe(63);
  });

  it('finds power-of-two bounds around the bulk of the data (seeded; an empty bin passes w.p. <= 1e-7, a full one fails w.p. < 1e-9)', () => {
    const h = new LogHistogram();
    for (let i = 0; i < 5000; i++) h.add(10 + (i % 990));
    const r = releaseApproximateBounds(h, { epsilon: 1, falsePositive: 1e-7, rng: new SeededRandomSource(51) });
    expect(r.bounds).toBeDefined();
    const [lo, hi] = r.bounds as [number, number];
    expect(lo).toBeLessThanOrEqual(10);
    expect(lo).toBeGreaterThanOrEqual(4);
    expect(hi).toBeGreaterThanOrEqual(999);
    expect(hi).toBeLessThanOrEqual(2048);
    expect(r.guarantee).toEqual({ kind: 'pure', epsilon: 1 });
  });

  it('returns no bounds for an empty histogram with high probability (seeded)', () => {
    const r = releaseApproximateBounds(new LogHistogram(), { epsilon: 1, rng: new SeededRandomSource(52) });
    expect(r.bounds).toBeUndefined();
  });
});
