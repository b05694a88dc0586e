/**
 * Bulk Gaussian noise for DP-SGD: millions of coordinates per step, fed by the
 * CSPRNG in bulk. NOT exact — see the floating-point stance below.
 * @module
 */
import { GRID_BITS, gridFor } from './_internal/grid.js';
import { checkPositiveFinite } from './_internal/validate.js';
import type { RandomSource } from './source.js';

const BUFFER_WORDS = 16_384; // 64 KiB per rng.fill call
const TWO_POW_26 = 67_108_864;
const TWO_POW_MINUS_52 = 2 ** -52;
const TWO_POW_MINUS_53 = 2 ** -53;
const ROUND_MAGIC = 6_755_399_441_055_744; // 1.5·2⁵²

/** Grid bits below σ for Float32 outputs (Float64 outputs use the secure samplers' GRID_BITS = 40). */
const GRID_BITS_32 = 16;

let buffer: Uint32Array | undefined;
let bufferIndex = BUFFER_WORDS;
let bufferOwner: RandomSource | undefined;

/**
 * The ziggurat of 128 blocks of equal area V under f(x) = e^(−x²/2), x ≥ 0 (Marsaglia and Tsang 2000, in
 * Doornik's 2005 form): ZIG_X[1] = R, f(ZIG_X[i+1]) = V/ZIG_X[i] + f(ZIG_X[i]), ZIG_X[128] = 0, ZIG_X[0] = V/f(R),
 * with R = 3.442619855896652121… chosen so that the recursion closes and V = R·f(R) + ∫_R^∞ f. Computed with
 * mpmath at 60 digits and rounded to binary64; test/random/bulk-gaussian.test.ts re-checks every block's area.
 * Exported for that test only (not from tsdp/random).
 * @internal
 */
export const ZIG_R = 3.4426198558966523;
/** @internal The block edges x_0 … x_128 (see ZIG_R). */
export const ZIG_X = Float64Array.of(
  3.7130862467403634,
  3.4426198558966523,
  3.2230849845786187,
  3.0832288582142136,
  2.978696252645017,
  2.894344007018671,
  2.8231253505459666,
  2.761169372384154,
  2.7061135731187225,
  2.6564064112581924,
  2.610972248428613,
  2.569033625921639,
  2.5300096723854666,
  2.493454522091951,
  2.45901817740835,
  2.4264206455302118,
  2.3954342780074676,
  2.3658713701139877,
  2.337575241335531,
  2.310413683695002,
  2.2842740596736566,
  2.2590595738653296,
  2.234686395587057,
  2.211081408874728,
  2.1881804320720204,
  2.1659267937448408,
  2.1442701823562613,
  2.12316570866979,
  2.1025731351849988,
  2.0824562379877247,
  2.0627822745039635,
  2.0435215366506694,
  2.024646973372934,
  2.006133869958967,
  1.9879595741230607,
  1.9701032608497133,
  1.9525457295488888,
  1.9352692282919002,
  1.9182573008597321,
  1.9014946531003176,
  1.8849670357028692,
  1.868661140989542,
  1.8525645117230871,
  1.836665460253384,
  1.8209529965910052,
  1.8054167642140488,
  1.790046982594619,
  1.7748343955807693,
  1.759770224894232,
  1.7448461281083765,
  1.7300541605582436,
  1.7153867407081165,
  1.700836618564301,
  1.6863968467734862,
  1.6720607540918522,
  1.6578219209482075,
  1.6436741568569826,
  1.6296114794646783,
  1.615628095037133,
  1.601718380215277,
  1.5878768648844006,
  1.5740982160167498,
  1.5603772223598407,
  1.5467087798535035,
  1.533087877667556,
  1.5195095847593707,
  1.5059690368565504,
  1.4924614237746154,
  1.4789819769830979,
  1.4655259573357946,
  1.4520886428822164,
  1.4386653166774612,
  1.4252512545068616,
  1.4118417124397602,
  1.3984319141236063,
  1.3850170377251487,
  1.3715922024197322,
  1.3581524543224228,
  1.344692751745713,
  1.3312079496576765,
  1.317692783201343,
  1.3041418501204216,
  1.290549591917873,
  1.2769102735516997,
  1.2632179614460282,
  1.2494664995643336,
  1.235649483254481,
  1.2217602305309625,
  1.2077917504067577,
  1.1937367078237722,
  1.1795873846544607,
  1.1653356361550469,
  1.150972842138976,
  1.1364898520030755,
  1.121876922572254,
  1.1071236475235353,
  1.0922188768965537,
  1.0771506248819376,
  1.0619059636836194,
  1.0464709007525803,
  1.0308302360564556,
  1.0149673952392995,
  0.9988642334806435,
  0.9825008035027604,
  0.9658550793881306,
  0.9489026254979119,
  0.9316161966013539,
  0.9139652510088018,
  0.8959153525662386,
  0.8774274290977156,
  0.8584568431780508,
  0.8389522142812075,
  0.8188539066833177,
  0.7980920606262748,
  0.7765839878761484,
  0.75423066443451,
  0.7309119106218813,
  0.706479611313608,
  0.6807479186459042,
  0.6534786387150424,
  0.6243585973090883,
  0.592962942441978,
  0.558692178375518,
  0.5206560387251449,
  0.47743783725378786,
  0.42654798630330515,
  0.3628714310284183,
  0.2723208647046638,
  0.0,
);
/** ZIG_X[i + 1]/ZIG_X[i]: |u| below it lies in block i's core rectangle, under f (accepted at once). */
const ZIG_RATIO = Float64Array.from({ length: 128 }, (_, i) => (ZIG_X[i + 1] as number) / (ZIG_X[i] as number));

