/**
 * Exact privacy profiles δ(ε) of the Laplace, discrete Laplace and discrete Gaussian mechanisms and
 * their inverses: agreement with dp_accounting's privacy-loss classes, the CKS reference code and
 * brute-force mpmath sums (fixture test/fixtures/accounting/engineer-api.json, which names each call),
 * brute-force hockey-stick sums in double precision, laws (monotone in ε, never below the exact value,
 * inverse of each other, tighter than the zCDP route) and argument validation.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  discreteGaussianDeltaForEpsilon,
  discreteGaussianEpsilon,
  discreteGaussianEpsilonForDelta,
  discreteGaussianPmf,
  discreteGaussianSurvival,
  discreteLaplaceDeltaForEpsilon,
  discreteLaplaceEpsilonForDelta,
  discreteLaplacePmf,
  laplaceDeltaForEpsilon,
  laplaceEpsilonForDelta,
} from '../../src/index.js';
import { expectInvalidParameter } from '../_expect-invalid.js';

interface ProfilePoint {
  scale?: number;
  sigma?: number;
  sensitivity: number;
  epsilon: number;
  delta: number;
  call?: string;
}
interface DgPoint extends ProfilePoint {
  sigma: number;
  cks: number;
  dpAccounting: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/accounting/engineer-api.json', import.meta.url), 'utf8')) as {
  laplace_delta: (ProfilePoint & { scale: number })[];
  discrete_laplace_delta: (ProfilePoint & { scale: number })[];
  discrete_gaussian_delta: DgPoint[];
};

/** |a − b| within a relative tolerance, or an absolute floor for values near 0. */
function close(a: number, b: number, relTol: number, absTol = 1e-16): boolean {
  return Math.abs(a - b) <= relTol * Math.abs(b) + absTol;
}

const expectInvalid = expectInvalidParameter;

/** Σ_x max(0, P(x) − e^ε P(x − Δ)) by brute force over a wide window. */
function hockeyStick(pmf: (x: number) => number, epsilon: number, sensitivity: number, bound: number): number {
  let s = 0;
  for (let x = -bound; x <= bound + sensitivity; x++) s += Math.max(0, pmf(x) - Math.exp(epsilon) * pmf(x - sensitivity));
  return s;
}

describe('Laplace profile', () => {
  it('agrees with dp_accounting LaplacePrivacyLoss.get_delta_for_epsilon to 1e-12 relative at 42 points', () => {
    expect(fixture.laplace_delta.length).toBe(42);
    for (const p of fixture.laplace_delta) {
      const mine = laplaceDeltaForEpsilon(p.scale, p.epsilon, p.sensitivity);
      expect(close(mine, p.delta, 1e-12)).toBe(true);
      expect(mine).toBeGreaterThanOrEqual(p.delta);
    }
  });

  it('inverts: δ(ε(δ)) ≤ δ, and ε(δ) is within 1e-9 of the closed form Δ/b + 2 ln(1 − δ) (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 1e-12, max: 0.99, noNaN: true }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        (scale, delta, sensitivity) => {
          const e = laplaceEpsilonForDelta(scale, delta, sensitivity);
          expect(laplaceDeltaForEpsilon(scale, e, sensitivity)).toBeLessThanOrEqual(delta);
          const closed = Math.max(0, sensitivity / scale + 2 * Math.log1p(-delta));
          expect(Math.abs(e - closed)).toBeLessThanOrEqual(1e-9 * Math.max(1, closed));
        },
      ),
    );
  });
});

describe('discrete Laplace profile', () => {
  it('agrees with dp_accounting DiscreteLaplacePrivacyLoss.get_delta_for_epsilon to 1e-12 relative at 63 points', () => {
    expect(fixture.discrete_laplace_delta.length).toBe(63);
    for (const p of fixture.discrete_laplace_delta) {
      const mine = discreteLaplaceDeltaForEpsilon(p.scale, p.epsilon, p.sensitivity);
      expect(close(mine, p.delta, 1e-12)).toBe(true);
    }
  });

  it('equals the brute-force hockey-stick sum over the pmf (property: scale, ε, integer Δ)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 8, noNaN: true }),
        fc.double({ min: 0, max: 6, noNaN: true }),
        fc.integer({ min: 1, max: 12 }),
        (scale, epsilon, sensitivity) => {
          const brute = hockeyStick((x) => discreteLaplacePmf(x, scale), epsilon, sensitivity, Math.ceil(50 * scale) + 20);
          expect(close(discreteLaplaceDeltaForEpsilon(scale, epsilon, sensitivity), brute, 1e-11, 1e-15)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is non-increasing in ε, zero from the pure ε = Δ/t on, and inverts (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 1e-12, max: 0.9, noNaN: true }),
        (scale, sensitivity, e1, e2, delta) => {
          const [lo, hi] = e1 <= e2 ? [e1, e2] : [e2, e1];
          expect(discreteLaplaceDeltaForEpsilon(scale, hi, sensitivity)).toBeLessThanOrEqual(
            discreteLaplaceDeltaForEpsilon(scale, lo, sensitivity),
          );
          expect(discreteLaplaceDeltaForEpsilon(scale, sensitivity / scale, sensitivity)).toBe(0);
          const e = discreteLaplaceEpsilonForDelta(scale, delta, sensitivity);
          expect(e).toBeLessThanOrEqual(sensitivity / scale);
          expect(discreteLaplaceDeltaForEpsilon(scale, e, sensitivity)).toBeLessThanOrEqual(delta);
        },
      ),
    );
  });
});

