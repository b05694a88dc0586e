/** Bernoulli(2^a·exp(−x)): the acceptance step of the fine quantile sampler (src/random/bernoulli-exp-pow2.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDpError } from '../../src/core/errors.js';
import { Rational } from '../../src/numeric/rational.js';
import { floorExpNegBits } from '../../src/random/_internal/exp-bounds.js';
import { dyadicExponentBelow, sampleBernoulliExpPow2 } from '../../src/random/bernoulli-exp-pow2.js';
import { chiSquareTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { expectInvalid, ScriptedSource } from './_helpers.js';

/** A rational strictly above ln 2 (ln 2 = 0.693147180559945309…). */
const LN2_ABOVE = Rational.of(693_147_180_559_945_310n, 10n ** 18n);

describe('sampleBernoulliExpPow2: exact decisions from the binary expansion of 2^a·exp(−x)', () => {
  const x = Rational.of(1n);
  const a = 1; // p = 2/e ≈ 0.7358
  const f1 = floorExpNegBits(x, a + 32);
  const f2 = floorExpNegBits(x, a + 64);
  const second = Number(f2 - (f1 << 32n));

  it('accepts a first word below ⌊2^(a+32)·e^−x⌋ and rejects one above, from that word alone', () => {
    const below = new ScriptedSource([Number(f1) - 1]);
    expect(sampleBernoulliExpPow2(x, a, below)).toBe(true);
    expect(below.used).toBe(1);
    expect(sampleBernoulliExpPow2(x, a, new ScriptedSource([Number(f1) + 1]))).toBe(false);
  });

  it('on a tie with the first block, the second block decides', () => {
    expect(sampleBernoulliExpPow2(x, a, new ScriptedSource([Number(f1), second - 1]))).toBe(true);
    expect(sampleBernoulliExpPow2(x, a, new ScriptedSource([Number(f1), second + 1]))).toBe(false);
  });

  it('refuses p > 1 (a·ln 2 > x) as an internal error, and bad arguments as invalid', () => {
    let caught: unknown;
    try {
      sampleBernoulliExpPow2(Rational.of(1n, 2n), 1, new ScriptedSource([0, 0, 0]));
    } catch (e) {
      caught = e;
    }
    expect(isDpError(caught, 'INTERNAL')).toBe(true);
    expectInvalid(() => sampleBernoulliExpPow2(Rational.of(-1n), 0, new ScriptedSource([0])));
    expectInvalid(() => sampleBernoulliExpPow2(Rational.of(1n), -1, new ScriptedSource([0])));
    expectInvalid(() => sampleBernoulliExpPow2(Rational.of(1n), 0.5, new ScriptedSource([0])));
  });

  const cases: [string, Rational, number][] = [
    ['2·e^−1', Rational.of(1n), 1],
    ['8·e^−2.5', Rational.of(5n, 2n), 3],
    ['2^40·e^−(28 + 1/3)', Rational.of(85n, 3n), 40],
    ['e^−0.7 (a = 0)', Rational.of(7n, 10n), 0],
  ];
  for (const [name, xr, ar] of cases) {
    it(`has frequency ${name} (χ², 10^5 draws, false-failure probability ≤ 1e-6)`, () => {
      const rng = new SeededRandomSource(`pow2-${name}`);
      const p = 2 ** ar * Math.exp(-xr.toNumber());
      let ones = 0;
      for (let i = 0; i < 100_000; i++) if (sampleBernoulliExpPow2(xr, ar, rng)) ones++;
      expect(chiSquareTest([100_000 - ones, ones], [1 - p, p], { alpha: 1e-6, minExpected: 0 }).reject).toBe(false);
    });
  }
});

describe('dyadicExponentBelow', () => {
  it('generative: a·ln 2 ≤ x exactly, and a ≥ ⌊x/ln 2⌋ − 1 (fast-check, seed 2)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: 0, max: 1e6, noNaN: true }),
          fc.integer({ min: 0, max: 2000 }).map((k) => k * Math.LN2),
        ),
        (x) => {
          const a = dyadicExponentBelow(x);
          expect(Number.isSafeInteger(a) && a >= 0).toBe(true);
          expect(Rational.of(BigInt(a)).mul(LN2_ABOVE).le(Rational.fromNumber(x))).toBe(true);
          expect(a).toBeGreaterThanOrEqual(Math.floor(x / Math.LN2) - 1);
        },
      ),
      { seed: 2, numRuns: 2000 },
    );
  });

  it('is 0 for NaN, negative and zero bounds', () => {
    expect([Number.NaN, -1, 0, -0].map(dyadicExponentBelow)).toEqual([0, 0, 0, 0]);
  });
});
