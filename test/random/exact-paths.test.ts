/** The rarely taken exact fallbacks, driven deliberately. */
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/rational.js';
import { normalCdf } from '../../src/numeric/special.js';
import { floorExpNegBits } from '../../src/random/_internal/exp-bounds.js';
import { geometricUnitCount } from '../../src/random/_internal/geometric-core.js';
import { floorQBits, sampleSplitIndex } from '../../src/random/_internal/split-geometric.js';
import { sampleBernoulliExp } from '../../src/random/bernoulli-exp.js';
import { sampleDiscreteGaussian } from '../../src/random/discrete-gaussian.js';
import { chiSquareTest, ksTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { ScriptedSource } from './_helpers.js';

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

describe('split geometric index J_lo (K = 512) used by the discrete Gaussian for σ in [2^20, 2^40]', () => {
  const K = 512;
  const q = (m: number) => (Math.exp(-m / K) - Math.exp(-1)) / (1 - Math.exp(-1));

  it('has P(J_lo ≥ m) = (e^{−m/K} − e^{−1})/(1 − e^{−1}) (χ² on 64 groups of 8, 2·10^5 draws, false-failure probability ≤ 1e-6)', () => {
    const rng = new SeededRandomSource('split-index');
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 200_000; i++) {
      const g = sampleSplitIndex(rng) >> 3;
      counts[g] = (counts[g] as number) + 1;
    }
    const ps = counts.map((_, g) => q(8 * g) - (g === 63 ? 0 : q(8 * g + 8)));
    expect(chiSquareTest(counts, ps, { alpha: 1e-6 }).reject).toBe(false);
  });

  it('settles ties with a block of q_m exactly', () => {
    const m = 100;
    const b1 = Number(floorQBits(m, 32));
    const b2 = Number(floorQBits(m, 64) - (BigInt(b1) << 32n));
    expect(sampleSplitIndex(new ScriptedSource([b1, b2 - 1]))).toBe(m);
    expect(sampleSplitIndex(new ScriptedSource([b1, b2 + 1]))).toBe(m - 1);
    expect(sampleSplitIndex(new ScriptedSource([b1 - 1]))).toBe(m);
    expect(sampleSplitIndex(new ScriptedSource([b1 + 1]))).toBe(m - 1);
  });

  it('agrees with a linear scan of the exact blocks for every bucket boundary word (guide-table property)', () => {
    const blocks = Array.from({ length: K + 1 }, (_, m) => (m === 0 ? 2 ** 32 : m === K ? 0 : Number(floorQBits(m, 32))));
    const reference = (w: number) => {
      let m = 0;
      while (m + 1 <= K && w < (blocks[m + 1] as number)) m++;
      return m;
    };
    for (let i = 0; i < 4096; i += 7) {
      for (const w of [i * 2 ** 20, i * 2 ** 20 + 12345, (i + 1) * 2 ** 20 - 1]) {
        if (blocks.includes(w)) continue;
        expect(sampleSplitIndex(new ScriptedSource([w]))).toBe(reference(w));
      }
    }
  });
});
