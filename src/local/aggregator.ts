/**
 * The server side of `tsdp/local`: a streaming aggregator that validates
 * reports, counts and rejects malformed or forged-looking ones, and returns
 * unbiased frequency estimates with their variances and confidence
 * intervals, plus heavy hitters over a known candidate set.
 * @module
 */
import { assertNever, DpError } from '../core/errors.js';
import { grrAccumulator, hrAccumulator, unaryAccumulator } from './_internal/accumulate-direct.js';
import { olhAccumulator } from './_internal/accumulate-olh.js';
import { type RapporAccumulator, type RapporDecoding, rapporAccumulator } from './_internal/accumulate-rappor.js';
import { cmsAccumulator, cmsVariance, hcmsAccumulator, hcmsVariance } from './_internal/accumulate-sketch.js';
import { type Accumulator, type CountEstimates, pureVariance } from './_internal/accumulator.js';
import { normalQuantile } from './_internal/normal.js';
import { SnapshotError } from './_internal/snapshot.js';
import { REJECTION_REASONS, type RejectionReason } from './_internal/validate.js';
import {
  AGGREGATOR_STATE_FORMAT,
  AGGREGATOR_STATE_VERSION,
  type CheckedState,
  checkAggregatorState,
  type LocalAggregatorState,
  sameParams,
  stateError,
} from './aggregator-state.js';
import { type ConsistencyMethod, makeConsistent } from './consistency.js';
import { type LocalProtocolConfig, type LocalProtocolParams, resolveLocalParams } from './protocol-config.js';
import type { SketchParams } from './protocols/count-mean-sketch.js';

export type { RapporDecoding } from './_internal/accumulate-rappor.js';
export type { CountEstimates } from './_internal/accumulator.js';
export type { RejectionReason } from './_internal/validate.js';
export { REJECTION_REASONS } from './_internal/validate.js';

/** The estimate for one value. */
export interface FrequencyEstimate {
  /** The value (a domain index, or a candidate string/number). */
  readonly value: string | number;
  /** Unbiased estimate of how many reports hold the value (may be negative or exceed n: it is unbiased, not clamped). */
  readonly count: number;
  /** count / n. */
  readonly frequency: number;
  /** Variance of `count` from the protocol's formula, with the estimate plugged in for the unknown true count. */
  readonly variance: number;
  /** √variance. */
  readonly standardError: number;
  /** Normal-approximation confidence interval for the count at `confidence`. */
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
}

/** Counts of accepted and rejected reports. */
export interface AggregatorStats {
  readonly accepted: number;
  readonly rejected: number;
  /** Rejections by reason. */
  readonly rejectedBy: Readonly<Record<RejectionReason, number>>;
}

/** The result of adding one report. */
export type AddResult = { readonly accepted: true } | { readonly accepted: false; readonly reason: RejectionReason };

/** Options of estimates. */
export interface EstimateOptions {
  /** Values to estimate (domain protocols: indices, default the whole domain; sketches and RAPPOR: required). */
  readonly candidates?: readonly (string | number)[];
  /** Two-sided confidence level of the intervals (default 0.95). */
  readonly confidence?: number;
  /** RAPPOR only: regression used to decode (default: OLS when identifiable, else NNLS then OLS). */
  readonly decoding?: RapporDecoding;
  /**
   * Consistency post-processing of the counts (default none: unbiased counts).
   * With a method, counts are non-negative and sum to n over the whole domain
   * (at most n for a candidate list); `lower`/`upper` are the unbiased
   * intervals clipped to [0, n] (the truth lies there, so coverage is kept);
   * `variance` stays that of the unbiased estimate. See `makeConsistent`.
   */
  readonly consistency?: ConsistencyMethod;
}

/** Options of heavy hitters. */
export interface HeavyHitterOptions {
  /** Family-wise confidence (Bonferroni over the candidates; default 0.95). */
  readonly confidence?: number;
  /** Report a candidate when its lower bound exceeds this fraction of n (default 0). */
  readonly minFrequency?: number;
  /** Keep at most this many (default: all). */
  readonly limit?: number;
}

