/**
 * Permute-and-flip with exact coins: visit the candidates in a uniformly random
 * order and stop at the first r whose coin Bernoulli(exp(−(u* − u_r)/scale))
 * comes up heads. The best candidate's coin is certain, so it stops within
 * one pass. Identical in distribution to report-noisy-max with Exponential(scale)
 * noise (Ding, Kifer et al. 2021).
 * @see McKenna & Sheldon (2020), "Permute-and-Flip: A new mechanism for differentially private selection".
 * @module
 */

import { Rational } from '../../numeric/rational.js';
import { sampleBernoulliExp, sampleUniformBelow } from '../../random/index.js';
import type { RandomSource } from '../../random/source.js';
import { outOfDomain } from './params.js';

/**
 * Returns the index of the selected score.
 * @param scores - exact scores (higher is better); at least one.
 * @param scale - the temperature (> 0): P(accept r) = exp(−(max − u_r)/scale).
 */
export function permuteAndFlip(scores: readonly Rational[], scale: Rational, rng: RandomSource): number {
  let best = scores[0] as Rational;
  for (const s of scores) if (s.gt(best)) best = s;
  const order = scores.map((_, i) => i);
  for (let remaining = order.length; remaining > 0; remaining--) {
    // Draw the next candidate of a uniform permutation (Fisher–Yates, lazily).
    const j = sampleUniformBelow(remaining, rng);
    const candidate = order[j] as number;
    order[j] = order[remaining - 1] as number;
    const gap = best.sub(scores[candidate] as Rational);
    if (gap.isZero() || sampleBernoulliExp(gap.div(scale), rng)) return candidate;
  }
  // Unreachable: the best candidate accepts with probability 1.
  throw new Error('permute-and-flip visited every candidate');
}

/** Reads scores exactly, refusing non-finite ones (a score vector outside the domain). */
export function exactScores(scores: readonly number[], name: string, negate: boolean): Rational[] {
  if (!Array.isArray(scores) || scores.length === 0) throw outOfDomain(name, 'a non-empty array of finite numbers');
  return scores.map((s) => {
    if (typeof s !== 'number' || !Number.isFinite(s)) throw outOfDomain(name, 'finite scores');
    const r = Rational.fromNumber(s);
    return negate ? r.neg() : r;
  });
}
