/**
 * Randomized response, binary and k-ary (generalized), with exact coins: the
 * truth is kept with a rational probability p ≤ e^ε/(e^ε + k − 1), otherwise
 * one of the other k − 1 values is reported uniformly. The guarantee states
 * the exact ε of the probabilities used (never above the ε asked for).
 * Proof: `randomized-response.proof.md`.
 * @module
 */
import type { Domain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { type PureLoss, pure, roundUpCost } from '../core/loss.js';
import { defineMeasurement, type Measurement } from '../core/measurement.js';
import { traceNoise } from '../core/trace.js';
import { nextUp } from '../numeric/float-bits.js';
import { Rational } from '../numeric/rational.js';
import { sampleBernoulli, sampleUniformBelow } from '../random/index.js';
import { outOfDomain, positiveNumber } from './_internal/params.js';

/** The keep probability actually used and the exact ε it gives. */
export interface RandomizedResponseCalibration {
  /** P(report the truth), exact. */
  readonly keepProbability: Rational;
  /** ln(p(k−1)/(1−p)), rounded up; ≤ the ε asked for. */
  readonly epsilon: number;
}

function epsilonOf(p: Rational, k: number): number {
  const ratio = p.mul(Rational.of(BigInt(k - 1))).div(Rational.ONE.sub(p));
  if (ratio.le(Rational.ONE)) return 0;
  return roundUpCost(Math.log(ratio.toNumberUp()));
}

/**
 * The rational keep probability for ε over k values, rounded toward more
 * privacy, and the exact ε it achieves.
 * @param epsilon - target ε > 0.
 * @param size - the number of values k ≥ 2.
 * @returns `{ keepProbability, epsilon }` with epsilon ≤ the target.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy the mechanism with this p is ln(p(k−1)/(1−p))-DP (local).
 * @see Warner (1965); Kairouz, Oh, Viswanath (2014/2016) for k-ary RR.
 */
export function randomizedResponseCalibration(epsilon: number, size: number): RandomizedResponseCalibration {
  positiveNumber(epsilon, 'epsilon');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 2 || size > 2 ** 32) {
    throw new DpError('INVALID_PARAMETER', 'size must be an integer in [2, 2^32]', {
      parameter: 'size',
      expected: 'an integer in [2, 2^32]',
    });
  }
  const floor = Rational.of(1n, BigInt(size)); // p = 1/k: ε = 0
  // Work with the "lie" mass q = 1 − p = (k−1)/(e^ε + k − 1): as a double it keeps its relative
  // precision even when p is within an ulp of 1. Start a few ulps above it and check exactly.
  let lie = nextUp(nextUp((size - 1) / (Math.exp(epsilon) + (size - 1))));
  for (let i = 0; i < 64 && lie > 0 && lie < 1; i++) {
    const p = Rational.max(floor, Rational.ONE.sub(Rational.fromNumber(lie)));
    const achieved = epsilonOf(p, size);
    if (achieved <= epsilon) return { keepProbability: p, epsilon: achieved };
    lie = nextUp(lie * (1 + 2 ** -50));
  }
  return { keepProbability: floor, epsilon: 0 };
}

/** Options of {@link makeRandomizedResponse}. */
export interface RandomizedResponseOptions {
  /** The ε to aim for (> 0); the map states the exact ε achieved (≤ this). */
  readonly epsilon: number;
}

/** Options of {@link makeCategoricalRandomizedResponse}. */
export interface CategoricalRandomizedResponseOptions<T> extends RandomizedResponseOptions {
  /** The k ≥ 2 distinct public values (compared with ===). */
  readonly categories: readonly T[];
}

