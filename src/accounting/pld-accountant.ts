/**
 * Privacy-loss-distribution accountant: composes discretised PLDs of the
 * events (FFT convolution, self-composition by a power of the spectrum) and
 * answers with the worse of the add and remove directions.
 * @module
 */

import type { DpEvent } from '../core/dp-event.js';
import { DpError } from '../core/errors.js';
import { edgeOptionalRecord } from '../numeric/edge.js';
import { describeParameter } from '../numeric/errors.js';
import { DEFAULT_TAIL_MASS_TRUNCATION } from './_internal/pld-pmf.js';
import { type Adjacency, BaseAccountant, checkDeltaArg, checkEpsilonArg } from './privacy-accountant.js';
import { DEFAULT_VALUE_DISCRETIZATION_INTERVAL, MAX_PLD_COMPOSITIONS, PrivacyLossDistribution } from './privacy-loss-distribution.js';

/** Options of the PLD accountant. */
export interface PldAccountantOptions {
  /** Grid step of the losses (default 1e-4, as `dp_accounting`). */
  valueDiscretizationInterval?: number;
  /** Neighbouring relation (default add/remove one). */
  adjacency?: Adjacency;
  /** Tail mass each composition may truncate; it is added to δ (default 1e-15). */
  tailMassTruncation?: number;
}

/**
 * A relative margin added to every answer to cover floating-point error of
 * the FFTs (observed below 1e-7 relative on T = 10⁵ compositions); it keeps
 * answers on the pessimistic side of the exact discretised value.
 */
const FLOAT_MARGIN = 1e-6;

/**
 * PLD accountant. Prices Gaussian, Laplace, discrete Laplace, discrete
 * Gaussian, randomized response, (ε, δ), exponential (as pure ε),
 * permute-and-flip (as Laplace), and Poisson-subsampled Gaussian, Laplace,
 * discrete Laplace and discrete Gaussian events. Randomized response under
 * add/remove is priced as replace-with-special, like the RDP accountant.
 * @example
 * const acc = new PldAccountant().compose(DpEvents.selfComposed(DpEvents.poissonSampled(256 / 60000, DpEvents.gaussian(1.1)), 10_000));
 * acc.epsilon(1e-5); // ≈ 1.978, as dp_accounting's PLDAccountant
 * @see Koskela et al. (2020); Doroshenko et al. (2022); Google dp_accounting `PLDAccountant`.
 */
export class PldAccountant extends BaseAccountant {
  readonly method = 'pld' as const;
  readonly adjacency: Adjacency;
  readonly valueDiscretizationInterval: number;
  private readonly tail: number;
  private pld: PrivacyLossDistribution;
  private nonPrivate = false;

  /** @throws DpError INVALID_PARAMETER on a bad interval or tail. */
  constructor(options: PldAccountantOptions = {}) {
    super();
    edgeOptionalRecord(options, 'options');
    this.valueDiscretizationInterval = options.valueDiscretizationInterval ?? DEFAULT_VALUE_DISCRETIZATION_INTERVAL;
    this.adjacency = options.adjacency ?? 'addOrRemoveOne';
    this.tail = options.tailMassTruncation ?? DEFAULT_TAIL_MASS_TRUNCATION;
    if (!(this.tail >= 0 && this.tail < 1)) {
      throw new DpError('INVALID_PARAMETER', `tailMassTruncation must be in [0, 1), got ${describeParameter(this.tail)}`, {
        parameter: 'tailMassTruncation',
      });
    }
    this.pld = PrivacyLossDistribution.identity(this.valueDiscretizationInterval);
  }

  /** A new, empty accountant with the same options. */
  fresh(): PldAccountant {
    return new PldAccountant({
      valueDiscretizationInterval: this.valueDiscretizationInterval,
      adjacency: this.adjacency,
      tailMassTruncation: this.tail,
    });
  }

  /** The composed distribution so far. */
  get distribution(): PrivacyLossDistribution {
    return this.pld;
  }

  private add(p: PrivacyLossDistribution, count: number): void {
    this.compose1(p.selfCompose(count, this.tail));
  }

  private compose1(p: PrivacyLossDistribution): void {
    this.pld = this.pld.compose(p, this.tail);
  }

