/**
 * Sparse vector (AboveThreshold and its c-positives variant) with exact
 * discrete Laplace noise on integer-valued queries. Proof:
 * `sparse-vector.proof.md`.
 * @module
 */
import { anyDomain, type Domain, type Metric } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { type PureLoss, pure } from '../core/loss.js';
import { defineMeasurement, type Measurement } from '../core/measurement.js';
import { traceNoise } from '../core/trace.js';
import { Rational } from '../numeric/rational.js';
import { sampleDiscreteLaplace } from '../random/index.js';
import { integerAtLeast, optionalBoolean, outOfDomain, positiveNumber } from './_internal/params.js';

/** Options of {@link makeSparseVector}. */
export interface SparseVectorOptions<D> {
  /** The queries, asked in order; each must be integer-valued (non-integers are rounded half up, see `sensitivity`). */
  readonly queries: ReadonlyArray<(data: D) => number | bigint>;
  /** The public integer threshold T. */
  readonly threshold: number | bigint;
  /** Δ: a positive integer bounding how much any (rounded) query answer changes between neighbours at distance 1. */
  readonly sensitivity: number | bigint;
  /** ε₁, spent on the threshold noise Lap(Δ/ε₁). */
  readonly epsilon1: number;
  /** ε₂, spent on the query noise Lap(2cΔ/ε₂) (Lap(cΔ/ε₂) when monotonic). */
  readonly epsilon2: number;
  /** c: stop after this many positive answers (default 1: AboveThreshold). */
  readonly maxPositives?: number;
  /** True when, between neighbours, all query answers move in the same direction. */
  readonly monotonic?: boolean;
  /** The data's domain (default: any). */
  readonly inputDomain?: Domain;
  /** How neighbouring data sets are measured (default: symmetric distance). */
  readonly inputMetric?: Metric;
}

function integerParameter(x: unknown, parameter: string, min: bigint | null): bigint {
  const value = typeof x === 'bigint' ? x : typeof x === 'number' && Number.isSafeInteger(x) ? BigInt(x) : undefined;
  if (value !== undefined && (min === null || value >= min)) return value;
  const expected = min === null ? 'an integer' : `an integer >= ${min}`;
  throw new DpError('INVALID_PARAMETER', `${parameter} must be ${expected}`, { parameter, expected });
}

function integerAnswer(x: unknown): bigint {
  if (typeof x === 'bigint') return x;
  // A non-finite answer is outside the declared range of the query, not a data value we may echo.
  if (typeof x !== 'number' || !Number.isFinite(x)) throw outOfDomain('sparse-vector', 'finite query answers');
  // Rounding rule (review class "a rounding step before calibrated noise must be 1-Lipschitz"):
  // the integer handed to the noise is round-half-up of x computed exactly, so that
  // r(x + k) = r(x) + k for every integer k and r is monotone, hence |r(a) − r(b)| ≤ ⌈|a − b|⌉ and
  // the declared sensitivity Δ still bounds the rounded answers. `Math.floor(x + 0.5)` broke this: the
  // float sum x + 0.5 rounds (2^53 − 1 → 2^53, 0.49999999999999994 → 1). `Math.round` is defined on
  // the exact value (ECMA-262 §21.3.2.28: the integer closest to x, ties toward +∞), and every
  // |x| ≥ 2^52 is already an integer.
  return BigInt(Math.round(x));
}

/**
 * Sparse vector: answers "above threshold?" for each query in turn and stops
 * after `maxPositives` positives, spending ε₁ + ε₂ in all however many
 * queries are below threshold. Output: one boolean per query asked (the last
 * one true unless the queries ran out).
 * @param options - queries, integer threshold, integer sensitivity Δ, ε₁, ε₂, and optionally maxPositives c, monotonic.
 * @returns a pure-DP measurement from the data to booleans.
 * @throws DpError INVALID_PARAMETER on bad options, or a non-finite query answer.
 * @privacy ε(dIn) = (ε₁ + ε₂)·dIn.
 * @see Dwork & Roth (2014), Algorithm 1 (AboveThreshold) and Theorem 3.23; Lyu, Su, Li (2017), Algorithm 7 and Theorem 2; `sparse-vector.proof.md`.
 * @example
 * const svt = makeSparseVector({ queries: [(d: number[]) => d.length, (d) => 2 * d.length], threshold: 100, sensitivity: 2, ...sparseVectorSplit(1) });
 * svt.invoke(rows); // e.g. [false, true]
 */
