import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalCdf } from '../../src/numeric/special.js';
import { fillBulkGaussian } from '../../src/random/bulk-gaussian.js';
import { addSecureGaussianNoise, gaussianGranularity } from '../../src/random/secure-gaussian.js';
import { addSecureLaplaceNoise, laplaceGranularity } from '../../src/random/secure-laplace.js';
import { ksTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { expectInvalid } from './_helpers.js';

/** Exact cdf of K·g for K discrete Laplace with scale b/g (q = e^{−g/b}): P(K ≤ k). */
function discreteLaplaceCdfOnGrid(b: number, g: number): (x: number) => number {
  const q = Math.exp(-g / b);
  return (x: number) => {
    const k = Math.floor(x / g);
    return k >= 0 ? 1 - q ** (k + 1) / (1 + q) : q ** -k / (1 + q);
  };
}

/** cdf of K·g for K discrete Gaussian with parameter σ/g: Φ((k + 1/2)g/σ), exact up to e^{−2π²(σ/g)²} (Poisson summation). */
function discreteGaussianCdfOnGrid(sigma: number, g: number): (x: number) => number {
  return (x: number) => normalCdf(((Math.floor(x / g) + 0.5) * g) / sigma);
}

const N = 20_000;

describe('laplaceGranularity / gaussianGranularity', () => {
  it('is the smallest power of two ≥ scale/2^40', () => {
    for (const b of [1, 3, 0.1, 1e-5, 1e300, 2 ** -1000, Number.MAX_VALUE]) {
      const g = laplaceGranularity(b);
      expect(Math.log2(g)).toBe(Math.round(Math.log2(g)));
      expect(g).toBeGreaterThanOrEqual(b / 2 ** 40);
      expect(g / 2).toBeLessThan(b / 2 ** 40);
      expect(gaussianGranularity(b)).toBe(g);
    }
  });

  it('never goes below the smallest subnormal', () => {
    expect(laplaceGranularity(Number.MIN_VALUE)).toBe(Number.MIN_VALUE);
  });
});

describe('addSecureLaplaceNoise', () => {
  for (const [value, scale] of [
    [0, 1],
    [3, 0.5],
    [0.1234567, 1 / 3],
    [-1e6, 1000],
    [1e200, 1e195],
  ] as const) {
    it(`noise is discrete Laplace on the grid for value ${value}, scale ${scale} (KS, 2·10^4 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`slap-${value}-${scale}`);
      const g = laplaceGranularity(scale);
      const base = Math.round(value / g) * g;
      const noise = Array.from({ length: N }, () => {
        const y = addSecureLaplaceNoise(value, scale, rng);
        expect(Number.isInteger(y / g)).toBe(true);
        return (y - base) / g;
      });
      expect(ksTest(noise, (k) => discreteLaplaceCdfOnGrid(scale, g)(k * g), { alpha: 1e-6 }).reject).toBe(false);
    });
  }

  it('agrees with the continuous Laplace cdf (KS, false-failure probability ≤ 1e-6)', () => {
    const rng = new SeededRandomSource('slap-continuous');
    const noise = Array.from({ length: N }, () => addSecureLaplaceNoise(0, 2, rng));
    const cdf = (x: number) => (x < 0 ? 0.5 * Math.exp(x / 2) : 1 - 0.5 * Math.exp(-x / 2));
    expect(ksTest(noise, cdf, { alpha: 1e-6 }).reject).toBe(false);
  });

  it('returns multiples of the grid for any finite value, including huge and subnormal ones (property)', () => {
    const rng = new SeededRandomSource('slap-grid');
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
        (value, scale) => {
          const y = addSecureLaplaceNoise(value, scale, rng);
          const g = laplaceGranularity(scale);
          expect(Number.isFinite(y)).toBe(true);
          expect(Object.is(y, -0)).toBe(false);
          // y/g may overflow for huge y with tiny g; then y's ulp exceeds g and y is a multiple of g anyway.
          const q = y / g;
          expect(!Number.isFinite(q) || Number.isInteger(q)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('handles ±1e308 exactly: the output is the nearest double to a grid point near the value', () => {
    const rng = new SeededRandomSource('slap-huge');
    for (const v of [1e308, -1e308, Number.MAX_VALUE]) {
      const y = addSecureLaplaceNoise(v, 1, rng);
      expect(Math.abs(y - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -50);
    }
  });

  it('stays on the grid when clamping near ±MAX_VALUE, even for huge scales', () => {
    const rng = new SeededRandomSource('slap-clamp');
    for (const scale of [Number.MAX_VALUE, 1e308, 1e305]) {
      const g = laplaceGranularity(scale);
      for (let i = 0; i < 200; i++) {
        for (const y of [addSecureLaplaceNoise(Number.MAX_VALUE, scale, rng), addSecureGaussianNoise(-Number.MAX_VALUE, scale, rng)]) {
          expect(Number.isFinite(y)).toBe(true);
          expect(Number.isInteger(y / gaussianGranularity(scale))).toBe(true);
          expect(Number.isInteger(y / g)).toBe(true);
        }
      }
    }
  });

  it('treats −0 like 0 and never returns −0', () => {
    const a = new SeededRandomSource('neg-zero');
    const b = new SeededRandomSource('neg-zero');
    for (let i = 0; i < 100; i++) {
      const y = addSecureLaplaceNoise(-0, 1, a);
      expect(y).toBe(addSecureLaplaceNoise(0, 1, b));
      expect(Object.is(y, -0)).toBe(false);
    }
  });

  it('refuses NaN and ±Infinity values', () => {
    const rng = new SeededRandomSource(1);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expectInvalid(() => addSecureLaplaceNoise(v, 1, rng));
      expectInvalid(() => addSecureGaussianNoise(v, 1, rng));
    }
  });

  it('refuses scales that are not finite and > 0 (property)', () => {
    const rng = new SeededRandomSource(1);
    const bad = fc.oneof(
      fc.double({ max: 0, noNaN: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0),
    );
    fc.assert(
      fc.property(bad, (s) => {
        expectInvalid(() => addSecureLaplaceNoise(1, s, rng));
        expectInvalid(() => addSecureGaussianNoise(1, s, rng));
        expectInvalid(() => laplaceGranularity(s));
        expectInvalid(() => gaussianGranularity(s));
        expectInvalid(() => fillBulkGaussian(new Float64Array(2), s, rng));
      }),
    );
  });

  it('never echoes the private value in its error message', () => {
    try {
      addSecureLaplaceNoise(Number.NaN, 1, new SeededRandomSource(1));
    } catch (e) {
      expect(String(e)).not.toMatch(/NaN/);
    }
    expect.assertions(1);
  });
});

describe('addSecureGaussianNoise', () => {
  for (const [value, sigma] of [
    [0, 1],
    [2.5, 3],
    [0.1234567, 1 / 7],
    [-1e10, 1e5],
  ] as const) {
    it(`noise is the discrete Gaussian on the grid for value ${value}, σ ${sigma} (KS, 2·10^4 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`sg-${value}-${sigma}`);
      const g = gaussianGranularity(sigma);
      const base = Math.round(value / g) * g;
      const noise = Array.from({ length: N }, () => {
        const y = addSecureGaussianNoise(value, sigma, rng);
        expect(Number.isInteger(y / g)).toBe(true);
        return y - base;
      });
      expect(ksTest(noise, discreteGaussianCdfOnGrid(sigma, g), { alpha: 1e-6 }).reject).toBe(false);
    });
  }

  it('returns multiples of the grid for any finite value (property)', () => {
    const rng = new SeededRandomSource('sg-grid');
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
        (value, sigma) => {
          const y = addSecureGaussianNoise(value, sigma, rng);
          const q = y / gaussianGranularity(sigma);
          expect(Number.isFinite(y)).toBe(true);
          expect(!Number.isFinite(q) || Number.isInteger(q)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('fillBulkGaussian', () => {
  it('is N(0, σ²) for Float64Array (KS, 10^5 draws, false-failure probability ≤ 1e-6)', () => {
    const rng = new SeededRandomSource('bulk64');
    const out = new Float64Array(100_001);
    fillBulkGaussian(out, 2.5, rng);
    const g = 2 ** (Math.ceil(Math.log2(2.5)) - 20);
    expect(out.every((x) => Number.isInteger(x / g))).toBe(true);
    // Rounded to the grid: P(out ≤ kg) = Φ((k + 1/2)g/σ).
    expect(ksTest(out, discreteGaussianCdfOnGrid(2.5, g), { alpha: 1e-6 }).reject).toBe(false);
  });

  it('is N(0, σ²) on its coarser grid for Float32Array (KS, 10^5 draws, false-failure probability ≤ 1e-6)', () => {
    const rng = new SeededRandomSource('bulk32');
    const out = new Float32Array(100_000);
    fillBulkGaussian(out, 0.3, rng);
    const g = 2 ** (Math.ceil(Math.log2(0.3)) - 16);
    expect(out.every((x) => Number.isInteger(x / g))).toBe(true);
    expect(ksTest(out, discreteGaussianCdfOnGrid(0.3, g), { alpha: 1e-6 }).reject).toBe(false);
  });

  it('rejects a wrong σ (the test has power: σ = 2.6 against 2.5)', () => {
    const rng = new SeededRandomSource('bulk-power');
    const out = new Float64Array(100_000);
    fillBulkGaussian(out, 2.6, rng);
    expect(ksTest(out, (x) => normalCdf(x / 2.5), { alpha: 1e-6 }).reject).toBe(true);
  });
});

describe('sampling work does not depend on the private value (Jin et al. 2022)', () => {
  /** A seeded source that counts the words it hands out. */
  function countingSource(seed: string) {
    const inner = new SeededRandomSource(seed);
    const counter = {
      words: 0,
      isSeeded: true as const,
      nextUint32: () => {
        counter.words++;
        return inner.nextUint32();
      },
      fill: (out: Uint32Array) => {
        counter.words += out.length;
        inner.fill(out);
      },
    };
    return counter;
  }

  for (const [name, add] of [
    ['addSecureLaplaceNoise', addSecureLaplaceNoise],
    ['addSecureGaussianNoise', addSecureGaussianNoise],
  ] as const) {
    it(`${name} draws the same random words and the same integer noise for every value, given the seed`, () => {
      const values = [0, 1, -1, 0.1234567, 1e15, -1e308, 5e-324];
      const g = laplaceGranularity(3); // = gaussianGranularity(3)
      const words: number[] = [];
      const noiseSequences: string[] = [];
      for (const value of values) {
        const rng = countingSource(`jin-${name}`);
        const base = Math.round(value / g) * g;
        const ks: number[] = [];
        for (let i = 0; i < 500; i++) ks.push((add(value, 3, rng) - base) / g);
        words.push(rng.words);
        // (y − base)/g is the exact integer noise when |value| is small enough for the subtraction to be exact.
        if (Math.abs(value) <= 1) noiseSequences.push(ks.join(','));
      }
      expect(new Set(words).size).toBe(1);
      expect(new Set(noiseSequences).size).toBe(1);
    });
  }
});