/** A streaming aggregator of one protocol. */
export interface LocalAggregator {
  /** The public parameters reports must match. */
  readonly params: LocalProtocolParams;
  /** ε of one report under these parameters. */
  readonly epsilon: number;
  /** Accepted reports so far. */
  readonly reportCount: number;
  /** Accepted reports so far (same as `reportCount`). */
  readonly accepted: number;
  /** Rejected reports so far. */
  readonly rejected: number;
  /** Rejected reports so far, by reason. */
  readonly rejectedBy: Readonly<Record<RejectionReason, number>>;
  /** Accepted/rejected counts (a snapshot). */
  stats(): AggregatorStats;
  /** Validates and adds one report: an object, or its JSON text. Never throws on bad input. */
  add(report: unknown): AddResult;
  /** Adds every report of an iterable; returns how many were accepted and rejected in this call. */
  addMany(reports: Iterable<unknown>): { accepted: number; rejected: number };
  /**
   * Unbiased count estimates with variances and confidence intervals.
   * @throws DpError INVALID_PARAMETER when candidates are missing (sketches, RAPPOR) or out of the domain, or the confidence is not in (0, 1).
   */
  estimate(options?: EstimateOptions): FrequencyEstimate[];
  /** Estimates as typed arrays, without per-value objects (for large domains). */
  estimateCounts(candidates?: readonly (string | number)[]): CountEstimates;
  /**
   * Candidates whose count is significantly above `minFrequency · n`
   * (Bonferroni-corrected lower bound), largest first.
   * @throws DpError INVALID_PARAMETER on bad options.
   */
  heavyHitters(candidates: readonly (string | number)[], options?: HeavyHitterOptions): FrequencyEstimate[];
  /**
   * The variance of a count estimate when n reports are aggregated and
   * `trueCount` of them hold the value (the published formula; ideal hashes).
   */
  theoreticalVariance(n: number, trueCount: number): number;
  /**
   * The aggregator's state as a versioned JSON-serialisable document (no
   * report is kept in it), for `merge` into another shard or `restoreAggregator` after a restart.
   */
  toState(): LocalAggregatorState;
  /**
   * Adds another aggregator's state (object or JSON text) of the same protocol and parameters.
   * Everything is checked before anything is added.
   * @throws DpError INVALID_PARAMETER (parameter 'state') when the state is malformed, of another version or configuration, or inconsistent.
   */
  merge(state: unknown): void;
}

function accumulatorFor(params: LocalProtocolParams): Accumulator {
  switch (params.protocol) {
    case 'rr':
    case 'grr':
      return grrAccumulator(params);
    case 'oue':
    case 'sue':
      return unaryAccumulator(params);
    case 'olh':
      return olhAccumulator(params);
    case 'hr':
      return hrAccumulator(params);
    case 'cms':
      return cmsAccumulator(params);
    case 'hcms':
      return hcmsAccumulator(params);
    case 'rappor':
      return rapporAccumulator(params);
    default:
      return assertNever(params, 'protocol');
  }
}

function checkConfidence(confidence: number): number {
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) {
    throw new DpError('INVALID_PARAMETER', 'confidence must be in (0, 1)', { parameter: 'confidence', expected: 'in (0, 1)' });
  }
  return confidence;
}

/**
 * Creates a streaming aggregator; configure it exactly as the clients are.
 * @throws DpError INVALID_PARAMETER on a bad configuration.
 * @privacy The aggregator sees only reports, each already ε-LDP; its
 * estimates are post-processing and cost no further privacy.
 * @example
 * const agg = createAggregator({ protocol: 'olh', epsilon: 1, domainSize: 1024 });
 * for (const body of requests) agg.add(body); // JSON text or objects
 * const top = agg.heavyHitters([...Array(1024).keys()], { limit: 10 });
 * agg.stats(); // { accepted, rejected, rejectedBy: { 'wrong-length': 3, … } }
 */