/**
 * Fills `out` with independent N(0, σ²) noise, rounded to a power-of-two grid.
 *
 * Construction (the ziggurat, Marsaglia and Tsang 2000, in Doornik's 2005 form with an independent block index):
 * 32-bit words come from `rng.fill` in 64 KiB blocks. Each attempt takes two words: a 53-bit uniform
 * u ∈ [−1, 1) from 53 of their bits and a block index i ∈ [0, 128) from 7 other bits. If |u| < x_{i+1}/x_i the
 * value is u·x_i (block i's core, under the density); in block 0 beyond it, a value of the tail |z| > R is drawn
 * by Marsaglia's method (two more 53-bit uniforms in (0, 1] per try, logarithms); in the wedge of block i ≥ 1,
 * x = u·x_i is accepted when f(x_{i+1}) + U·(f(x_i) − f(x_{i+1})) < f(x) (U a further 53-bit uniform; the test is
 * written with the two ratios e^(−(x_i² − x²)/2), as Doornik), else the attempt is repeated. In exact arithmetic
 * the output is N(0, 1); ≈ 98.8% of values take the first branch (one multiplication). Each z·σ is then rounded
 * to the grid g = 2^(⌈log₂σ⌉ − 40) for Float64Array outputs (2^(⌈log₂σ⌉ − 16) for Float32Array, so that every
 * output is an exact float32 multiple of g). (Until December 2026 this was Box–Muller; the ziggurat costs about a
 * third of its time, which was a third of a DP-SGD step.)
 *
 * **Floating-point stance (read this).** This sampler is *not* bit-exact-safe:
 * the block table is binary64 (each x_i within half an ulp of the exact ziggurat; test/random/bulk-gaussian.test.ts
 * re-checks every block's area in binary64), the wedge and tail tests use Math.exp and Math.log, which are
 * approximations (the standard does not bound their error), and the 53-bit uniforms cut the tail at
 * |z| ≤ R + 53·ln 2/R ≈ 14.1 (mass ≈ 10⁻⁴⁴). The grid rounding is the mitigation
 * for Mironov-style attacks: the noise carries no low-order bits below g, so the
 * set of possible outputs does not depend on the fine structure of the table or of the
 * transcendental functions, and the value it is added to in DP-SGD (a sum of
 * clipped gradients, itself a float computation) is what leaks bits, not the
 * noise. It is acceptable for DP-SGD because (a) the released object is a model
 * after many noisy steps, not single noisy coordinates; (b) the deviations from
 * an ideal Gaussian are of relative size ~2⁻⁴⁰ in the density (and 10⁻⁴⁴ in the
 * tails), which the accountant's slack dwarfs; (c) Opacus and TF Privacy use
 * plain floating-point Gaussians. For single released statistics use
 * {@link addSecureGaussianNoise}, which is exact.
 *
 * @param out - the array to fill (its previous contents are overwritten).
 * @param sigma - the standard deviation, a finite number > 0.
 * @param rng - the randomness; the CSPRNG for training runs.
 * @throws DpError INVALID_PARAMETER when sigma is not a finite number > 0.
 * @privacy approximately the Gaussian mechanism (ρ = Δ²/(2σ²)); not bit-exact, see above.
 *   Time depends only on out.length and the random words.
 * @see Holohan, Braghin, "Secure Random Sampling in Differential Privacy", ESORICS 2021 (the mitigation discussion);
 *   Marsaglia, Tsang, "The Ziggurat Method for Generating Random Variables", J. Stat. Softw. 5(8), 2000;
 *   Doornik, "An Improved Ziggurat Method to Generate Normal Random Samples", 2005.
 * @example
 * const noise = new Float32Array(gradient.length);
 * fillBulkGaussian(noise, noiseMultiplier * clipNorm, defaultRandomSource());
 */
