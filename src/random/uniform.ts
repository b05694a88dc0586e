/**
 * Uniform integers below a bound, by rejection (no modulo bias).
 * @module
 */
import { DpError } from '../core/errors.js';
import type { RandomSource } from './source.js';

const TWO_32 = 4_294_967_296;

/**
 * A uniform integer in `[0, n)`, exactly: 32-bit words are drawn from `rng`
 * and rejected when they fall in the incomplete last block, so every result
 * has probability exactly `1/n` (no modulo bias).
 *
 * For `n ≤ 2³²` one word is drawn per try (the try succeeds with probability
 * > 1/2). For larger `n` (up to 2⁵³ − 1) two words give a 53-bit candidate
 * masked to the bit length of `n − 1`; again each try succeeds with
 * probability > 1/2. All arithmetic stays below 2⁵³, so plain numbers are exact.
 *
 * @param n - a safe integer ≥ 1.
 * @param rng - the randomness.
 * @returns an integer in `[0, n)`.
 * @throws DpError INVALID_PARAMETER when n is not a safe integer ≥ 1.
 * @privacy a building block; time depends only on `n` and the random words.
 * @example
 * sampleUniformBelow(6, defaultRandomSource()) + 1; // a fair die
 */
export function sampleUniformBelow(n: number, rng: RandomSource): number {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new DpError('INVALID_PARAMETER', 'n must be a safe integer ≥ 1', { parameter: 'n', expected: 'a safe integer ≥ 1' });
  }
  return uniformBelowUnchecked(n, rng);
}

/** @internal `sampleUniformBelow` without the check (n a safe integer ≥ 1). */
export function uniformBelowUnchecked(n: number, rng: RandomSource): number {
  if (n <= TWO_32) {
    // limit = the largest multiple of n that is ≤ 2³²; words ≥ limit are rejected.
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const w = rng.nextUint32();
      if (w < limit) return w % n;
    }
  }
  // n > 2³²: candidates of bitLength(n − 1) ≤ 53 bits: hi < 2²¹, value = hi·2³² + lo < 2⁵³.
  const hiBound = Math.floor((n - 1) / TWO_32) + 1; // ≤ 2²¹
  let mask = 1;
  while (mask < hiBound) mask *= 2;
  // mask is a power of two ≤ 2²¹; the high part is drawn below it.
  for (;;) {
    const hi = (rng.nextUint32() >>> 0) % mask; // mask divides 2³², so this is unbiased
    const lo = rng.nextUint32();
    const v = hi * TWO_32 + lo;
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