  protected visit(event: DpEvent, count: number, apply: boolean): string | null {
    const d = this.valueDiscretizationInterval;
    const rel = this.adjacency;
    const addRemove = rel !== 'replaceOne';
    return this.walk(event, count, apply, (e, c) => {
      // The size limit is checked in the pricing pass (apply = false), so a refusal changes nothing.
      if (c > MAX_PLD_COMPOSITIONS) {
        throw new DpError(
          'INVALID_PARAMETER',
          `the PLD accountant composes at most ${MAX_PLD_COMPOSITIONS} copies of one event, got ${c}`,
          {
            parameter: 'count',
          },
        );
      }
      switch (e.type) {
        case 'nonPrivate':
          if (apply) this.nonPrivate = true;
          return null;
        case 'epsilonDelta':
          if (apply) this.add(PrivacyLossDistribution.epsilonDelta(e.epsilon, e.delta, { valueDiscretizationInterval: d }), c);
          return null;
        case 'exponential':
          if (apply && e.epsilon > 0) this.add(PrivacyLossDistribution.epsilonDelta(e.epsilon, 0, { valueDiscretizationInterval: d }), c);
          return null;
        case 'gaussian':
          if (apply) {
            if (e.noiseMultiplier === 0) this.nonPrivate = true;
            // c Gaussians of σ compose exactly to one of σ/√c.
            else
              this.compose1(
                PrivacyLossDistribution.gaussian(e.noiseMultiplier / Math.sqrt(c), {
                  valueDiscretizationInterval: d,
                  sensitivity: addRemove ? 1 : 2,
                }),
              );
          }
          return null;
        case 'laplace':
          if (!addRemove) return 'Laplace needs the add/remove (or replace-special) relation';
          if (apply) {
            if (e.noiseMultiplier === 0) this.nonPrivate = true;
            else this.add(PrivacyLossDistribution.laplace(e.noiseMultiplier, { valueDiscretizationInterval: d }), c);
          }
          return null;
        case 'permuteAndFlip':
          if (!addRemove) return 'permute-and-flip needs the add/remove (or replace-special) relation';
          if (apply && e.epsilon > 0) this.add(PrivacyLossDistribution.laplace(1 / e.epsilon, { valueDiscretizationInterval: d }), c);
          return null;
        case 'discreteLaplace':
          if (!addRemove) return 'discrete Laplace needs the add/remove (or replace-special) relation';
          if (apply)
            this.add(PrivacyLossDistribution.discreteLaplace(e.scale, { valueDiscretizationInterval: d, sensitivity: e.sensitivity }), c);
          return null;
        case 'discreteGaussian':
          if (!addRemove) return 'discrete Gaussian needs the add/remove (or replace-special) relation';
          if (apply)
            this.add(PrivacyLossDistribution.discreteGaussian(e.sigma, { valueDiscretizationInterval: d, sensitivity: e.sensitivity }), c);
          return null;
        case 'randomizedResponse':
          if (apply) {
            if (e.numBuckets === 1 || e.noiseParameter === 1) return null;
            if (e.noiseParameter === 0) this.nonPrivate = true;
            else
              this.add(
                PrivacyLossDistribution.randomizedResponse(e.noiseParameter, e.numBuckets, {
                  valueDiscretizationInterval: d,
                  relation: rel === 'replaceOne' ? 'replaceOne' : 'replaceSpecial',
                }),
                c,
              );
          }
          return null;
        case 'poissonSampled': {
          if (!addRemove) return 'Poisson sampling needs the add/remove (or replace-special) relation';
          const inner = e.event;
          const q = e.sampleRate;
          const opts = { valueDiscretizationInterval: d, sampleRate: q };
          switch (inner.type) {
            case 'gaussian':
              if (apply && q > 0) {
                if (inner.noiseMultiplier === 0) this.nonPrivate = true;
                else this.add(PrivacyLossDistribution.gaussian(inner.noiseMultiplier, opts), c);
              }
              return null;
            case 'laplace':
              if (apply && q > 0) {
                if (inner.noiseMultiplier === 0) this.nonPrivate = true;
                else this.add(PrivacyLossDistribution.laplace(inner.noiseMultiplier, opts), c);
              }
              return null;
            case 'discreteLaplace':
              if (apply && q > 0)
                this.add(PrivacyLossDistribution.discreteLaplace(inner.scale, { ...opts, sensitivity: inner.sensitivity }), c);
              return null;
            case 'discreteGaussian':
              if (apply && q > 0)
                this.add(PrivacyLossDistribution.discreteGaussian(inner.sigma, { ...opts, sensitivity: inner.sensitivity }), c);
              return null;
            case 'randomizedResponse':
              if (apply && q > 0 && inner.numBuckets > 1 && inner.noiseParameter < 1) {
                if (inner.noiseParameter === 0 && q === 1) this.nonPrivate = true;
                else
                  this.add(
                    PrivacyLossDistribution.randomizedResponse(Math.max(inner.noiseParameter, Number.MIN_VALUE), inner.numBuckets, {
                      valueDiscretizationInterval: d,
                      relation: 'replaceSpecial',
                      sampleRate: q,
                    }),
                    c,
                  );
              }
              return null;
            default:
              return 'only Gaussian, Laplace, discrete Laplace, discrete Gaussian and randomized-response events can be Poisson-sampled';
          }
        }
        case 'zcdp':
          return 'a zCDP guarantee has no privacy-loss distribution; use the zCDP or RDP accountant';
        case 'sampledWithoutReplacement':
          return 'sampling without replacement is priced by the RDP accountant (replace-one)';
        case 'noOp':
        case 'selfComposed':
        case 'composed':
          return null;
        default:
          return 'unknown event';
      }
    });
  }

  /** The smallest ε with δ(ε) ≤ delta (∞ when a non-private event was composed). */
  protected epsilonFor(delta: number): number {
    checkDeltaArg(delta);
    if (this.nonPrivate) return Number.POSITIVE_INFINITY;
    const e = this.pld.epsilon(delta);
    return Math.min(this.pureBound, e * (1 + FLOAT_MARGIN));
  }

  /** δ(ε), the hockey-stick divergence of the composed PLD (1 when a non-private event was composed). */
  protected deltaFor(epsilon: number): number {
    checkEpsilonArg(epsilon);
    if (this.nonPrivate) return 1;
    if (epsilon >= this.pureBound) return 0;
    return Math.min(1, this.pld.delta(epsilon) * (1 + FLOAT_MARGIN));
  }
}
