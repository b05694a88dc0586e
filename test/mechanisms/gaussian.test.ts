import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zcdpToApproximate } from '../../src/core/loss.js';
import { analyticGaussianDelta, analyticGaussianEpsilon } from '../../src/mechanisms/analytic-gaussian.js';
import { gaussianSigmaForEpsilonDelta, gaussianSigmaForRho, makeGaussian, makeVectorGaussian } from '../../src/mechanisms/gaussian.js';
import { normalCdf } from '../../src/numeric/special.js';
import { gaussianGranularity } from '../../src/random/index.js';
import { assertMeasurementContract } from '../../src/testing/contract.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { dkwThreshold, ksDistance } from './_stats.js';

const BAD = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1];

describe('makeGaussian', () => {
  it('keeps the measurement contract (zCDP and analytic forms, scalar and vector)', () => {
    assertMeasurementContract(makeGaussian({ sigma: 2 }), { inputs: [0, -7.5], neighbours: [[0, 1, 1]] });
    assertMeasurementContract(makeGaussian({ sigma: 2, delta: 1e-6 }), { inputs: [1] });
    assertMeasurementContract(makeVectorGaussian({ sigma: 1, size: 4 }), { inputs: [[1, 2, 3, 4]] });
    assertMeasurementContract(makeVectorGaussian({ sigma: 1, size: 4, delta: 1e-5 }), { inputs: [[1, 2, 3, 4]] });
  });

  it('states ρ = ((dIn + g)/σ)²/2 and the gaussian event', () => {
    const sigma = 3;
    const g = gaussianGranularity(sigma);
    const m = makeGaussian({ sigma });
    expect(m.outputMeasure).toBe('zcdp');
    expect(m.privacyMap(0).rho).toBe(0);
    const rho = m.privacyMap(2).rho;
    expect(rho).toBeGreaterThanOrEqual(((2 + g) / sigma) ** 2 / 2);
    expect(rho).toBeLessThan((2 / 3) ** 2 / 2 + 1e-10);
    expect(m.event?.(2)).toMatchObject({ type: 'gaussian' });
    const event = m.event?.(2);
    const multiplier = event?.type === 'gaussian' ? event.noiseMultiplier : Number.NaN;
    expect(multiplier).toBeLessThanOrEqual(sigma / 2);
    expect(multiplier).toBeGreaterThan((sigma / 2) * (1 - 1e-10));
  });

  it('states (ε, δ) by the analytic profile, tighter than the zCDP conversion', () => {
    const m = makeGaussian({ sigma: 4, delta: 1e-6 });
    const loss = m.privacyMap(1);
    expect(loss.delta).toBe(1e-6);
    expect(loss.epsilon).toBeGreaterThanOrEqual(analyticGaussianEpsilon(4, 1e-6, 1));
    expect(analyticGaussianDelta(4, loss.epsilon, 1 + gaussianGranularity(4))).toBeLessThanOrEqual(1e-6);
    const viaZcdp = zcdpToApproximate(makeGaussian({ sigma: 4 }).privacyMap(1), 1e-6);
    expect(loss.epsilon).toBeLessThan(viaZcdp.epsilon);
  });

  it('falls back to the CKS conversion of ρ where the grid slack cannot be certified (large ε)', () => {
    const loss = makeGaussian({ sigma: 1, delta: 1e-6 }).privacyMap(10);
    expect(loss).toEqual(zcdpToApproximate(makeGaussian({ sigma: 1 }).privacyMap(10), 1e-6));
  });

  it('has privacy maps monotone in dIn (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (sigma, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const z = makeGaussian({ sigma });
          const e = makeGaussian({ sigma, delta: 1e-7 });
          return z.privacyMap(lo).rho <= z.privacyMap(hi).rho && e.privacyMap(lo).epsilon <= e.privacyMap(hi).epsilon;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('calibrates σ for a target ρ or (ε, δ) without overshooting (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 10, noNaN: true }),
        fc.double({ min: 1e-3, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 16 }),
        (target, sensitivity, size) => {
          const sigma = gaussianSigmaForRho(target, sensitivity, { size });
          const m = size === 1 ? makeGaussian({ sigma }) : makeVectorGaussian({ sigma, size });
          return m.privacyMap(sensitivity).rho <= target && sigma <= (sensitivity / Math.sqrt(2 * target)) * (1 + 1e-6);
        },
      ),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 10, noNaN: true }),
        fc.double({ min: 1e-12, max: 1e-2, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (epsilon, delta, sensitivity) => {
          const sigma = gaussianSigmaForEpsilonDelta(epsilon, delta, sensitivity);
          return makeGaussian({ sigma, delta }).privacyMap(sensitivity).epsilon <= epsilon;
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses bad σ, δ and sizes with INVALID_PARAMETER', () => {
    for (const bad of BAD) {
      expect(() => makeGaussian({ sigma: bad })).toThrow(/INVALID_PARAMETER/);
      expect(() => makeGaussian({ sigma: 1, delta: bad === 0 ? 1 : bad })).toThrow(/INVALID_PARAMETER/);
      expect(() => gaussianSigmaForRho(bad, 1)).toThrow(/INVALID_PARAMETER/);
      expect(() => gaussianSigmaForEpsilonDelta(1, 1e-5, bad)).toThrow(/INVALID_PARAMETER/);
    }
    expect(() => makeGaussian({ sigma: 1, delta: 0 })).toThrow(/INVALID_PARAMETER/);
    expect(() => makeVectorGaussian({ sigma: 1, size: 0 })).toThrow(/INVALID_PARAMETER/);
  });

  it('adds noise distributed as N(0, σ²): KS distance within the DKW bound, n = 20000 (false failure ≤ 1e-6)', () => {
    const n = 20_000;
    const sigma = 2.5;
    const m = makeGaussian({ sigma });
    const rng = new SeededRandomSource(20260202);
    const noise = Array.from({ length: n }, () => m.invoke(-3, rng) + 3);
    expect(ksDistance(noise, (x) => normalCdf(x / sigma))).toBeLessThan(dkwThreshold(n, 1e-6));
  });
});
