/**
 * The discrete Gaussian and discrete Laplace as distributions: agreement with brute-force mpmath
 * sums and the CKS reference code (fixture test/fixtures/accounting/engineer-api.json, which names
 * its sources and calls; generator beside it), laws (pmf sums to 1, cdf monotone, symmetry,
 * cdf + survival = 1) and argument validation.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  discreteGaussianCdf,
  discreteGaussianLogNormalizingConstant,
  discreteGaussianLogPmf,
  discreteGaussianLogSurvival,
  discreteGaussianNormalizingConstant,
  discreteGaussianPmf,
  discreteGaussianSurvival,
  discreteGaussianVariance,
  discreteLaplaceCdf,
  discreteLaplaceLogPmf,
  discreteLaplaceNormalizingConstant,
  discreteLaplacePmf,
  discreteLaplaceSurvival,
  discreteLaplaceVariance,
} from '../../src/index.js';
import { erfc, erfcx } from '../../src/numeric/special.js';
import { expectInvalidParameter } from '../_expect-invalid.js';

interface DgEntry {
  sigma: number;
  normalizingConstant: number;
  variance: number;
  points: { x: number; pmf: number; cdf: number; logSurvival: number }[];
  cks: { normalizingConstant?: number; variance?: number };
}
interface DlEntry {
  scale: number;
  normalizingConstant: number;
  variance: number;
  points: { x: number; pmf: number; cdf: number; survival: number }[];
  cks: { variance: number };
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/accounting/engineer-api.json', import.meta.url), 'utf8')) as {
  discrete_gaussian_distribution: DgEntry[];
  discrete_laplace_distribution: DlEntry[];
};
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);

const expectInvalid = expectInvalidParameter;

describe('discrete Gaussian distribution', () => {
  it('agrees with brute-force mpmath sums (40 digits) to 1e-13 relative: Z, variance, pmf, cdf, log survival', () => {
    expect(fixture.discrete_gaussian_distribution.length).toBeGreaterThanOrEqual(9);
    for (const e of fixture.discrete_gaussian_distribution) {
      expect(rel(discreteGaussianNormalizingConstant(e.sigma), e.normalizingConstant)).toBeLessThan(1e-14);
      expect(rel(discreteGaussianVariance(e.sigma), e.variance)).toBeLessThan(1e-13);
      for (const p of e.points) {
        expect(rel(discreteGaussianPmf(p.x, e.sigma), p.pmf)).toBeLessThan(1e-13);
        expect(rel(discreteGaussianCdf(p.x, e.sigma), p.cdf)).toBeLessThan(1e-13);
        expect(Math.abs(discreteGaussianLogSurvival(p.x, e.sigma) - p.logSurvival)).toBeLessThan(
          1e-13 * Math.max(1, Math.abs(p.logSurvival)),
        );
      }
    }
  });

  it('agrees with the CKS reference code (discretegauss.normalizing_constant / variance) to 1e-14 relative', () => {
    let compared = 0;
    for (const e of fixture.discrete_gaussian_distribution) {
      if (e.cks.normalizingConstant === undefined || e.cks.variance === undefined) continue;
      expect(rel(discreteGaussianNormalizingConstant(e.sigma), e.cks.normalizingConstant)).toBeLessThan(1e-14);
      // CKS's variance is accurate to 1e-15·σ² absolute (its own assertion). At σ = 0.1 it averages an
      // exact series with a Poisson form that cancels, and is 50% off in relative terms (1.93e-22 vs
      // mpmath's 3.86e-22): there tsdp matches mpmath (previous test), and CKS only to its absolute bound.
      expect(Math.abs(discreteGaussianVariance(e.sigma) - e.cks.variance)).toBeLessThan(1e-15 * e.sigma * e.sigma);
      if (e.sigma >= 0.3) expect(rel(discreteGaussianVariance(e.sigma), e.cks.variance)).toBeLessThan(1e-14);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(8);
  });

  it('covers both tail methods in the fixture: direct sums and Euler–Maclaurin (σ = 3000 and 1e4)', () => {
    // At σ = 3000, x = 2100 takes Euler–Maclaurin (more than 2·10⁴ terms) and x = 9000 the direct sum.
    const big = fixture.discrete_gaussian_distribution.filter((e) => e.sigma >= 3000);
    expect(big.map((e) => e.sigma)).toEqual([3000, 10000]);
    for (const e of big) {
      expect(e.points.some((p) => p.x > 0 && p.x < 0.9 * e.sigma)).toBe(true);
      expect(e.points.some((p) => p.x > 2.5 * e.sigma)).toBe(true);
    }
  });

  it('sums to 1 and its cdf is the running sum of the pmf (property, σ ∈ [0.05, 30])', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 30, noNaN: true }), (sigma) => {
        const bound = Math.ceil(12 * sigma) + 2;
        let total = 0;
        for (let x = -bound; x <= bound; x++) {
          total += discreteGaussianPmf(x, sigma);
          if (x % 7 === 0) expect(Math.abs(discreteGaussianCdf(x, sigma) - total)).toBeLessThan(1e-13);
        }
        expect(Math.abs(total - 1)).toBeLessThan(1e-13);
      }),
      { numRuns: 60 },
    );
  });

  it('has a monotone cdf, symmetric tails and cdf + survival = 1 (property, σ up to 1e6)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 1e6, noNaN: true }), fc.double({ min: -8, max: 8, noNaN: true }), (sigma, c) => {
        const x = Math.round(c * sigma);
        const cdf = discreteGaussianCdf(x, sigma);
        expect(discreteGaussianCdf(x + 1, sigma)).toBeGreaterThanOrEqual(cdf);
        expect(Math.abs(cdf + discreteGaussianSurvival(x, sigma) - 1)).toBeLessThan(1e-13);
        // P[X ≤ −x − 1] = P[X > x]
        expect(rel(discreteGaussianCdf(-x - 1, sigma), discreteGaussianSurvival(x, sigma))).toBeLessThan(1e-12);
      }),
      { numRuns: 200 },
    );
  });

  it('has a variance below σ², within 8π²σ²e^{−2π²σ²} of it (CKS Cor. 9, Lemma 20), and a log form that never overflows', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e5, noNaN: true }), (sigma) => {
        const v = discreteGaussianVariance(sigma);
        expect(v).toBeLessThanOrEqual(sigma * sigma);
        // 1 − Var/σ² = 8π²σ²Σk²e^{−2π²σ²k²}/(1 + 2Σe^{−2π²σ²k²}) ≤ 8π²σ²e^{−2π²σ²}·1.001 for σ ≥ 1
        if (sigma >= 1) {
          const c = 2 * Math.PI * Math.PI * sigma * sigma;
          expect(1 - v / (sigma * sigma)).toBeLessThanOrEqual(4 * c * Math.exp(-c) * 1.001 + 1e-15);
        }
      }),
    );
    expect(discreteGaussianLogNormalizingConstant(1e300)).toBeCloseTo(Math.log(1e300) + 0.5 * Math.log(2 * Math.PI), 10);
    expect(Number.isFinite(discreteGaussianLogSurvival(10 ** 6, 1))).toBe(true);
    expect(discreteGaussianLogPmf(10n ** 30n, 1)).toBeCloseTo(-5e59, -45);
    expect(discreteGaussianPmf(10n ** 30n, 1)).toBe(0);
    expect(discreteGaussianPmf(3n, 2)).toBe(discreteGaussianPmf(3, 2));
  });

  it('refuses a non-integer point and a bad σ with INVALID_PARAMETER', () => {
    expectInvalid(() => discreteGaussianPmf(0.5, 1), 'x');
    expectInvalid(() => discreteGaussianCdf(Number.NaN, 1), 'x');
    expectInvalid(() => discreteGaussianCdf('3' as unknown as number, 1), 'x');
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e-320]) {
      expectInvalid(() => discreteGaussianVariance(bad), 'sigma');
      expectInvalid(() => discreteGaussianSurvival(0, bad), 'sigma');
    }
  });
});

describe('discrete Laplace distribution', () => {
  it('agrees with brute-force mpmath sums (40 digits) to 1e-14 relative and with CKS plots.dl_var', () => {
    expect(fixture.discrete_laplace_distribution.length).toBeGreaterThanOrEqual(5);
    for (const e of fixture.discrete_laplace_distribution) {
      expect(rel(discreteLaplaceNormalizingConstant(e.scale), e.normalizingConstant)).toBeLessThan(1e-14);
      expect(rel(discreteLaplaceVariance(e.scale), e.variance)).toBeLessThan(1e-13);
      expect(rel(discreteLaplaceVariance(e.scale), e.cks.variance)).toBeLessThan(1e-13);
      for (const p of e.points) {
        expect(rel(discreteLaplacePmf(p.x, e.scale), p.pmf)).toBeLessThan(1e-13);
        expect(rel(discreteLaplaceCdf(p.x, e.scale), p.cdf)).toBeLessThan(1e-13);
        expect(rel(discreteLaplaceSurvival(p.x, e.scale), p.survival)).toBeLessThan(1e-13);
      }
    }
  });

  it('sums to 1, has a monotone cdf that is the running sum of the pmf, and cdf + survival = 1 (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 40, noNaN: true }), (scale) => {
        const bound = Math.ceil(45 * scale) + 2;
        let total = 0;
        let previous = 0;
        for (let x = -bound; x <= bound; x++) {
          total += discreteLaplacePmf(x, scale);
          const cdf = discreteLaplaceCdf(x, scale);
          expect(cdf).toBeGreaterThanOrEqual(previous);
          previous = cdf;
          if (x % 5 === 0) {
            expect(Math.abs(cdf - total)).toBeLessThan(1e-13);
            expect(Math.abs(cdf + discreteLaplaceSurvival(x, scale) - 1)).toBeLessThan(1e-15);
          }
        }
        expect(Math.abs(total - 1)).toBeLessThan(1e-13);
        expect(discreteLaplaceLogPmf(3, scale)).toBeCloseTo(Math.log(discreteLaplacePmf(3, scale)), 12);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a non-integer point and a bad scale with INVALID_PARAMETER', () => {
    expectInvalid(() => discreteLaplacePmf(1.5, 1), 'x');
    expectInvalid(() => discreteLaplaceCdf(Number.POSITIVE_INFINITY, 1), 'x');
    for (const bad of [0, -2, Number.NaN, Number.NEGATIVE_INFINITY]) expectInvalid(() => discreteLaplaceVariance(bad), 'scale');
  });
});

describe('discrete Gaussian on extreme but valid σ and x (regression: 2σ² overflowed to ∞ for σ > 1e154 and a tail sum never ended)', () => {
  it('returns numbers in range, without hanging, for σ from 2⁻¹⁰²² to 1.7e308 and any integer x (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ min: 2 ** -1022, max: 1.7e308, noNaN: true }), fc.constantFrom(1e154, 1.5e154, 1e200, 1e300, 1.7e308, 1e-300)),
        fc.oneof(fc.integer(), fc.constantFrom(0, 1, -1, 2 ** 53, -(2 ** 53), 1e300, -1e300, 5e307)),
        (sigma, x) => {
          const cdf = discreteGaussianCdf(x, sigma);
          const logSurvival = discreteGaussianLogSurvival(x, sigma);
          expect(cdf >= 0 && cdf <= 1).toBe(true);
          expect(logSurvival <= 0).toBe(true);
          expect(discreteGaussianPmf(x, sigma) >= 0).toBe(true);
          expect(discreteGaussianVariance(sigma) >= 0).toBe(true);
          expect(Number.isFinite(discreteGaussianLogNormalizingConstant(sigma))).toBe(true);
        },
      ),
    );
    // the example that hung: P[X > 5e307] for σ = 1e154 is e^{−1.25e307}·…
    expect(discreteGaussianLogSurvival(5e307, 1e154)).toBeLessThan(-1e306);
    expect(discreteGaussianVariance(1e300)).toBe(1e300 * 1e300);
  });
});

describe('erfcx (the scaled erfc added to numeric/special.ts for the Euler–Maclaurin tails)', () => {
  it('equals e^{x²}·erfc(x) where that is representable and tends to 1/(x√π) (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 25, noNaN: true }), (x) => {
        expect(Math.abs(erfcx(x) - Math.exp(x * x) * erfc(x))).toBeLessThanOrEqual(1e-13 * erfcx(x));
      }),
    );
    // mpmath 1.2.1: mp.exp(mpf(10)**8)*mp.erfc(mpf(10)**4) at 40 digits = 5.6418958072680841e-5
    expect(Math.abs(erfcx(1e4) - 5.641895807268084e-5) / 5.641895807268084e-5).toBeLessThan(1e-14);
  });
});
