/**
 * The empirical privacy tester: a statistically rigorous lower bound on ε
 * from samples of a mechanism on neighbouring inputs.
 *
 * Method (held-out selection, then certification):
 * 1. For each candidate pair (x, x′), draw a selection sample from M(x) and
 *    M(x′) and score a family of events on features of the output
 *    (thresholds and intervals on numbers, as in Google's stochastic tester;
 *    single outcomes and likelihood-ratio-ordered unions on keys, the family
 *    DP-Sniper's classifier approximates; projections of vectors and objects;
 *    the bit pattern of doubles; user features).
 * 2. Keep the `maxEvents` best (pair, event, direction) triples.
 * 3. Draw fresh certification samples for those pairs and, for each event S,
 *    bound P[M(x) ∈ S] below and P[M(x′) ∈ S] above with Clopper–Pearson at
 *    level α / (2·maxEvents) each (Bonferroni). Then, with probability at
 *    least 1 − α, every certified ε̂(S) = ln((P̲(S) − δ) / P̄′(S)) is at most
 *    the true ε of the mechanism at δ, whatever happened in selection. The
 *    lower bound is the largest of them (or 0).
 * A correct mechanism is therefore reported violated with probability ≤ α.
 * @module
 */

import type { Domain, Metric } from '../core/domain.js';
import { assertNever, DpError } from '../core/errors.js';
import { type PrivacyLoss, zcdpToApproximate } from '../core/loss.js';
import { edgeOptionalRecord, edgeRecord } from '../numeric/edge.js';
import { normalQuantile } from '../numeric/special.js';
import { SeededRandomSource } from '../random/seeded-source.js';
import { defaultRandomSource, type RandomSource } from '../random/source.js';
import { extractFeatures } from './_internal/features.js';
import { type Candidate, type FeatureColumns, scoreCandidates } from './_internal/select.js';
import { type AuditEvent, auditEventPredicate, describeAuditEvent, type FeatureRecord } from './audit-event.js';
import { clopperPearsonLower, clopperPearsonUpper } from './clopper-pearson.js';
import { type NeighbourPair, neighbourCandidates } from './neighbour-search.js';

/** A randomized function: what the auditor needs of a mechanism. */
export type RandomizedFunction<I, O> = (input: I, rng: RandomSource) => O;

/** What the auditor accepts: a Measurement-like object (invoke + privacy map) or a bare function with a claim. */
export interface AuditableMeasurement<I, O> {
  readonly name?: string;
  readonly inputDomain?: Domain;
  readonly inputMetric?: Metric;
  invoke(input: I, rng?: RandomSource): O;
  privacyMap?(dIn: number): PrivacyLoss;
}

/** An (ε, δ) claim. */
export interface PrivacyClaim {
  readonly epsilon: number;
  readonly delta?: number;
}

/** Options of {@link auditPrivacy}. */
export interface AuditOptions<I, O> {
  /** The claim to test; default: the measurement's privacy map at `dIn` (zCDP converted at `delta`). */
  readonly claimed?: PrivacyClaim;
  /** δ at which a zCDP privacy map is turned into (ε, δ); default 1e-3. */
  readonly delta?: number;
  /** Neighbouring distance the pairs are at; default 1. */
  readonly dIn?: number;
  /** One neighbouring pair to test (shorthand for `pairs: [inputs]`). */
  readonly inputs?: readonly [I, I];
  /** The neighbouring pairs to search; default: {@link neighbourCandidates} of the measurement's domain. */
  readonly pairs?: ReadonlyArray<readonly [I, I]>;
  /** Samples per input of a pair (selection + certification); default 100 000. */
  readonly samples?: number;
  /** Share of `samples` used to choose events; default 0.25. */
  readonly selectionFraction?: number;
  /** Confidence of the lower bound; default 1 − 1e-6. */
  readonly confidence?: number;
  /** Number of events certified (the Bonferroni factor); default 3. */
  readonly maxEvents?: number;
  /** Extra features computed from each output (e.g. bit patterns); events are searched on them too. */
  readonly featurize?: (output: O) => unknown;
  /** When false, only the features of `featurize` are used, not those of the raw output; default true. */
  readonly rawFeatures?: boolean;
  /** The randomness for the mechanism; default: the CSPRNG. Pass a seeded source for reproducible audits. */
  readonly rng?: RandomSource;
  /** Shorthand for `rng: new SeededRandomSource(seed)` (reproducible audits); ignored when `rng` is given. */
  readonly seed?: number;
}

