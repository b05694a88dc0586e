/**
 * Privacy-loss distributions (PLDs): the worse of the ADD and REMOVE
 * neighbouring directions, each a pessimistically discretised PMF.
 * @module
 */

import { DpError } from '../core/errors.js';
import { type DeltaBound, deltaBound, type EpsilonBound, epsilonBound } from '../core/params.js';
import { edgeOptionalRecord, edgeRead } from '../numeric/edge.js';
import { describeParameter } from '../numeric/errors.js';
import {
  discreteGaussianPmf,
  discreteLaplacePmf,
  epsilonDeltaPmf,
  gaussianPmf,
  gaussianPmfPair,
  laplacePmf,
  pmfFromTwoDistributions,
} from './_internal/pld-mechanisms.js';
import { DEFAULT_TAIL_MASS_TRUNCATION, PldPmf, selfComposePair } from './_internal/pld-pmf.js';
import { checkDeltaArg, checkEpsilonArg } from './privacy-accountant.js';

/** `dp_accounting`'s default grid step for privacy losses. */
export const DEFAULT_VALUE_DISCRETIZATION_INTERVAL = 1e-4;

/** Options shared by the PLD constructors. */
export interface PldOptions {
  /** Grid step Δ of the discretised losses (default 1e-4). Smaller is tighter and slower. */
  valueDiscretizationInterval?: number;
  /** Poisson subsampling rate q ∈ (0, 1] (default 1). */
  sampleRate?: number;
  /** Sensitivity (default 1; an integer for the discrete mechanisms). */
  sensitivity?: number;
}

