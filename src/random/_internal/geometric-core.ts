/**
 * Geometric and discrete-Laplace cores on plain numbers where exact, BigInt
 * otherwise. See geometric.ts and discrete-laplace.ts for the algorithms.
 * @module
 */
import { Rational } from '../rational.js';
import type { RandomSource } from '../source.js';
import { uniformBelowUnchecked, uniformBigBelowUnchecked } from '../uniform.js';
import { bernoulliExpExact, bernoulliExpFromWord } from './bernoulli-exp-core.js';
import { decideBernoulliExp, floorExpNegBits } from './exp-bounds.js';

const MAX_SAFE = 9_007_199_254_740_991;
const MAX_SAFE_BIG = 9_007_199_254_740_991n;
const TWO_53 = 9_007_199_254_740_992;

let expMinusOneBlock = -1; // ⌊e^{−1}·2³²⌋, computed exactly on first use

/** Exact Bernoulli(e^{−1}): the first 32-bit block of U against that of e^{−1}. */
export function bernoulliExpMinusOne(rng: RandomSource): boolean {
  if (expMinusOneBlock < 0) expMinusOneBlock = Number(floorExpNegBits(Rational.ONE, 32));
  const w = rng.nextUint32();
  if (w < expMinusOneBlock) return true;
  if (w > expMinusOneBlock) return false;
  return bernoulliExpFromWord(Rational.ONE, w, rng);
}

/** V: successes of Bernoulli(e^{−1}) before the first failure; P(V = v) = (1 − e^{−1})e^{−v}. */
function geometricUnitCount(rng: RandomSource): number {
  let v = 0;
  while (bernoulliExpMinusOne(rng)) v++;
  return v;
}

/**
 * A U in [0, b) with P(U = u) ∝ exp(−u/b), b a safe integer ≥ 1 (CKS Alg. 2,
 * steps 3–5). `u / b` is the correctly rounded quotient of two exact integers
 * below 2⁵³, so |xd − x| ≤ 2^−53·x, inside decideBernoulliExp's contract.
 */
function truncatedExpNumber(b: number, rng: RandomSource): number {
  if (b === 1) return 0;
  for (;;) {
    const u = uniformBelowUnchecked(b, rng);
    if (u === 0) return 0;
    const w = rng.nextUint32();
    const d = decideBernoulliExp(u / b, w);
    if (d === 1) return u;
    if (d === 0) continue;
    if (bernoulliExpFromWord(Rational.of(BigInt(u), BigInt(b)), w, rng)) return u;
  }
}

/**
 * Geometric with ratio exp(−a/b): ⌊(U + b·V)/a⌋. Returns a number when a and b
 * are safe integers and the result is; a BigInt otherwise.
 */
export function geometricExpCore(a: bigint, b: bigint, rng: RandomSource): number | bigint {
  if (a <= MAX_SAFE_BIG && b <= MAX_SAFE_BIG) {
    const an = Number(a);
    const bn = Number(b);
    const u = truncatedExpNumber(bn, rng);
    const v = geometricUnitCount(rng);
    // If the computed x is < 2⁵³ then so are b·v and u + b·v (rounding is
    // monotone and 2⁵³ is a double), so both operations were exact.
    const x = u + bn * v;
    if (x < TWO_53) {
      // x − x mod a is an exact multiple of a below 2⁵³; the quotient is exact.
      return (x - (x % an)) / an;
    }
    const y = (BigInt(u) + b * BigInt(v)) / a;
    return y <= MAX_SAFE_BIG ? Number(y) : y;
  }
  let u: bigint;
  for (;;) {
    u = uniformBigBelowUnchecked(b, rng);
    if (bernoulliExpExact(Rational.of(u, b), rng)) break;
  }
  const v = BigInt(geometricUnitCount(rng));
  const y = (u + b * v) / a;
  return y <= MAX_SAFE_BIG ? Number(y) : y;
}

/** {@link geometricExpCore} as a BigInt. */
export function geometricExpUnchecked(a: bigint, b: bigint, rng: RandomSource): bigint {
  const y = geometricExpCore(a, b, rng);
  return typeof y === 'bigint' ? y : BigInt(y);
}

/**
 * Discrete Laplace with scale t/s (P(k) ∝ exp(−|k|·s/t)), CKS Algorithm 2:
 * Y geometric with ratio exp(−s/t), a fair sign, and (sign −, Y = 0) rejected.
 */
export function discreteLaplaceCore(t: bigint, s: bigint, rng: RandomSource): number | bigint {
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

export { MAX_SAFE };