/** The probabilities behind a witness, with their certified bounds. */
export interface AuditWitness<I> {
  /** The pair, ordered so that the event is likelier under the first input. */
  readonly inputs: readonly [I, I];
  readonly event: AuditEvent;
  readonly description: string;
  readonly counts: readonly [number, number];
  /** Lower confidence bound on P[M(inputs[0]) ∈ event]. */
  readonly probabilityLower: number;
  /** Upper confidence bound on P[M(inputs[1]) ∈ event]. */
  readonly probabilityUpper: number;
  /** The ε lower bound this event certifies. */
  readonly epsilon: number;
}

/** The outcome of an audit. */
export interface AuditResult<I = unknown> {
  readonly claimed: { readonly epsilon: number; readonly delta: number };
  /** A lower bound on the true ε at the claimed δ, valid with probability ≥ confidence (0 when nothing was certified). */
  readonly lowerBound: number;
  /** A lower bound on the true δ at the claimed ε, valid simultaneously with `lowerBound`. */
  readonly deltaLowerBound: number;
  readonly confidence: number;
  /** Samples per input of a pair. */
  readonly samples: number;
  /** True when the lower bound exceeds the claimed ε: the claim is false (with probability ≥ confidence). */
  readonly violated: boolean;
  /** The pair and event behind the lower bound, or null when nothing was certified. */
  readonly witness: AuditWitness<I> | null;
  /** Total mechanism invocations (probes of default pairs, selection and certification). */
  readonly invocations: number;
  readonly pairsSearched: number;
  readonly eventsScored: number;
}

/** Default samples per input. */
export const DEFAULT_AUDIT_SAMPLES = 100_000;
/** Default confidence: a correct mechanism is flagged with probability at most 1e-6. */
export const DEFAULT_AUDIT_CONFIDENCE = 1 - 1e-6;

function checkOptions(samples: number, fraction: number, confidence: number, maxEvents: number): void {
  if (!Number.isSafeInteger(samples) || samples < 100) {
    throw new DpError('INVALID_PARAMETER', `samples must be an integer >= 100, got ${samples}`, { parameter: 'samples' });
  }
  if (!(fraction > 0 && fraction < 1)) {
    throw new DpError('INVALID_PARAMETER', `selectionFraction must be in (0, 1), got ${fraction}`, { parameter: 'selectionFraction' });
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new DpError('INVALID_PARAMETER', `confidence must be in (0, 1), got ${confidence}`, { parameter: 'confidence' });
  }
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) {
    throw new DpError('INVALID_PARAMETER', `maxEvents must be a positive integer, got ${maxEvents}`, { parameter: 'maxEvents' });
  }
}

function resolveClaim(target: AuditableMeasurement<unknown, unknown>, claimed: PrivacyClaim | undefined, dIn: number, delta: number) {
  if (claimed) {
    const d = claimed.delta ?? 0;
    if (!(Number.isFinite(claimed.epsilon) && claimed.epsilon >= 0)) {
      throw new DpError('INVALID_PARAMETER', `claimed epsilon must be finite and >= 0, got ${claimed.epsilon}`, { parameter: 'epsilon' });
    }
    if (!(d >= 0 && d < 1)) throw new DpError('INVALID_PARAMETER', `claimed delta must be in [0, 1), got ${d}`, { parameter: 'delta' });
    return { epsilon: claimed.epsilon, delta: d };
  }
  if (!target.privacyMap) {
    throw new DpError('INVALID_PARAMETER', 'a bare function needs an explicit claim: pass options.claimed', { parameter: 'claimed' });
  }
  const loss = target.privacyMap(dIn);
  switch (loss.kind) {
    case 'pure':
      return { epsilon: loss.epsilon, delta: 0 };
    case 'approximate':
      return { epsilon: loss.epsilon, delta: loss.delta };
    case 'zcdp':
      return { epsilon: zcdpToApproximate(loss, delta).epsilon, delta };
    default:
      return assertNever(loss, 'privacy loss');
  }
}

/** The upper alpha-quantile of the standard normal, Φ⁻¹(1 − min(alpha, 0.02)); used only to score events. */
function normalQuantileUpper(alpha: number): number {
  return -normalQuantile(Math.min(alpha, 0.02));
}

