/**
 * The two draws every local protocol needs, on top of a `RandomSource`:
 * an exact Bernoulli whose probability is a dyadic rational `t / 2³²`, and an
 * exact uniform integer below `n` (rejection sampling, no modulo bias).
 *
 * Why not `sampleBernoulli(p: Rational)`: the probabilities of these protocols
 * (e^ε/(e^ε+1), …) are irrational, so they are first rounded — toward more
 * privacy — to the grid `t / 2³²`, and the ε each protocol states is computed
 * from the rounded values. Comparing one uniform 32-bit word with `t` is then
 * exactly Bernoulli(t / 2³²): the same exact method as a Rational Bernoulli
 * with denominator 2³², without pulling BigInt arithmetic into the browser
 * bundle or onto the per-bit hot path (unary encoding draws one per bit).
 * @module
 */
import { bernoulliNumber } from '../../random/bernoulli.js';
import type { RandomSource } from '../../random/source.js';
import { sampleUniformBelow } from '../../random/uniform.js';

/** 2³², the denominator of every probability a local protocol samples. */
export const TWO_32 = 4294967296;

/**
 * The grid threshold `t` for probability `p`, rounded down (`'down'`, then at
 * most 2³² − 1: a keep probability of exactly 1 would make ε infinite, and
 * e^ε/(e^ε + 1) rounds to 1.0 in doubles for large ε) or up (`'up'`, at
 * least 1 for p > 0). The result is an integer in [0, 2³²].
 */
export function probabilityThreshold(p: number, direction: 'down' | 'up'): number {
  const scaled = p * TWO_32; // exact: p is a double, 2³² a power of two
  if (direction === 'down') return Math.min(TWO_32 - 1, Math.max(0, Math.floor(scaled)));
  return Math.min(TWO_32, Math.max(p > 0 ? 1 : 0, Math.ceil(scaled)));
}

/**
 * Exactly Bernoulli(t / 2³²) for an integer threshold t in [0, 2³²]
 * (`bernoulliNumber` of src/random: one word compared with t). Bulk loops
 * (unary encoding, sketches, RAPPOR) make the same comparison on words
 * drawn with `rng.fill`.
 */
export function bernoulliThreshold(threshold: number, rng: RandomSource): boolean {
  return bernoulliNumber(threshold, TWO_32, rng);
}

/** A uniform integer in [0, n) for an integer 1 ≤ n (src/random's exact rejection sampler). */
export const uniformBelow: (n: number, rng: RandomSource) => number = sampleUniformBelow;
