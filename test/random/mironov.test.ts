/**
 * Mironov (2012), "On Significance of the Least Significant Bits for
 * Differential Privacy": a textbook floating-point Laplace x + (−b·ln u)·sign
 * leaks x through the bit pattern of its output. We reproduce the leak for the
 * neighbouring inputs 0 and 1, and show that addSecureLaplaceNoise gives the
 * distinguisher nothing.
 */
import { describe, expect, it } from 'vitest';
import { addSecureLaplaceNoise, laplaceGranularity } from '../../src/random/secure-laplace.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

/** The naive sampler, in this test only: a 53-bit uniform u in (0, 1], noise −b·ln(u), random sign. */
function naiveLaplace(x: number, b: number, rng: SeededRandomSource): number {
  const u = ((rng.nextUint32() >>> 5) * 2 ** 26 + (rng.nextUint32() >>> 6) + 1) * 2 ** -53;
  const magnitude = -b * Math.log(u);
  return x + ((rng.nextUint32() & 1) === 1 ? magnitude : -magnitude);
}

/**
 * A proof that y cannot be an output for input 1: every output is RN(1 + n)
 * for a double n; when |y| < 1/2 that requires n = y − 1 in (−3/2, −1/2),
 * where 1 + n is exact (Sterbenz) and a multiple of ulp(n) ≥ 2^−53. So a
 * |y| < 1/2 that is not a multiple of 2^−53 is unreachable from input 1.
 */
function provablyUnreachableFromOne(y: number): boolean {
  return y !== 0 && Math.abs(y) < 0.5 && !Number.isInteger(y * 2 ** 53);
}

/** The same reasoning for outputs of input 0: y = RN(0 + n) = n, any double. Reachability from 0 is never excluded. */
function sameClass(y: number): boolean {
  return !provablyUnreachableFromOne(y);
}

describe('Mironov 2012 floating-point attack', () => {
  const n = 10_000;

  it('distinguishes inputs 0 and 1 of a naive floating-point Laplace by bit patterns alone (deterministic, fixed seed)', () => {
    const rng = new SeededRandomSource('mironov-naive');
    let leaked = 0;
    for (let i = 0; i < n; i++) {
      const y = naiveLaplace(0, 1, rng);
      // For input 0 the output minus the input maps back exactly to the noise.
      expect(y - 0).toBe(y);
      if (provablyUnreachableFromOne(y)) leaked++;
    }
    // P(|Laplace(1)| < 1/2) = 1 − e^{−1/2} ≈ 0.39, and many such outputs are not multiples of 2^−53
    // (those in [1/4, 1/2) are with probability about 1/2): about a quarter of all releases identify the
    // input with certainty — a DP violation at any ε.
    expect(leaked / n).toBeGreaterThan(0.2);
  });

  it('outputs of the naive sampler at input 1 never fall in the distinguishing set (sanity of the distinguisher)', () => {
    const rng = new SeededRandomSource('mironov-naive-1');
    for (let i = 0; i < n; i++) expect(provablyUnreachableFromOne(naiveLaplace(1, 1, rng))).toBe(false);
  });

  it('addSecureLaplaceNoise: every output is a grid multiple and reachable from both inputs; the distinguisher finds nothing', () => {
    const g = laplaceGranularity(1);
    const a = new SeededRandomSource('mironov-secure-0');
    const b = new SeededRandomSource('mironov-secure-1');
    let flagged = 0;
    for (let i = 0; i < n; i++) {
      for (const [x, rng] of [
        [0, a],
        [1, b],
      ] as const) {
        const y = addSecureLaplaceNoise(x, 1, rng);
        const k = y / g;
        expect(Number.isInteger(k)).toBe(true);
        // Reachable from either input: the noise integer K' = y/g − round(x'/g) exists for x' = 0 and 1,
        // and the discrete Laplace gives every integer positive probability.
        expect(Number.isInteger(k - Math.round(0 / g)) && Number.isInteger(k - Math.round(1 / g))).toBe(true);
        if (!sameClass(y)) flagged++;
      }
    }
    expect(flagged).toBe(0);
  });
});
