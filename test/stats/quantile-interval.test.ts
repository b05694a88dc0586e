/**
 * Issue 11, quantile intervals: "intervals tight enough to be useful (a median
 * of 39.86 reported as [1, 99] at n = 1,628 is not)". The interval of a single
 * quantile comes from two exponential mechanisms aimed r ranks below and above
 * the target (quantile-selection.ts, quantile-interval.proof.md): it covers the
 * exact quantile with probability ≥ the stated confidence, and at n = 1,628,
 * ε = 1 on Adult ages it is a few years wide. Integer columns report integer
 * quantiles and integer interval ends.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { Session } from '../../src/session/index.js';
import { checkQuantileParameters, dpQuantile, releaseQuantile } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { binomialLowerLimit } from './binomial.js';

/** The exact q-quantile as the interval promises to cover it: the value at rank max(1, ⌈q·n⌉). */
function exactQuantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1] as number;
}

/** A seeded sample of `n` Adult ages, drawn without replacement. */
function adultAges(n: number, seed: number): number[] {
  const lines = readFileSync('/work/shared/data/adult.csv', 'utf8').trim().split('\n').slice(1);
  const pool = lines.map((l) => Number(l.split(',')[0]));
  const rng = new SeededRandomSource(seed);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(((rng.nextUint32() + 0.5) / 2 ** 32) * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, n);
}

describe('quantile intervals from two exponential mechanisms', () => {
  const ages = adultAges(1628, 11);
  const truth = exactQuantile(ages, 0.5);

  it('regression (issue 11): at n = 1,628, ε = 1 on Adult ages the median interval is a few years, not [1, 99] (101 releases; false-failure probability <= 1e-6)', () => {
    const rng = new SeededRandomSource(5);
    const widths: number[] = [];
    for (let t = 0; t < 101; t++) {
      // The Session's default share (20%) and the bounds and grid.
      const r = dpQuantile(ages, 0.5, { bounds: [1, 99], budget: { epsilon: 1 }, intervalShare: 0.2, integer: true, rng });
      expect(Number.isInteger(r.value)).toBe(true);
      expect(Number.isInteger(r.interval.lower) && Number.isInteger(r.interval.upper)).toBe(true);
      expect(r.interval.method).toBe('union-bound');
      expect(r.interval.confidence).toBe(0.95);
      widths.push(r.interval.upper - r.interval.lower);
    }
    widths.sort((a, b) => a - b);
    // bench/stats/quantile-intervals.md: median width 4 years, 90th percentile 5. A median above 8 needs 51 of 101
    // widths above 8; each is above 8 with probability well under 0.1 there, so P <= C(101, 51)·0.1^51 < 1e-20.
    expect(widths[50]).toBeLessThanOrEqual(8);
    expect(widths[100]).toBeLessThan(98);
  });

  it('every interval end lies within the proven rank distance r + R(1e-9) of the target (100 releases; false-failure probability <= 200·1e-9 < 1e-6)', () => {
    const rng = new SeededRandomSource(6);
    const sorted = [...ages].sort((a, b) => a - b);
    const n = sorted.length;
    // Per end: ε = 0.1, Δu = 1/2, scale 2Δu/ε = 10; r = ⌈10·(ln 4098 + ln 40)⌉ + 1; R(1e-9) = 10·(ln 4098 + ln 1e9).
    const scale = 10;
    const r = Math.ceil(scale * (Math.log(4098) + Math.log(40)) * (1 + 1e-9)) + 1;
    const far = r + scale * (Math.log(4098) + Math.log(1e9)) + 1;
    const rankLow = Math.max(0, Math.floor(n / 2 - far));
    const rankHigh = Math.min(n - 1, Math.ceil(n / 2 + far));
    for (let t = 0; t < 100; t++) {
      const iv = dpQuantile(ages, 0.5, { bounds: [1, 99], budget: { epsilon: 1 }, intervalShare: 0.2, integer: true, rng }).interval;
      // One bin of slack (4,096 bins on [1, 99]: 0.024 years) and the integer rounding of the ends.
      expect(iv.lower).toBeGreaterThanOrEqual((sorted[rankLow] as number) - 1);
      expect(iv.upper).toBeLessThanOrEqual((sorted[rankHigh] as number) + 1);
    }
  });

  it('95% intervals cover the exact Adult median at least 95% of the time (200 releases; false-failure probability <= 1e-6)', () => {
    const rng = new SeededRandomSource(7);
    let covered = 0;
    for (let t = 0; t < 200; t++) {
      const iv = dpQuantile(ages, 0.5, { bounds: [1, 99], budget: { epsilon: 1 }, intervalShare: 0.2, integer: true, rng }).interval;
      if (iv.lower <= truth && truth <= iv.upper) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(binomialLowerLimit(200, 0.95, 1e-6));
  });

  it('generative: random data (ties, gaps, skew, tiny n), quantiles, budgets and confidence levels: coverage at least the stated level (150 releases; false-failure probability <= 1e-6)', () => {
    // Each release covers with probability ≥ its confidence ≥ 0.8; the number covered is then stochastically at least
    // Bin(150, 0.8), so fewer than binomialLowerLimit(150, 0.8, 1e-6) happens with probability ≤ 1e-6.
    const rng = new SeededRandomSource(8);
    let covered = 0;
    let releases = 0;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 100, noNaN: true })), { minLength: 1, maxLength: 200 }),
        fc.constantFrom(0, 0.05, 0.25, 0.5, 0.75, 0.95, 1),
        fc.double({ min: 0.05, max: 4, noNaN: true }),
        fc.constantFrom(0.8, 0.9, 0.95, 0.99),
        fc.constantFrom(16, 256, 4096),
        (values, q, epsilon, confidence, bins) => {
          const r = dpQuantile(values, q, { bounds: [0, 100], budget: { epsilon }, intervalShare: 0.5, confidence, bins, rng });
          const x = exactQuantile(values, q);
          if (r.interval.lower <= x && x <= r.interval.upper) covered++;
          releases++;
        },
      ),
      { seed: 1111, numRuns: 150 },
    );
    expect(releases).toBe(150);
    expect(covered).toBeGreaterThanOrEqual(binomialLowerLimit(150, 0.8, 1e-6));
  });

  it('the Session median at n = 1,628, ε = 1 has an integer value and an interval a few years wide, charged its privacy map', () => {
    const session = Session.fromColumns({ age: new Float64Array(ages) }, { budget: PrivacyBudget.pure(1), rng: new SeededRandomSource(9) });
    const r = session
      .query()
      .median('age', { bounds: [1, 99], integer: true })
      .release({ epsilon: 1 });
    const m = r.rows[0]?.values.median_age;
    if (!m) throw new Error('no median');
    expect(Number.isInteger(m.value)).toBe(true);
    expect(m.interval.upper - m.interval.lower).toBeLessThanOrEqual(10);
    expect(m.interval.lower).toBeLessThanOrEqual(truth);
    expect(truth).toBeLessThanOrEqual(m.interval.upper);
    expect(r.charged).toEqual({ kind: 'pure', epsilon: 1 });
  });

  it('without an interval share the interval is the bounds (coverage 1) and the whole budget goes to the value', () => {
    const r = releaseQuantile({
      binCounts: [3, 4, 5, 6],
      bounds: [0, 4],
      quantile: 0.5,
      budget: { epsilon: 1 },
      rng: new SeededRandomSource(1),
    });
    expect(r.interval).toEqual({ lower: 0, upper: 4, confidence: 1, method: 'bounds' });
    expect(r.noise).toHaveLength(1);
  });

  it('an interval share too small for a finite rank bound is refused with INVALID_PARAMETER, never RangeError', () => {
    expect(() =>
      releaseQuantile({ binCounts: [3, 4], bounds: [0, 4], quantile: 0.5, budget: { epsilon: 1e-300 }, intervalShare: 1e-10 }),
    ).toThrow(/INVALID_PARAMETER/);
  });
});