export function createAggregator(config: LocalProtocolConfig): LocalAggregator {
  const params = resolveLocalParams(config);
  let savedConfig: LocalProtocolConfig;
  try {
    savedConfig = JSON.parse(JSON.stringify(config)) as LocalProtocolConfig;
  } catch {
    // A BigInt or a cycle in an (unused) field: the saved state must be JSON, so refuse at the edge.
    throw new DpError('INVALID_PARAMETER', 'config must be JSON-serializable', { parameter: 'config' });
  }
  const accumulator = accumulatorFor(params);
  const rejectedBy = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
  let rejected = 0;

  const reject = (reason: RejectionReason): AddResult => {
    rejectedBy[reason]++;
    rejected++;
    return { accepted: false, reason };
  };
  const ACCEPTED: AddResult = Object.freeze({ accepted: true });

  function add(report: unknown): AddResult {
    let value = report;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        return reject('malformed-json');
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject('not-an-object');
    const reason = accumulator.ingest(value as Record<string, unknown>);
    return reason === null ? ACCEPTED : reject(reason);
  }

  function theoreticalVariance(n: number, trueCount: number): number {
    switch (params.protocol) {
      case 'rr':
      case 'grr':
      case 'oue':
      case 'sue':
      case 'olh':
      case 'hr':
        return pureVariance(n, trueCount, params.p, params.q);
      case 'cms':
        return cmsVariance(params as SketchParams, n, trueCount);
      case 'hcms':
        return hcmsVariance(params as SketchParams, n, trueCount);
      case 'rappor':
        throw new DpError('INVALID_PARAMETER', 'RAPPOR variances depend on the candidates: read them from estimate()', {
          parameter: 'protocol',
        });
      default:
        return assertNever(params, 'protocol');
    }
  }

  function estimateCounts(candidates?: readonly (string | number)[], decoding?: RapporDecoding): CountEstimates {
    if (params.protocol === 'rappor' && candidates !== undefined)
      return (accumulator as RapporAccumulator).decode(candidates, decoding ?? 'auto');
    return accumulator.estimate(candidates);
  }

  function toEstimates(raw: CountEstimates, confidence: number, z: number, consistent?: Float64Array): FrequencyEstimate[] {
    const n = accumulator.total;
    const out: FrequencyEstimate[] = [];
    for (let i = 0; i < raw.values.length; i++) {
      const unbiased = raw.counts[i] as number;
      const count = consistent ? (consistent[i] as number) : unbiased;
      const variance = raw.variances[i] as number;
      const standardError = Math.sqrt(variance);
      const lower = unbiased - z * standardError;
      const upper = unbiased + z * standardError;
      out.push({
        value: raw.values[i] as string | number,
        count,
        frequency: n > 0 ? count / n : 0,
        variance,
        standardError,
        lower: consistent ? Math.min(Math.max(lower, 0), n) : lower,
        upper: consistent ? Math.min(Math.max(upper, 0), n) : upper,
        confidence,
      });
    }
    return out;
  }

  function absorb(checked: CheckedState): void {
    if (!sameParams(checked.params, params)) throw stateError("config must give this aggregator's protocol and parameters");
    try {
      accumulator.absorb(checked.snapshot);
    } catch (e) {
      if (e instanceof SnapshotError) throw stateError(e.message);
      throw e;
    }
    for (const r of REJECTION_REASONS) {
      const n = checked.rejectedBy[r];
      rejectedBy[r] += n;
      rejected += n;
    }
  }

  return {
    params,
    epsilon: params.epsilon,
    get reportCount() {
      return accumulator.total;
    },
    get accepted() {
      return accumulator.total;
    },
    get rejected() {
      return rejected;
    },
    get rejectedBy() {
      return { ...rejectedBy };
    },
    stats: () => ({ accepted: accumulator.total, rejected, rejectedBy: { ...rejectedBy } }),
    add,
    addMany(reports) {
      let accepted = 0;
      let refused = 0;
      for (const r of reports) {
        if (add(r).accepted) accepted++;
        else refused++;
      }
      return { accepted, rejected: refused };
    },
    estimate(options = {}) {
      const confidence = checkConfidence(options.confidence ?? 0.95);
      const z = normalQuantile(1 - (1 - confidence) / 2);
      const raw = estimateCounts(options.candidates, options.decoding);
      const consistent =
        options.consistency === undefined
          ? undefined
          : makeConsistent(raw.counts, accumulator.total, {
              method: options.consistency,
              // The whole domain is covered only when a domain protocol estimates without a candidate list.
              complete: options.candidates === undefined && !['cms', 'hcms', 'rappor'].includes(params.protocol),
            });
      return toEstimates(raw, confidence, z, consistent);
    },
    estimateCounts: (candidates) => estimateCounts(candidates),
    heavyHitters(candidates, options = {}) {
      const confidence = checkConfidence(options.confidence ?? 0.95);
      const minFrequency = options.minFrequency ?? 0;
      if (typeof minFrequency !== 'number' || !(minFrequency >= 0 && minFrequency <= 1)) {
        throw new DpError('INVALID_PARAMETER', 'minFrequency must be in [0, 1]', { parameter: 'minFrequency' });
      }
      const limit = options.limit ?? Number.POSITIVE_INFINITY;
      if (!(limit >= 0)) throw new DpError('INVALID_PARAMETER', 'limit must be >= 0', { parameter: 'limit' });
      if (candidates.length === 0) return [];
      // Bonferroni: each interval at 1 − (1 − confidence)/|candidates|, one-sided.
      const z = normalQuantile(1 - (1 - confidence) / candidates.length);
      const raw = estimateCounts(candidates, params.protocol === 'rappor' ? 'nnls' : undefined);
      const threshold = minFrequency * accumulator.total;
      return toEstimates(raw, confidence, z)
        .filter((e) => e.lower > threshold)
        .sort((a, b) => b.count - a.count)
        .slice(0, limit);
    },
    theoreticalVariance,
    toState: () => ({
      format: AGGREGATOR_STATE_FORMAT,
      version: AGGREGATOR_STATE_VERSION,
      config: savedConfig,
      accepted: accumulator.total,
      rejectedBy: { ...rejectedBy },
      cells: accumulator.snapshot().cells,
    }),
    merge: (state) => absorb(checkAggregatorState(state)),
  };
}

/**
 * Recreates an aggregator from a saved state (after a restart, or to merge shards: restore one, `merge` the others).
 * @param state - a `LocalAggregatorState` or its JSON text.
 * @returns an aggregator equal to the one that was saved.
 * @throws DpError INVALID_PARAMETER (parameter 'state') when the state is malformed, of another version, or inconsistent.
 * @privacy Post-processing of ε-LDP reports: no privacy cost.
 * @example
 * const restored = restoreAggregator(readFileSync('shard.json', 'utf8'));
 * restored.merge(otherShard.toState());
 */
export function restoreAggregator(state: unknown): LocalAggregator {
  const aggregator = createAggregator(checkAggregatorState(state).config);
  aggregator.merge(state);
  return aggregator;
}
