import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyticGaussianDelta, analyticGaussianEpsilon, analyticGaussianSigma } from '../../src/mechanisms/analytic-gaussian.js';
import { erfc, logErfc, normalCdf } from '../../src/numeric/special.js';

// Reference values computed with mpmath 1.2.1 at 60 digits (mp.erfc, mp.ncdf, and bisection on
// Balle & Wang (2018) Theorem 8's δ(ε) = Φ(Δ/2σ − εσ/Δ) − e^ε Φ(−Δ/2σ − εσ/Δ)).
const ERFC: Array<[number, number]> = [
  [0.3, 0.6713732405408726],
  [0.7, 0.32219880616258156],
  [1.2, 0.08968602177036464],
  [2.5, 0.0004069520174449589],
  [4, 1.541725790028002e-8],
  [8, 1.1224297172982926e-29],
  [12, 1.3562611692059042e-64],
  [20, 5.395865611607901e-176],
  [26, 5.663192408856143e-296],
];
const DELTA: Array<[number, number, number, number]> = [
  [1, 1, 1, 0.12693673750664394],
  [3.7, 1, 1, 1.1456087839048875e-5],
  [0.5, 0.1, 1, 0.6666395155288459],
  [10, 0.5, 2, 0.0005125360831583325],
  [2, 5, 1, 4.4154434702996196e-24],
  [1, 20, 1, 2.6647067053654977e-86],
  [0.2, 0.01, 1, 0.9875184373363098],
];
const SIGMA: Array<[number, number, number, number]> = [
  [1, 1e-5, 1, 3.730631634815942],
  [0.1, 1e-6, 1, 36.30469042619578],
  [2, 1e-10, 3, 9.077380632283994],
  [0.5, 1e-3, 1, 4.61012795072814],
  [10, 1e-12, 1, 0.7446123229217544],
];

describe('erfc and Φ', () => {
  it('match mpmath to 1e-14 relative from the centre to the far tail', () => {
    for (const [x, ref] of ERFC) {
      expect(Math.abs(erfc(x) - ref) / ref).toBeLessThan(1e-14);
      expect(Math.abs(logErfc(x) - Math.log(ref))).toBeLessThan(1e-13 * Math.abs(Math.log(ref)) + 1e-15);
    }
  });
  it('keeps ln erfc finite where erfc underflows', () => {
    expect(erfc(40)).toBe(0);
    // mpmath: ln erfc(40) = -1604.2615566532736...
    expect(Math.abs(logErfc(40) - -1604.2615566532736)).toBeLessThan(1e-10);
  });
  it('is symmetric: Φ(x) + Φ(−x) = 1', () => {
    fc.assert(fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => Math.abs(normalCdf(x) + normalCdf(-x) - 1) < 1e-15));
  });
});

describe('analytic Gaussian (Balle & Wang 2018)', () => {
  it('gives δ(ε) never below the exact value and within 1e-9 relative of it', () => {
    for (const [sigma, epsilon, sensitivity, ref] of DELTA) {
      const d = analyticGaussianDelta(sigma, epsilon, sensitivity);
      expect(d).toBeGreaterThanOrEqual(ref);
      expect(d).toBeLessThanOrEqual(ref * (1 + 1e-9) + 1e-300);
    }
  });
  it('calibrates σ to within 1e-9 relative of the exact smallest σ, never below it', () => {
    for (const [epsilon, delta, sensitivity, ref] of SIGMA) {
      const sigma = analyticGaussianSigma(epsilon, delta, sensitivity);
      expect(sigma).toBeGreaterThanOrEqual(ref * (1 - 1e-12));
      expect(sigma).toBeLessThanOrEqual(ref * (1 + 1e-9));
    }
  });
  it('never overshoots: the σ it returns reaches the target δ (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 20, noNaN: true }),
        fc.double({ min: 1e-15, max: 0.5, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (epsilon, delta, sensitivity) =>
          analyticGaussianDelta(analyticGaussianSigma(epsilon, delta, sensitivity), epsilon, sensitivity) <= delta,
      ),
      { numRuns: 200 },
    );
  });
  it('states an ε whose δ meets the target, and ε falls as σ grows (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 50, noNaN: true }), fc.double({ min: 1e-12, max: 0.1, noNaN: true }), (sigma, delta) => {
        const e1 = analyticGaussianEpsilon(sigma, delta, 1);
        const e2 = analyticGaussianEpsilon(sigma * 1.5, delta, 1);
        return analyticGaussianDelta(sigma, e1, 1) <= delta && e2 <= e1;
      }),
      { numRuns: 100 },
    );
  });
  it('refuses NaN, infinite, zero and negative parameters with INVALID_PARAMETER', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1]) {
      expect(() => analyticGaussianSigma(bad, 1e-5, 1)).toThrow(/INVALID_PARAMETER/);
      expect(() => analyticGaussianSigma(1, bad, 1)).toThrow(/INVALID_PARAMETER/);
      expect(() => analyticGaussianSigma(1, 1e-5, bad)).toThrow(/INVALID_PARAMETER/);
      expect(() => analyticGaussianDelta(bad, 1, 1)).toThrow(/INVALID_PARAMETER/);
    }
    expect(() => analyticGaussianSigma(1, 1, 1)).toThrow(/INVALID_PARAMETER/);
  });
});
