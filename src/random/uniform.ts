/**
 * Uniform integers below a bound, by rejection (no modulo bias).
 * @module
 */
import { DpError } from '../numeric/errors.js';
import type { RandomSource } from './source.js';

const TWO_32 = 4_294_967_296;
const TWO_MINUS_32 = 2 ** -32;
const TWO_16 = 65_536;
const TWO_MINUS_16 = 2 ** -16;

/**
 * A uniform integer in `[0, n)`, exactly: 32-bit words are drawn from `rng`
 * and rejected when they fall in the incomplete last block, so every result
 * has probability exactly `1/n` (no modulo bias).
 *
 * For `n ≤ 2³²` one word is drawn per try (Lemire's multiply-shift rejection
 * for n ≤ 2²¹, a threshold on the word above); for larger `n` (up to 2⁵³ − 1)
 * two words give a candidate of the bit length of n − 1, rejected when ≥ n.
 * Each try succeeds with probability > 1/2. All arithmetic stays below 2⁵³, so plain numbers are exact.
 *
 * @param n - a safe integer ≥ 1.
 * @param rng - the randomness.
 * @returns an integer in `[0, n)`.
 * @throws DpError INVALID_PARAMETER when n is not a safe integer ≥ 1.
 * @privacy a building block; time depends only on `n` and the random words.
 * @example
 * sampleUniformBelow(6, defaultRandomSource()) + 1; // a fair die
 */
/** The edge check of a random source argument: an object with `nextUint32`. */
function edgeSource(rng: unknown): void {
  if (typeof (rng as { nextUint32?: unknown } | null)?.nextUint32 !== 'function') {
    throw new DpError('INVALID_PARAMETER', 'rng must be a RandomSource', { parameter: 'rng' });
  }
}

export function sampleUniformBelow(n: number, rng: RandomSource): number {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new DpError('INVALID_PARAMETER', 'n must be a safe integer ≥ 1', { parameter: 'n', expected: 'a safe integer ≥ 1' });
  }
  edgeSource(rng);
  return uniformBelowUnchecked(n, rng);
}

const TWO_21 = 2_097_152;

// Per-n constants, cached for the last n seen (public parameters only).
let cachedN = 0;
let cachedThreshold = 0;
let cachedBigN = 0;
let cachedMask = 0;

/**
 * @internal `sampleUniformBelow` without the check (n a safe integer ≥ 1).
 *
 * - n ≤ 2²¹: Lemire's multiply-shift. m = w·n < 2⁵³ is exact; the result is
 *   ⌊m/2³²⌋ unless m mod 2³² < (2³² − n) mod n, in which case the word is
 *   rejected. Exactly uniform (Lemire 2019, "Fast random integer generation in
 *   an interval", ACM TOMS), without a per-draw modulo.
 * - 2²¹ < n ≤ 2³²: the same method with the 64-bit product w·n assembled
 *   exactly from 16-bit halves (no per-draw modulo).
 * - n > 2³²: a candidate of bitLength(n − 1) ≤ 53 bits from two words (high
 *   part masked to a power of two, which divides 2³², so it is uniform),
 *   rejected when ≥ n. All values stay below 2⁵³, so plain numbers are exact.
 * Each try succeeds with probability > 1/2.
 */
export function uniformBelowUnchecked(n: number, rng: RandomSource): number {
  if (n <= TWO_21) {
    if (n !== cachedN) {
      cachedN = n;
      cachedThreshold = (TWO_32 - n) % n;
    }
    const threshold = cachedThreshold;
    for (;;) {
      const m = rng.nextUint32() * n;
      const hi = Math.floor(m * TWO_MINUS_32);
      if (m - hi * TWO_32 >= threshold) return hi;
    }
  }
  if (n <= TWO_32) {
    if (n !== cachedN) {
      cachedN = n;
      cachedThreshold = (TWO_32 - n) % n;
    }
    const threshold = cachedThreshold;
    for (;;) {
      // The 64-bit product w·n as hi·2³² + lo, exactly: with w = wh·2¹⁶ + wl,
      // a = wh·n and b = wl·n are < 2⁴⁸; a = a1·2¹⁶ + a0; then
      // w·n = a1·2³² + (a0·2¹⁶ + b) and a0·2¹⁶ + b < 2⁴⁹. Every step is exact.
      const w = rng.nextUint32();
      const wh = w >>> 16;
      const a = wh * n;
      const b = (w & 0xffff) * n;
      const a1 = Math.floor(a * TWO_MINUS_16);
      const c = (a - a1 * TWO_16) * TWO_16 + b;
      const carry = Math.floor(c * TWO_MINUS_32);
      if (c - carry * TWO_32 >= threshold) return a1 + carry;
    }
  }
  if (n !== cachedBigN) {
    // hiBound = ⌈n / 2³²⌉ ≤ 2²¹; the mask is one less than the smallest power of two ≥ hiBound.
    const hiBound = Math.ceil(n * TWO_MINUS_32);
    let m = 1;
    while (m < hiBound) m *= 2;
    cachedBigN = n;
    cachedMask = m - 1;
  }
  const maskInt = cachedMask;
  for (;;) {
    const v = (rng.nextUint32() & maskInt) * TWO_32 + rng.nextUint32();
    if (v < n) return v;
  }
}

/**
 * A uniform BigInt in `[0, n)`, exactly (rejection on bit-length-masked
 * candidates; each try succeeds with probability > 1/2).
 *
 * @param n - a BigInt ≥ 1.
 * @param rng - the randomness.
 * @returns a BigInt in `[0, n)`.
 * @throws DpError INVALID_PARAMETER when n < 1.
 * @privacy a building block; time depends only on `n` and the random words.
 */
export function sampleUniformBigBelow(n: bigint, rng: RandomSource): bigint {
  if (typeof n !== 'bigint' || n < 1n) {
    throw new DpError('INVALID_PARAMETER', 'n must be a BigInt ≥ 1', { parameter: 'n', expected: 'a BigInt ≥ 1' });
  }
  edgeSource(rng);
  return uniformBigBelowUnchecked(n, rng);
}

/** @internal `sampleUniformBigBelow` without the check. */
export function uniformBigBelowUnchecked(n: bigint, rng: RandomSource): bigint {
  if (n <= 9_007_199_254_740_991n) return BigInt(uniformBelowUnchecked(Number(n), rng));
  const bits = (n - 1n).toString(2).length;
  const words = Math.ceil(bits / 32);
  const topBits = bits - 32 * (words - 1); // 1..32
  const topMask = topBits === 32 ? 0xffffffff : 2 ** topBits - 1;
  for (;;) {
    let v = BigInt((rng.nextUint32() & topMask) >>> 0);
    for (let i = 1; i < words; i++) v = (v << 32n) | BigInt(rng.nextUint32());
    if (v < n) return v;
  }
}