export function makeSparseVector<D>(options: SparseVectorOptions<D>): Measurement<D, boolean[], 'pure'> {
  const queries = options?.queries;
  if (!Array.isArray(queries) || queries.some((q) => typeof q !== 'function')) {
    throw new DpError('INVALID_PARAMETER', 'queries must be an array of functions', { parameter: 'queries' });
  }
  const threshold = integerParameter(options.threshold, 'threshold', null);
  const sensitivity = integerParameter(options.sensitivity, 'sensitivity', 1n);
  const epsilon1 = positiveNumber(options.epsilon1, 'epsilon1');
  const epsilon2 = positiveNumber(options.epsilon2, 'epsilon2');
  const maxPositives = integerAtLeast(options.maxPositives ?? 1, 1, 'maxPositives');
  const monotonic = optionalBoolean(options.monotonic, false, 'monotonic');
  const delta = Rational.of(sensitivity);
  const thresholdScale = delta.div(Rational.fromNumber(epsilon1));
  const queryScale = delta.mul(Rational.of(BigInt(maxPositives) * (monotonic ? 1n : 2n))).div(Rational.fromNumber(epsilon2));
  const thresholdScaleNumber = thresholdScale.toNumber();
  const queryScaleNumber = queryScale.toNumber();
  const total = Rational.fromNumber(epsilon1).add(Rational.fromNumber(epsilon2));
  const epsilonAt = (dIn: number) => Rational.fromNumber(dIn).mul(total).toNumberUp();
  const sensitivityNumber = Number(sensitivity);
  return defineMeasurement({
    name: 'sparse-vector',
    inputDomain: options.inputDomain ?? anyDomain('a data set'),
    inputMetric: options.inputMetric ?? 'symmetric-distance',
    outputMeasure: 'pure',
    invoke: (data: D, rng) => {
      traceNoise({
        primitive: 'discrete-laplace',
        value: threshold,
        sensitivity: sensitivityNumber,
        scale: thresholdScaleNumber,
        extra: { role: 'threshold' },
      });
      // Drawn once: Lyu et al.'s Alg. 7 does not refresh the threshold noise after a positive.
      const noisyThreshold = threshold + sampleDiscreteLaplace(thresholdScale, rng);
      const out: boolean[] = [];
      let positives = 0;
      for (const query of queries) {
        const answer = integerAnswer(query(data));
        traceNoise({
          primitive: 'discrete-laplace',
          value: answer,
          sensitivity: sensitivityNumber,
          scale: queryScaleNumber,
          extra: { role: 'query' },
        });
        const above = answer + sampleDiscreteLaplace(queryScale, rng) >= noisyThreshold;
        out.push(above);
        if (above) {
          positives++;
          if (positives >= maxPositives) break;
        }
      }
      return out;
    },
    privacyMap: (dIn): PureLoss => pure(epsilonAt(dIn)),
  });
}

/**
 * A split of a total ε into (ε₁, ε₂) for sparse vector, in the ratio
 * ε₁ : ε₂ = 1 : (2c)^{2/3} ((c)^{2/3} when monotonic) that Lyu et al. found to
 * minimise error; ε₁ + ε₂ never exceeds ε.
 * @param epsilon - total ε > 0.
 * @param options - `maxPositives` c (default 1), `monotonic`.
 * @returns `{ epsilon1, epsilon2 }`.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy makeSparseVector({ ...split }).privacyMap(1).epsilon ≤ ε.
 * @see Lyu, Su, Li (2017), §4.2.
 */
export function sparseVectorSplit(
  epsilon: number,
  options?: { maxPositives?: number; monotonic?: boolean },
): { epsilon1: number; epsilon2: number } {
  positiveNumber(epsilon, 'epsilon');
  const c = integerAtLeast(options?.maxPositives ?? 1, 1, 'maxPositives');
  const ratio = Math.cbrt((options?.monotonic ? c : 2 * c) ** 2);
  let epsilon1 = epsilon / (1 + ratio);
  let epsilon2 = epsilon - epsilon1;
  // Step down until the exact sum fits (rounding may put it a hair over).
  const eps = Rational.fromNumber(epsilon);
  while (Rational.fromNumber(epsilon1).add(Rational.fromNumber(epsilon2)).gt(eps)) {
    epsilon2 = epsilon2 * (1 - 2 ** -52);
  }
  if (!(epsilon1 > 0 && epsilon2 > 0)) {
    epsilon1 = epsilon / 2;
    epsilon2 = epsilon / 2;
  }
  return { epsilon1, epsilon2 };
}
