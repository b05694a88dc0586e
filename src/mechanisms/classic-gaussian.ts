/**
 * The classic Gaussian calibration σ = Δ·√(2 ln(1.25/δ))/ε of Dwork & Roth (2014), Theorem A.1 —
 * the textbook formula, kept for comparison with papers and other libraries (diffprivlib's
 * `GaussianMechanism` uses it). It is valid only for ε ≤ 1 and is never tighter than the analytic
 * Gaussian (`analyticGaussianSigma`, Balle & Wang 2018), which is exact for every ε: prefer that.
 *
 * Validity range: Theorem A.1 states ε ∈ (0, 1) and c² > 2 ln(1.25/δ). The profile δ(ε) of N(0, σ²)
 * is continuous in σ and ε, so the limits ε = 1 and c² = 2 ln(1.25/δ) hold too; we accept
 * ε ∈ (0, 1] (as diffprivlib 0.6.5) and refuse ε > 1 with INVALID_PARAMETER, where the formula is
 * not a theorem — and it fails there: for ε = 10, δ = 1e-5 the σ it gives (0.4845) is only
 * (10, 2.3e-5)-DP by the exact profile, and for ε = 5, δ = 0.5 only (5, 0.59)-DP.
 * Results are rounded up by one ulp (σ, ε): toward more noise and more loss.
 * @module
 */
import { DpError } from '../core/errors.js';
import { describeParameter } from '../numeric/errors.js';
import { nextUp } from '../numeric/float-bits.js';
import { openUnitNumber, positiveNumber } from './_internal/params.js';

/** The largest ε for which the classic Gaussian calibration is a theorem (Dwork & Roth 2014, Theorem A.1). */
export const CLASSIC_GAUSSIAN_MAX_EPSILON = 1;

function outsideRange(parameter: string, value: number): DpError<'INVALID_PARAMETER'> {
  return new DpError(
    'INVALID_PARAMETER',
    `the classic Gaussian bound holds only for epsilon <= ${CLASSIC_GAUSSIAN_MAX_EPSILON} (Dwork & Roth, Theorem A.1); ` +
      `${parameter === 'epsilon' ? `epsilon is ${describeParameter(value)}` : `this sigma gives epsilon ${describeParameter(value)}`}: ` +
      'use analyticGaussianSigma / analyticGaussianEpsilon (exact for every epsilon)',
    { parameter, expected: `epsilon in (0, ${CLASSIC_GAUSSIAN_MAX_EPSILON}]` },
  );
}

/**
 * σ = Δ·√(2 ln(1.25/δ))/ε, the classic Gaussian calibration, for ε ∈ (0, 1].
 * @param epsilon - ε in (0, 1].
 * @param delta - δ in (0, 1).
 * @param sensitivity - the L2 sensitivity Δ > 0.
 * @returns σ, rounded up by one ulp.
 * @throws DpError INVALID_PARAMETER on bad arguments, and for ε > 1 (outside the theorem's range).
 * @privacy N(0, σ²) noise with this σ is (ε, δ)-DP for L2 sensitivity Δ (Theorem A.1); the analytic σ
 *   for the same (ε, δ) is always smaller or equal.
 * @see Dwork & Roth (2014), "The Algorithmic Foundations of Differential Privacy", Theorem A.1;
 *   Balle & Wang (2018), §2–3 (why it is loose, and fails for ε > 1).
 * @example
 * classicGaussianSigma(0.5, 1e-5, 1); // 9.6896… (analyticGaussianSigma(0.5, 1e-5, 1) ≈ 7.03)
 */
export function classicGaussianSigma(epsilon: number, delta: number, sensitivity: number): number {
  positiveNumber(epsilon, 'epsilon');
  openUnitNumber(delta, 'delta');
  positiveNumber(sensitivity, 'sensitivity');
  if (epsilon > CLASSIC_GAUSSIAN_MAX_EPSILON) throw outsideRange('epsilon', epsilon);
  const sigma = (sensitivity * Math.sqrt(2 * Math.log(1.25 / delta))) / epsilon;
  if (!Number.isFinite(sigma)) {
    throw new DpError('NUMERICAL_ERROR', 'sigma overflows for this sensitivity and epsilon', { routine: 'classicGaussianSigma' });
  }
  return nextUp(sigma);
}

/**
 * ε = Δ·√(2 ln(1.25/δ))/σ, the classic Gaussian bound read the other way round, when it is ≤ 1.
 * @param sigma - σ > 0.
 * @param delta - δ in (0, 1).
 * @param sensitivity - the L2 sensitivity Δ > 0.
 * @returns ε in (0, 1], rounded up by one ulp.
 * @throws DpError INVALID_PARAMETER on bad arguments, and when the ε it gives exceeds 1 (the σ is too
 *   small for the classic bound: use `analyticGaussianEpsilon`).
 * @privacy N(0, σ²) noise is (ε, δ)-DP for L2 sensitivity Δ by Theorem A.1 (for the ε returned).
 * @see Dwork & Roth (2014), Theorem A.1.
 * @example
 * classicGaussianEpsilon(10, 1e-5, 1); // 0.4845…
 */
export function classicGaussianEpsilon(sigma: number, delta: number, sensitivity: number): number {
  positiveNumber(sigma, 'sigma');
  openUnitNumber(delta, 'delta');
  positiveNumber(sensitivity, 'sensitivity');
  const epsilon = nextUp((sensitivity * Math.sqrt(2 * Math.log(1.25 / delta))) / sigma);
  if (!(epsilon <= CLASSIC_GAUSSIAN_MAX_EPSILON)) throw outsideRange('sigma', epsilon);
  return epsilon;
}
