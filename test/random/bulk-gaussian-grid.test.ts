/**
 * Review S37 (class: a float sampler's output rounded onto a grid too fine for the doubles being rounded).
 * The bulk Gaussian rounds the double z·σ/g to an integer; a grid cell's mass is then off from the ideal
 * rounded Gaussian's only through the doubles within a few ulps of the cell's edges, a relative
 * η ≈ c·ulp(z·σ/g). With the old Float64 grid σ·2⁻⁴⁰ the value reached 8.6·2⁴⁰ (ulp 2⁻¹⁰: 2¹⁰ doubles per
 * cell, η ≈ 10⁻³, a loss term ≈ d·η² per step). Rule (bulk-gaussian.ts): every cell holds ≥ 2²⁸ doubles of the
 * value rounded, over the whole range the sampler produces (|z| ≤ √(106 ln 2) < 8.6).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noiseGrid } from '../../src/learn/noise-grid.js';
import { bulkGaussianGrid, fillBulkGaussian } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

/** |z| of a Box–Muller draw from 53-bit uniforms is at most √(−2 ln 2⁻⁵³) = √(106 ln 2) ≈ 8.57. */
const Z_MAX = 8.6;

/** The spacing of binary64 values at |x| (x ≥ 2⁻¹⁰²²): 2^(⌊log₂|x|⌋ − 52), computed exactly. */
function ulpAt(x: number): number {
  let e = Math.floor(Math.log2(x));
  while (2 ** e > x) e--;
  while (2 ** (e + 1) <= x) e++;
  return 2 ** (e - 52);
}

/** How many doubles a cell of width 1 holds where the rounded value is largest: 1/ulp(Z_MAX·σ/g). */
function doublesPerCell(sigma: number, g: number): number {
  return 1 / ulpAt(Z_MAX * (sigma / g));
}

describe('review S37: the bulk Gaussian grid is coarse enough for the doubles rounded onto it', () => {
  it('regression: the old 40-bit Float64 grid held only 2¹⁰ doubles per cell at the tails (the hole)', () => {
    const sigma = 1.1;
    expect(doublesPerCell(sigma, 2 ** (Math.ceil(Math.log2(sigma)) - 40))).toBe(2 ** 10);
    expect(doublesPerCell(sigma, bulkGaussianGrid(sigma))).toBeGreaterThanOrEqual(2 ** 28);
  });

  it('generative: for any σ over the binary64 range, both output kinds hold ≥ 2²⁸ doubles per cell, and DP-SGD rounds to the same grid', () => {
    fc.assert(
      fc.property(fc.double({ min: 2 ** -900, max: 2 ** 900, noNaN: true }), (sigma) => {
        for (const kind of ['float64', 'float32'] as const) {
          const g = bulkGaussianGrid(sigma, kind);
          expect(Number.isInteger(Math.log2(g))).toBe(true);
          expect(doublesPerCell(sigma, g)).toBeGreaterThanOrEqual(2 ** 28);
        }
        expect(noiseGrid(sigma)).toBe(bulkGaussianGrid(sigma));
      }),
      { numRuns: 2_000, seed: 3737 },
    );
  });

  it('generative: every output is an integer multiple of bulkGaussianGrid(σ), with |value/g| < 8.6·σ/g (random σ, both kinds)', () => {
    fc.assert(
      fc.property(fc.double({ min: 2 ** -60, max: 2 ** 60, noNaN: true }), fc.boolean(), (sigma, f32) => {
        const out = f32 ? new Float32Array(257) : new Float64Array(257);
        fillBulkGaussian(out, sigma, new SeededRandomSource(`s37-${sigma}`));
        const g = bulkGaussianGrid(sigma, f32 ? 'float32' : 'float64');
        for (const x of out) {
          expect(Number.isInteger(x / g)).toBe(true);
          expect(Math.abs(x / g)).toBeLessThan(Z_MAX * (sigma / g) + 1);
        }
      }),
      { numRuns: 300, seed: 3738 },
    );
  });

  it('refuses a σ that is not a finite number > 0 (typed error)', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => bulkGaussianGrid(bad)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    }
  });
});
