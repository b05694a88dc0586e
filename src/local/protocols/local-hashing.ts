/**
 * Optimized local hashing (OLH, Wang et al. 2017, §4.4): each report hashes
 * the value with a fresh hash function from a family into [0, g),
 * g = round(e^ε) + 1, and reports the hash through g-ary randomized response
 * together with the hash function's seed.
 *
 * The hash family. The seed s (a uniform 32-bit word, fresh per report)
 * expands, through a counter-mode integer mixer, into coefficients
 * a₀ … a_{r−1}, b in [0, g), r = ⌈log₂ k⌉, and
 *
 *     H_s(v) = (b + Σ_{i : bit i of v is 1} a_i) mod g.
 *
 * For independent uniform coefficients this family is exactly universal:
 * two different values differ in some bit i, and a_i is uniform, so
 * P[H(v) = H(v')] = 1/g exactly and H(v) is uniform — precisely the q* = 1/g
 * that the OLH estimator assumes (a general-purpose hash such as xxHash32
 * mod g only approximates it). The 2³² seeds make the family finite; the
 * deviation of a pair's collision rate from 1/g is then of order 2⁻¹⁶ and
 * its effect on the estimate is far below its standard error. The linear
 * form also lets the aggregator count supports for a whole domain without
 * evaluating every (report, value) pair.
 * Privacy does not depend on the hash family at all: only utility does.
 * @module
 */
import type { RandomSource } from '../../random/source.js';
import { bitsFor, checkIndexValue, checkIntegerParameter, checkLocalEpsilon, checkObject, checkRng } from '../_internal/check.js';
import { bernoulliThreshold, probabilityThreshold, TWO_32, uniformBelow } from '../_internal/rng.js';
import type { OlhReport } from '../report.js';

/** Public parameters of OLH. */
export interface OlhParams {
  readonly protocol: 'olh';
  readonly requestedEpsilon: number;
  readonly domainSize: number;
  /** Hash range g. */
  readonly hashRange: number;
  /** Bits per value r = ⌈log₂ k⌉ (number of coefficients besides b). */
  readonly valueBits: number;
  /** Keep the hashed value when a uniform 32-bit word is below this. */
  readonly keepThreshold: number;
  /** p* = P(y = H(v) | value = v). */
  readonly p: number;
  /** q* = 1/g = P(y = H(v) | value ≠ v). */
  readonly q: number;
  /** ε of one report: ln(p'(g − 1)/(1 − p')) with p' the rounded keep probability. */
  readonly epsilon: number;
}

/** Largest domain OLH accepts. */
export const MAX_OLH_DOMAIN = 2 ** 31;

/**
 * Parameters of OLH: g = round(e^ε) + 1 unless `hashRange` is given.
 * @param epsilon ε per report in (0, 64].
 * @param domainSize k in [2, 2³¹].
 * @param hashRange g in [2, 2²⁰] (default round(e^ε) + 1, capped at 2²⁰).
 * @throws DpError INVALID_PARAMETER on bad parameters.
 * @privacy ε-LDP per report with ε = {@link OlhParams.epsilon}.
 * @see Wang, Blocki, Li, Jha (2017), §4.4.
 */
export function olhParams(epsilon: number, domainSize: number, hashRange?: number): OlhParams {
  const e = checkLocalEpsilon(epsilon);
  const k = checkIntegerParameter(domainSize, 'domainSize', 2, MAX_OLH_DOMAIN);
  const g = checkIntegerParameter(hashRange ?? Math.min(2 ** 20, Math.round(Math.exp(e)) + 1), 'hashRange', 2, 2 ** 20);
  const expE = Math.exp(e);
  const keepThreshold = probabilityThreshold(expE / (expE + g - 1), 'down');
  const keep = keepThreshold / TWO_32;
  return Object.freeze({
    protocol: 'olh',
    requestedEpsilon: e,
    domainSize: k,
    hashRange: g,
    valueBits: bitsFor(k),
    keepThreshold,
    p: keep,
    q: 1 / g,
    epsilon: Math.log((keep * (g - 1)) / (1 - keep)),
  });
}

/** The i-th 32-bit word of seed s's coefficient stream (a murmur3-style finalizer in counter mode). */
export function olhCoefficientWord(seed: number, i: number): number {
  let z = (seed + Math.imul(i + 1, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Writes the coefficients a₀ … a_{r−1} then b of seed s into `out` (length r + 1).
 * Each is ⌊word · g / 2³²⌋.
 */
export function olhCoefficients(seed: number, g: number, r: number, out: Uint32Array): void {
  for (let i = 0; i <= r; i++) out[i] = Math.floor((olhCoefficientWord(seed, i) * g) / TWO_32);
}

/** H_s(v) for the OLH family (v < 2³¹). */
export function olhHash(seed: number, value: number, g: number, r: number): number {
  checkIntegerParameter(seed, 'seed', 0, 2 ** 32 - 1);
  checkIntegerParameter(value, 'value', 0, MAX_OLH_DOMAIN - 1);
  checkIntegerParameter(g, 'g', 2, 2 ** 20);
  checkIntegerParameter(r, 'r', 0, 63);
  return olhHashUnchecked(seed, value, g, r);
}

/** {@link olhHash} without the edge checks (internal callers whose arguments are already valid). @internal */
export function olhHashUnchecked(seed: number, value: number, g: number, r: number): number {
  let h = Math.floor((olhCoefficientWord(seed, r) * g) / TWO_32);
  for (let i = 0, rest = value; rest !== 0; i++, rest >>>= 1) {
    if (rest & 1) h += Math.floor((olhCoefficientWord(seed, i) * g) / TWO_32);
  }
  return h % g;
}

/**
 * Encodes one value with OLH.
 * @param value an integer in [0, k).
 * @throws DpError INVALID_PARAMETER when the value is out of the domain.
 * @privacy ε-LDP with ε = params.epsilon.
 */
export function encodeOlh(params: OlhParams, value: number, rng: RandomSource): OlhReport {
  checkObject(params, 'params', ['olh']);
  checkRng(rng);
  checkIndexValue(value, params.domainSize);
  const seed = rng.nextUint32();
  const g = params.hashRange;
  const h = olhHashUnchecked(seed, value, g, params.valueBits);
  let y = h;
  if (!bernoulliThreshold(params.keepThreshold, rng)) {
    const other = uniformBelow(g - 1, rng);
    y = other < h ? other : other + 1;
  }
  return { v: 1, p: 'olh', eps: params.requestedEpsilon, k: params.domainSize, g, s: seed, y };
}