function sampleFeatures<I, O>(
  run: RandomizedFunction<I, O>,
  input: I,
  n: number,
  rng: RandomSource,
  featurize: ((o: O) => unknown) | undefined,
  raw: boolean,
): FeatureColumns {
  const columns: FeatureColumns = new Map();
  let row = 0;
  const sink = (name: string, value: number | string) => {
    let col = columns.get(name);
    if (!col) {
      col = new Array<number | string | undefined>(n);
      columns.set(name, col);
    }
    col[row] = value;
  };
  for (row = 0; row < n; row++) {
    const out = run(input, rng);
    if (raw) extractFeatures(out, 'output', sink);
    if (featurize) extractFeatures(featurize(out), 'feature', sink);
  }
  return columns;
}

function countEvents<I, O>(
  run: RandomizedFunction<I, O>,
  input: I,
  n: number,
  rng: RandomSource,
  predicates: Array<(f: FeatureRecord) => boolean>,
  featurize: ((o: O) => unknown) | undefined,
  raw: boolean,
): number[] {
  const counts = new Array<number>(predicates.length).fill(0);
  const record = new Map<string, number | string>();
  const sink = (name: string, value: number | string) => {
    record.set(name, value);
  };
  for (let i = 0; i < n; i++) {
    record.clear();
    const out = run(input, rng);
    if (raw) extractFeatures(out, 'output', sink);
    if (featurize) extractFeatures(featurize(out), 'feature', sink);
    for (let j = 0; j < predicates.length; j++)
      if ((predicates[j] as (f: FeatureRecord) => boolean)(record)) counts[j] = (counts[j] as number) + 1;
  }
  return counts;
}

function eventKey(c: Candidate): string {
  return `${c.pairIndex}|${c.forward}|${JSON.stringify(c.event)}`;
}

/**
 * Audits a mechanism: estimates a lower bound on its ε at the claimed δ from
 * samples, with the stated confidence, and says whether the claim is
 * violated.
 * @param target - a Measurement (its privacy map gives the claim and its domain the default neighbours)
 *   or any object with `invoke(input, rng)`; a bare function `(input, rng) => output` is accepted too.
 * @param options - claim, neighbouring pairs, samples, confidence, features, randomness.
 * @returns the claim, the certified lower bound, the confidence, the samples, the verdict and a witness.
 * @throws DpError INVALID_PARAMETER on bad options, on a bare function without claim or pairs, or a domain with no default neighbours.
 * @privacy none: the auditor runs the mechanism on inputs you choose (never on private data) and releases nothing.
 * @see Ding, Wang, Wang, Zhang, Kifer (2018), "Detecting violations of differential privacy", CCS.
 * @see Bichsel, Steffen, Bogunovic, Vechev (2021), "DP-Sniper", IEEE S&P.
 * @see Kong et al. (2024), "DP-Auditorium", IEEE S&P (hockey-stick divergence testers).
 * @example
 * const result = auditPrivacy(makeLaplace(...), { inputs: [0, 1], samples: 200_000, rng: new SeededRandomSource(1) });
 * result.violated; // false for a correct mechanism, with probability ≥ 1 − 1e-6
 */
