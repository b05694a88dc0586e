import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { laplaceScaleForEpsilon, makeLaplace, makeVectorLaplace } from '../../src/mechanisms/laplace.js';
import { laplaceGranularity } from '../../src/random/index.js';
import { assertMeasurementContract } from '../../src/testing/contract.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { startTrace } from '../../src/testing/trace.js';
import { dkwThreshold, ksDistance } from './_stats.js';

const BAD = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, -1];

describe('makeLaplace', () => {
  it('keeps the measurement contract', () => {
    assertMeasurementContract(makeLaplace({ scale: 2 }), { inputs: [0, 3.25, -1e6], neighbours: [[0, 1, 1]] });
    assertMeasurementContract(makeVectorLaplace({ scale: 1, size: 3 }), { inputs: [[0, 1, 2]], neighbours: [[[0, 0, 0], [1, 0, 0], 1]] });
  });

  it('states ε = (dIn + g)/scale, 0 at dIn = 0, and the matching event', () => {
    const m = makeLaplace({ scale: 2 });
    const g = laplaceGranularity(2);
    expect(m.privacyMap(0).epsilon).toBe(0);
    expect(m.privacyMap(1).epsilon).toBeGreaterThanOrEqual((1 + g) / 2);
    expect(m.privacyMap(1).epsilon).toBeLessThan(0.5 + 1e-11);
    expect(m.event?.(1)).toEqual({ type: 'laplace', noiseMultiplier: 2 / (1 + g) });
    const v = makeVectorLaplace({ scale: 2, size: 4 });
    expect(v.privacyMap(1).epsilon).toBeGreaterThanOrEqual((1 + 4 * g) / 2);
  });

  it('has a privacy map that is monotone in dIn (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (scale, a, b) => {
          const m = makeLaplace({ scale });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          return m.privacyMap(lo).epsilon <= m.privacyMap(hi).epsilon;
        },
      ),
    );
  });

  it('calibrates a scale that never overshoots the target ε and is within a grid step of (Δ + size·g)/ε (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 1e3, noNaN: true }),
        fc.double({ min: 1e-4, max: 1e4, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        (epsilon, sensitivity, size) => {
          const scale = laplaceScaleForEpsilon(epsilon, sensitivity, { size });
          const m = size === 1 ? makeLaplace({ scale }) : makeVectorLaplace({ scale, size });
          const nearlySmallest = scale <= ((sensitivity + 2 * size * laplaceGranularity(scale)) / epsilon) * (1 + 1e-12);
          return m.privacyMap(sensitivity).epsilon <= epsilon && nearlySmallest;
        },
      ),
    );
  });

  it('refuses NaN, ±Infinity, zero and negative scales with INVALID_PARAMETER', () => {
    for (const scale of BAD) {
      expect(() => makeLaplace({ scale })).toThrow(/INVALID_PARAMETER/);
      expect(() => makeVectorLaplace({ scale, size: 2 })).toThrow(/INVALID_PARAMETER/);
      expect(() => laplaceScaleForEpsilon(scale, 1)).toThrow(/INVALID_PARAMETER/);
      expect(() => laplaceScaleForEpsilon(1, scale)).toThrow(/INVALID_PARAMETER/);
    }
    for (const size of [0, 1.5, Number.NaN, -2]) expect(() => makeVectorLaplace({ scale: 1, size })).toThrow(/INVALID_PARAMETER/);
  });

  it('records each noise addition in the trace hook with its sensitivity and scale', () => {
    const trace = startTrace();
    makeLaplace({ scale: 3, sensitivity: 2 }).invoke(7, new SeededRandomSource(1));
    trace.stop();
    expect(trace.noise).toHaveLength(1);
    expect(trace.noise[0]).toMatchObject({ primitive: 'laplace', value: 7, sensitivity: 2, scale: 3 });
  });

  it('adds noise distributed as Laplace(b): KS distance within the DKW bound, n = 20000 (false failure ≤ 1e-6)', () => {
    const n = 20_000;
    const b = 1.5;
    const m = makeLaplace({ scale: b });
    const rng = new SeededRandomSource(20260201);
    const noise = Array.from({ length: n }, () => m.invoke(10, rng) - 10);
    const cdf = (x: number) => (x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b));
    // The grid (g = b·2^-40) moves the cdf by at most ~1e-12: far below the threshold.
    expect(ksDistance(noise, cdf)).toBeLessThan(dkwThreshold(n, 1e-6));
  });

  it('puts every output on the grid g whatever the input (Mironov 2012 resistance)', () => {
    const b = 1;
    const g = laplaceGranularity(b);
    const m = makeLaplace({ scale: b });
    const rng = new SeededRandomSource(5);
    for (const x of [0, 0.1, 1 / 3, 12345.678]) {
      for (let i = 0; i < 200; i++) {
        const y = m.invoke(x, rng);
        expect(Number.isInteger(y / g)).toBe(true);
      }
    }
  });
});
