/**
 * DP partition selection: deciding which group keys that are not declared
 * public may appear in a result, from the number of distinct privacy units in
 * each (Desfontaines, Voss, Gipson, Mandayam 2022; Google DP
 * `partition-selection.h`).
 * @module
 */

import { anyDomain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { type ApproximateLoss, approximate, type LossKind, zcdp, zcdpToApproximate } from '../core/loss.js';
import type { Measurement } from '../core/measurement.js';
import { traceNoise } from '../core/trace.js';
import { edgeRecord } from '../numeric/edge.js';
import { nextDown, nextUp } from '../numeric/float-bits.js';
import { Rational } from '../numeric/rational.js';
import { sampleBernoulli, sampleDiscreteGaussian, sampleDiscreteLaplace } from '../random/index.js';
import { defaultRandomSource, type RandomSource } from '../random/source.js';
import { checkPositive, checkPositiveInteger, showParameter } from './_internal/noise.js';
import { boundedAggregate, groupLoss, noisyRelease, releaseFields, releaseWith, type SpendOptions } from './release-measurement.js';

/** Options of `makePartitionSelector`. */
export interface PartitionSelectorOptions {
  /** ε of the selection (for all partitions). */
  readonly epsilon: number;
  /** δ of the selection (for all partitions), in (0, 1). */
  readonly delta: number;
  /** A unit contributes to at most this many partitions. Default 1. */
  readonly maxPartitions?: number;
  /**
   * `truncated-geometric` (default; the optimal keep probabilities of
   * Desfontaines et al. 2022, Google's `NearTruncatedGeometricPartitionSelection`),
   * `laplace` (discrete Laplace noise on the unit count, then a threshold) or
   * `gaussian` (discrete Gaussian noise, then a threshold; δ split between the
   * threshold and the zCDP→(ε, δ) conversion).
   */
  readonly method?: 'truncated-geometric' | 'laplace' | 'gaussian';
}

/** A calibrated partition selector. */
export interface PartitionSelector {
  /** (ε, δ) for selecting among all partitions, under add/remove one unit. */
  readonly guarantee: ApproximateLoss;
  readonly method: 'truncated-geometric' | 'laplace' | 'gaussian';
  /** The threshold on the noisy unit count (Laplace and Gaussian methods). */
  readonly threshold?: number;
  /**
   * Decides whether a partition with `unitCount` distinct units is kept.
   * @param unitCount - exact number of distinct units in the partition after bounding (≥ 0).
   */
  keep(unitCount: number | bigint, rng?: RandomSource): boolean;
  /** The probability that a partition with `unitCount` units is kept (truncated-geometric only; otherwise undefined). */
  keepProbability(unitCount: number): number | undefined;
}

/**
 * Builds a partition selector for a budget (ε, δ) shared by all partitions.
 * @throws DpError INVALID_PARAMETER on a bad ε, δ or maxPartitions.
 * @privacy (ε, δ)-DP under add/remove one unit that appears in at most `maxPartitions` partitions.
 * @see Desfontaines, Voss, Gipson, Mandayam, "Differentially private partition selection", PoPETs 2022.
 * @example
 * const sel = makePartitionSelector({ epsilon: 1, delta: 1e-6, maxPartitions: 3 });
 * sel.keep(120); // almost surely true
 */
export function makePartitionSelector(options: PartitionSelectorOptions): PartitionSelector {
  edgeRecord(options, 'options');
  const epsilon = checkPositive(options.epsilon, 'epsilon');
  const delta = options.delta;
  if (typeof delta !== 'number' || !(delta > 0 && delta < 1)) {
    throw new DpError('INVALID_PARAMETER', `partition selection needs delta in (0, 1), got ${showParameter(delta)}`, {
      parameter: 'delta',
    });
  }
  const partitions = checkPositiveInteger(options.maxPartitions ?? 1, 'maxPartitions');
  const method = options.method ?? 'truncated-geometric';
  const guarantee = approximate(epsilon, delta);
  switch (method) {
    case 'truncated-geometric': {
      const probs = memoisedProbabilities(epsilon / partitions, delta / partitions);
      // Past the computed range p stays at its last value: 1 when the sequence reached it, otherwise (tiny ε/δ,
      // stopped at MAX_SELECTION_TABLE steps) a flat tail, which still meets both DP constraints — jumping to 1 would not.
      const last = probs[probs.length - 1] ?? 0;
      const keepProbability = (n: number) => (n <= 0 ? 0 : n >= probs.length ? last : (probs[n] ?? last));
      return {
        guarantee,
        method,
        keepProbability,
        keep(u, rng = defaultRandomSource()) {
          const n = unitCount(u);
          traceNoise({ primitive: 'partition-selection:truncated-geometric', value: n, sensitivity: 1, scale: partitions / epsilon });
          const p = keepProbability(n);
          if (p <= 0) return false;
          if (p >= 1) return true;
          return sampleBernoulli(Rational.fromNumber(p), rng);
        },
      };
    }
    case 'laplace': {
      // Unit counts have L1 sensitivity maxPartitions; a partition present in one neighbour only has count 1.
      const scale = Rational.of(BigInt(partitions)).div(Rational.fromNumber(epsilon));
      const b = scale.toNumberUp();
      const lambda = Math.exp(-1 / b);
      const perPartitionDelta = delta / partitions;
      // P(1 + Z ≥ τ) = λ^{τ−1}/(1+λ) ≤ δ/maxPartitions.
      const threshold = thresholdAbove(b * Math.log(1 / (perPartitionDelta * (1 + lambda))));
      return noisyThresholdSelector(guarantee, method, threshold, (n, rng) => {
        traceNoise({ primitive: 'partition-selection:discrete-laplace', value: n, sensitivity: partitions, scale: b });
        return sampleDiscreteLaplace(scale, rng);
      });
    }
    case 'gaussian': {
      const thresholdDelta = delta / 2;
      const conversionDelta = nextDown(delta / 2);
      const rho = largestRho(epsilon, conversionDelta);
      // L2² sensitivity = maxPartitions; σ² = maxPartitions / (2ρ).
      const sigmaSquared = Rational.of(BigInt(partitions)).div(Rational.fromNumber(rho).mul(Rational.of(2n)));
      const sigma = Math.sqrt(sigmaSquared.toNumberUp());
      // The discrete Gaussian is σ-subgaussian (CKS 2020): P(Z ≥ m) ≤ exp(−m²/2σ²).
      const threshold = thresholdAbove(sigma * Math.sqrt(2 * Math.log(partitions / thresholdDelta)));
      return noisyThresholdSelector(guarantee, method, threshold, (n, rng) => {
        traceNoise({ primitive: 'partition-selection:discrete-gaussian', value: n, sensitivity: Math.sqrt(partitions), scale: sigma });
        return sampleDiscreteGaussian(sigmaSquared, rng);
      });
    }
    default:
      throw new DpError('INVALID_PARAMETER', `unknown partition selection method ${showParameter(method)}`, { parameter: 'method' });
  }
}

/** Reads a partition's unit count (a count ≥ 0, floored). */
function unitCount(u: number | bigint): number {
  const n = typeof u === 'bigint' ? Number(u) : u;
  if (!(Number.isFinite(n) && n >= 0)) throw new DpError('INVALID_PARAMETER', 'unitCount must be a count >= 0', { parameter: 'unitCount' });
  return Math.floor(n);
}

/** The threshold 1 + ⌈m⌉ + 1 for a noise tail bound m, with m rounded up so float error only raises it. */
function thresholdAbove(m: number): number {
  return 1 + Math.ceil(nextUp(m) * (1 + 1e-12)) + 1;
}

/** A selector that keeps a partition when its unit count plus the traced integer noise of `noisy` reaches `threshold`. */
function noisyThresholdSelector(
  guarantee: ApproximateLoss,
  method: 'laplace' | 'gaussian',
  threshold: number,
  noisy: (n: number, rng: RandomSource) => bigint,
): PartitionSelector {
  return {
    guarantee,
    method,
    threshold,
    keepProbability: () => undefined,
    keep(u, rng = defaultRandomSource()) {
      const n = unitCount(u);
      return BigInt(n) + noisy(n, rng) >= BigInt(threshold);
    },
  };
}

/** The largest ρ (by bisection) whose (ε, δ) conversion stays within ε. */
function largestRho(epsilon: number, delta: number): number {
  let lo = 0;
  let hi = epsilon;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (zcdpToApproximate(zcdp(mid), delta).epsilon <= epsilon) lo = mid;
    else hi = mid;
  }
  if (!(lo > 0)) throw new DpError('INVALID_PARAMETER', 'epsilon too small for Gaussian partition selection', { parameter: 'epsilon' });
  return lo;
}

