/**
 * Bulk Gaussian noise for DP-SGD: millions of coordinates per step, fed by the
 * CSPRNG in bulk. NOT exact — see the floating-point stance below.
 * @module
 */
import { gridFor } from './_internal/grid.js';
import { checkPositiveFinite } from './_internal/validate.js';
import type { RandomSource } from './source.js';

const BUFFER_WORDS = 16_384; // 64 KiB per rng.fill call
const TWO_POW_26 = 67_108_864;
const TWO_POW_MINUS_53 = 2 ** -53;
const TWO_PI = 2 * Math.PI;
const ROUND_MAGIC = 6_755_399_441_055_744; // 1.5·2⁵²

/**
 * Grid bits below σ. Rule (review S37, "a grid too fine for the doubles rounded onto it"): a grid cell
 * must hold ≥ 2²⁸ doubles of the value rounded onto it, over the whole range the sampler produces
 * (|z| < 8.6): z·σ/g < 8.6·2^bits must have an ulp ≤ 2⁻²⁸, i.e. bits ≤ 24. Float64 outputs use 20
 * (not the secure samplers' 40: those sample on the grid exactly, nothing float is rounded onto it).
 */
const GRID_BITS_64 = 20;
/** Float32 outputs: every output k·g with |k| < 2²⁰ is an exact float32. */
const GRID_BITS_32 = 16;

/**
 * The grid of {@link fillBulkGaussian}'s outputs: 2^(⌈log₂σ⌉ − 20) for Float64Array outputs,
 * 2^(⌈log₂σ⌉ − 16) for Float32Array ones (never below 2⁻¹⁰⁷⁴).
 * @param sigma - the standard deviation, a finite number > 0.
 * @param output - the output array's element type (default 'float64').
 * @returns g, a power of two: every output is an integer multiple of it.
 * @throws DpError INVALID_PARAMETER when sigma is not a finite number > 0.
 * @privacy public: a function of σ only. DP-SGD rounds its clipped sum to this grid before the noise.
 * @example
 * bulkGaussianGrid(1.1); // 2^-19
 */
export function bulkGaussianGrid(sigma: number, output: 'float64' | 'float32' = 'float64'): number {
  checkPositiveFinite(sigma, 'sigma');
  return gridFor(sigma, output === 'float32' ? GRID_BITS_32 : GRID_BITS_64);
}

let buffer: Uint32Array | undefined;
let bufferIndex = BUFFER_WORDS;
let bufferOwner: RandomSource | undefined;

/**
 * Fills `out` with independent N(0, σ²) noise, rounded to a power-of-two grid.
 *
 * Construction: 32-bit words come from `rng.fill` in 64 KiB blocks; each pair of
 * outputs uses two 53-bit uniforms u₁ ∈ (0, 1], u₂ ∈ [0, 1) and the Box–Muller
 * transform z = √(−2 ln u₁)·(cos 2πu₂, sin 2πu₂); each z·σ is then rounded to the
 * grid g = 2^(⌈log₂σ⌉ − 20) for Float64Array outputs (2^(⌈log₂σ⌉ − 16) for
 * Float32Array, so that every output is an exact float32 multiple of g) —
 * {@link bulkGaussianGrid}.
 *
 * **Floating-point stance (read this).** This sampler is *not* bit-exact-safe:
 * Math.log, Math.cos and Math.sin are approximations (the standard does not
 * bound their error), and the 53-bit uniforms truncate the tails at
 * |z| ≤ √(106 ln 2) ≈ 8.57 (mass ≈ 10⁻¹⁷). The grid rounding is the mitigation
 * for Mironov-style attacks: the noise carries no low-order bits below g, so the
 * set of possible outputs does not depend on the fine structure of the
 * transcendental functions, and the value it is added to in DP-SGD (a sum of
 * clipped gradients, itself a float computation) is what leaks bits, not the
 * noise. It is acceptable for DP-SGD because (a) the released object is a model
 * after many noisy steps, not single noisy coordinates; (b) the deviations from
 * each grid cell's mass deviates from the ideal rounded Gaussian's by a
 * relative η ≲ 2⁻²⁷ (and 10⁻¹⁷ in the tails): the value rounded, z·σ/g < 8.6·2²⁰, has
 * an ulp ≤ 2⁻²⁹, so a cell holds ≥ 2²⁹ doubles and only those within a few ulps of
 * its edges (the errors of sqrt, log, cos/sin and two products) can land in the wrong
 * cell. Until review S37 the Float64 grid was σ·2⁻⁴⁰: the value rounded reached 2⁴³,
 * a cell held only 2¹⁰–2¹³ doubles and η was 2⁻¹³–2⁻¹⁰ — a per-coordinate loss term
 * of order η² that adds up over d coordinates (≈ 10⁻² per step at d = 5·10⁵, more than
 * the Gaussian's own at d = 2²⁵). Now d·η² ≤ 2²⁵·2⁻⁵⁴ = 2⁻²⁹ at the largest model; the
 * first-order terms average over the ~2²⁰ cells the density spans (an argument, not a
 * proof: this sampler stays "approximately" the Gaussian mechanism); (c) Opacus and TF Privacy use
 * plain floating-point Gaussians. For single released statistics use
 * {@link addSecureGaussianNoise}, which is exact.
 *
 * @param out - the array to fill (its previous contents are overwritten).
 * @param sigma - the standard deviation, a finite number > 0.
 * @param rng - the randomness; the CSPRNG for training runs.
 * @throws DpError INVALID_PARAMETER when sigma is not a finite number > 0.
 * @privacy approximately the Gaussian mechanism (ρ = Δ²/(2σ²)); not bit-exact, see above.
 *   Time depends only on out.length and the random words.
 * @see Holohan, Braghin, "Secure Random Sampling in Differential Privacy", ESORICS 2021 (the mitigation discussion).
 * @example
 * const noise = new Float32Array(gradient.length);
 * fillBulkGaussian(noise, noiseMultiplier * clipNorm, defaultRandomSource());
 */
