/**
 * The exp(−x) tables of `src/random/_internal/exp-bounds.ts` are literals (issue 11, stop 26: computing them with
 * BigInt arithmetic cost ≈ 18 ms of CPU on every process's first draw). Rule: each literal is bit for bit the double
 * `nearestDouble` defines — A[i] = nearestDouble(i), i = 0..31; B[j] = nearestDouble(j/64), j = 0..63 — so every
 * Bernoulli(exp(−x)) decision, and through it every sample, is the one the computed tables gave. Exact, no randomness:
 * all 96 entries are recomputed and compared with Object.is (a one-ulp change fails).
 */
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/rational.js';
import { expNegApprox, expTables, nearestDouble } from '../../src/random/_internal/exp-bounds.js';

describe('exp-bounds tables: literals equal the exact computation', () => {
  const [a, b] = expTables();

  it('A[i] = nearestDouble(i) for i = 0..31, bit for bit', () => {
    expect(a).toHaveLength(32);
    const computed = Array.from({ length: 32 }, (_, i) => nearestDouble(Rational.of(BigInt(i))));
    expect(a.map((x, i) => Object.is(x, computed[i]))).toEqual(computed.map(() => true));
  });

  it('B[j] = nearestDouble(j/64) for j = 0..63, bit for bit', () => {
    expect(b).toHaveLength(64);
    const computed = Array.from({ length: 64 }, (_, j) => nearestDouble(Rational.of(BigInt(j), 64n)));
    expect(b.map((x, j) => Object.is(x, computed[j]))).toEqual(computed.map(() => true));
  });

  it('expNegApprox reads them: exp(−i − j/64) is A[i]·B[j] at the bin edges', () => {
    for (const [i, j] of [
      [0, 0],
      [1, 0],
      [3, 17],
      [30, 63],
    ] as const) {
      expect(expNegApprox(i + j / 64)).toBe((a[i] as number) * (b[j] as number));
    }
  });

  it('the copies handed out do not reach the tables', () => {
    const [a2] = expTables() as [number[], number[]];
    a2[1] = 0;
    expect(expTables()[0][1]).toBe(a[1]);
  });
});
