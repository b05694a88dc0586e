/**
 * Exact Bernoulli trials with rational probability.
 * @module
 */
import { DpError } from '../numeric/errors.js';
import type { Rational } from '../numeric/rational.js';
import { checkRational } from './_internal/validate.js';
import type { RandomSource } from './source.js';
import { uniformBelowUnchecked, uniformBigBelowUnchecked } from './uniform.js';

const MAX_SAFE = 9_007_199_254_740_991n;

/**
 * `true` with probability exactly `p` (a rational in [0, 1]): a uniform
 * integer below the denominator is compared with the numerator.
 *
 * @param p - the probability, a Rational in [0, 1].
 * @param rng - the randomness.
 * @returns true with probability p.
 * @throws DpError INVALID_PARAMETER when p is not a Rational in [0, 1].
 * @privacy a building block; time depends only on `p` and the random words.
 * @example
 * sampleBernoulli(Rational.of(1n, 3n), defaultRandomSource());
 */
export function sampleBernoulli(p: Rational, rng: RandomSource): boolean {
  checkRational(p, 'p');
  if (p.num < 0n || p.num > p.den) {
    throw new DpError('INVALID_PARAMETER', 'p must be in [0, 1]', { parameter: 'p', expected: 'a rational in [0, 1]' });
  }
  return bernoulliUnchecked(p.num, p.den, rng);
}

/** @internal Bernoulli(num/den) for 0 ≤ num ≤ den, den ≥ 1. */
export function bernoulliUnchecked(num: bigint, den: bigint, rng: RandomSource): boolean {
  if (num === 0n) return false;
  if (num === den) return true;
  // Both below 2⁵³: plain numbers are exact.
  if (den <= MAX_SAFE) return uniformBelowUnchecked(Number(den), rng) < Number(num);
  return uniformBigBelowUnchecked(den, rng) < num;
}

/** @internal Bernoulli(num/den) on plain safe integers 0 ≤ num ≤ den. */
export function bernoulliNumber(num: number, den: number, rng: RandomSource): boolean {
  if (num === 0) return false;
  if (num === den) return true;
  return uniformBelowUnchecked(den, rng) < num;
}