export function auditPrivacy<I, O>(
  target: AuditableMeasurement<I, O> | RandomizedFunction<I, O>,
  options: AuditOptions<I, O> = {},
): AuditResult<I> {
  if (typeof target !== 'function') edgeRecord(target, 'target');
  edgeOptionalRecord(options, 'options');
  const m: AuditableMeasurement<I, O> =
    typeof target === 'function' ? { invoke: (input, rng) => target(input, rng ?? defaultRandomSource()) } : target;
  const samples = options.samples ?? DEFAULT_AUDIT_SAMPLES;
  const fraction = options.selectionFraction ?? 0.25;
  const confidence = options.confidence ?? DEFAULT_AUDIT_CONFIDENCE;
  const maxEvents = options.maxEvents ?? 3;
  const dIn = options.dIn ?? 1;
  checkOptions(samples, fraction, confidence, maxEvents);
  const claimed = resolveClaim(m as AuditableMeasurement<unknown, unknown>, options.claimed, dIn, options.delta ?? 1e-3);
  const rng = options.rng ?? (options.seed === undefined ? defaultRandomSource() : new SeededRandomSource(options.seed));
  const run: RandomizedFunction<I, O> = (input, r) => m.invoke(input, r);
  const raw = options.rawFeatures ?? true;
  const featurize = options.featurize;

  let invocations = 0;
  let pairs: Array<NeighbourPair<I>>;
  if (options.inputs) pairs = [{ inputs: options.inputs, label: 'given' }];
  else if (options.pairs) pairs = options.pairs.map((p, i) => ({ inputs: p, label: `given #${i}` }));
  else if (m.inputDomain && m.inputMetric) {
    // Probe the defaults: a pair the mechanism refuses (wrong type, out of domain) is not a candidate.
    const probe = rng;
    pairs = (neighbourCandidates(m.inputDomain, m.inputMetric, dIn) as Array<NeighbourPair<I>>).filter((p) => {
      try {
        invocations += 2;
        m.invoke(p.inputs[0], probe);
        m.invoke(p.inputs[1], probe);
        return true;
      } catch {
        return false;
      }
    });
    if (pairs.length === 0) {
      throw new DpError('INVALID_PARAMETER', 'the mechanism refused every default neighbouring pair: pass inputs or pairs', {
        parameter: 'pairs',
      });
    }
  } else throw new DpError('INVALID_PARAMETER', 'a bare function needs inputs or pairs to test', { parameter: 'pairs' });
  if (pairs.length === 0) throw new DpError('INVALID_PARAMETER', 'pairs must not be empty', { parameter: 'pairs' });

  const alpha = 1 - confidence;
  const perBound = alpha / (2 * maxEvents);
  const nSelection = Math.max(50, Math.floor(samples * fraction));
  const nCertification = samples - nSelection;
  const ctx = { nSelection, nCertification, z: normalQuantileUpper(perBound), delta: claimed.delta };

  // 1–2. Selection.
  let eventsScored = 0;
  const candidates: Candidate[] = [];
  pairs.forEach((pair, pairIndex) => {
    const s1 = sampleFeatures(run, pair.inputs[0], nSelection, rng, featurize, raw);
    const s2 = sampleFeatures(run, pair.inputs[1], nSelection, rng, featurize, raw);
    invocations += 2 * nSelection;
    const scored = scoreCandidates(s1, s2, pairIndex, ctx);
    eventsScored += scored.length;
    scored.sort((x, y) => y.score - x.score);
    candidates.push(...scored.slice(0, 4 * maxEvents));
  });
  candidates.sort((x, y) => y.score - x.score);
  const chosen: Candidate[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (chosen.length >= maxEvents) break;
    const k = eventKey(c);
    if (seen.has(k)) continue;
    seen.add(k);
    chosen.push(c);
  }

  // 3. Certification on fresh samples.
  let best: AuditWitness<I> | null = null;
  let lowerBound = 0;
  let deltaLowerBound = 0;
  const byPair = new Map<number, Candidate[]>();
  for (const c of chosen) byPair.set(c.pairIndex, [...(byPair.get(c.pairIndex) ?? []), c]);
  for (const [pairIndex, list] of byPair) {
    const pair = pairs[pairIndex] as NeighbourPair<I>;
    const predicates = list.map((c) => auditEventPredicate(c.event));
    const c1 = countEvents(run, pair.inputs[0], nCertification, rng, predicates, featurize, raw);
    const c2 = countEvents(run, pair.inputs[1], nCertification, rng, predicates, featurize, raw);
    invocations += 2 * nCertification;
    list.forEach((c, j) => {
      const hi = (c.forward ? c1[j] : c2[j]) as number;
      const lo = (c.forward ? c2[j] : c1[j]) as number;
      const pLower = clopperPearsonLower(hi, nCertification, perBound);
      const pUpper = clopperPearsonUpper(lo, nCertification, perBound);
      deltaLowerBound = Math.max(deltaLowerBound, pLower - Math.exp(claimed.epsilon) * pUpper);
      const eps = pLower - claimed.delta > 0 ? Math.log((pLower - claimed.delta) / pUpper) : Number.NEGATIVE_INFINITY;
      if (eps > lowerBound || (best === null && eps > 0)) {
        lowerBound = Math.max(lowerBound, eps);
        best = {
          inputs: c.forward ? pair.inputs : [pair.inputs[1], pair.inputs[0]],
          event: c.event,
          description: describeAuditEvent(c.event),
          counts: [hi, lo],
          probabilityLower: pLower,
          probabilityUpper: pUpper,
          epsilon: eps,
        };
      }
    });
  }
  return {
    claimed,
    lowerBound,
    deltaLowerBound,
    confidence,
    samples,
    violated: lowerBound > claimed.epsilon,
    witness: best,
    invocations,
    pairsSearched: pairs.length,
    eventsScored,
  };
}
