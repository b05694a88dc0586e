/**
 * Apple's count-mean-sketch (CMS) and Hadamard count-mean-sketch (HCMS),
 * "Learning with Privacy at Scale" (Apple Differential Privacy Team, 2017).
 *
 * Both use h public hash functions h_j : values → [0, m) (xxHash32 with seed
 * j, reduced to [0, m)). A CMS report picks j uniformly, writes the ±1 vector
 * that is +1 only at h_j(d), flips each of its m entries with probability
 * 1/(1 + e^{ε/2}) and sends (j, bits). An HCMS report picks j and a Hadamard
 * column l uniformly, takes the ±1 entry H_m[h_j(d)][l], flips it with
 * probability 1/(1 + e^ε) and sends (j, l, bit): one bit of payload.
 * Values are strings (hashed as UTF-8) or integers in [0, 2³²) (hashed as
 * 4 bytes).
 * @module
 */
import { DpError } from '../../core/errors.js';
import type { RandomSource } from '../../random/source.js';
import { bitsToHex } from '../_internal/bits.js';
import {
  checkIntegerParameter,
  checkLocalEpsilon,
  checkObject,
  checkRng,
  checkSketchValue,
  nextPowerOfTwo,
  parity,
} from '../_internal/check.js';
import { hashValue, reduce } from '../_internal/hash.js';
import { bernoulliThreshold, probabilityThreshold, TWO_32, uniformBelow } from '../_internal/rng.js';
import type { CmsReport, HcmsReport } from '../report.js';

/** Public parameters of CMS or HCMS. */
export interface SketchParams {
  readonly protocol: 'cms' | 'hcms';
  readonly requestedEpsilon: number;
  /** m, the sketch width (a power of two for HCMS). */
  readonly width: number;
  /** h, the number of hash functions (sketch rows). */
  readonly hashCount: number;
  /** A sign is flipped when a uniform 32-bit word is below this. */
  readonly flipThreshold: number;
  /** The flip probability, from the grid. */
  readonly flipProbability: number;
  /** c_ε = 1/(1 − 2·flip) — the debiasing constant. */
  readonly scale: number;
  /** ε of one report: 2 ln((1 − f)/f) for CMS (two entries differ), ln((1 − f)/f) for HCMS. */
  readonly epsilon: number;
}

/** Options of the sketch protocols. */
export interface SketchOptions {
  /**
   * Sketch width m (default 1024, Apple's; see `domainSize`). The width does not change the
   * noise variance; it sets the hash-collision error, which for h fixed hash
   * functions adds about Σ_{d′} n_{d′}²/(m·h) to the squared error of an
   * estimate and dominates at large ε if m·h is small.
   */
  readonly width?: number;
  /** Number of hash functions h (default 256). */
  readonly hashCount?: number;
  /**
   * The domain size when known: the default width is then the power of two
   * ≥ 64·domainSize, between 64 and 1024 (1024 for every domain over 8).
   */
  readonly domainSize?: number;
}

function defaultSketchWidth(domainSize: number | undefined): number {
  if (domainSize === undefined) return 1024;
  const k = checkIntegerParameter(domainSize, 'domainSize', 1, 2 ** 53);
  return Math.min(1024, Math.max(64, nextPowerOfTwo(64 * k)));
}

/**
 * Parameters of count-mean-sketch (`'cms'`) or Hadamard count-mean-sketch (`'hcms'`).
 * @param epsilon ε per report in (0, 64].
 * @throws DpError INVALID_PARAMETER on bad parameters (width must be a power of two in [2, 2¹⁶]; hashCount in [1, 2¹⁶]).
 * @privacy ε-LDP per report with ε = {@link SketchParams.epsilon}.
 * @see Apple (2017), "Learning with Privacy at Scale", §3 (Algorithms 1–5).
 */
