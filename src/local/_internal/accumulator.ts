/** What every protocol's aggregation state offers the public aggregator. @module */
import { DpError } from '../../core/errors.js';
import type { AccumulatorSnapshot } from './snapshot.js';
import type { RejectionReason, ReportObject } from './validate.js';

/** Estimated counts and their variances for a list of values. */
export interface CountEstimates {
  readonly values: readonly (string | number)[];
  readonly counts: Float64Array;
  readonly variances: Float64Array;
}

/** The aggregation state of one protocol. */
export interface Accumulator {
  /** Accepted reports so far. */
  readonly total: number;
  /** Validates one parsed report and, when valid, adds it. */
  ingest(report: ReportObject): RejectionReason | null;
  /** Estimates for the candidates (the whole domain when omitted and the protocol has one). */
  estimate(candidates: readonly (string | number)[] | undefined): CountEstimates;
  /** The sufficient statistics so far (a copy). */
  snapshot(): AccumulatorSnapshot;
  /**
   * Adds a snapshot of an accumulator with the same parameters, after checking
   * it (see snapshot.ts). @throws SnapshotError, and then adds nothing.
   */
  absorb(snapshot: AccumulatorSnapshot): void;
}

/**
 * Variance of the pure-protocol estimator ĉ(v) = (#supports − n q*)/(p* − q*)
 * when nv of the n reports have value v (Wang et al. 2017, Eq. (2) before its
 * approximation).
 */
export function pureVariance(n: number, nv: number, p: number, q: number): number {
  return (nv * p * (1 - p) + (n - nv) * q * (1 - q)) / ((p - q) * (p - q));
}

/** Clamps a plug-in count into [0, n] for variance formulas. */
export function clampCount(c: number, n: number): number {
  return Math.min(Math.max(c, 0), n);
}

/** The domain indices 0…k−1, or the candidates after checking each is one. */
export function domainCandidates(candidates: readonly (string | number)[] | undefined, k: number): number[] {
  if (candidates === undefined) return Array.from({ length: k }, (_, i) => i);
  return candidates.map((c) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= k) {
      throw new DpError('INVALID_PARAMETER', `candidates must be integers in [0, ${k})`, { parameter: 'candidates' });
    }
    return c;
  });
}
