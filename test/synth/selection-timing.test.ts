/**
 * Review S16 (issue 10 class 14, timing; DESIGN "sampling time must not depend on secret data"): the exponential
 * mechanism's sampler (`selectExponential`, src/synth/selection.ts) runs a fixed number of rounds (40·k), each drawing
 * the same words, with coins decided against exp(−x) bounds computed with a fixed amount of work — so the words drawn
 * (and the work) are a function of k only, except on events of probability ≤ e^−40 + 40k·2^−62 per selection.
 *
 * Tests: (1) generative (fast-check, seed 516): for random utility vectors and random neighbours (one utility moved by
 * up to Δ, ties, a far-ahead candidate), the same seed draws exactly the same number of words; (2) the review's member:
 * k = 50 tied vs one moved by Δ, 200 selections; (3) `expNegBounds` brackets exp(−x) with width ≤ 2 units of 2^−bits,
 * and tighter precisions nest inside looser ones (generative).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import type { RandomSource } from '../../src/random/source.js';
import { expNegBounds, selectExponential } from '../../src/synth/selection.js';

/** A seeded source that counts the 32-bit words drawn from it. */
function counting(seed: number): RandomSource & { words: number } {
  const inner = new SeededRandomSource(seed);
  const c = {
    isSeeded: true,
    words: 0,
    nextUint32(): number {
      c.words++;
      return inner.nextUint32();
    },
    fill(out: Uint32Array): void {
      c.words += out.length;
      inner.fill(out);
    },
  };
  return c;
}

const wordsOf = (u: number[], sens: number, eps: number, seed: number) => {
  const rng = counting(seed);
  selectExponential(u, sens, eps, rng);
  return rng.words;
};

describe('S16: the exponential-mechanism sampler draws a number of words that depends on k only', () => {
  it('generative (fast-check, seed 516): neighbouring utilities (one moved by ≤ Δ), ties and far-ahead candidates draw the same words with the same seed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.constantFrom(0.1, 1, 5),
        fc.nat(),
        (u, at, move, eps, seed) => {
          const v = [...u];
          const i = at % v.length;
          v[i] = (v[i] as number) + move;
          const tied = u.map(() => 0);
          const ahead = u.map((_, j) => (j === 0 ? 1e6 : 0));
          const w = wordsOf(u, 1, eps, seed);
          expect(wordsOf(v, 1, eps, seed)).toBe(w);
          expect(wordsOf(tied, 1, eps, seed)).toBe(w);
          expect(wordsOf(ahead, 1, eps, seed)).toBe(w);
        },
      ),
      { numRuns: 60, seed: 516 },
    );
  });

  it("the review's member: k = 50 tied vs one moved by Δ = 1 (ε = 1), 200 selections each — the same words per selection", () => {
    const k = 50;
    const run = (u: number[]) => {
      const rng = counting(1);
      return Array.from({ length: 200 }, () => {
        const before = rng.words;
        selectExponential(u, 1, 1, rng);
        return rng.words - before;
      });
    };
    const moved = Array(k).fill(0);
    moved[0] = 1;
    expect(run(moved)).toEqual(run(Array(k).fill(0)));
  });

  it('expNegBounds brackets exp(−x) within 2 units and nests across precisions (generative, seed 517)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.bigInt({ min: 1n, max: 10n ** 4n }), (a, b) => {
        const x = Rational.of(a, b);
        const [lo, hi] = expNegBounds(x, 64);
        expect(hi - lo).toBeLessThanOrEqual(2n);
        expect(lo).toBeGreaterThanOrEqual(0n);
        expect(hi).toBeLessThanOrEqual(1n << 64n);
        const [lo2, hi2] = expNegBounds(x, 192);
        expect(lo2 >= lo << 128n && hi2 <= hi << 128n).toBe(true);
        const p = Math.exp(-Number(a) / Number(b));
        expect(Number(lo) / 2 ** 64).toBeLessThanOrEqual(p * (1 + 1e-12) + 1e-300);
        expect(Number(hi) / 2 ** 64).toBeGreaterThanOrEqual(p * (1 - 1e-12));
      }),
      { numRuns: 300, seed: 517 },
    );
    expect(expNegBounds(Rational.ZERO, 64)).toEqual([1n << 64n, 1n << 64n]);
  });
});
