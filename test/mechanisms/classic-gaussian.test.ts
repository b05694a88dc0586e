/**
 * The classic Gaussian calibration σ = Δ√(2 ln(1.25/δ))/ε: agreement with diffprivlib 0.6.5's
 * Gaussian mechanism (fixture test/fixtures/accounting/engineer-api.json names each call), its
 * validity range (refused above ε = 1, as diffprivlib does), and that it is valid and never tighter
 * than the analytic Gaussian inside that range (property).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDpError } from '../../src/core/errors.js';
import {
  analyticGaussianDelta,
  analyticGaussianSigma,
  CLASSIC_GAUSSIAN_MAX_EPSILON,
  classicGaussianEpsilon,
  classicGaussianSigma,
} from '../../src/index.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/accounting/engineer-api.json', import.meta.url), 'utf8')) as {
  classic_gaussian: {
    values: { epsilon: number; delta: number; sensitivity: number; sigma: number }[];
    refusesEpsilonAbove1: boolean;
  };
};

function refusal(f: () => unknown): { parameter?: string } | null {
  try {
    f();
  } catch (e) {
    if (isDpError(e, 'INVALID_PARAMETER')) return e.details as { parameter?: string };
    throw e;
  }
  return null;
}

describe('classic Gaussian calibration', () => {
  it('agrees with diffprivlib 0.6.5 Gaussian(epsilon, delta, sensitivity)._scale to 4e-16 relative (rounded up one ulp)', () => {
    expect(fixture.classic_gaussian.values.length).toBe(30);
    for (const p of fixture.classic_gaussian.values) {
      const sigma = classicGaussianSigma(p.epsilon, p.delta, p.sensitivity);
      expect(sigma).toBeGreaterThanOrEqual(p.sigma);
      expect((sigma - p.sigma) / p.sigma).toBeLessThan(4e-16);
    }
  });

  it('refuses ε above 1, as diffprivlib does, and a σ whose classic ε would exceed 1', () => {
    expect(fixture.classic_gaussian.refusesEpsilonAbove1).toBe(true);
    expect(CLASSIC_GAUSSIAN_MAX_EPSILON).toBe(1);
    expect(refusal(() => classicGaussianSigma(1.5, 1e-5, 1))?.parameter).toBe('epsilon');
    expect(refusal(() => classicGaussianSigma(1, 1e-5, 1))).toBeNull();
    expect(refusal(() => classicGaussianEpsilon(1, 1e-5, 1))?.parameter).toBe('sigma');
    expect(refusal(() => classicGaussianSigma(0.5, 0, 1))?.parameter).toBe('delta');
    expect(refusal(() => classicGaussianSigma(0.5, 1e-5, -1))?.parameter).toBe('sensitivity');
    expect(refusal(() => classicGaussianSigma(Number.NaN, 1e-5, 1))?.parameter).toBe('epsilon');
  });

  it('is a valid guarantee and never tighter than the analytic Gaussian inside its range (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1, noNaN: true }),
        fc.double({ min: 1e-15, max: 0.5, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (epsilon, delta, sensitivity) => {
          const sigma = classicGaussianSigma(epsilon, delta, sensitivity);
          // the exact profile at the classic σ meets δ (Dwork & Roth, Theorem A.1)
          expect(analyticGaussianDelta(sigma, epsilon, sensitivity)).toBeLessThanOrEqual(delta);
          expect(sigma).toBeGreaterThanOrEqual(analyticGaussianSigma(epsilon, delta, sensitivity));
          // and the inverse returns (at most one ulp above) the ε it was calibrated for
          expect(classicGaussianEpsilon(sigma, delta, sensitivity)).toBeLessThanOrEqual(epsilon * (1 + 1e-15));
        },
      ),
    );
  });

  it('fails outside its range — why it is refused there: ε = 10, δ = 1e-5 gives a σ that is only (10, 2.3e-5)-DP', () => {
    const formula = Math.sqrt(2 * Math.log(1.25 / 1e-5)) / 10;
    expect(analyticGaussianDelta(formula, 10, 1)).toBeGreaterThan(2e-5);
  });
});
