/**
 * The Gaussian mechanism on floats, made floating-point safe: the value is
 * rounded to a power-of-two grid chosen from the public σ only, and discrete
 * Gaussian noise on that grid is added. Its natural measure is ρ-zCDP; the
 * `delta` option states (ε, δ) through the analytic Gaussian profile instead.
 * Proof: `gaussian.proof.md`.
 * @module
 */
import { floatDomain, vectorDomain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { type ApproximateLoss, approximate, type ZcdpLoss, zcdp, zcdpToApproximate } from '../core/loss.js';
import { defineMeasurement, type Measurement } from '../core/measurement.js';
import { traceNoise } from '../core/trace.js';
import { nextUp } from '../numeric/float-bits.js';
import { Rational } from '../numeric/rational.js';
import { addSecureGaussianNoise, gaussianGranularity } from '../random/index.js';
import { finiteInput, integerAtLeast, nonNegativeNumber, openUnitNumber, outOfDomain, positiveNumber } from './_internal/params.js';
import { analyticGaussianEpsilon, analyticGaussianSigma } from './analytic-gaussian.js';

/** Options of {@link makeGaussian}. */
export interface GaussianOptions {
  /** The noise standard deviation σ > 0. */
  readonly sigma: number;
  /** The sensitivity you intend to release at (recorded by the trace hook; default 1). */
  readonly sensitivity?: number;
}
/** Options of {@link makeGaussian} stating (ε, δ) by the analytic Gaussian profile. */
export interface AnalyticGaussianOptions extends GaussianOptions {
  /** δ in (0, 1): the privacy map returns the smallest ε for this δ. */
  readonly delta: number;
}
/** Options of {@link makeVectorGaussian}. */
export interface VectorGaussianOptions extends GaussianOptions {
  /** The (public) vector length; the grid rounding costs g·√size in L2. */
  readonly size: number;
}
/** Options of {@link makeVectorGaussian} stating (ε, δ). */
export interface VectorAnalyticGaussianOptions extends VectorGaussianOptions {
  readonly delta: number;
}

/**
 * The L2 distance after grid rounding, rounded up: dIn + g·√size (0 at dIn = 0).
 * Each coordinate's rounding error is at most g/2, so the two error vectors differ by at most g per coordinate.
 */
function effectiveSensitivity(dIn: number, granularity: number, size: number): number {
  if (dIn === 0) return 0;
  const rootSize = size === 1 ? 1 : nextUp(Math.sqrt(size));
  return nextUp(nextUp(dIn + nextUp(granularity * rootSize)));
}

/** ρ = (Δ_eff/σ)²/2, rounded up (exact rationals once Δ_eff is bounded above by a double). */
function gaussianRho(dIn: number, sigma: number, granularity: number, size: number): number {
  const d = Rational.fromNumber(effectiveSensitivity(dIn, granularity, size));
  const s = Rational.fromNumber(sigma);
  return d
    .mul(d)
    .div(s.mul(s).mul(Rational.of(2n)))
    .toNumberUp();
}

/**
 * A bound τ on the total variation distance between the noise actually added
 * (a discrete Gaussian on the grid, per coordinate) and the continuous Gaussian
 * rounded to the grid: 4/s² per coordinate with s = σ/g ≥ 2³⁹ (see
 * gaussian.proof.md, §3). The rounded continuous Gaussian has the analytic
 * profile by post-processing; the coupling costs (1 + e^ε)·τ of δ.
 */
function discretisationSlack(sigma: number, granularity: number, size: number): number {
  const ratio = granularity / sigma; // 1/s, exact up to one rounding
  return nextUp(nextUp(4 * size * nextUp(ratio * ratio)));
}

/** Refuses σ so small that the grid is coarse relative to σ (s = σ/g < 2²⁰): the slack bound would not apply. */
function checkFineGrid(sigma: number, granularity: number): void {
  if (!(sigma / granularity >= 2 ** 20)) {
    throw new DpError('INVALID_PARAMETER', 'sigma is too small for an (epsilon, delta) statement on the floating-point grid', {
      parameter: 'sigma',
      expected: 'sigma >= 2^-1000',
    });
  }
}

/**
 * (ε, δ) at dIn: the smaller of two valid bounds —
 * (a) the smallest ε (analytic profile at Δ_eff) with δ_analytic(ε) + (1 + e^ε)·τ ≤ δ, where
 *     the slack is found by a short fixed-point iteration (each round can only raise ε and
 *     the slack; τ ≈ 1e-23, so two rounds suffice), when such an ε can be certified;
 * (b) the discrete Gaussian's exact ρ-zCDP converted by Canonne–Kamath–Steinke (2020), Cor. 13,
 *     which holds for the grid noise as it is and is the fallback at large ε.
 */
function analyticLoss(dIn: number, sigma: number, delta: number, granularity: number, size: number): ApproximateLoss {
  const sensitivity = effectiveSensitivity(dIn, granularity, size);
  if (sensitivity === 0) return approximate(0, delta);
  const viaZcdp = zcdpToApproximate(zcdp(gaussianRho(dIn, sigma, granularity, size)), delta);
  const tau = discretisationSlack(sigma, granularity, size);
  let slack = 2 * tau;
  for (let i = 0; i < 20; i++) {
    const rest = delta - slack;
    if (!(rest > 0)) break;
    const epsilon = analyticGaussianEpsilon(sigma, rest, sensitivity);
    if (epsilon >= viaZcdp.epsilon) break;
    const needed = nextUp((1 + Math.exp(epsilon)) * tau * (1 + 2 ** -40));
    if (needed <= slack) return approximate(epsilon, delta);
    slack = needed;
  }
  return viaZcdp;
}

/**
 * The Gaussian mechanism for a float scalar under the absolute distance.
 * With `{ sigma }` its privacy map is ρ-zCDP; with `{ sigma, delta }` it is
 * (ε, δ)-DP with ε from the analytic Gaussian profile.
 * @param options - `sigma` > 0; optional `delta` in (0, 1); optional declared `sensitivity` for the trace.
 * @returns a measurement on finite numbers; outputs are multiples of the grid g = gaussianGranularity(σ).
 * @throws DpError INVALID_PARAMETER on bad options, or a non-finite input.
 * @privacy ρ = ((dIn + g)/σ)²/2 (zCDP); or, at the stated δ, ε from the analytic profile at dIn + g with δ reduced by a
 *   (1 + e^ε)·1e-23-sized slack for the grid discretisation (or the CKS conversion of ρ where that is smaller).
 * @see Canonne, Kamath, Steinke (2020), Thm 14; Balle & Wang (2018); `gaussian.proof.md`.
 * @example
 * makeGaussian({ sigma: 2 }).privacyMap(1);              // { kind: 'zcdp', rho: ≈ 0.125 }
 * makeGaussian({ sigma: 4, delta: 1e-6 }).privacyMap(1); // { kind: 'approximate', epsilon: ≈ 1.2, delta: 1e-6 }
 */
export function makeGaussian(options: GaussianOptions & { delta?: undefined }): Measurement<number, number, 'zcdp'>;
export function makeGaussian(options: AnalyticGaussianOptions): Measurement<number, number, 'approximate'>;
export function makeGaussian(
  options: GaussianOptions & { delta?: number },
): Measurement<number, number, 'zcdp'> | Measurement<number, number, 'approximate'> {
  const sigma = positiveNumber(options?.sigma, 'sigma');
  const sensitivity = nonNegativeNumber(options.sensitivity ?? 1, 'sensitivity');
  const granularity = gaussianGranularity(sigma);
  const invoke = (value: number, rng: Parameters<typeof addSecureGaussianNoise>[2]) => {
    finiteInput(value, 'gaussian');
    traceNoise({ primitive: 'gaussian', value, sensitivity, scale: sigma, extra: { granularity } });
    return addSecureGaussianNoise(value, sigma, rng);
  };
  const event = (dIn: number) =>
    dIn === 0
      ? ({ type: 'noOp' } as const)
      : ({ type: 'gaussian', noiseMultiplier: sigma / effectiveSensitivity(dIn, granularity, 1) } as const);
  if (options.delta === undefined) {
    return defineMeasurement({
      name: 'gaussian',
      inputDomain: floatDomain(),
      inputMetric: 'absolute-distance',
      outputMeasure: 'zcdp',
      invoke,
      privacyMap: (dIn): ZcdpLoss => zcdp(gaussianRho(dIn, sigma, granularity, 1)),
      event,
    });
  }
  const delta = openUnitNumber(options.delta, 'delta');
  checkFineGrid(sigma, granularity);
  return defineMeasurement({
    name: 'gaussian',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'approximate',
    invoke,
    privacyMap: (dIn): ApproximateLoss => analyticLoss(dIn, sigma, delta, granularity, 1),
    event,
  });
}

/**
 * The Gaussian mechanism for float vectors of a fixed length under the L2 distance.
 * @param options - `sigma` > 0, `size` ≥ 1; optional `delta`; optional `sensitivity` for the trace.
 * @returns a measurement on `number[]` of length `size`.
 * @throws DpError INVALID_PARAMETER on bad options, or an input of the wrong length or with a non-finite entry.
 * @privacy ρ = ((dIn + g√size)/σ)²/2; or ε = analyticGaussianEpsilon(σ, δ, dIn + g√size).
 * @see `gaussian.proof.md`.
 */
export function makeVectorGaussian(
  options: VectorGaussianOptions & { delta?: undefined },
): Measurement<readonly number[], number[], 'zcdp'>;
export function makeVectorGaussian(options: VectorAnalyticGaussianOptions): Measurement<readonly number[], number[], 'approximate'>;
export function makeVectorGaussian(
  options: VectorGaussianOptions & { delta?: number },
): Measurement<readonly number[], number[], 'zcdp'> | Measurement<readonly number[], number[], 'approximate'> {
  const sigma = positiveNumber(options?.sigma, 'sigma');
  const size = integerAtLeast(options.size, 1, 'size');
  const sensitivity = nonNegativeNumber(options.sensitivity ?? 1, 'sensitivity');
  const granularity = gaussianGranularity(sigma);
  const invoke = (values: readonly number[], rng: Parameters<typeof addSecureGaussianNoise>[2]) => {
    if (!Array.isArray(values) || values.length !== size) throw outOfDomain('vector-gaussian', `an array of ${size} finite numbers`);
    for (const v of values) finiteInput(v, 'vector-gaussian');
    const out = new Array<number>(size);
    for (let i = 0; i < size; i++) {
      const value = values[i] as number;
      traceNoise({ primitive: 'gaussian', value, sensitivity, scale: sigma, extra: { granularity, index: i, size } });
      out[i] = addSecureGaussianNoise(value, sigma, rng);
    }
    return out;
  };
  const event = (dIn: number) =>
    dIn === 0
      ? ({ type: 'noOp' } as const)
      : ({ type: 'gaussian', noiseMultiplier: sigma / effectiveSensitivity(dIn, granularity, size) } as const);
  const common = { name: 'vector-gaussian', inputDomain: vectorDomain(floatDomain(), size), inputMetric: 'l2-distance' as const };
  if (options.delta === undefined) {
    return defineMeasurement({
      ...common,
      outputMeasure: 'zcdp',
      invoke,
      privacyMap: (dIn): ZcdpLoss => zcdp(gaussianRho(dIn, sigma, granularity, size)),
      event,
    });
  }
  const delta = openUnitNumber(options.delta, 'delta');
  checkFineGrid(sigma, granularity);
  return defineMeasurement({
    ...common,
    outputMeasure: 'approximate',
    invoke,
    privacyMap: (dIn): ApproximateLoss => analyticLoss(dIn, sigma, delta, granularity, size),
    event,
  });
}

/** Climbs from a first guess until `fits` holds; σ only grows, and g(σ) grows only as σ·2^-k. */
function climb(start: number, fits: (sigma: number) => boolean, routine: string): number {
  let sigma = start;
  for (let i = 0; i < 400 && Number.isFinite(sigma) && !fits(sigma); i++) sigma = nextUp(sigma * (1 + 2 ** -30));
  if (!Number.isFinite(sigma) || !fits(sigma)) {
    throw new DpError('NUMERICAL_ERROR', 'no finite sigma reaches this target', { routine });
  }
  return sigma;
}

/**
 * The smallest σ (to within ~2⁻²⁰ relative) whose secure Gaussian mechanism is
 * ρ-zCDP at `sensitivity`, grid included; never overshoots.
 * @param rho - target ρ > 0.
 * @param sensitivity - the L2 sensitivity > 0.
 * @param options - `size` for the vector mechanism (default 1).
 * @returns σ with `makeGaussian({ sigma }).privacyMap(sensitivity).rho <= rho`.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy σ ≥ (Δ + g(σ)√size)/√(2ρ).
 */
export function gaussianSigmaForRho(rho: number, sensitivity: number, options?: { size?: number }): number {
  positiveNumber(rho, 'rho');
  positiveNumber(sensitivity, 'sensitivity');
  const size = integerAtLeast(options?.size ?? 1, 1, 'size');
  const fits = (s: number) => gaussianRho(sensitivity, s, gaussianGranularity(s), size) <= rho;
  // σ = Δ_eff/√(2ρ) with Δ_eff at a first σ guess; then climb through the few ulps of rounding.
  const first = nextUp(sensitivity / Math.sqrt(2 * rho));
  const withGrid = nextUp(effectiveSensitivity(sensitivity, gaussianGranularity(first), size) / Math.sqrt(2 * rho));
  return climb(withGrid, fits, 'gaussianSigmaForRho');
}

/**
 * The smallest σ (to within ~2⁻²⁰ relative) whose secure Gaussian mechanism is
 * (ε, δ)-DP at `sensitivity` by the analytic profile, grid included; never overshoots.
 * @param epsilon - target ε > 0.
 * @param delta - target δ in (0, 1).
 * @param sensitivity - the L2 sensitivity > 0.
 * @param options - `size` for the vector mechanism (default 1).
 * @returns σ with `makeGaussian({ sigma, delta }).privacyMap(sensitivity).epsilon <= epsilon`.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy analyticGaussianDelta(σ, ε, Δ + g(σ)√size) + (1 + e^ε)τ ≤ δ, τ the grid-discretisation slack.
 * @see Balle & Wang (2018).
 */
export function gaussianSigmaForEpsilonDelta(epsilon: number, delta: number, sensitivity: number, options?: { size?: number }): number {
  positiveNumber(epsilon, 'epsilon');
  openUnitNumber(delta, 'delta');
  positiveNumber(sensitivity, 'sensitivity');
  const size = integerAtLeast(options?.size ?? 1, 1, 'size');
  const fits = (s: number) => analyticLoss(sensitivity, s, delta, gaussianGranularity(s), size).epsilon <= epsilon;
  const first = analyticGaussianSigma(epsilon, delta, sensitivity);
  const withGrid = analyticGaussianSigma(epsilon, delta, effectiveSensitivity(sensitivity, gaussianGranularity(first), size));
  return climb(withGrid, fits, 'gaussianSigmaForEpsilonDelta');
}
