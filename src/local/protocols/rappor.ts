/**
 * RAPPOR (Erlingsson, Pihur, Korolova 2014): the value is written into a
 * Bloom filter of m bits with h hash functions (chosen by the client's
 * cohort), then
 *
 * 1. a *permanent* randomized response B′ sets each bit to 1 with probability
 *    f/2, to 0 with probability f/2 and keeps it otherwise — memoized per
 *    value, so that a client reporting the same value again and again sends
 *    fresh noise around the same B′ and an observer cannot average the
 *    permanent noise away (the longitudinal bound ε∞ = 2h·ln((1 − f/2)/(f/2)));
 * 2. an *instantaneous* randomized response S reports 1 with probability q
 *    where B′ is 1 and p where it is 0, fresh for every report (the one-report
 *    bound ε₁ = h·ln(q*(1 − p*)/(p*(1 − q*))), q* = ½f(p+q) + (1 − f)q,
 *    p* = ½f(p+q) + (1 − f)p).
 *
 * Parameters from ε: f from ε∞ (the longitudinal bound; default 2ε), then a
 * symmetric instantaneous step (p = 1 − q) chosen so that one report costs ε.
 * The memo store is injectable: in memory by default; in a browser pass
 * {@link createStorageMemoStore}(localStorage) so the memo survives reloads.
 * @module
 */
import { DpError } from '../../core/errors.js';
import type { RandomSource } from '../../random/source.js';
import { bitsToHex, hexToBits } from '../_internal/bits.js';
import { checkIntegerParameter, checkLocalEpsilon, checkObject, checkRng, checkSketchValue } from '../_internal/check.js';
import { hashValue, reduce } from '../_internal/hash.js';
import { probabilityThreshold, TWO_32, uniformBelow } from '../_internal/rng.js';
import type { RapporReport } from '../report.js';

/** Public parameters of RAPPOR. */
export interface RapporParams {
  readonly protocol: 'rappor';
  /** The per-report ε the client was configured with. */
  readonly requestedEpsilon: number;
  /** The longitudinal ε∞ it was configured with. */
  readonly requestedEpsilonInfinity: number;
  /** m, Bloom filter bits. */
  readonly bloomBits: number;
  /** h, hash functions per value. */
  readonly hashCount: number;
  /** c, number of cohorts (each with its own hash functions). */
  readonly cohorts: number;
  /** The permanent response sets a bit to 1 below this, to 0 below twice this (f/2 = threshold/2³²). */
  readonly halfFThreshold: number;
  /** The instantaneous response reports 1 for a 1 bit below this (q = threshold/2³²). */
  readonly qThreshold: number;
  /** The instantaneous response reports 1 for a 0 bit below this (p = threshold/2³²). */
  readonly pThreshold: number;
  readonly f: number;
  readonly p: number;
  readonly q: number;
  /** q* = P(reported bit = 1 | Bloom bit = 1). */
  readonly qStar: number;
  /** p* = P(reported bit = 1 | Bloom bit = 0). */
  readonly pStar: number;
  /** ε of one report, computed from the rounded f, p, q. */
  readonly epsilon: number;
  /** ε∞, the bound over any number of reports of one value, from the rounded f. */
  readonly epsilonInfinity: number;
}

/** Options of RAPPOR. */
export interface RapporOptions {
  /** ε∞ ≥ ε, the longitudinal bound (default 2ε). */
  readonly epsilonInfinity?: number;
  /** Bloom filter bits m (default 128). */
  readonly bloomBits?: number;
  /** Hash functions h (default 2). */
  readonly hashCount?: number;
  /** Cohorts (default 8). */
  readonly cohorts?: number;
}

/**
 * Parameters of RAPPOR.
 * @param epsilon ε of one report, in (0, 64].
 * @throws DpError INVALID_PARAMETER on bad parameters or ε > ε∞.
 * @privacy ε-LDP per report and ε∞-LDP over all reports of one value (memoized permanent response).
 * @see Erlingsson, Pihur, Korolova (2014), §3 and Theorems 1–2.
 */
export function rapporParams(epsilon: number, options: RapporOptions = {}): RapporParams {
  checkObject(options, 'options');
  const e = checkLocalEpsilon(epsilon);
  const eInf = checkLocalEpsilon(options.epsilonInfinity ?? Math.min(64, 2 * e), 'epsilonInfinity');
  if (e > eInf)
    throw new DpError('INVALID_PARAMETER', 'epsilon must be <= epsilonInfinity', { parameter: 'epsilon', expected: '<= epsilonInfinity' });
  const m = checkIntegerParameter(options.bloomBits ?? 128, 'bloomBits', 1, 2 ** 16);
  const h = checkIntegerParameter(options.hashCount ?? 2, 'hashCount', 1, 64);
  const cohorts = checkIntegerParameter(options.cohorts ?? 8, 'cohorts', 1, 2 ** 16);
  // f/2 = 1/(1 + e^{ε∞/(2h)}), rounded up (more permanent noise).
  const halfFThreshold = probabilityThreshold(1 / (1 + Math.exp(eInf / (2 * h))), 'up');
  const halfF = halfFThreshold / TWO_32;
  const f = 2 * halfF;
  // Symmetric instantaneous step: q* / p* = e^{ε/(2h)} with q* + p* = 1.
  const ratio = Math.exp(e / (2 * h));
  const qStarTarget = ratio / (1 + ratio);
  const qTarget = f >= 1 ? 1 : Math.min(1, Math.max(0.5, (qStarTarget - halfF) / (1 - f)));
  // Toward ½ (more privacy); q = 1 exactly (no instantaneous noise) is allowed: the permanent step keeps ε finite.
  const qThreshold = qTarget >= 1 ? TWO_32 : probabilityThreshold(qTarget, 'down');
  const pThreshold = TWO_32 - qThreshold;
  const q = qThreshold / TWO_32;
  const p = pThreshold / TWO_32;
  const qStar = halfF * (p + q) + (1 - f) * q;
  const pStar = halfF * (p + q) + (1 - f) * p;
  return Object.freeze({
    protocol: 'rappor',
    requestedEpsilon: e,
    requestedEpsilonInfinity: eInf,
    bloomBits: m,
    hashCount: h,
    cohorts,
    halfFThreshold,
    qThreshold,
    pThreshold,
    f,
    p,
    q,
    qStar,
    pStar,
    epsilon: h * Math.log((qStar * (1 - pStar)) / (pStar * (1 - qStar))),
    epsilonInfinity: 2 * h * Math.log((1 - halfF) / halfF),
  });
}

