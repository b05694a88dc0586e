/**
 * Randomized response: binary (Warner 1965) and generalized / k-ary
 * (GRR, "direct encoding" in Wang et al. 2017).
 * @module
 */
import type { RandomSource } from '../../random/source.js';
import { checkIndexValue, checkIntegerParameter, checkLocalEpsilon, checkObject, checkRng } from '../_internal/check.js';
import { bernoulliThreshold, probabilityThreshold, TWO_32, uniformBelow } from '../_internal/rng.js';
import type { GrrReport, RrReport } from '../report.js';

/** Largest domain k-ary randomized response accepts (the aggregator keeps k counters). */
export const MAX_GRR_DOMAIN = 2 ** 24;

/** Public parameters of generalized randomized response, derived from ε and k. */
export interface GrrParams {
  readonly protocol: 'grr' | 'rr';
  /** The ε the protocol was configured with. */
  readonly requestedEpsilon: number;
  /** Domain size k ≥ 2. */
  readonly domainSize: number;
  /** Keep the true value when a uniform 32-bit word is below this (p = keepThreshold / 2³²). */
  readonly keepThreshold: number;
  /** p* = P(report = v | value = v). */
  readonly p: number;
  /** q* = P(report = v | value ≠ v) = (1 − p) / (k − 1). */
  readonly q: number;
  /** The ε of one report, computed from the rounded probabilities: ln(p (k − 1) / (1 − p)) ≤ requestedEpsilon. */
  readonly epsilon: number;
}

/**
 * Parameters of k-ary randomized response: keep the value with probability
 * p = e^ε / (e^ε + k − 1) (rounded down to the 2⁻³² grid), otherwise report
 * one of the k − 1 others uniformly.
 * @param epsilon ε per report, in (0, 64].
 * @param domainSize k, an integer in [2, 2²⁴] (the aggregator keeps one counter per value).
 * @throws DpError INVALID_PARAMETER on a bad ε or k.
 * @privacy ε-LDP per report with ε = {@link GrrParams.epsilon}.
 * @see Wang, Blocki, Li, Jha (2017), §4.1.
 */
export function grrParams(epsilon: number, domainSize: number, protocol: 'grr' | 'rr' = 'grr'): GrrParams {
  const e = checkLocalEpsilon(epsilon);
  const k = checkIntegerParameter(domainSize, 'domainSize', 2, MAX_GRR_DOMAIN);
  const expE = Math.exp(e);
  // Rounding p down lowers ε = ln(p(k−1)/(1−p)): toward more privacy.
  const keepThreshold = probabilityThreshold(expE / (expE + k - 1), 'down');
  const p = keepThreshold / TWO_32;
  const q = (1 - p) / (k - 1);
  return Object.freeze({ protocol, requestedEpsilon: e, domainSize: k, keepThreshold, p, q, epsilon: Math.log((p * (k - 1)) / (1 - p)) });
}

/** Draws the randomized index for `value` in [0, k). */
export function perturbGrr(params: GrrParams, value: number, rng: RandomSource): number {
  if (bernoulliThreshold(params.keepThreshold, rng)) return value;
  const other = uniformBelow(params.domainSize - 1, rng);
  return other < value ? other : other + 1;
}

/**
 * Encodes one value with generalized randomized response.
 * @param value an integer in [0, k).
 * @throws DpError INVALID_PARAMETER when the value is out of the domain (the message does not echo it).
 * @privacy ε-LDP with ε = params.epsilon.
 */
export function encodeGrr(params: GrrParams, value: number, rng: RandomSource): GrrReport {
  checkObject(params, 'params', ['grr']);
  checkRng(rng);
  checkIndexValue(value, params.domainSize);
  return { v: 1, p: 'grr', eps: params.requestedEpsilon, k: params.domainSize, y: perturbGrr(params, value, rng) };
}

/**
 * Parameters of binary randomized response: report the true bit with
 * probability e^ε / (1 + e^ε).
 * @throws DpError INVALID_PARAMETER on a bad ε.
 * @privacy ε-LDP per report.
 */
export function rrParams(epsilon: number): GrrParams {
  return grrParams(epsilon, 2, 'rr');
}

/**
 * Encodes one boolean (or 0/1) with binary randomized response.
 * @throws DpError INVALID_PARAMETER when the value is not a boolean or 0/1.
 * @privacy ε-LDP with ε = params.epsilon.
 */
export function encodeRr(params: GrrParams, value: boolean | 0 | 1, rng: RandomSource): RrReport {
  checkObject(params, 'params', ['rr']);
  checkRng(rng);
  const bit = value === true ? 1 : value === false ? 0 : checkIndexValue(value, 2);
  return { v: 1, p: 'rr', eps: params.requestedEpsilon, y: perturbGrr(params, bit, rng) === 1 ? 1 : 0 };
}
