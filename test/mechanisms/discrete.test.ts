import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  discreteGaussianEpsilon,
  discreteGaussianSigmaForEpsilonDelta,
  discreteGaussianSigmaSquaredForRho,
  makeDiscreteGaussian,
} from '../../src/mechanisms/discrete-gaussian.js';
import { discreteLaplaceScaleForEpsilon, makeDiscreteLaplace } from '../../src/mechanisms/discrete-laplace.js';
import { Rational } from '../../src/numeric/rational.js';
import { assertMeasurementContract } from '../../src/testing/contract.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { dkwThreshold, ksDistance } from './_stats.js';

const BAD = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1, '-1/2', 'abc'];

/** The exact cdf of a symmetric integer distribution with weights w(k), summed over |k| ≤ K (the tail beyond is < 1e-15 here). */
function integerCdf(weight: (k: number) => number, K: number): (x: number) => number {
  let total = 0;
  for (let k = -K; k <= K; k++) total += weight(k);
  const table = new Map<number, number>();
  let acc = 0;
  for (let k = -K; k <= K; k++) {
    acc += weight(k) / total;
    table.set(k, acc);
  }
  return (x) => (x < -K ? 0 : x > K ? 1 : (table.get(Math.floor(x)) ?? 0));
}

describe('makeDiscreteLaplace', () => {
  it('keeps the measurement contract', () => {
    assertMeasurementContract(makeDiscreteLaplace({ scale: 2 }), { inputs: [0n, 17n, -(10n ** 30n)], neighbours: [[0n, 1n, 1]] });
  });

  it('states ε = dIn/scale exactly for a rational scale', () => {
    const m = makeDiscreteLaplace({ scale: '1/3' });
    expect(m.privacyMap(1).epsilon).toBe(3);
    expect(m.privacyMap(0).epsilon).toBe(0);
    expect(makeDiscreteLaplace({ scale: Rational.of(10n, 3n) }).privacyMap(1).epsilon).toBe(Rational.of(3n, 10n).toNumberUp());
    expect(m.event?.(2)).toEqual({ type: 'discreteLaplace', scale: 1 / 3, sensitivity: 2 });
  });

  it('calibrates the exact scale Δ/ε, never overshooting (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e3, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        (epsilon, sensitivity) => {
          const scale = discreteLaplaceScaleForEpsilon(epsilon, sensitivity);
          const map = makeDiscreteLaplace({ scale }).privacyMap;
          return map(sensitivity).epsilon <= epsilon && map(sensitivity / 2).epsilon <= map(sensitivity).epsilon;
        },
      ),
    );
  });

  it('refuses bad scales with INVALID_PARAMETER', () => {
    for (const scale of BAD) expect(() => makeDiscreteLaplace({ scale })).toThrow(/INVALID_PARAMETER/);
    expect(() => discreteLaplaceScaleForEpsilon(0, 1)).toThrow(/INVALID_PARAMETER/);
  });

  it('adds noise with P(k) ∝ exp(−|k|/t): KS distance within the DKW bound, n = 20000 (false failure ≤ 1e-6)', () => {
    const n = 20_000;
    const t = 2.5;
    const m = makeDiscreteLaplace({ scale: '5/2' });
    const rng = new SeededRandomSource(20260203);
    const noise = Array.from({ length: n }, () => Number(m.invoke(100n, rng) - 100n));
    const cdf = integerCdf((k) => Math.exp(-Math.abs(k) / t), 200);
    expect(ksDistance(noise, cdf, (x) => cdf(x - 1))).toBeLessThan(dkwThreshold(n, 1e-6));
  });
});

describe('makeDiscreteGaussian', () => {
  it('keeps the measurement contract', () => {
    assertMeasurementContract(makeDiscreteGaussian({ sigma: 3 }), { inputs: [0n, -4n], neighbours: [[0n, 2n, 2]] });
  });

  it('states ρ = dIn²/(2σ²) exactly (CKS 2020 Thm 14)', () => {
    expect(makeDiscreteGaussian({ sigma: 10 }).privacyMap(1).rho).toBe(0.005);
    expect(makeDiscreteGaussian({ sigmaSquared: '1/2' }).privacyMap(3).rho).toBe(9);
    expect(makeDiscreteGaussian({ sigma: 2 }).event?.(1)).toEqual({ type: 'discreteGaussian', sigma: 2, sensitivity: 1 });
  });

  it('calibrates σ² for ρ and σ for (ε, δ) without overshooting (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 10, noNaN: true }), fc.double({ min: 1e-2, max: 1e3, noNaN: true }), (rho, sensitivity) => {
        const sigmaSquared = discreteGaussianSigmaSquaredForRho(rho, sensitivity);
        return makeDiscreteGaussian({ sigmaSquared }).privacyMap(sensitivity).rho <= rho;
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 5, noNaN: true }), fc.double({ min: 1e-12, max: 1e-2, noNaN: true }), (epsilon, delta) => {
        const sigma = discreteGaussianSigmaForEpsilonDelta(epsilon, delta, 1);
        return discreteGaussianEpsilon(Rational.fromNumber(sigma).mul(Rational.fromNumber(sigma)), delta, 1).epsilon <= epsilon;
      }),
      { numRuns: 30 },
    );
  });

  it('refuses bad σ with INVALID_PARAMETER', () => {
    for (const sigma of BAD) expect(() => makeDiscreteGaussian({ sigma })).toThrow(/INVALID_PARAMETER/);
    expect(() => makeDiscreteGaussian({ sigma: 1, sigmaSquared: 1 } as never)).toThrow(/INVALID_PARAMETER/);
  });

  it('adds noise with P(k) ∝ exp(−k²/2σ²): KS distance within the DKW bound, n = 20000 (false failure ≤ 1e-6)', () => {
    const n = 20_000;
    const sigma = 3;
    const m = makeDiscreteGaussian({ sigma });
    const rng = new SeededRandomSource(20260204);
    const noise = Array.from({ length: n }, () => Number(m.invoke(0n, rng)));
    const cdf = integerCdf((k) => Math.exp(-(k * k) / (2 * sigma * sigma)), 100);
    expect(ksDistance(noise, cdf, (x) => cdf(x - 1))).toBeLessThan(dkwThreshold(n, 1e-6));
  });
});
