/**
 * The discrete Gaussian mechanism on integers: exact noise
 * P(k) ∝ e^{−k²/(2σ²)} with a rational σ², ρ-zCDP. Proof:
 * `discrete-gaussian.proof.md`.
 * @module
 */
import { bigintDomain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { approximate, type ZcdpLoss, zcdp, zcdpToApproximate } from '../core/loss.js';
import { defineMeasurement, type Measurement } from '../core/measurement.js';
import { traceNoise } from '../core/trace.js';
import { Rational } from '../numeric/rational.js';
import { sampleDiscreteGaussian } from '../random/index.js';
import { bisectToFit } from './_internal/bisect.js';
import { nonNegativeNumber, openUnitNumber, outOfDomain, positiveNumber, positiveRational, type RationalLike } from './_internal/params.js';

/** Options of {@link makeDiscreteGaussian}: give σ, or σ² exactly. */
export type DiscreteGaussianOptions = (
  | { /** σ > 0 (read exactly; σ² is its exact square). */ readonly sigma: RationalLike; readonly sigmaSquared?: undefined }
  | { readonly sigma?: undefined /** σ² > 0, exact. */; readonly sigmaSquared: RationalLike }
) & {
  /** The sensitivity you intend to release at (recorded by the trace hook; default 1). */
  readonly sensitivity?: number;
};

function readSigmaSquared(options: DiscreteGaussianOptions): Rational {
  if (options?.sigmaSquared !== undefined) {
    if (options.sigma !== undefined) {
      throw new DpError('INVALID_PARAMETER', 'give sigma or sigmaSquared, not both', { parameter: 'sigma' });
    }
    return positiveRational(options.sigmaSquared, 'sigmaSquared');
  }
  const sigma = positiveRational(options?.sigma, 'sigma');
  return sigma.mul(sigma);
}

/** ρ = dIn² / (2σ²), exact then rounded up. */
function discreteGaussianRho(dIn: number, sigmaSquared: Rational): number {
  const d = Rational.fromNumber(dIn);
  return d
    .mul(d)
    .div(sigmaSquared.mul(Rational.of(2n)))
    .toNumberUp();
}

/**
 * The discrete Gaussian mechanism for BigInt scalars under the absolute distance.
 * @param options - `sigma` or `sigmaSquared` (> 0, exact); optional declared `sensitivity`.
 * @returns a ρ-zCDP measurement on bigint values.
 * @throws DpError INVALID_PARAMETER on bad options or a non-bigint input.
 * @privacy ρ = dIn²/(2σ²), exact and rounded up once.
 * @see Canonne, Kamath, Steinke (2020), Theorem 14 and Algorithm 3; `discrete-gaussian.proof.md`.
 * @example
 * makeDiscreteGaussian({ sigma: 10 }).privacyMap(1); // { kind: 'zcdp', rho: 0.005 }
 */
export function makeDiscreteGaussian(options: DiscreteGaussianOptions): Measurement<bigint, bigint, 'zcdp'> {
  const sigmaSquared = readSigmaSquared(options);
  const sensitivity = nonNegativeNumber(options.sensitivity ?? 1, 'sensitivity');
  const sigmaNumber = Math.sqrt(sigmaSquared.toNumber());
  return defineMeasurement({
    name: 'discrete-gaussian',
    inputDomain: bigintDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'zcdp',
    invoke: (value: bigint, rng) => {
      if (typeof value !== 'bigint') throw outOfDomain('discrete-gaussian', 'a bigint');
      traceNoise({ primitive: 'discrete-gaussian', value, sensitivity, scale: sigmaNumber });
      return value + sampleDiscreteGaussian(sigmaSquared, rng);
    },
    privacyMap: (dIn): ZcdpLoss => zcdp(discreteGaussianRho(dIn, sigmaSquared)),
    event: (dIn) => (dIn === 0 ? { type: 'noOp' } : { type: 'discreteGaussian', sigma: sigmaNumber, sensitivity: dIn }),
  });
}

/**
 * The exact σ² = Δ²/(2ρ) for a target ρ, so that
 * `makeDiscreteGaussian({ sigmaSquared }).privacyMap(Δ).rho <= ρ`.
 * @param rho - target ρ > 0.
 * @param sensitivity - Δ > 0.
 * @returns σ² as an exact Rational.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy ρ = Δ²/(2σ²) exactly.
 */
export function discreteGaussianSigmaSquaredForRho(rho: number, sensitivity: number): Rational {
  positiveNumber(rho, 'rho');
  positiveNumber(sensitivity, 'sensitivity');
  const d = Rational.fromNumber(sensitivity);
  return d.mul(d).div(Rational.fromNumber(rho).mul(Rational.of(2n)));
}

/**
 * The (ε, δ) guarantee of the discrete Gaussian with σ² at distance Δ, via its
 * ρ-zCDP and the conversion of Canonne, Kamath, Steinke (2020), Corollary 13.
 * @param sigmaSquared - σ² > 0.
 * @param delta - δ in (0, 1).
 * @param sensitivity - Δ ≥ 0.
 * @returns an (ε, δ) loss.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy ε from ρ = Δ²/(2σ²) by the CKS conversion (rounded up).
 */
export function discreteGaussianEpsilon(sigmaSquared: RationalLike, delta: number, sensitivity: number) {
  const s2 = positiveRational(sigmaSquared, 'sigmaSquared');
  openUnitNumber(delta, 'delta');
  nonNegativeNumber(sensitivity, 'sensitivity');
  if (sensitivity === 0) return approximate(0, delta);
  return zcdpToApproximate(zcdp(discreteGaussianRho(sensitivity, s2)), delta);
}

/**
 * The smallest σ (to within 2⁻⁴⁰ relative, returned as a double, read exactly)
 * for which the discrete Gaussian is (ε, δ)-DP at Δ through its zCDP guarantee;
 * never overshoots.
 * @param epsilon - ε > 0.
 * @param delta - δ in (0, 1).
 * @param sensitivity - Δ > 0.
 * @returns σ > 0.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy discreteGaussianEpsilon(σ², δ, Δ).epsilon ≤ ε.
 */
export function discreteGaussianSigmaForEpsilonDelta(epsilon: number, delta: number, sensitivity: number): number {
  positiveNumber(epsilon, 'epsilon');
  openUnitNumber(delta, 'delta');
  positiveNumber(sensitivity, 'sensitivity');
  const fits = (sigma: number) => {
    const s = Rational.fromNumber(sigma);
    return discreteGaussianEpsilon(s.mul(s), delta, sensitivity).epsilon <= epsilon;
  };
  let lo = 0;
  let hi = sensitivity;
  while (!fits(hi)) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi) || hi > 1e150) {
      throw new DpError('NUMERICAL_ERROR', 'no finite sigma reaches this (epsilon, delta)', {
        routine: 'discreteGaussianSigmaForEpsilonDelta',
      });
    }
  }
  return bisectToFit(lo, hi, (mid) => mid > 0 && fits(mid));
}