export function fillBulkGaussian(out: Float32Array | Float64Array, sigma: number, rng: RandomSource): void {
  checkPositiveFinite(sigma, 'sigma');
  const g = gridFor(sigma, out instanceof Float32Array ? GRID_BITS_32 : GRID_BITS);
  if (out instanceof Float64Array) {
    fillChunk(out, 0, out.length, sigma / g, g, rng);
    return;
  }
  // Float32: generate in Float64 chunks (one monomorphic kernel), then convert;
  // every value is an integer below 2²⁰ times g (|z| < 14.2, 14.2·2¹⁶ < 2²⁰), so the conversion is exact.
  scratch ??= new Float64Array(SCRATCH_LENGTH);
  for (let start = 0; start < out.length; start += SCRATCH_LENGTH) {
    const len = Math.min(SCRATCH_LENGTH, out.length - start);
    fillChunk(scratch, 0, len, sigma / g, g, rng);
    out.set(len === SCRATCH_LENGTH ? scratch : scratch.subarray(0, len), start);
  }
}

const SCRATCH_LENGTH = 8192;
let scratch: Float64Array | undefined;

/** Ziggurat on CSPRNG words into out[from, to): values rounded to multiples of g; ratio = σ/g (exact, ≤ 2⁴⁰). */
function fillChunk(out: Float64Array, from: number, to: number, ratio: number, g: number, rng: RandomSource): void {
  buffer ??= new Uint32Array(BUFFER_WORDS);
  const words = buffer;
  // Leftover words are reused only for the source that produced them.
  bufferIndex = bufferOwner === rng ? bufferIndex : BUFFER_WORDS;
  bufferOwner = rng;
  let wi = bufferIndex;
  for (let j = from; j < to; j++) {
    let z: number;
    for (;;) {
      if (wi + 2 > BUFFER_WORDS) {
        rng.fill(words);
        wi = 0;
      }
      const a = words[wi] as number;
      const b = words[wi + 1] as number;
      wi += 2;
      // 53 bits for u (a's top 27, b's top 26), 7 other bits for the block (a's low 5, b's low 2).
      const u = ((a >>> 5) * TWO_POW_26 + (b >>> 6)) * TWO_POW_MINUS_52 - 1; // [−1, 1), exact
      const i = (a & 31) | ((b & 3) << 5);
      const xi = ZIG_X[i] as number;
      if (Math.abs(u) < (ZIG_RATIO[i] as number)) {
        z = u * xi;
        break;
      }
      bufferIndex = wi;
      if (i === 0) {
        z = tail(u < 0, rng);
        wi = bufferIndex;
        break;
      }
      const x = u * xi;
      const next = ZIG_X[i + 1] as number;
      const f0 = Math.exp(-0.5 * (xi * xi - x * x));
      const f1 = Math.exp(-0.5 * (next * next - x * x));
      const accept = f1 + uniform53(rng) * (f0 - f1) < 1;
      wi = bufferIndex;
      if (accept) {
        z = x;
        break;
      }
    }
    // (z + C) − C rounds to the nearest integer (ties to even) for |z| ≤ 2⁵¹; here |z| < 14.2·2⁴⁰.
    out[j] = (z * ratio + ROUND_MAGIC - ROUND_MAGIC) * g;
  }
  bufferIndex = wi;
}

/** A 53-bit uniform in [0, 1) from the shared word buffer (at bufferIndex, which it advances). */
function uniform53(rng: RandomSource): number {
  const words = buffer as Uint32Array;
  if (bufferIndex + 2 > BUFFER_WORDS) {
    rng.fill(words);
    bufferIndex = 0;
  }
  const v = ((words[bufferIndex] as number) >>> 5) * TWO_POW_26 + ((words[bufferIndex + 1] as number) >>> 6);
  bufferIndex += 2;
  return v * TWO_POW_MINUS_53;
}

/** Marsaglia's tail beyond R (1964): x = −ln(U₁)/R, y = −ln(U₂) until 2y ≥ x²; R + x, signed. U ∈ (0, 1]. */
function tail(negative: boolean, rng: RandomSource): number {
  for (;;) {
    const x = -Math.log(1 - uniform53(rng)) / ZIG_R;
    const y = -Math.log(1 - uniform53(rng));
    if (2 * y >= x * x) return negative ? -(ZIG_R + x) : ZIG_R + x;
  }
}