/**
 * The longest keep-probability table (entries, ≈ 1 MiB), a public constant (review S28, class 13 "work bounded up
 * front"): the table has ~2·ln(1/δ)/ε entries, so a tiny per-partition ε (ε/maxPartitions) made every query tabulate
 * up to 10⁷ entries (166 MB, seconds of CPU on the server's event loop) for a charge of 1e-6. Past the cap p(n) stays
 * flat at p(cap), which meets both DP constraints (module header of `truncatedGeometricProbabilities`): the work and
 * memory of a selector are bounded whatever ε and δ, at the cost of utility only where ε/maxPartitions < ~1e-4 with
 * δ ≤ 1e-9 (there a group of more than 131,072 units is kept with probability p(cap) < 1). Tables are memoised per
 * public (ε, δ) (`memoisedProbabilities`), so a repeated query shape builds none.
 */
export const MAX_SELECTION_TABLE = 131_072;

/** The last few tables, keyed by the public (ε, δ) of one partition; frozen, shared by selectors. */
const tables = new Map<string, readonly number[]>();
const MEMO_TABLES = 16;

/** `truncatedGeometricProbabilities` through a small LRU memo keyed on public parameters only. */
function memoisedProbabilities(epsilon: number, delta: number): readonly number[] {
  const key = `${epsilon}|${delta}`;
  const hit = tables.get(key);
  if (hit) {
    tables.delete(key);
    tables.set(key, hit);
    return hit;
  }
  const made = Object.freeze(truncatedGeometricProbabilities(epsilon, delta));
  tables.set(key, made);
  if (tables.size > MEMO_TABLES) tables.delete(tables.keys().next().value as string);
  return made;
}

