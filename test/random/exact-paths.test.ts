/** The rarely taken exact fallbacks, driven deliberately. */
import { describe, expect, it } from 'vitest';
import { floorExpNegBits } from '../../src/random/_internal/exp-bounds.js';
import { geometricUnitCount } from '../../src/random/_internal/geometric-core.js';
import { sampleBernoulliExp } from '../../src/random/bernoulli-exp.js';
import { sampleDiscreteGaussian } from '../../src/random/discrete-gaussian.js';
import { Rational } from '../../src/random/rational.js';
import { ksTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { normalCdf, ScriptedSource } from './_helpers.js';

function blocks(x: Rational): [number, number] {
  const first = floorExpNegBits(x, 32);
  const both = floorExpNegBits(x, 64);
  return [Number(first), Number(both - (first << 32n))];
}

describe('Bernoulli(exp(−x)) when the first word ties with the first block of exp(−x)', () => {
  const x = Rational.of(1n);
  const [b1, b2] = blocks(x);

  it('is decided by the second block: below it → true', () => {
    const rng = new ScriptedSource([b1, b2 - 1]);
    expect(sampleBernoulliExp(x, rng)).toBe(true);
    expect(rng.used).toBe(2);
  });

  it('is decided by the second block: above it → false', () => {
    const rng = new ScriptedSource([b1, b2 + 1]);
    expect(sampleBernoulliExp(x, rng)).toBe(false);
  });

  it('is decided by the first block alone otherwise', () => {
    expect(sampleBernoulliExp(x, new ScriptedSource([b1 - 1]))).toBe(true);
    expect(sampleBernoulliExp(x, new ScriptedSource([b1 + 1]))).toBe(false);
  });
});

describe('geometricUnitCount (V = max{v : U < e^−v}) on a tie with a block of e^−2', () => {
  const [c1, c2] = blocks(Rational.of(2n));

  it('finishes exactly with the same U: just below e^−2 → V = 2', () => {
    expect(geometricUnitCount(new ScriptedSource([c1, c2 - 1]))).toBe(2);
  });

  it('finishes exactly with the same U: just above e^−2 → V = 1', () => {
    expect(geometricUnitCount(new ScriptedSource([c1, c2 + 1]))).toBe(1);
  });

  it('reads V from one word when there is no tie', () => {
    expect(geometricUnitCount(new ScriptedSource([2 ** 32 - 1]))).toBe(0);
    expect(geometricUnitCount(new ScriptedSource([c1 - 1]))).toBe(2);
    expect(geometricUnitCount(new ScriptedSource([0x10]))).toBeGreaterThan(15);
  });
});

describe('discrete Gaussian at σ = 2^51, where proposals leave the plain-number range', () => {
  it('is N(0, σ²) rounded to the integers (KS, 10^4 draws, false-failure probability ≤ 1e-6), exercising the BigInt branch', () => {
    const rng = new SeededRandomSource('dg-2^51');
    const sigma = 2 ** 51;
    const xs = Array.from({ length: 10_000 }, () => Number(sampleDiscreteGaussian(Rational.of(2n ** 102n), rng)) / sigma);
    // Values are integers k; P(K ≤ k) = Φ((k + 1/2)/σ) up to e^{−2π²σ²}; dividing by σ only rescales.
    expect(ksTest(xs, (z) => normalCdf(z + 0.5 / sigma), { alpha: 1e-6 }).reject).toBe(false);
  });
});
