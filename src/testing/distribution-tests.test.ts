import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDpError } from '../core/errors.js';
import { chiSquareSurvival, chiSquareTest, kolmogorovCdfExact, ksPValue, ksTest, smirnovSurvival } from './distribution-tests.js';
import { SeededRandomSource } from './seeded-source.js';

// Reference values: SciPy 1.10.1 (scipy.stats.kstwo, scipy.stats.chi2), computed on this machine.
describe('exact null distributions', () => {
  it('matches the Kolmogorov cdf of Marsaglia–Tsang–Wang (K(10, 0.274), their worked example)', () => {
    expect(kolmogorovCdfExact(10, 0.274)).toBeCloseTo(0.6284796154565043, 14);
  });

  it('matches SciPy kstwo.sf in the far tail, where tests decide', () => {
    expect(ksPValue(100, 0.2) / 0.0005551927327988775).toBeCloseTo(1, 9);
    expect(ksPValue(5000, 0.05) / 2.6523052328711187e-11).toBeCloseTo(1, 9);
    expect(ksPValue(5000, 0.0383) / 8.270253147304693e-7).toBeCloseTo(1, 9);
    expect(ksPValue(20000, 0.02) / 2.2181270070049744e-7).toBeCloseTo(1, 9);
  });

  it('the Smirnov union bound is never below the exact two-sided p-value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 60 }), fc.double({ min: 0.05, max: 0.6, noNaN: true }), (n, d) => {
        const exact = 1 - kolmogorovCdfExact(n, d);
        expect(2 * smirnovSurvival(n, d)).toBeGreaterThanOrEqual(exact - 1e-12);
      }),
      { numRuns: 100 },
    );
  });

  it('matches SciPy chi2.sf', () => {
    expect(chiSquareSurvival(30, 10) / 0.000856641210775301).toBeCloseTo(1, 12);
    expect(chiSquareSurvival(200, 120) / 6.341503427369146e-6).toBeCloseTo(1, 11);
    expect(chiSquareSurvival(112.60809249896162, 50) / 1e-6).toBeCloseTo(1, 11);
    expect(chiSquareSurvival(1, 2)).toBeCloseTo(Math.exp(-0.5), 15);
  });
});

describe('ksTest', () => {
  const rng = new SeededRandomSource('ks-helper');
  const uniform = () => rng.nextUint32() / 2 ** 32 + rng.nextUint32() / 2 ** 64;

  it('accepts the right distribution (false-failure probability ≤ 1e-6)', () => {
    const xs = Array.from({ length: 20_000 }, () => -Math.log(1 - uniform()));
    const r = ksTest(xs, (x) => (x <= 0 ? 0 : 1 - Math.exp(-x)), { alpha: 1e-6 });
    expect(r.reject).toBe(false);
    expect(r.pValue).toBeGreaterThan(1e-6);
  });

  it('rejects a wrong distribution (exponential with rate 1.1 against rate 1)', () => {
    const xs = Array.from({ length: 20_000 }, () => -Math.log(1 - uniform()) / 1.1);
    const r = ksTest(xs, (x) => (x <= 0 ? 0 : 1 - Math.exp(-x)), { alpha: 1e-6 });
    expect(r.reject).toBe(true);
  });

  it('computes D exactly on a tiny sample', () => {
    const r = ksTest([0.5], (x) => Math.min(1, Math.max(0, x)));
    expect(r.statistic).toBe(0.5);
    expect(r.pValue).toBeCloseTo(1, 12);
  });

  it('refuses empty samples, NaN and a bad alpha', () => {
    const codes: boolean[] = [];
    for (const f of [() => ksTest([], (x) => x), () => ksTest([Number.NaN], (x) => x), () => ksTest([0.1], (x) => x, { alpha: 0 })]) {
      try {
        f();
        codes.push(false);
      } catch (e) {
        codes.push(isDpError(e, 'INVALID_PARAMETER'));
      }
    }
    expect(codes).toEqual([true, true, true]);
  });
});

describe('chiSquareTest', () => {
  const rng = new SeededRandomSource('chi-helper');
  const probabilities = [0.1, 0.2, 0.3, 0.4];
  const draw = (ps: number[], n: number) => {
    const counts = new Array<number>(ps.length).fill(0);
    for (let i = 0; i < n; i++) {
      let u = rng.nextUint32() / 2 ** 32;
      let k = 0;
      while (k < ps.length - 1 && u >= (ps[k] as number)) u -= ps[k++] as number;
      counts[k] = (counts[k] as number) + 1;
    }
    return counts;
  };

  it('accepts the right distribution (false-failure probability ≤ 1e-6)', () => {
    const r = chiSquareTest(draw(probabilities, 100_000), probabilities, { alpha: 1e-6 });
    expect(r.reject).toBe(false);
    expect(r.degreesOfFreedom).toBe(3);
  });

  it('rejects a wrong distribution', () => {
    const r = chiSquareTest(draw([0.11, 0.2, 0.3, 0.39], 100_000), probabilities, { alpha: 1e-6 });
    expect(r.reject).toBe(true);
  });

  it('pools cells with small expected counts', () => {
    const r = chiSquareTest([50, 48, 1, 0, 1], [0.5, 0.48, 0.01, 0.005, 0.005], { minExpected: 5 });
    expect(r.cells).toBe(2);
    expect(r.degreesOfFreedom).toBe(1);
  });

  it('refuses mismatched lengths, probabilities not summing to 1, and non-integer counts', () => {
    const results: boolean[] = [];
    for (const f of [
      () => chiSquareTest([1, 2], [1]),
      () => chiSquareTest([1, 2], [0.5, 0.6]),
      () => chiSquareTest([1.5, 2], [0.5, 0.5]),
    ]) {
      try {
        f();
        results.push(false);
      } catch (e) {
        results.push(isDpError(e, 'INVALID_PARAMETER'));
      }
    }
    expect(results).toEqual([true, true, true]);
  });
});