/**
 * Keep probabilities p(n) of the optimal (ε, δ) partition selection for one
 * partition: p(0) = 0, p(n) = min(e^ε p(n−1) + δ, 1 − e^{−ε}(1 − p(n−1) − δ), 1).
 * Every step rounds down (each constraint is an upper bound on p(n)), so the
 * computed sequence satisfies the DP constraints for the exact ε and δ.
 * Returns p(0..N) with p(N) = 1 (or the array up to the first 1), N < MAX_SELECTION_TABLE: a flat
 * tail past the last entry (p(n) = p(N)) meets both constraints — p(n) ≤ e^ε p(n) + δ and
 * 1 − p(n) ≤ e^ε (1 − p(n)) + δ — so stopping early is sound; it only keeps large groups less often.
 */
export function truncatedGeometricProbabilities(epsilon: number, delta: number): number[] {
  const eUp = Math.exp(epsilon);
  const eLo = nextDown(nextDown(eUp));
  const emHi = nextUp(nextUp(Math.exp(-epsilon)));
  const p: number[] = [0];
  let prev = 0;
  for (let n = 1; n < MAX_SELECTION_TABLE; n++) {
    const a = nextDown(nextDown(nextDown(eLo * prev) + delta));
    const rest = nextUp(nextUp(1 - prev - delta));
    const b = rest <= 0 ? 1 : nextDown(nextDown(1 - nextUp(emHi * rest)));
    let next = Math.min(a, b, 1);
    if (next < prev) next = prev; // cannot happen in exact arithmetic; keeps the sequence monotone
    if (!(next > 0)) next = 0;
    p.push(next);
    if (next >= 1) break;
    prev = next;
  }
  return p;
}

/** What a partition-selection release outputs: the kept keys, sorted (so the order reveals nothing of the data's). */
export interface SelectedPartitions {
  readonly keys: readonly string[];
}

/**
 * The measurement of partition selection: the exact number of distinct units
 * per partition (bounded data: a unit is in at most `maxPartitions`) chained
 * into the selector's keep decisions.
 * @param options - ε, δ, maxPartitions, method.
 * @returns a measurement from the units per partition to the kept keys.
 * @throws DpError INVALID_PARAMETER on a bad ε, δ, maxPartitions or method.
 * @privacy `privacyMap(1)` = (ε, δ); at k units, group privacy (kε, k·e^{(k−1)ε}·δ).
 * @see Desfontaines, Voss, Gipson, Mandayam (2022).
 * @example
 * makePartitionSelectionMeasurement({ epsilon: 1, delta: 1e-6 }).privacyMap(1); // (ε=1, δ=1e-6)
 */
export function makePartitionSelectionMeasurement(
  options: PartitionSelectorOptions,
): Measurement<ReadonlyMap<string, number | bigint>, SelectedPartitions, LossKind> {
  const selector = makePartitionSelector(options);
  const domain = anyDomain('distinct units per partition');
  return boundedAggregate<ReadonlyMap<string, number | bigint>>(
    'distinct units per partition',
    { maxPartitions: options.maxPartitions ?? 1 },
    domain,
  ).then(
    noisyRelease(
      `partition selection (${selector.method})`,
      domain,
      [{ lossAt: (k: number) => groupLoss(selector.guarantee, k) }],
      (units: ReadonlyMap<string, number | bigint>, rng: RandomSource): SelectedPartitions => ({
        keys: [...units.entries()]
          .filter(([, n]) => selector.keep(n, rng))
          .map(([k]) => k)
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      }),
    ),
  );
}

/**
 * Selects which undeclared partitions may be released, from the exact number
 * of distinct units in each (after bounding).
 * @param units - partition key → distinct units (≥ 0).
 * @param options - ε, δ, maxPartitions, method, rng, `spendFrom` (charged exactly the map before any draw).
 * @returns the kept keys (sorted), the guarantee (the measurement's `privacyMap(1)`), and the charge with `spendFrom`.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED (nothing charged, nothing drawn) when `spendFrom` cannot pay.
 * @privacy (ε, δ)-DP under add/remove one unit present in at most `maxPartitions` partitions.
 * @example
 * selectPartitions(new Map([['a', 120], ['b', 1]]), { epsilon: 1, delta: 1e-6 }).keys; // almost surely ['a']
 */
export function selectPartitions(
  units: ReadonlyMap<string, number | bigint>,
  options: PartitionSelectorOptions & SpendOptions & { readonly rng?: RandomSource },
): SelectedPartitions & ReturnType<typeof releaseFields> {
  const r = releaseWith(makePartitionSelectionMeasurement(options), units, options);
  return { ...r.value, ...releaseFields(r) };
}
