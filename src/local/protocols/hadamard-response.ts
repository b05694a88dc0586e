/**
 * Hadamard response (Acharya, Sun, Zhang 2019): with K = 2^⌈log₂(k+1)⌉ and
 * H the K×K Sylvester–Hadamard matrix (H[i][j] = (−1)^{popcount(i & j)}),
 * value x owns the half C_x = { y : H[x+1][y] = +1 } of the outputs. The
 * client reports a uniform element of C_x with probability e^ε/(e^ε+1) and a
 * uniform element of its complement otherwise: log₂ K bits per report.
 *
 * In the "pure protocol" form of Wang et al. (2017): the support of a report y
 * is { v : y ∈ C_v }, with p* = e^ε/(e^ε+1) and q* = 1/2 (two different
 * rows agree on exactly half of the columns), so the estimator and its
 * variance are the same as OLH's with g = 2 but a ε-dependent p*.
 * @module
 */
import type { RandomSource } from '../../random/source.js';
import {
  checkIndexValue,
  checkIntegerParameter,
  checkLocalEpsilon,
  checkObject,
  checkRng,
  nextPowerOfTwo,
  parity,
} from '../_internal/check.js';
import { bernoulliThreshold, probabilityThreshold, TWO_32, uniformBelow } from '../_internal/rng.js';
import type { HrReport } from '../report.js';

/** Public parameters of Hadamard response. */
export interface HrParams {
  readonly protocol: 'hr';
  readonly requestedEpsilon: number;
  readonly domainSize: number;
  /** K, the Hadamard order (a power of two > k). */
  readonly order: number;
  /** Report from C_x when a uniform 32-bit word is below this. */
  readonly keepThreshold: number;
  /** p* = P(y ∈ C_v | value = v). */
  readonly p: number;
  /** q* = 1/2. */
  readonly q: number;
  /** ε of one report: ln(p/(1 − p)) from the rounded probability. */
  readonly epsilon: number;
}

/** Largest domain Hadamard response accepts (the aggregator keeps K counters). */
export const MAX_HR_DOMAIN = 2 ** 22 - 1;

/**
 * Parameters of Hadamard response.
 * @param epsilon ε per report in (0, 64].
 * @param domainSize k in [2, 2²² − 1].
 * @throws DpError INVALID_PARAMETER on bad parameters.
 * @privacy ε-LDP per report with ε = {@link HrParams.epsilon}.
 * @see Acharya, Sun, Zhang (2019), "Hadamard response: estimating distributions privately, efficiently, and with little communication".
 */
export function hrParams(epsilon: number, domainSize: number): HrParams {
  const e = checkLocalEpsilon(epsilon);
  const k = checkIntegerParameter(domainSize, 'domainSize', 2, MAX_HR_DOMAIN);
  const expE = Math.exp(e);
  const keepThreshold = probabilityThreshold(expE / (expE + 1), 'down');
  const p = keepThreshold / TWO_32;
  return Object.freeze({
    protocol: 'hr',
    requestedEpsilon: e,
    domainSize: k,
    order: nextPowerOfTwo(k + 1),
    keepThreshold,
    p,
    q: 0.5,
    epsilon: Math.log(p / (1 - p)),
  });
}

/** True when output y lies in C_v. */
export function hrInSupport(value: number, y: number): boolean {
  checkIntegerParameter(value, 'value', 0, MAX_HR_DOMAIN - 1);
  checkIntegerParameter(y, 'y', 0, 2 ** 32 - 1);
  return hrInSupportUnchecked(value, y);
}

/** {@link hrInSupport} without the edge checks (internal callers whose arguments are already valid). @internal */
export function hrInSupportUnchecked(value: number, y: number): boolean {
  return parity((value + 1) & y) === 0;
}

/**
 * Encodes one value with Hadamard response.
 * @param value an integer in [0, k).
 * @throws DpError INVALID_PARAMETER when the value is out of the domain.
 * @privacy ε-LDP with ε = params.epsilon.
 */
export function encodeHr(params: HrParams, value: number, rng: RandomSource): HrReport {
  checkObject(params, 'params', ['hr']);
  checkRng(rng);
  checkIndexValue(value, params.domainSize);
  const wantInside = bernoulliThreshold(params.keepThreshold, rng);
  let y = uniformBelow(params.order, rng);
  // Toggling the lowest set bit of x+1 is a bijection between C_x and its
  // complement, so y stays uniform on the side we want.
  const row = value + 1;
  if (hrInSupportUnchecked(value, y) !== wantInside) y ^= row & -row;
  return { v: 1, p: 'hr', eps: params.requestedEpsilon, k: params.domainSize, y };
}