/**
 * k-ary (generalized) randomized response over public categories, a local-DP
 * mechanism: the input is one person's value; neighbours are any two values.
 * @param options - `epsilon` > 0 and the `categories` (k ≥ 2, distinct).
 * @returns a pure-DP measurement under the discrete distance.
 * @throws DpError INVALID_PARAMETER on bad options, or an input that is not one of the categories.
 * @privacy ε' = ln(p(k−1)/(1−p)) ≤ ε for dIn > 0, 0 at dIn = 0.
 * @see Kairouz, Oh, Viswanath (2016), "Discrete distribution estimation under local privacy"; `randomized-response.proof.md`.
 * @example
 * const rr = makeCategoricalRandomizedResponse({ epsilon: 1, categories: ['red', 'green', 'blue'] });
 * rr.invoke('red'); // 'red' with probability ≈ e/(e+2)
 */
export function makeCategoricalRandomizedResponse<T>(options: CategoricalRandomizedResponseOptions<T>): Measurement<T, T, 'pure'> {
  const categories = options?.categories;
  if (!Array.isArray(categories) || categories.length < 2 || new Set(categories).size !== categories.length) {
    throw new DpError('INVALID_PARAMETER', 'categories must be an array of at least 2 distinct values', { parameter: 'categories' });
  }
  const list = [...categories] as T[];
  const k = list.length;
  const { keepProbability, epsilon } = randomizedResponseCalibration(options.epsilon, k);
  const domain: Domain = { kind: 'category', size: k };
  // dp_accounting's form: with probability λ a uniform bucket (any of k), else the truth: p = 1 − λ + λ/k.
  const noiseParameter = Rational.ONE.sub(keepProbability)
    .mul(Rational.of(BigInt(k), BigInt(k - 1)))
    .toNumberDown();
  return defineMeasurement({
    name: 'randomized-response',
    inputDomain: domain,
    inputMetric: 'discrete-distance',
    outputMeasure: 'pure',
    invoke: (value: T, rng) => {
      const index = list.indexOf(value);
      if (index < 0) throw outOfDomain('randomized-response', `one of its ${k} categories`);
      traceNoise({ primitive: 'randomized-response', value: index, sensitivity: 1, scale: keepProbability.toNumber(), extra: { size: k } });
      if (sampleBernoulli(keepProbability, rng)) return value;
      const other = sampleUniformBelow(k - 1, rng);
      return list[other < index ? other : other + 1] as T;
    },
    privacyMap: (dIn): PureLoss => pure(dIn === 0 ? 0 : epsilon),
    event: (dIn) => (dIn === 0 ? { type: 'noOp' } : { type: 'randomizedResponse', noiseParameter, numBuckets: k }),
  });
}

/**
 * Binary randomized response (Warner 1965): reports the true bit with
 * probability p ≤ e^ε/(1 + e^ε), else its negation.
 * @param options - `epsilon` > 0.
 * @returns a pure-DP measurement on booleans under the discrete distance.
 * @throws DpError INVALID_PARAMETER on a bad ε, or a non-boolean input.
 * @privacy ε' = ln(p/(1−p)) ≤ ε.
 * @see Warner (1965); Dwork & Roth (2014), §3.2; `randomized-response.proof.md`.
 * @example
 * makeRandomizedResponse({ epsilon: Math.log(3) }).invoke(true); // true with probability 3/4
 */
export function makeRandomizedResponse(options: RandomizedResponseOptions): Measurement<boolean, boolean, 'pure'> {
  const inner = makeCategoricalRandomizedResponse<boolean>({ epsilon: options?.epsilon, categories: [false, true] });
  return defineMeasurement({
    name: 'binary-randomized-response',
    inputDomain: { kind: 'bool' },
    inputMetric: 'discrete-distance',
    outputMeasure: 'pure',
    invoke: (value: boolean, rng) => {
      if (typeof value !== 'boolean') throw outOfDomain('binary-randomized-response', 'a boolean');
      return inner.invoke(value, rng);
    },
    privacyMap: (dIn) => inner.privacyMap(dIn),
    ...(inner.event ? { event: inner.event } : {}),
  });
}