describe('discrete Gaussian profile (CKS 2020 Theorem 7)', () => {
  it('agrees with brute-force mpmath, the CKS reference code (cdp2adp.dg_delta) and dp_accounting at 50 points', () => {
    expect(fixture.discrete_gaussian_delta.length).toBe(50);
    let worstMpmath = 0;
    for (const p of fixture.discrete_gaussian_delta) {
      const mine = discreteGaussianDeltaForEpsilon(p.sigma, p.epsilon, p.sensitivity);
      // Never below the exact value; above it by at most the stated slack, 1e-12 of the two tails
      // (each ≤ the first tail P[X > εσ²/Δ − Δ/2]), plus the rounding of the tails themselves.
      const firstTail = discreteGaussianSurvival(Math.floor((p.epsilon * p.sigma * p.sigma) / p.sensitivity - p.sensitivity / 2), p.sigma);
      expect(mine).toBeGreaterThanOrEqual(p.delta);
      expect(mine - p.delta).toBeLessThanOrEqual(2.1e-12 * firstTail + 1e-300);
      if (p.delta > 1e-100) worstMpmath = Math.max(worstMpmath, (mine - p.delta) / p.delta);
      // The peers evaluate the same sums in double precision (dp_accounting truncates at ⌈11.6σ⌉: mass < 1e-30).
      expect(close(mine, p.cks, 1e-9, 1e-15)).toBe(true);
      expect(close(mine, p.dpAccounting, 1e-9, 1e-15)).toBe(true);
    }
    // Where δ is not far below its tails (δ > 1e-100 here), the excess is below 2e-9 relative.
    expect(worstMpmath).toBeLessThan(2e-9);
  });

  it('equals the brute-force hockey-stick sum over the pmf (property: σ, ε, integer Δ)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 15, noNaN: true }),
        fc.double({ min: 0, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 6 }),
        (sigma, epsilon, sensitivity) => {
          const brute = hockeyStick((x) => discreteGaussianPmf(x, sigma), epsilon, sensitivity, Math.ceil(14 * sigma) + 10);
          expect(close(discreteGaussianDeltaForEpsilon(sigma, epsilon, sensitivity), brute, 1e-10, 1e-14)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is non-increasing in ε, inverts, and is never looser than the zCDP route (property, σ up to 1e5)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 1e5, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 1e-10, max: 0.5, noNaN: true }),
        (sigma, sensitivity, delta) => {
          const e = discreteGaussianEpsilonForDelta(sigma, delta, sensitivity);
          expect(discreteGaussianDeltaForEpsilon(sigma, e, sensitivity)).toBeLessThanOrEqual(delta);
          expect(discreteGaussianDeltaForEpsilon(sigma, e * 1.5 + 0.01, sensitivity)).toBeLessThanOrEqual(
            discreteGaussianDeltaForEpsilon(sigma, e, sensitivity),
          );
          // The zCDP conversion (ρ = Δ²/2σ², CKS Cor. 13) is a valid but looser bound.
          expect(e).toBeLessThanOrEqual(discreteGaussianEpsilon(sigma * sigma, delta, sensitivity).epsilon * (1 + 1e-9));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('returns δ = 0 for Δ = 0 and for ε = 0 the total variation distance', () => {
    expect(discreteGaussianDeltaForEpsilon(3, 0.5, 0)).toBe(0);
    const tv = hockeyStick((x) => discreteGaussianPmf(x, 3), 0, 1, 60);
    expect(close(discreteGaussianDeltaForEpsilon(3, 0, 1), tv, 1e-11)).toBe(true);
  });
});

describe('argument validation of the profiles', () => {
  it('refuses non-finite, negative, out-of-range and non-integer arguments with INVALID_PARAMETER', () => {
    expectInvalid(() => laplaceDeltaForEpsilon(0, 1, 1), 'scale');
    expectInvalid(() => laplaceDeltaForEpsilon(1, -1, 1), 'epsilon');
    expectInvalid(() => laplaceDeltaForEpsilon(1, 1, Number.NaN), 'sensitivity');
    expectInvalid(() => laplaceEpsilonForDelta(1, 0, 1), 'delta');
    expectInvalid(() => laplaceEpsilonForDelta(1, 1, 1), 'delta');
    expectInvalid(() => discreteLaplaceDeltaForEpsilon(1, 1, 1.5), 'sensitivity');
    expectInvalid(() => discreteLaplaceEpsilonForDelta(Number.POSITIVE_INFINITY, 0.1, 1), 'scale');
    expectInvalid(() => discreteGaussianDeltaForEpsilon(1, Number.POSITIVE_INFINITY, 1), 'epsilon');
    expectInvalid(() => discreteGaussianDeltaForEpsilon(1, 1, -1), 'sensitivity');
    expectInvalid(() => discreteGaussianEpsilonForDelta(-1, 0.1, 1), 'sigma');
    expectInvalid(() => discreteGaussianEpsilonForDelta(1, Number.NaN, 1), 'delta');
    expectInvalid(() => discreteGaussianDeltaForEpsilon('2' as unknown as number, 1, 1), 'sigma');
  });
});

describe('profiles on extreme but valid inputs', () => {
  it('never return NaN, stay in [0, 1], and the discrete Gaussian δ stays > 0 for Δ > 0 (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 2 ** -1022, max: 1e300, noNaN: true }),
        fc.double({ min: 0, max: 1e300, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        (scale, epsilon, sensitivity) => {
          for (const d of [
            laplaceDeltaForEpsilon(scale, epsilon, sensitivity),
            discreteLaplaceDeltaForEpsilon(scale, epsilon, sensitivity),
            discreteGaussianDeltaForEpsilon(scale, epsilon, sensitivity),
          ]) {
            expect(d >= 0 && d <= 1).toBe(true);
          }
          expect(discreteGaussianDeltaForEpsilon(scale, epsilon, sensitivity)).toBeGreaterThan(0);
        },
      ),
    );
  });
});
