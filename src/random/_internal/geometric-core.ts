/**
 * Geometric and discrete-Laplace cores (CKS 2020, Algorithm 2) on plain
 * numbers where every intermediate is provably below 2⁵³, BigInt otherwise.
 * See geometric.ts and discrete-laplace.ts for the public contracts.
 * @module
 */
import { Rational } from '../../numeric/rational.js';
import type { RandomSource } from '../source.js';
import { uniformBelowUnchecked, uniformBigBelowUnchecked } from '../uniform.js';
import { bernoulliExpExact, bernoulliExpFromWord } from './bernoulli-exp-core.js';
import { decideBernoulliExp, floorExpNegBits } from './exp-bounds.js';
import { SPLIT_K, sampleSplitIndex } from './split-geometric.js';

const MAX_SAFE_BIG = 9_007_199_254_740_991n;
const TWO_52 = 4_503_599_627_370_496;
const TWO_53 = 9_007_199_254_740_992;

/** ⌊e^{−v}·2³²⌋ for v = 0..23 (exact, computed on first use); 0 from v = 23 on. */
let expNegIntegerBlocks = new Float64Array(0);

function integerBlocks(): Float64Array {
  const blocks = new Float64Array(24);
  blocks[0] = 2 ** 32; // e^0 = 1: every U is below it
  for (let v = 1; v < 24; v++) blocks[v] = Number(floorExpNegBits(Rational.of(BigInt(v)), 32));
  expNegIntegerBlocks = blocks;
  return blocks;
}

/**
 * Whether U < e^{−v}, where U's first 32-bit block is words[0] and later blocks
 * are drawn into `words` on demand (shared across calls for the same U).
 * Exact: U and e^{−v} are compared block by block; e^{−v} is irrational for v ≥ 1.
 */
function uniformBelowExpNeg(words: number[], v: number, rng: RandomSource): boolean {
  const x = Rational.of(BigInt(v));
  let u = 0n;
  for (let j = 1; ; j++) {
    while (words.length < j) words.push(rng.nextUint32());
    u = (u << 32n) | BigInt(words[j - 1] as number);
    const p = floorExpNegBits(x, 32 * j);
    if (u < p) return true;
    if (u > p) return false;
  }
}

/**
 * V with P(V = v) = (1 − e^{−1})e^{−v}, from ONE uniform U: V = max{v : U < e^{−v}}
 * (so P(V ≥ v) = e^{−v}). The first 32-bit block of U settles every
 * comparison except an exact tie with a block of e^{−v}, which goes to the
 * exact block-by-block comparison (probability < 24·2^−32 per call).
 */
export function geometricUnitCount(rng: RandomSource): number {
  const blocks = expNegIntegerBlocks.length === 0 ? integerBlocks() : expNegIntegerBlocks;
  const w = rng.nextUint32();
  // V = 0 with probability 1 − e^{−1} ≈ 0.63: one comparison.
  if (w > (blocks[1] as number)) return 0;
  let v = 0;
  for (;;) {
    const next = v + 1;
    const block = next < 24 ? (blocks[next] as number) : 0;
    if (w < block) {
      v = next;
      continue;
    }
    if (w > block) return v;
    // Tie: finish exactly with the same U.
    const words = [w];
    while (uniformBelowExpNeg(words, v + 1, rng)) v++;
    return v;
  }
}

/** Set by {@link truncatedExpNumber} when asked for a sign: a fair bit independent of the returned value. */
let lastNegative = false;

/**
 * U in [0, b) with P(U = u) ∝ exp(−u/b), b a safe integer ≥ 1 (CKS Alg. 2,
 * steps 3–5): uniform proposals kept with probability exp(−u/b).
 * With `withSign`, also a fair sign in `lastNegative`: drawn with the accepted
 * proposal (as a uniform below 2b when 2b ≤ 2⁵³), hence independent of it.
 */
function truncatedExpNumber(b: number, withSign: boolean, rng: RandomSource): number {
  if (b >= SPLIT_MIN) return truncatedExpSplit(b, withSign, rng);
  const combined = withSign && b <= TWO_52;
  // u·(1/b): 1/b and the product are each correctly rounded, so the relative
  // error is ≤ 2·2^−53 (+ tiny), inside decideBernoulliExp's contract.
  const inverse = 1 / b;
  for (;;) {
    let u: number;
    if (combined) {
      const r = uniformBelowUnchecked(2 * b, rng);
      lastNegative = r >= b;
      u = lastNegative ? r - b : r;
    } else {
      u = b === 1 ? 0 : uniformBelowUnchecked(b, rng);
      if (withSign) lastNegative = (rng.nextUint32() & 1) === 1;
    }
    if (u === 0) return 0;
    const w = rng.nextUint32();
    const d = decideBernoulliExp(u * inverse, w);
    if (d === 1) return u;
    if (d === 0) continue;
    if (bernoulliExpFromWord(Rational.of(BigInt(u), BigInt(b)), w, rng)) return u;
  }
}

const SPLIT_MIN = 1_048_576; // 2²⁰
const TWO_32 = 4_294_967_296;