export function fillBulkGaussian(out: Float32Array | Float64Array, sigma: number, rng: RandomSource): void {
  checkPositiveFinite(sigma, 'sigma');
  const g = gridFor(sigma, out instanceof Float32Array ? GRID_BITS_32 : GRID_BITS_64);
  if (out instanceof Float64Array) {
    fillChunk(out, 0, out.length, sigma / g, g, rng);
    return;
  }
  // Float32: generate in Float64 chunks (one monomorphic kernel), then convert;
  // every value is an integer below 2²⁰ times g, so the conversion is exact.
  scratch ??= new Float64Array(SCRATCH_LENGTH);
  for (let start = 0; start < out.length; start += SCRATCH_LENGTH) {
    const len = Math.min(SCRATCH_LENGTH, out.length - start);
    fillChunk(scratch, 0, len, sigma / g, g, rng);
    out.set(len === SCRATCH_LENGTH ? scratch : scratch.subarray(0, len), start);
  }
}

const SCRATCH_LENGTH = 8192;
let scratch: Float64Array | undefined;

/** Box–Muller on CSPRNG words into out[from, to): values rounded to multiples of g; ratio = σ/g (exact, ≤ 2²⁰). */
function fillChunk(out: Float64Array, from: number, to: number, ratio: number, g: number, rng: RandomSource): void {
  buffer ??= new Uint32Array(BUFFER_WORDS);
  const words = buffer;
  // Leftover words are reused only for the source that produced them.
  let wi = bufferOwner === rng ? bufferIndex : BUFFER_WORDS;
  bufferOwner = rng;
  for (let i = from; i < to; i += 2) {
    if (wi + 4 > BUFFER_WORDS) {
      rng.fill(words);
      wi = 0;
    }
    const a = words[wi] as number;
    const b = words[wi + 1] as number;
    const c = words[wi + 2] as number;
    const d = words[wi + 3] as number;
    wi += 4;
    const u1 = ((a >>> 5) * TWO_POW_26 + (b >>> 6) + 1) * TWO_POW_MINUS_53; // (0, 1]
    const u2 = ((c >>> 5) * TWO_POW_26 + (d >>> 6)) * TWO_POW_MINUS_53; // [0, 1)
    const r = Math.sqrt(-2 * Math.log(u1)) * ratio;
    const theta = TWO_PI * u2;
    // (z + C) − C rounds to the nearest integer (ties to even) for |z| ≤ 2⁵¹; here |z| < 8.6·2²⁰.
    out[i] = (r * Math.cos(theta) + ROUND_MAGIC - ROUND_MAGIC) * g;
    if (i + 1 < to) out[i + 1] = (r * Math.sin(theta) + ROUND_MAGIC - ROUND_MAGIC) * g;
  }
  bufferIndex = wi;
}
