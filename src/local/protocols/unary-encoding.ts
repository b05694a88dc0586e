/**
 * Unary encoding: the value becomes a one-hot vector of k bits and every bit
 * is flipped independently. Symmetric unary encoding (SUE, basic one-time
 * RAPPOR) keeps each bit with probability e^{ε/2}/(e^{ε/2}+1); optimized unary
 * encoding (OUE) keeps the 1 with probability 1/2 and turns a 0 into a 1 with
 * probability 1/(e^ε+1), which minimizes the variance (Wang et al. 2017, §4.3).
 * @module
 */
import type { RandomSource } from '../../random/source.js';
import { bitsToHex } from '../_internal/bits.js';
import { checkIndexValue, checkIntegerParameter, checkLocalEpsilon, checkObject, checkRng } from '../_internal/check.js';
import { probabilityThreshold, TWO_32 } from '../_internal/rng.js';
import type { UnaryReport } from '../report.js';

/** Public parameters of a unary encoding. */
export interface UnaryParams {
  readonly protocol: 'oue' | 'sue';
  readonly requestedEpsilon: number;
  /** Domain size k = number of bits. */
  readonly domainSize: number;
  /** A 1 bit stays 1 when a uniform 32-bit word is below this. */
  readonly oneThreshold: number;
  /** A 0 bit becomes 1 when a uniform 32-bit word is below this. */
  readonly zeroThreshold: number;
  /** p* = P(bit v = 1 | value = v). */
  readonly p: number;
  /** q* = P(bit v = 1 | value ≠ v). */
  readonly q: number;
  /** ε of one report: ln(p(1 − q) / ((1 − p) q)), from the rounded probabilities. */
  readonly epsilon: number;
}

/** Largest domain a unary encoding accepts (a report is k bits). */
export const MAX_UNARY_DOMAIN = 2 ** 20;

/**
 * Parameters of optimized (`'oue'`) or symmetric (`'sue'`) unary encoding.
 * @param epsilon ε per report, in (0, 64].
 * @param domainSize k in [2, 2²⁰].
 * @throws DpError INVALID_PARAMETER on a bad ε or k.
 * @privacy ε-LDP per report with ε = {@link UnaryParams.epsilon}.
 * @see Wang, Blocki, Li, Jha (2017), §4.2–4.3.
 */
export function unaryParams(protocol: 'oue' | 'sue', epsilon: number, domainSize: number): UnaryParams {
  const e = checkLocalEpsilon(epsilon);
  const k = checkIntegerParameter(domainSize, 'domainSize', 2, MAX_UNARY_DOMAIN);
  let oneThreshold: number;
  let zeroThreshold: number;
  if (protocol === 'oue') {
    oneThreshold = TWO_32 / 2;
    // q rounded up: ε = ln((1 − q)/q) shrinks.
    zeroThreshold = probabilityThreshold(1 / (Math.exp(e) + 1), 'up');
  } else {
    const half = Math.exp(e / 2);
    oneThreshold = probabilityThreshold(half / (half + 1), 'down');
    zeroThreshold = TWO_32 - oneThreshold; // q = 1 − p exactly
  }
  const p = oneThreshold / TWO_32;
  const q = zeroThreshold / TWO_32;
  const epsilon_ = Math.log((p * (1 - q)) / ((1 - p) * q));
  return Object.freeze({ protocol, requestedEpsilon: e, domainSize: k, oneThreshold, zeroThreshold, p, q, epsilon: epsilon_ });
}

/** Draws the perturbed bit vector of `value` into `out` (length k). */
export function perturbUnary(params: UnaryParams, value: number, rng: RandomSource, out: Uint8Array): void {
  const k = params.domainSize;
  const words = new Uint32Array(k);
  rng.fill(words);
  const zt = params.zeroThreshold;
  for (let i = 0; i < k; i++) out[i] = (words[i] as number) < zt ? 1 : 0;
  out[value] = (words[value] as number) < params.oneThreshold ? 1 : 0;
}

/**
 * Encodes one value with OUE or SUE.
 * @param value an integer in [0, k).
 * @throws DpError INVALID_PARAMETER when the value is out of the domain.
 * @privacy ε-LDP with ε = params.epsilon.
 */
export function encodeUnary(params: UnaryParams, value: number, rng: RandomSource): UnaryReport {
  checkObject(params, 'params', ['oue', 'sue']);
  checkRng(rng);
  checkIndexValue(value, params.domainSize);
  const bits = new Uint8Array(params.domainSize);
  perturbUnary(params, value, rng, bits);
  return { v: 1, p: params.protocol, eps: params.requestedEpsilon, k: params.domainSize, b: bitsToHex(bits) };
}