/**
 * The same distribution for large b (2²⁰ ≤ b < 2⁵³), with far fewer
 * rejections. L = ⌈b/K⌉ (K = 512); a proposal is u = j·L + R with
 * P(j) ∝ e^{−j/K} on {0, …, K − 1} (split-geometric.ts) and R uniform on
 * [0, L) — a bijection onto [0, K·L) ⊇ [0, b), with proposal weight e^{−j/K}.
 * Proposals u ≥ b are rejected; the others are accepted with probability
 * exp(−(u/b − j/K)), which is ≤ 1 because u ≥ j·L ≥ j·b/K. The accepted u then
 * has P(u) ∝ e^{−j/K}·e^{−(u/b − j/K)} = e^{−u/b}: exactly the target. The
 * exponent is below 1/K + K·(L − b/K)/b ≤ 2^−8, so nearly every proposal is
 * accepted.
 *
 * xd = u·(1/b) − j/K: u·(1/b) < 1 errs by ≤ 2^−52 absolute, j/K is exact, the
 * subtraction adds ≤ 2^−53: |xd − x| < 2^−51, inside decideBernoulliExp's contract.
 */
function truncatedExpSplit(b: number, withSign: boolean, rng: RandomSource): number {
  const L = Math.ceil(b / SPLIT_K); // b/K is exact (K a power of two)
  const twoL = 2 * L;
  const combined = withSign && twoL <= TWO_32;
  const inverse = 1 / b;
  for (;;) {
    const j = sampleSplitIndex(rng);
    let rest: number;
    if (combined) {
      const r = uniformBelowUnchecked(twoL, rng);
      lastNegative = r >= L;
      rest = lastNegative ? r - L : r;
    } else {
      rest = uniformBelowUnchecked(L, rng);
      if (withSign) lastNegative = (rng.nextUint32() & 1) === 1;
    }
    const u = j * L + rest; // < K·L < b + K < 2⁵³: exact
    if (u >= b) continue;
    const w = rng.nextUint32();
    const d = decideBernoulliExp(u * inverse - j / SPLIT_K, w);
    if (d === 1) return u;
    if (d === 0) continue;
    const bigB = BigInt(b);
    const x = Rational.of(BigInt(u) * BigInt(SPLIT_K) - BigInt(j) * bigB, bigB * BigInt(SPLIT_K));
    if (bernoulliExpFromWord(x, w, rng)) return u;
  }
}

/** ⌊(u + b·v)/a⌋ for safe integers, as a number when exact and safe, else BigInt. */
function floorCombine(u: number, b: number, v: number, a: number): number | bigint {
  // If the computed x is < 2⁵³ then so are b·v and u + b·v (rounding is
  // monotone and 2⁵³ is a double), so both operations were exact.
  const x = u + b * v;
  if (x < TWO_53) {
    if (a === 1) return x;
    // x − x mod a is an exact multiple of a below 2⁵³, so the quotient is exact.
    return (x - (x % a)) / a;
  }
  const y = (BigInt(u) + BigInt(b) * BigInt(v)) / BigInt(a);
  return y <= MAX_SAFE_BIG ? Number(y) : y;
}

/** Geometric with ratio exp(−a/b) for safe integers a, b ≥ 1. */
export function geometricExpNumber(a: number, b: number, rng: RandomSource): number | bigint {
  const u = truncatedExpNumber(b, false, rng);
  return floorCombine(u, b, geometricUnitCount(rng), a);
}

/**
 * Geometric with ratio exp(−a/b): ⌊(U + b·V)/a⌋. Returns a number when a and b
 * are safe integers and the result is; a BigInt otherwise.
 */
export function geometricExpCore(a: bigint, b: bigint, rng: RandomSource): number | bigint {
  if (a <= MAX_SAFE_BIG && b <= MAX_SAFE_BIG) return geometricExpNumber(Number(a), Number(b), rng);
  let u: bigint;
  for (;;) {
    u = uniformBigBelowUnchecked(b, rng);
    if (bernoulliExpExact(Rational.of(u, b), rng)) break;
  }
  const y = (u + b * BigInt(geometricUnitCount(rng))) / a;
  return y <= MAX_SAFE_BIG ? Number(y) : y;
}

/** {@link geometricExpCore} as a BigInt. */
export function geometricExpUnchecked(a: bigint, b: bigint, rng: RandomSource): bigint {
  const y = geometricExpCore(a, b, rng);
  return typeof y === 'bigint' ? y : BigInt(y);
}

/**
 * Discrete Laplace with scale t/s (P(k) ∝ exp(−|k|·s/t)) for safe integers
 * t, s ≥ 1, CKS Algorithm 2: Y geometric with ratio exp(−s/t), a fair sign,
 * and (sign −, Y = 0) rejected so that 0 is not counted twice.
 */
export function discreteLaplaceNumber(t: number, s: number, rng: RandomSource): number | bigint {
  for (;;) {
    const u = truncatedExpNumber(t, true, rng);
    const negative = lastNegative;
    const y = floorCombine(u, t, geometricUnitCount(rng), s);
    if (negative) {
      if (y === 0) continue;
      return typeof y === 'bigint' ? -y : -y;
    }
    return y;
  }
}

/** Discrete Laplace with scale t/s for any BigInt t, s ≥ 1. */
export function discreteLaplaceCore(t: bigint, s: bigint, rng: RandomSource): number | bigint {
  if (t <= MAX_SAFE_BIG && s <= MAX_SAFE_BIG) return discreteLaplaceNumber(Number(t), Number(s), rng);
  for (;;) {
    const y = geometricExpCore(s, t, rng);
    const negative = (rng.nextUint32() & 1) === 1;
    if (negative) {
      if (y === 0 || y === 0n) continue;
      return typeof y === 'bigint' ? -y : -y;
    }
    return y;
  }
}
