import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/rational.js';
import { decideBernoulliExp, expNegApprox, expNegInterval, floorExpNegBits } from '../../src/random/_internal/exp-bounds.js';
import { sampleBernoulli } from '../../src/random/bernoulli.js';
import { sampleBernoulliExp } from '../../src/random/bernoulli-exp.js';
import { chiSquareTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { expectInvalid, ScriptedSource } from './_helpers.js';

function frequencyTest(draw: () => boolean, p: number, n: number) {
  let ones = 0;
  for (let i = 0; i < n; i++) if (draw()) ones++;
  return chiSquareTest([n - ones, ones], [1 - p, p], { alpha: 1e-6, minExpected: 0 });
}

describe('sampleBernoulli', () => {
  const cases: [string, Rational][] = [
    ['1/3', Rational.of(1n, 3n)],
    ['2/7', Rational.of(2n, 7n)],
    ['999/1000', Rational.of(999n, 1000n)],
    ['(2^60+1)/(3·2^60) (BigInt path)', Rational.of(2n ** 60n + 1n, 3n * 2n ** 60n)],
  ];
  for (const [name, p] of cases) {
    it(`has frequency ${name} (χ², 10^5 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`bernoulli-${name}`);
      expect(frequencyTest(() => sampleBernoulli(p, rng), p.toNumber(), 100_000).reject).toBe(false);
    });
  }

  it('is exact: over one word mapping to each value of the uniform below the denominator, exactly `num` trials succeed', () => {
    // p = 3/5: with multiply-shift, the word ⌈k·2^32/5⌉ + 1 maps to k (and is never rejected).
    const words = [0, 1, 2, 3, 4].map((k) => Math.ceil((k * 2 ** 32) / 5) + 1);
    const rng = new ScriptedSource(words);
    let ones = 0;
    for (let i = 0; i < 5; i++) if (sampleBernoulli(Rational.of(3n, 5n), rng)) ones++;
    expect(ones).toBe(3);
    expect(rng.used).toBe(5);
  });

  it('returns the constant outcome at p = 0 and p = 1 without drawing', () => {
    const rng = new ScriptedSource([]);
    expect(sampleBernoulli(Rational.ZERO, rng)).toBe(false);
    expect(sampleBernoulli(Rational.ONE, rng)).toBe(true);
  });

  it('refuses p outside [0, 1] (property)', () => {
    const rng = new SeededRandomSource(1);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.bigInt({ min: 1n, max: 10n ** 20n }), (a, b) => {
        expectInvalid(() => sampleBernoulli(Rational.of(-a, b), rng));
        expectInvalid(() => sampleBernoulli(Rational.of(a + b, b), rng));
      }),
    );
  });
});

describe('sampleBernoulliExp', () => {
  const cases: [string, Rational][] = [
    ['1/1000', Rational.of(1n, 1000n)],
    ['1/2', Rational.of(1n, 2n)],
    ['1', Rational.ONE],
    ['7/3', Rational.of(7n, 3n)],
    ['10', Rational.of(10n)],
    ['(2^70+1)/2^70 (BigInt numerator and denominator)', Rational.of(2n ** 70n + 1n, 2n ** 70n)],
  ];
  for (const [name, x] of cases) {
    it(`is true with probability exp(−${name}) (χ², 2·10^5 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`bexp-${name}`);
      expect(frequencyTest(() => sampleBernoulliExp(x, rng), Math.exp(-x.toNumber()), 200_000).reject).toBe(false);
    });
  }

  it('is always true at x = 0', () => {
    const rng = new SeededRandomSource(2);
    for (let i = 0; i < 100; i++) expect(sampleBernoulliExp(Rational.ZERO, rng)).toBe(true);
  });

  it('refuses negative x and non-Rationals', () => {
    const rng = new SeededRandomSource(1);
    expectInvalid(() => sampleBernoulliExp(Rational.of(-1n, 2n), rng));
    expectInvalid(() => sampleBernoulliExp(0.5 as unknown as Rational, rng));
  });
});

describe('exp(−x) bounds behind the exact Bernoulli', () => {
  it('the BigInt interval contains exp(−x) and the first 32-bit block is exact for simple x', () => {
    // ⌊e^{−1}·2^32⌋ = 1580030168 (e^{−1} = 0.36787944117144233…).
    expect(floorExpNegBits(Rational.ONE, 32)).toBe(1580030168n);
    const [lo, hi] = expNegInterval(Rational.of(1n, 2n), 64);
    expect(Number(lo) / 2 ** 64).toBeCloseTo(Math.exp(-0.5), 15);
    expect(hi - lo).toBeLessThanOrEqual(2n);
  });

  it('the double approximation is within 2^−47 relative of the exact value (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 31 * 2 ** 20 - 1 }), (k) => {
        const x = Rational.of(BigInt(k), 2n ** 20n);
        const approx = expNegApprox(x.toNumber());
        const exact = Number(floorExpNegBits(x, 120)) / 2 ** 120;
        expect(Math.abs(approx - exact) / exact).toBeLessThan(2 ** -47);
      }),
      { numRuns: 300 },
    );
  });

  it('the one-word fast decision never contradicts the exact first block (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 40n * 10n ** 12n }), fc.integer({ min: -3, max: 3 }), (num, offset) => {
        const x = Rational.of(num, 10n ** 12n);
        const block = Number(floorExpNegBits(x, 32));
        const w = Math.min(2 ** 32 - 1, Math.max(0, block + offset));
        const d = decideBernoulliExp(x.toNumber(), w);
        if (w < block) expect(d === 1 || d === -1).toBe(true);
        if (w > block) expect(d === 0 || d === -1).toBe(true);
        if (w === block) expect(d).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });
});
