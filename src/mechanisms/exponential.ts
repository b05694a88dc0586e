/**
 * The exponential mechanism with exact sampling, by permute-and-flip: selects
 * a candidate with high utility on private data, ε-DP for a utility function of
 * declared sensitivity. Proof: `exponential.proof.md`.
 * @module
 */
import { anyDomain, type Domain, type Metric } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { type PureLoss, pure } from '../core/loss.js';
import { defineMeasurement, type Measurement } from '../core/measurement.js';
import { traceNoise } from '../core/trace.js';
import { Rational } from '../numeric/rational.js';
import { optionalBoolean, positiveNumber } from './_internal/params.js';
import { exactScores, permuteAndFlip } from './_internal/permute-and-flip.js';

/** Options of {@link makeExponential}. */
export interface ExponentialOptions<D, C> {
  /** The public candidates (at least one). */
  readonly candidates: readonly C[];
  /** The utility of each candidate on the data (finite; higher is better). */
  readonly utility: (data: D, candidate: C) => number;
  /** Δu: how much any candidate's utility can change between neighbours at distance 1 (> 0). */
  readonly sensitivity: number;
  /** The ε at distance 1 (> 0). */
  readonly epsilon: number;
  /** True when, between neighbours, all utilities move in the same direction: the factor 2 drops. */
  readonly monotonic?: boolean;
  /** The data's domain (default: any). */
  readonly inputDomain?: Domain;
  /** How neighbouring data sets are measured (default: symmetric distance). */
  readonly inputMetric?: Metric;
}

/**
 * The exponential mechanism, sampled exactly with permute-and-flip: candidate r
 * is accepted, in a random order, with probability exp(ε(u_r − u*)/(2Δu))
 * (exp(ε(u_r − u*)/Δu) when monotonic), using rational arithmetic throughout.
 * @param options - candidates, utility, sensitivity Δu, ε, and optionally monotonic, inputDomain, inputMetric.
 * @returns a pure-DP measurement from the data to one candidate.
 * @throws DpError INVALID_PARAMETER on bad options, or when the utility returns a non-finite value.
 * @privacy ε(dIn) = ε·dIn (utilities move by at most Δu·dIn).
 * @see McKenna & Sheldon (2020), Theorem 1; McSherry & Talwar (2007); `exponential.proof.md`.
 * @example
 * const pick = makeExponential({ candidates: ['a', 'b'], utility: (d: string[], c) => d.filter((x) => x === c).length, sensitivity: 1, epsilon: 1 });
 * pick.invoke(['a', 'a', 'b']); // 'a' more often than not
 */
export function makeExponential<D, C>(options: ExponentialOptions<D, C>): Measurement<D, C, 'pure'> {
  const candidates = options?.candidates;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw new DpError('INVALID_PARAMETER', 'candidates must be a non-empty array', { parameter: 'candidates' });
  }
  if (typeof options.utility !== 'function') {
    throw new DpError('INVALID_PARAMETER', 'utility must be a function', { parameter: 'utility' });
  }
  const sensitivity = positiveNumber(options.sensitivity, 'sensitivity');
  const epsilon = positiveNumber(options.epsilon, 'epsilon');
  const monotonic = optionalBoolean(options.monotonic, false, 'monotonic');
  const list = [...candidates] as C[];
  // Temperature c·Δu/ε, exact: P(accept r) = exp(−(u* − u_r)/temperature).
  const temperature = Rational.fromNumber(sensitivity)
    .mul(Rational.of(monotonic ? 1n : 2n))
    .div(Rational.fromNumber(epsilon));
  const temperatureNumber = temperature.toNumber();
  const epsilonAt = (dIn: number) => Rational.fromNumber(dIn).mul(Rational.fromNumber(epsilon)).toNumberUp();
  return defineMeasurement({
    name: 'exponential',
    inputDomain: options.inputDomain ?? anyDomain('a data set'),
    inputMetric: options.inputMetric ?? 'symmetric-distance',
    outputMeasure: 'pure',
    invoke: (data: D, rng) => {
      const scores = list.map((c) => options.utility(data, c));
      const exact = exactScores(scores, 'exponential (utility values)', false);
      scores.forEach((value, index) => {
        traceNoise({ primitive: 'permute-and-flip', value, sensitivity, scale: temperatureNumber, extra: { index, monotonic } });
      });
      return list[permuteAndFlip(exact, temperature, rng)] as C;
    },
    privacyMap: (dIn): PureLoss => pure(epsilonAt(dIn)),
    // Rule (S13, "a mechanism's recorded event names the sampler it actually runs"): this runs permute-and-flip,
    // which is ε-DP but NOT ε-bounded-range, so its event is 'permuteAndFlip' (priced as pure ε: ε²/2 in zCDP), never
    // 'exponential' (the bounded-range event, ε²/8), which would under-count composition under zCDP/RDP 4×.
    event: (dIn) => (dIn === 0 ? { type: 'noOp' } : { type: 'permuteAndFlip', epsilon: epsilonAt(dIn) }),
  });
}

/**
 * The exact selection probabilities of permute-and-flip for given scores and
 * temperature (for tests and for explaining a mechanism), as doubles:
 * P(r) = p_r · (1/n) Σ_k e_k(1 − p_s : s ≠ r) / C(n−1, k), where p_s = exp(−(u* − u_s)/T),
 * k runs over the number of candidates visited before r, and e_k is the
 * elementary symmetric polynomial of degree k.
 * @param scores - finite scores.
 * @param temperature - > 0.
 * @returns the probability of selecting each index.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy none (public computation on given numbers).
 */
export function permuteAndFlipProbabilities(scores: readonly number[], temperature: number): number[] {
  positiveNumber(temperature, 'temperature');
  if (!Array.isArray(scores) || scores.length === 0 || scores.some((s) => !Number.isFinite(s))) {
    throw new DpError('INVALID_PARAMETER', 'scores must be a non-empty array of finite numbers', { parameter: 'scores' });
  }
  const best = Math.max(...scores);
  const p = scores.map((s) => Math.exp((s - best) / temperature));
  const n = p.length;
  return p.map((pr, r) => {
    // r is reached after k rejections among the others, in a uniform order: position k with prob 1/n,
    // and the k candidates ahead of it form a uniform k-subset of the others.
    // e_k = elementary symmetric polynomial of degree k of (1 − p_s), s ≠ r.
    const e = new Array<number>(n).fill(0);
    e[0] = 1;
    let m = 0;
    for (let s = 0; s < n; s++) {
      if (s === r) continue;
      const q = 1 - (p[s] as number);
      m++;
      for (let k = m; k >= 1; k--) e[k] = (e[k] as number) + (e[k - 1] as number) * q;
    }
    let total = 0;
    let binom = 1; // C(n−1, k)
    for (let k = 0; k < n; k++) {
      total += (e[k] as number) / binom / n;
      binom = (binom * (n - 1 - k)) / (k + 1);
    }
    return pr * total;
  });
}
