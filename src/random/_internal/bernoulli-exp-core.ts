/**
 * The engine behind every exact Bernoulli(exp(−x)) decision.
 *
 * A uniform U in [0, 1) is revealed 32 bits at a time and compared with the
 * binary expansion of p = exp(−x): U < p ⟺ at the first 32-bit block where
 * they differ, U's block is smaller. The first block is usually settled by
 * {@link decideBernoulliExp} (floating-point bounds with a proven margin);
 * otherwise {@link bernoulliExpFromWord} computes the exact blocks of p with
 * BigInt interval arithmetic. The probability of `true` is exactly exp(−x).
 * @module
 */
import type { Rational } from '../../numeric/rational.js';
import type { RandomSource } from '../source.js';
import { decideBernoulliExp, floorExpNegBits } from './exp-bounds.js';

/**
 * Finishes an exact Bernoulli(exp(−x)) trial whose first 32-bit word is `w1`
 * (x a rational ≥ 0).
 */
export function bernoulliExpFromWord(x: Rational, w1: number, rng: RandomSource): boolean {
  if (x.num === 0n) return true;
  let u = BigInt(w1);
  for (let j = 1; ; j++) {
    const pBits = floorExpNegBits(x, 32 * j);
    if (u < pBits) return true;
    if (u > pBits) return false;
    u = (u << 32n) | BigInt(rng.nextUint32());
  }
}

/**
 * Exact Bernoulli(exp(−x)) for a rational x ≥ 0, with the floating-point fast
 * path. `xd` (optional) is a double with |xd − x| ≤ max(2^−42, 2^−45·x);
 * by default it is x rounded to the nearest double (error ≤ 2^−53·x).
 */
export function bernoulliExpExact(x: Rational, rng: RandomSource, xd: number = x.toNumber()): boolean {
  if (x.num === 0n) return true;
  const w = rng.nextUint32();
  const d = decideBernoulliExp(xd, w);
  if (d >= 0) return d === 1;
  return bernoulliExpFromWord(x, w, rng);
}
