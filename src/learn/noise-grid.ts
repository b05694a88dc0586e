/**
 * The grid step of DP-SGD's noisy sum. The bulk Gaussian (`fillBulkGaussian`)
 * returns multiples of G_r = `bulkGaussianGrid(σC)` = 2^(⌈log₂ σC⌉ − 20); adding them to a float sum
 * that is NOT on that grid keeps the sum's residue modulo G_r in every noisy
 * coordinate (fl(g + kG) ≡ g mod G): a perfect distinguisher (Mironov 2012;
 * review finding dpsgd-gradient-low-bits). Rule that closes the class: the
 * clipped sum is rounded to a grid G that is a multiple of the noise's grid
 * BEFORE the noise is added, and the rounding is priced: each coordinate moves
 * by ≤ G/2, so the rounded sums of neighbours differ by ≤ C + G·√d in L2 (d
 * coordinates), and the step is accounted as the Gaussian mechanism with the
 * effective noise multiplier σ_eff = σ·C/(C + G·√d) (≤ σ, so the charge is at
 * least the unrounded one). The exact sum round(g/G)·G + kG_r is then
 * round_{G_r}(round(g/G)·G + σC·z): post-processing of the Gaussian mechanism
 * on the rounded sum. See ghost-clipping.proof.md, "The noisy sum".
 * @module
 */
import { DpError } from '../core/index.js';
import { bulkGaussianGrid } from '../random/index.js';
import { describeValue } from './_internal/describe.js';
import { checkNumber } from './_internal/validate.js';

const TWO_POW_52 = 2 ** 52;
const TWO_POW_51 = 2 ** 51;
/** 1.5·2⁵²: adding and subtracting it rounds a |t| < 2⁵¹ to the nearest integer (ties to even). */
const ROUNDING_SHIFT = 1.5 * 2 ** 52;

/**
 * The rounding grid for a noise scale σC: the bulk Gaussian's own grid for
 * Float64Array outputs, `bulkGaussianGrid(σC)` = 2^(⌈log₂ σC⌉ − 20) (at least
 * 2⁻¹⁰⁷⁴), so the noise is a multiple of it. (Review S37 moved both from 40 to
 * 20 bits below σC: see the sampler's floating-point stance.)
 * @param scale - σC, a finite number > 0.
 * @returns G, a power of two.
 * @throws DpError INVALID_PARAMETER when scale is not a finite number > 0.
 * @privacy the grid of the noisy sum; public (a function of σ and C).
 * @example
 * noiseGrid(1.1); // 2^-19
 */
export function noiseGrid(scale: number): number {
  if (!(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
    throw new DpError('INVALID_PARAMETER', `scale must be a finite number > 0, got ${describeValue(scale)}`, { parameter: 'scale' });
  }
  return bulkGaussianGrid(scale);
}

/**
 * round(x/G)·G, exactly: the nearest multiple of G (ties to even), so |result − x| ≤ G/2;
 * x itself when |x/G| ≥ 2⁵² (then x is already a multiple of G).
 * @param x - a finite double.
 * @param grid - G, a power of two.
 * @returns the nearest multiple of G.
 * @example
 * roundToGrid(0.3, 2 ** -2); // 0.25
 */
export function roundToGrid(x: number, grid: number): number {
  checkNumber(x, 'x');
  checkNumber(grid, 'grid');
  return roundToGridUnchecked(x, grid);
}

/** @internal roundToGrid without the edge checks, for the trainer's per-coordinate loop. */
export function roundToGridUnchecked(x: number, grid: number): number {
  const t = x / grid; // exact: G is a power of two (or the quotient is < 2⁻¹⁰²², which rounds to 0 either way)
  const a = Math.abs(t);
  // For |t| < 2⁵¹, t + 1.5·2⁵² lies in (2⁵², 2⁵³), where the ulp is 1: the addition rounds t to the nearest
  // integer (ties to even) and the subtraction is exact — about twice as fast as Math.round in the trainer's
  // per-coordinate loop (issue 12). Between 2⁵¹ and 2⁵² Math.round is exact too; beyond, x is on the grid.
  if (a < TWO_POW_51) return (t + ROUNDING_SHIFT - ROUNDING_SHIFT) * grid;
  if (!(a < TWO_POW_52)) return x;
  return Math.round(t) * grid;
}

/**
 * σ_eff = σ·C/(C + G·√d): the noise multiplier a step is accounted with once
 * its d-coordinate clipped sum is rounded to the grid G = noiseGrid(σC).
 * @param noiseMultiplier - σ > 0.
 * @param maxGradNorm - C > 0.
 * @param dimension - d, the number of parameters (≥ 0).
 * @returns σ_eff ∈ (0, σ].
 * @throws DpError INVALID_PARAMETER when an argument is out of range.
 * @privacy the Gaussian mechanism's multiplier for sensitivity C + G·√d at noise σC.
 * @example
 * effectiveNoiseMultiplier(1.1, 1, 535_818); // 1.1·(1 − ~1e-9)
 */
export function effectiveNoiseMultiplier(noiseMultiplier: number, maxGradNorm: number, dimension: number): number {
  checkNumber(noiseMultiplier, 'noiseMultiplier');
  checkNumber(maxGradNorm, 'maxGradNorm');
  if (!(Number.isSafeInteger(dimension) && dimension >= 0)) {
    throw new DpError('INVALID_PARAMETER', `dimension must be an integer ≥ 0, got ${describeValue(dimension)}`, { parameter: 'dimension' });
  }
  const scale = noiseMultiplier * maxGradNorm;
  const grid = noiseGrid(scale);
  const sensitivity = maxGradNorm + grid * Math.sqrt(dimension);
  // Round the quotient down: σ_eff must not exceed the true σC/(C + G√d).
  const q = scale / sensitivity;
  return q * (1 - 2 ** -50);
}
