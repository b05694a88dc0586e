import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/rational.js';
import { normalCdf } from '../../src/numeric/special.js';
import { sampleDiscreteGaussian } from '../../src/random/discrete-gaussian.js';
import { sampleDiscreteLaplace } from '../../src/random/discrete-laplace.js';
import { sampleGeometricExp } from '../../src/random/geometric.js';
import { chiSquareTest, ksTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { cellProbabilities, countCells, expectInvalid } from './_helpers.js';

const N = 100_000;

describe('sampleGeometricExp', () => {
  const cases: [string, Rational][] = [
    ['1/3', Rational.of(1n, 3n)],
    ['2', Rational.of(2n)],
    ['5/7', Rational.of(5n, 7n)],
    ['1/40', Rational.of(1n, 40n)],
    ['(2^60+3)/2^61 (BigInt path)', Rational.of(2n ** 60n + 3n, 2n ** 61n)],
  ];
  for (const [name, x] of cases) {
    it(`has P(k) = (1 − e^{−x})e^{−kx} for x = ${name} (χ², 10^5 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`geometric-${name}`);
      const xd = x.toNumber();
      const hi = Math.ceil(30 / xd);
      const counts = countCells(() => Number(sampleGeometricExp(x, rng)), N, 0, hi);
      const ps = cellProbabilities((k) => Math.exp(-k * xd), 0, hi, 0, hi + Math.ceil(40 / xd));
      expect(chiSquareTest(counts, ps, { alpha: 1e-6 }).reject).toBe(false);
    });
  }

  it('refuses x ≤ 0', () => {
    const rng = new SeededRandomSource(1);
    expectInvalid(() => sampleGeometricExp(Rational.ZERO, rng));
    expectInvalid(() => sampleGeometricExp(Rational.of(-1n, 3n), rng));
  });
});

describe('sampleDiscreteLaplace', () => {
  const cases: [string, Rational][] = [
    ['1/2', Rational.of(1n, 2n)],
    ['1', Rational.ONE],
    ['7/3', Rational.of(7n, 3n)],
    ['10', Rational.of(10n)],
    ['(2^60+1)/2^58 (BigInt path)', Rational.of(2n ** 60n + 1n, 2n ** 58n)],
  ];
  for (const [name, scale] of cases) {
    it(`has P(k) ∝ exp(−|k|/scale) for scale = ${name} (χ², 10^5 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`dlap-${name}`);
      const b = scale.toNumber();
      const lim = Math.ceil(12 * b);
      const counts = countCells(() => Number(sampleDiscreteLaplace(scale, rng)), N, -lim, lim);
      const ps = cellProbabilities((k) => Math.exp(-Math.abs(k) / b), -lim, lim, -lim - Math.ceil(40 * b), lim + Math.ceil(40 * b));
      expect(chiSquareTest(counts, ps, { alpha: 1e-6 }).reject).toBe(false);
    });
  }

  for (const [name, scale] of [
    ['(3·2^20 + 1)/3 (split proposal, sign with the uniform)', Rational.of(3n * 2n ** 20n + 1n, 3n)],
    ['2^45 + 7 (split proposal, separate sign word)', Rational.of(2n ** 45n + 7n)],
  ] as const) {
    it(`has the discrete Laplace cdf at scale ${name} (KS, 2·10^4 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`dlap-split-${name}`);
      const q = Math.exp(-1 / scale.toNumber());
      const cdf = (x: number) => {
        const k = Math.floor(x);
        return k >= 0 ? 1 - q ** (k + 1) / (1 + q) : q ** -k / (1 + q);
      };
      const xs = Array.from({ length: 20_000 }, () => Number(sampleDiscreteLaplace(scale, rng)));
      expect(ksTest(xs, cdf, { alpha: 1e-6 }).reject).toBe(false);
    });
  }

  it('has power: samples at scale 10 are rejected against the pmf of scale 10.5 (χ², 10^5 draws)', () => {
    const rng = new SeededRandomSource('dlap-power');
    const counts = countCells(() => Number(sampleDiscreteLaplace(Rational.of(10n), rng)), N, -120, 120);
    const ps = cellProbabilities((k) => Math.exp(-Math.abs(k) / 10.5), -120, 120, -600, 600);
    expect(chiSquareTest(counts, ps, { alpha: 1e-6 }).reject).toBe(true);
  });

  it('is symmetric at scale 10^6 (sign balance and |k| mean; false-failure probability ≤ 1e-6)', () => {
    const rng = new SeededRandomSource('dlap-big');
    let negative = 0;
    let absSum = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const k = Number(sampleDiscreteLaplace(Rational.of(10n ** 6n), rng));
      if (k < 0) negative++;
      absSum += Math.abs(k);
    }
    // Sign: binomial(n, ~1/2): 5.4 sd ↔ two-sided tail < 1e-7.
    expect(Math.abs(negative - n / 2)).toBeLessThan(5.4 * Math.sqrt(n / 4));
    // |k| is geometric with mean ≈ 10^6 and sd ≈ 10^6: the mean of n draws has sd ≈ 10^6/√n; 8 sd leaves
    // a tail far below 1e-6 even allowing for the skew of the sum.
    expect(Math.abs(absSum / n - 1e6)).toBeLessThan((8 * 1e6) / Math.sqrt(n));
  });

  it('refuses scales ≤ 0 and non-Rationals (property)', () => {
    const rng = new SeededRandomSource(1);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 30n }), (a, b) => {
        expectInvalid(() => sampleDiscreteLaplace(Rational.of(-a, b), rng));
      }),
    );
    expectInvalid(() => sampleDiscreteLaplace(3 as unknown as Rational, rng));
  });
});

describe('sampleDiscreteGaussian', () => {
  const cases: [string, Rational][] = [
    ['1/4', Rational.of(1n, 4n)],
    ['2/3', Rational.of(2n, 3n)],
    ['1', Rational.ONE],
    ['7/2', Rational.of(7n, 2n)],
    ['100 (σ = 10)', Rational.of(100n)],
    ['10^4 (σ = 100)', Rational.of(10000n)],
    ['(2^70+1)/2^64 (BigInt path, σ ≈ 8)', Rational.of(2n ** 70n + 1n, 2n ** 64n)],
  ];
  for (const [name, sigmaSquared] of cases) {
    it(`has P(k) ∝ exp(−k²/(2σ²)) for σ² = ${name} (χ², 10^5 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`dg-${name}`);
      const s2 = sigmaSquared.toNumber();
      const lim = Math.ceil(6 * Math.sqrt(s2)) + 1;
      const counts = countCells(() => Number(sampleDiscreteGaussian(sigmaSquared, rng)), N, -lim, lim);
      const wide = Math.ceil(40 * Math.sqrt(s2)) + 10;
      const ps = cellProbabilities((k) => Math.exp(-(k * k) / (2 * s2)), -lim, lim, -wide, wide);
      expect(chiSquareTest(counts, ps, { alpha: 1e-6 }).reject).toBe(false);
    });
  }

  for (const [name, sigmaSquared] of [
    ['10^13 (σ ≈ 3.2·10^6, split proposal)', Rational.of(10n ** 13n)],
    ['(2^79 + 1)/3 (σ ≈ 4.5·10^11, split proposal, non-integer σ²)', Rational.of(2n ** 79n + 1n, 3n)],
  ] as const) {
    it(`is N(0, σ²) rounded to the integers for σ² = ${name} (KS, 2·10^4 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`dg-large-${name}`);
      const sigma = Math.sqrt(sigmaSquared.toNumber());
      const xs = Array.from({ length: 20_000 }, () => Number(sampleDiscreteGaussian(sigmaSquared, rng)));
      // P(K ≤ k) = Φ((k + 1/2)/σ) up to e^{−2π²σ²} (Poisson summation).
      expect(ksTest(xs, (k) => normalCdf((Math.floor(k) + 0.5) / sigma), { alpha: 1e-6 }).reject).toBe(false);
    });
  }

  it('has power: samples at σ² = 100 are rejected against the pmf of σ² = 104 (χ², 10^5 draws)', () => {
    const rng = new SeededRandomSource('dg-power');
    const counts = countCells(() => Number(sampleDiscreteGaussian(Rational.of(100n), rng)), N, -61, 61);
    const ps = cellProbabilities((k) => Math.exp(-(k * k) / 208), -61, 61, -500, 500);
    expect(chiSquareTest(counts, ps, { alpha: 1e-6 }).reject).toBe(true);
  });

  it('refuses σ² ≤ 0', () => {
    const rng = new SeededRandomSource(1);
    expectInvalid(() => sampleDiscreteGaussian(Rational.ZERO, rng));
    expectInvalid(() => sampleDiscreteGaussian(Rational.of(-4n), rng));
  });
});