describe('a quantile interval share too small for a finite padding is refused before any charge', () => {
  it('refuses intervalShare 1e-15 at ε = 1 in checkQuantileParameters and in releaseQuantile with spendFrom, spending nothing (regression)', () => {
    expect(() =>
      checkQuantileParameters({ bounds: [0, 1], bins: 4, quantiles: [0.5], intervalShare: 1e-15, budget: { epsilon: 1 } }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    const budget = PrivacyBudget.pure(10);
    expect(() =>
      releaseQuantile({
        binCounts: [1, 2, 3, 4],
        bounds: [0, 1],
        quantile: 0.5,
        intervalShare: 1e-15,
        budget: { epsilon: 1 },
        spendFrom: budget,
        rng: new SeededRandomSource(1),
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(budget.spent).toMatchObject({ epsilon: 0 });
  });

  it('generative: whenever checkQuantileParameters accepts a share and budget, the release runs without error (fast-check, seed 11)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-20, max: 0.99, noNaN: true }),
        fc.double({ min: 1e-6, max: 10, noNaN: true }),
        fc.integer({ min: 2, max: 64 }),
        fc.array(fc.nat(50), { minLength: 64, maxLength: 64 }),
        (share, epsilon, bins, counts) => {
          const p = { bounds: [0, 1] as [number, number], quantiles: [0.5], intervalShare: share, budget: { epsilon } };
          let accepted = true;
          try {
            checkQuantileParameters({ ...p, bins });
          } catch {
            accepted = false;
          }
          const release = () => releaseQuantile({ ...p, quantile: 0.5, binCounts: counts.slice(0, bins), rng: new SeededRandomSource(2) });
          if (accepted) expect(release).not.toThrow();
          else expect(release).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});