function interval(o: PldOptions | undefined): number {
  edgeOptionalRecord(o, 'options');
  const d = o?.valueDiscretizationInterval ?? DEFAULT_VALUE_DISCRETIZATION_INTERVAL;
  if (!(d > 0 && Number.isFinite(d))) {
    throw new DpError('INVALID_PARAMETER', `valueDiscretizationInterval must be > 0, got ${describeParameter(d)}`, {
      parameter: 'valueDiscretizationInterval',
    });
  }
  return d;
}
function rate(o: PldOptions): number {
  const q = o.sampleRate ?? 1;
  if (!(q > 0 && q <= 1))
    throw new DpError('INVALID_PARAMETER', `sampleRate must be in (0, 1], got ${describeParameter(q)}`, { parameter: 'sampleRate' });
  return q;
}
function sens(o: PldOptions, integer: boolean): number {
  const s = o.sensitivity ?? 1;
  if (!(s > 0 && Number.isFinite(s)) || (integer && !Number.isInteger(s))) {
    throw new DpError(
      'INVALID_PARAMETER',
      `sensitivity must be a positive ${integer ? 'integer' : 'number'}, got ${describeParameter(s)}`,
      {
        parameter: 'sensitivity',
      },
    );
  }
  return s;
}
function positiveParam(x: number, name: string): number {
  if (!(x > 0 && Number.isFinite(x)))
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number > 0, got ${describeParameter(x)}`, { parameter: name });
  return x;
}

/**
 * The most self-compositions a PLD takes (S7): the composed distribution's support grows with the count, so the
 * cost does too (10⁶ Gaussian steps: seconds; 10⁸ never returned). Refused at the edge with INVALID_PARAMETER,
 * before anything is composed; compose the RDP or zCDP accountant for longer runs.
 */
export const MAX_PLD_COMPOSITIONS = 1_000_000;

/**
 * A privacy-loss distribution: `remove` (and `add`, when asymmetric) PMFs on a
 * grid of step Δ. δ(ε) and ε(δ) take the worse of the two directions; the
 * discretisation is pessimistic, so they are upper bounds on the true values.
 * @see Koskela, Jälkö, Honkela (2020); Google, "Privacy Loss Distributions" (dp_accounting notes);
 *   Doroshenko et al. (2022), "Connect the Dots".
 * @example
 * const pld = PrivacyLossDistribution.gaussian(1.1, { sampleRate: 0.01 }).selfCompose(1000);
 * pld.epsilon(1e-5);
 */
export class PrivacyLossDistribution {
  private constructor(
    /** PMF for the REMOVE direction. */
    readonly remove: PldPmf,
    /** PMF for the ADD direction (null when equal to `remove`). */
    readonly add: PldPmf | null,
  ) {}

  /** Grid step Δ (Δ·2^k after a coarsening that kept the grid within its size limit). */
  get discretization(): number {
    return this.remove.discretization;
  }

  /** The PLD of a release with no privacy loss. */
  static identity(valueDiscretizationInterval = DEFAULT_VALUE_DISCRETIZATION_INTERVAL): PrivacyLossDistribution {
    return new PrivacyLossDistribution(PldPmf.identity(interval({ valueDiscretizationInterval })), null);
  }

  /** Gaussian mechanism with standard deviation σ (connect-the-dots). @throws DpError INVALID_PARAMETER. */
  static gaussian(sigma: number, options: PldOptions = {}): PrivacyLossDistribution {
    const d = interval(options);
    const q = rate(options);
    const s = sens(options, false);
    positiveParam(sigma, 'sigma');
    if (q === 1) return new PrivacyLossDistribution(gaussianPmf(sigma, s, q, 'remove', d), null);
    const [remove, add] = gaussianPmfPair(sigma, s, q, d);
    return new PrivacyLossDistribution(remove, add);
  }

  /** Laplace mechanism with scale b (connect-the-dots). @throws DpError INVALID_PARAMETER. */
  static laplace(scale: number, options: PldOptions = {}): PrivacyLossDistribution {
    const d = interval(options);
    const q = rate(options);
    const s = sens(options, false);
    positiveParam(scale, 'scale');
    const remove = laplacePmf(scale, s, q, 'remove', d);
    return new PrivacyLossDistribution(remove, q === 1 ? null : laplacePmf(scale, s, q, 'add', d));
  }

  /** Discrete Laplace P(k) ∝ e^{−|k|/scale} (privacy buckets). @throws DpError INVALID_PARAMETER. */
  static discreteLaplace(scale: number, options: PldOptions = {}): PrivacyLossDistribution {
    const d = interval(options);
    const q = rate(options);
    const s = sens(options, true);
    const a = 1 / positiveParam(scale, 'scale');
    const remove = discreteLaplacePmf(a, s, q, 'remove', d);
    return new PrivacyLossDistribution(remove, q === 1 ? null : discreteLaplacePmf(a, s, q, 'add', d));
  }

  /** Discrete Gaussian P(k) ∝ e^{−k²/2σ²} (privacy buckets). @throws DpError INVALID_PARAMETER. */
  static discreteGaussian(sigma: number, options: PldOptions = {}): PrivacyLossDistribution {
    const d = interval(options);
    const q = rate(options);
    const s = sens(options, true);
    positiveParam(sigma, 'sigma');
    const remove = discreteGaussianPmf(sigma, s, q, 'remove', d);
    return new PrivacyLossDistribution(remove, q === 1 ? null : discreteGaussianPmf(sigma, s, q, 'add', d));
  }

  /**
   * k-ary randomized response with noise parameter p ∈ (0, 1), under replace-one
   * (symmetric) or replace-special (the person's answer replaced by a uniform one).
   * @throws DpError INVALID_PARAMETER.
   */
  static randomizedResponse(
    noiseParameter: number,
    numBuckets: number,
    options: { valueDiscretizationInterval?: number; relation?: 'replaceOne' | 'replaceSpecial'; sampleRate?: number } = {},
  ): PrivacyLossDistribution {
    const d = interval(options);
    const p = noiseParameter;
    const k = numBuckets;
    const q = rate(options);
    if (!(p > 0 && p < 1))
      throw new DpError('INVALID_PARAMETER', `noiseParameter must be in (0, 1), got ${describeParameter(p)}`, {
        parameter: 'noiseParameter',
      });
    if (!(Number.isInteger(k) && k > 1))
      throw new DpError('INVALID_PARAMETER', `numBuckets must be an integer > 1, got ${describeParameter(k)}`, { parameter: 'numBuckets' });
    if (q < 1 && options.relation === 'replaceOne') {
      throw new DpError('INVALID_PARAMETER', 'Poisson-subsampled randomized response is priced under replace-special only', {
        parameter: 'sampleRate',
      });
    }
    if ((options.relation ?? 'replaceSpecial') === 'replaceOne') {
      const up = [Math.log(1 - (p * (k - 1)) / k), Math.log(p / k)];
      const lo = [up[1] as number, up[0] as number];
      if (k > 2) {
        up.push(Math.log(((k - 2) * p) / k));
        lo.push(up[2] as number);
      }
      return new PrivacyLossDistribution(pmfFromTwoDistributions(lo, up, d), null);
    }
    // Replace-special: the special (absent) value's output is uniform. With Poisson
    // sampling at rate q the person's record is in the sample with probability q:
    // upper = q·RR(v) + (1 − q)·uniform, lower = uniform (outcomes: v, and the k − 1 others together).
    const up =
      q === 1
        ? [Math.log(1 - (p * (k - 1)) / k), Math.log(((k - 1) * p) / k)]
        : [Math.log(q * (1 - (p * (k - 1)) / k) + (1 - q) / k), Math.log((k - 1) * ((q * p) / k + (1 - q) / k))];
    const lo = [-Math.log(k), Math.log1p(-1 / k)];
    return new PrivacyLossDistribution(pmfFromTwoDistributions(lo, up, d), pmfFromTwoDistributions(up, lo, d));
  }

  /** The PLD dominating every (ε, δ)-DP mechanism. @throws DpError INVALID_PARAMETER. */
  static epsilonDelta(epsilon: number, delta: number, options: { valueDiscretizationInterval?: number } = {}): PrivacyLossDistribution {
    if (typeof epsilon !== 'number' || !(epsilon >= 0 && Number.isFinite(epsilon)))
      throw new DpError('INVALID_PARAMETER', `epsilon must be >= 0, got ${describeParameter(epsilon)}`, { parameter: 'epsilon' });
    if (typeof delta !== 'number' || !(delta >= 0 && delta <= 1))
      throw new DpError('INVALID_PARAMETER', `delta must be in [0, 1], got ${describeParameter(delta)}`, { parameter: 'delta' });
    return new PrivacyLossDistribution(epsilonDeltaPmf(epsilon, delta, interval(options)), null);
  }

  /** Composition with another PLD of the same grid (FFT convolution, tails truncated pessimistically). */
  compose(other: PrivacyLossDistribution, tailMassTruncation = DEFAULT_TAIL_MASS_TRUNCATION): PrivacyLossDistribution {
    // S7 edge line: the other PLD must be one (proxy-safe check).
    if (!edgeRead('other', () => other instanceof PrivacyLossDistribution)) {
      throw new DpError('INVALID_PARAMETER', 'other must be a PrivacyLossDistribution', { parameter: 'other' });
    }
    // Grids Δ·2^a and Δ·2^b compose (the finer is coarsened, losses rounded up); others do not.
    const ratio = Math.max(other.discretization, this.discretization) / Math.min(other.discretization, this.discretization);
    if (!Number.isInteger(Math.log2(ratio))) {
      throw new DpError('INVALID_PARAMETER', 'PLDs with different discretization intervals cannot be composed', {
        parameter: 'valueDiscretizationInterval',
      });
    }
    const remove = this.remove.compose(other.remove, tailMassTruncation);
    if (this.add === null && other.add === null) return new PrivacyLossDistribution(remove, null);
    const add = (this.add ?? this.remove).compose(other.add ?? other.remove, tailMassTruncation);
    return new PrivacyLossDistribution(remove, add);
  }

  /** The `count`-fold self-composition (spectrum to the power `count`). @throws DpError INVALID_PARAMETER unless 1 ≤ count ≤ MAX_PLD_COMPOSITIONS. */
  selfCompose(count: number, tailMassTruncation = DEFAULT_TAIL_MASS_TRUNCATION): PrivacyLossDistribution {
    if (!(Number.isSafeInteger(count) && count >= 1 && count <= MAX_PLD_COMPOSITIONS)) {
      throw new DpError('INVALID_PARAMETER', `count must be an integer in [1, ${MAX_PLD_COMPOSITIONS}], got ${describeParameter(count)}`, {
        parameter: 'count',
      });
    }
    if (count === 1) {
      // As dp_accounting: a dense PMF (> 1000 points) self-composed once still books the truncation mass in δ.
      const book = (p: PldPmf) =>
        p.probs.length > 1000 ? new PldPmf(p.discretization, p.lower, p.probs, p.infinityMass + tailMassTruncation, p.roundoff) : p;
      return new PrivacyLossDistribution(book(this.remove), this.add === null ? null : book(this.add));
    }
    const [remove, add] = selfComposePair(this.remove, this.add, count, tailMassTruncation);
    return new PrivacyLossDistribution(remove, add);
  }

  /** δ for ε: the worse direction's hockey-stick divergence (a `DeltaBound`: never NaN). */
  delta(epsilon: number): DeltaBound {
    checkEpsilonArg(epsilon);
    const r = this.remove.deltaForEpsilon(epsilon);
    return deltaBound(this.add === null ? r : Math.max(r, this.add.deltaForEpsilon(epsilon)));
  }

  /** The smallest ε ≥ 0 with δ(ε) ≤ delta (∞ when none; an `EpsilonBound`: never NaN). */
  epsilon(delta: number): EpsilonBound {
    checkDeltaArg(delta);
    const r = this.remove.epsilonForDelta(delta);
    return epsilonBound(this.add === null ? r : Math.max(r, this.add.epsilonForDelta(delta)));
  }
}
