/**
 * The fractional part of a geometric index with ratio e^{−1/K}, K = 512:
 * J_lo ∈ {0, …, K − 1} with P(J_lo ≥ m) = q_m = (e^{−m/K} − e^{−1})/(1 − e^{−1}).
 * With V (P(V ≥ v) = e^{−v}) independent, J = V·K + J_lo has
 * P(J = j) ∝ e^{−j/K}: a geometric index at resolution 1/K from two words.
 *
 * J_lo = max{m : U < q_m} for one uniform U, found by binary search on the
 * exact first 32-bit blocks of q_m (computed once with BigInt interval
 * arithmetic); a tie with a block is settled exactly with further words.
 * @module
 */
import { Rational } from '../../numeric/rational.js';
import type { RandomSource } from '../source.js';
import { expNegInterval } from './exp-bounds.js';

/** Resolution of the split geometric. */
export const SPLIT_K = 512;

/** ⌊q_m·2^W⌋ exactly (q_m is transcendental for 0 < m < K, so refinement terminates). */
export function floorQBits(m: number, W: number): bigint {
  for (let guard = 64; ; guard *= 2) {
    const P = W + guard;
    const [aLo, aHi] = expNegInterval(Rational.of(BigInt(m), BigInt(SPLIT_K)), P, 32);
    const [eLo, eHi] = expNegInterval(Rational.ONE, P, 32);
    const one = 1n << BigInt(P);
    const scale = 1n << BigInt(W);
    const lo = ((aLo - eHi) * scale) / (one - eLo);
    const hi = ((aHi - eLo) * scale) / (one - eHi);
    if (lo === hi) return lo;
    if (guard > 1 << 16) throw new Error('floorQBits did not converge');
  }
}

let blocks = new Float64Array(0);
/**
 * Guide table over the 2¹² buckets of the top 12 bits of w: an upper bound on J_lo at the
 * bucket's first word and a lower bound at its last; equal bounds settle the whole bucket.
 */
let guideFirst = new Int32Array(0);
let guideLast = new Int32Array(0);
const GUIDE_SHIFT = 20;
const GUIDE_BUCKETS = 1 << (32 - GUIDE_SHIFT);

/**
 * For building the guide: max{m : w < B_m} (a lower bound on J_lo for U's first block w),
 * or with `orTie`, max{m : w ≤ B_m} (an upper bound: a tie may still mean U < q_m).
 */
function indexFromBlocks(b: Float64Array, w: number, orTie: boolean): number {
  let m = 0;
  while (m + 1 <= SPLIT_K && (w < (b[m + 1] as number) || (orTie && w === b[m + 1]))) m++;
  return m;
}

function ensureBlocks(): Float64Array {
  const b = new Float64Array(SPLIT_K + 1);
  b[0] = 2 ** 32; // q_0 = 1
  for (let m = 1; m < SPLIT_K; m++) b[m] = Number(floorQBits(m, 32));
  b[SPLIT_K] = 0; // q_K = 0: never U < 0
  const first = new Int32Array(GUIDE_BUCKETS);
  const last = new Int32Array(GUIDE_BUCKETS);
  for (let i = 0; i < GUIDE_BUCKETS; i++) {
    first[i] = indexFromBlocks(b, i * 2 ** GUIDE_SHIFT, true);
    last[i] = indexFromBlocks(b, (i + 1) * 2 ** GUIDE_SHIFT - 1, false);
  }
  guideFirst = first;
  guideLast = last;
  blocks = b;
  return b;
}

/** Whether U < q_m, for U whose first block is w (more blocks drawn as needed). */
function uniformBelowQ(w: number, m: number, rng: RandomSource): boolean {
  let u = BigInt(w);
  for (let j = 2; ; j++) {
    u = (u << 32n) | BigInt(rng.nextUint32());
    const q = floorQBits(m, 32 * j);
    if (u < q) return true;
    if (u > q) return false;
  }
}

/**
 * J_lo as described above, exactly. The guide table settles most words with
 * one lookup (J_lo is the same for every word of a bucket that contains no
 * block); otherwise the bucket's few blocks are compared in turn, and a tie
 * with a block is settled with further words. Blocks are strictly decreasing
 * (q_m − q_{m+1} > 2^−10), so at most one block can equal w.
 */
export function sampleSplitIndex(rng: RandomSource): number {
  const b = blocks.length === 0 ? ensureBlocks() : blocks;
  const w = rng.nextUint32();
  const bucket = w >>> GUIDE_SHIFT;
  const high = guideFirst[bucket] as number;
  let m = guideLast[bucket] as number;
  if (m === high) return m;
  // J_lo ∈ [m, high]: U < q_m is certain (w < B_m); test m + 1, m + 2, … up to high.
  while (m < high) {
    const block = b[m + 1] as number;
    if (w < block) m++;
    else if (w > block) return m;
    else return uniformBelowQ(w, m + 1, rng) ? m + 1 : m;
  }
  return m;
}