/** The Bloom filter positions of `value` in `cohort` (h of them, possibly repeated). */
export function rapporBloomPositions(params: RapporParams, value: string | number, cohort: number): number[] {
  checkObject(params, 'params', ['rappor']);
  checkSketchValue(value);
  checkIntegerParameter(cohort, 'cohort', 0, params.cohorts - 1);
  return rapporBloomPositionsUnchecked(params, value, cohort);
}

/** {@link rapporBloomPositions} without the edge checks (internal callers whose arguments are already valid). @internal */
export function rapporBloomPositionsUnchecked(params: RapporParams, value: string | number, cohort: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < params.hashCount; i++) out.push(reduce(hashValue(value, cohort * 64 + i), params.bloomBits));
  return out;
}

/**
 * Where a RAPPOR client keeps its cohort and its memoized permanent
 * responses. `localStorage` fits through {@link createStorageMemoStore}.
 */
export interface RapporMemoStore {
  get(key: string): string | null | undefined;
  set(key: string, value: string): void;
}

/** An in-memory memo store (lost when the page or process ends). */
export function createMemoryMemoStore(): RapporMemoStore {
  const map = new Map<string, string>();
  return { get: (key) => map.get(key), set: (key, value) => void map.set(key, value) };
}

/** The part of the Web Storage API a memo store needs (`localStorage` has it). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * A memo store over Web Storage, e.g. `createStorageMemoStore(localStorage)`.
 * Keys are prefixed; values are the memoized permanent responses (hex).
 * Note the keys name the values reported, on the user's own device.
 */
export function createStorageMemoStore(storage: StorageLike, prefix = 'tsdp.rappor.'): RapporMemoStore {
  return { get: (key) => storage.getItem(prefix + key), set: (key, value) => storage.setItem(prefix + key, value) };
}

/** A RAPPOR client: holds the cohort and the memo of permanent responses. */
export interface RapporEncoder {
  readonly params: RapporParams;
  /** This client's cohort (drawn once, kept in the memo store). */
  readonly cohort: number;
  /**
   * Encodes one value: the memoized permanent response, then a fresh instantaneous one.
   * @throws DpError INVALID_PARAMETER when the value is neither a string nor an integer in [0, 2³²).
   * @privacy ε-LDP per report; ε∞ over all reports of the same value.
   */
  encode(value: string | number): RapporReport;
}

/**
 * Creates a RAPPOR client.
 * @param params from {@link rapporParams}.
 * @param memo where the cohort and permanent responses live (default: in memory).
 * @privacy see {@link RapporParams.epsilon} and {@link RapporParams.epsilonInfinity}.
 */
export function createRapporEncoder(
  params: RapporParams,
  rng: RandomSource,
  memo: RapporMemoStore = createMemoryMemoStore(),
): RapporEncoder {
  checkObject(params, 'params', ['rappor']);
  checkRng(rng);
  checkObject(memo, 'memo');
  const cohortKey = `cohort:${params.cohorts}`;
  const stored = memo.get(cohortKey);
  let cohort = stored === null || stored === undefined ? Number.NaN : Number(stored);
  if (!(Number.isInteger(cohort) && cohort >= 0 && cohort < params.cohorts)) {
    cohort = uniformBelow(params.cohorts, rng);
    memo.set(cohortKey, String(cohort));
  }
  const m = params.bloomBits;
  const prefix = `prr:${m}:${params.hashCount}:${params.halfFThreshold}:${cohort}:`;
  const permanent = new Uint8Array(m);
  const words = new Uint32Array(m);
  return {
    params,
    cohort,
    encode(value) {
      checkSketchValue(value);
      const key = prefix + (typeof value === 'number' ? `n${value}` : `s${value}`);
      const memoized = memo.get(key);
      if (typeof memoized !== 'string' || !hexToBits(memoized, m, permanent)) {
        permanent.fill(0);
        for (const position of rapporBloomPositionsUnchecked(params, value, cohort)) permanent[position] = 1;
        rng.fill(words);
        const half = params.halfFThreshold;
        for (let i = 0; i < m; i++) {
          const u = words[i] as number;
          if (u < half) permanent[i] = 1;
          else if (u < 2 * half) permanent[i] = 0;
        }
        memo.set(key, bitsToHex(permanent));
      }
      rng.fill(words);
      const bits = new Uint8Array(m);
      for (let i = 0; i < m; i++) bits[i] = (words[i] as number) < (permanent[i] === 1 ? params.qThreshold : params.pThreshold) ? 1 : 0;
      return {
        v: 1,
        p: 'rappor',
        eps: params.requestedEpsilon,
        m,
        h: params.hashCount,
        c: params.cohorts,
        epsInf: params.requestedEpsilonInfinity,
        r: cohort,
        b: bitsToHex(bits),
      };
    },
  };
}