export function sketchParams(protocol: 'cms' | 'hcms', epsilon: number, options: SketchOptions = {}): SketchParams {
  checkObject(options, 'options');
  const e = checkLocalEpsilon(epsilon);
  const width = checkIntegerParameter(options.width ?? defaultSketchWidth(options.domainSize), 'width', 2, 2 ** 16);
  if (nextPowerOfTwo(width) !== width) {
    throw new DpError('INVALID_PARAMETER', 'width must be a power of two', { parameter: 'width', expected: 'a power of two' });
  }
  const hashCount = checkIntegerParameter(options.hashCount ?? 256, 'hashCount', 1, 2 ** 16);
  const exponent = protocol === 'cms' ? e / 2 : e;
  // Flip probability rounded up: the stated ε only shrinks.
  const flipThreshold = probabilityThreshold(1 / (1 + Math.exp(exponent)), 'up');
  const flip = flipThreshold / TWO_32;
  const perEntry = Math.log((1 - flip) / flip);
  return Object.freeze({
    protocol,
    requestedEpsilon: e,
    width,
    hashCount,
    flipThreshold,
    flipProbability: flip,
    scale: 1 / (1 - 2 * flip),
    epsilon: protocol === 'cms' ? 2 * perEntry : perEntry,
  });
}

/** h_j(value) in [0, m). */
export function sketchBucket(params: SketchParams, value: string | number, j: number): number {
  checkObject(params, 'params', ['cms', 'hcms']);
  checkSketchValue(value);
  checkIntegerParameter(j, 'j', 0, params.hashCount - 1);
  return sketchBucketUnchecked(params, value, j);
}

/** {@link sketchBucket} without the edge checks (internal callers whose arguments are already valid). @internal */
export function sketchBucketUnchecked(params: SketchParams, value: string | number, j: number): number {
  return reduce(hashValue(value, j), params.width);
}

/**
 * Encodes one value with count-mean-sketch.
 * @throws DpError INVALID_PARAMETER when the value is neither a string nor an integer in [0, 2³²).
 * @privacy ε-LDP with ε = params.epsilon.
 */
export function encodeCms(params: SketchParams, value: string | number, rng: RandomSource): CmsReport {
  checkObject(params, 'params', ['cms']);
  checkRng(rng);
  checkSketchValue(value);
  const j = uniformBelow(params.hashCount, rng);
  const bucket = sketchBucketUnchecked(params, value, j);
  const m = params.width;
  const words = new Uint32Array(m);
  rng.fill(words);
  const bits = new Uint8Array(m);
  const ft = params.flipThreshold;
  // bit 1 is +1, bit 0 is −1; the clean vector is +1 only at the bucket.
  for (let i = 0; i < m; i++) bits[i] = ((words[i] as number) < ft ? 1 : 0) ^ (i === bucket ? 1 : 0);
  return { v: 1, p: 'cms', eps: params.requestedEpsilon, m, h: params.hashCount, j, b: bitsToHex(bits) };
}

/**
 * Encodes one value with Hadamard count-mean-sketch.
 * @throws DpError INVALID_PARAMETER when the value is neither a string nor an integer in [0, 2³²).
 * @privacy ε-LDP with ε = params.epsilon.
 */
export function encodeHcms(params: SketchParams, value: string | number, rng: RandomSource): HcmsReport {
  checkObject(params, 'params', ['hcms']);
  checkRng(rng);
  checkSketchValue(value);
  const j = uniformBelow(params.hashCount, rng);
  const l = uniformBelow(params.width, rng);
  const bucket = sketchBucketUnchecked(params, value, j);
  const clean = parity(bucket & l) === 0 ? 1 : 0; // 1 is +1
  const y = bernoulliThreshold(params.flipThreshold, rng) ? clean ^ 1 : clean;
  return { v: 1, p: 'hcms', eps: params.requestedEpsilon, m: params.width, h: params.hashCount, j, l, y: y === 1 ? 1 : 0 };
}
