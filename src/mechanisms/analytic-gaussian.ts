/**
 * The analytic Gaussian mechanism's calibration (Balle & Wang 2018): the exact
 * (ε, δ) privacy profile of Gaussian noise, and the smallest σ that reaches a
 * target (ε, δ).
 * @module
 */
import { DpError } from '../core/errors.js';
import { logNormalCdf, normalCdf } from '../numeric/special.js';
import { bisectToFit } from './_internal/bisect.js';
import { nonNegativeNumber, openUnitNumber, positiveNumber } from './_internal/params.js';

/**
 * Relative error allowance of the computed profile: erfc/Φ are accurate to
 * about 3e-15 (relative, tested against mpmath), exp/log to an ulp, so each of
 * the two terms is within 1e-14 of its value; we add 1e-13 of their sum.
 */
const PROFILE_SLACK = 1e-13;

/**
 * The privacy profile δ(ε) of the Gaussian mechanism with noise N(0, σ²) on a
 * query of L2 sensitivity Δ:
 * δ(ε) = Φ(Δ/2σ − εσ/Δ) − e^ε Φ(−Δ/2σ − εσ/Δ), rounded up by a floating-point
 * error bound (never below the exact value).
 * @param sigma - the noise standard deviation σ > 0.
 * @param epsilon - ε ≥ 0.
 * @param sensitivity - the L2 sensitivity Δ ≥ 0 (0 gives δ = 0).
 * @returns δ in [0, 1].
 * @throws DpError INVALID_PARAMETER on non-finite or out-of-range arguments.
 * @privacy N(0, σ²) noise is (ε, δ(ε))-DP for every ε ≥ 0, and no smaller δ holds (the profile is tight).
 * @see Balle & Wang (2018), "Improving the Gaussian Mechanism for Differential Privacy", Theorem 8.
 * @example
 * analyticGaussianDelta(1, 1, 1); // ≈ 0.1269
 */
export function analyticGaussianDelta(sigma: number, epsilon: number, sensitivity: number): number {
  positiveNumber(sigma, 'sigma');
  nonNegativeNumber(epsilon, 'epsilon');
  nonNegativeNumber(sensitivity, 'sensitivity');
  return profileUp(sigma, epsilon, sensitivity);
}

function profileUp(sigma: number, epsilon: number, sensitivity: number): number {
  if (sensitivity === 0) return 0;
  const ratio = sensitivity / (2 * sigma);
  const shift = (epsilon * sigma) / sensitivity;
  const first = normalCdf(ratio - shift);
  // e^ε Φ(b) in log space: e^ε alone overflows for ε > 709.
  const second = Math.exp(epsilon + logNormalCdf(-ratio - shift));
  const delta = first - second + PROFILE_SLACK * (first + second) + Number.MIN_VALUE;
  return Math.min(1, Math.max(0, delta));
}

/**
 * The smallest ε ≥ 0 (to within 2⁻⁴⁰ relative) for which N(0, σ²) noise on a
 * query of L2 sensitivity Δ is (ε, δ)-DP; never below the exact value.
 * @param sigma - σ > 0.
 * @param delta - δ in (0, 1).
 * @param sensitivity - Δ ≥ 0.
 * @returns ε ≥ 0 with `analyticGaussianDelta(sigma, ε, sensitivity) <= delta`.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy as `analyticGaussianDelta`, read the other way round.
 * @see Balle & Wang (2018), Theorem 8.
 */
export function analyticGaussianEpsilon(sigma: number, delta: number, sensitivity: number): number {
  positiveNumber(sigma, 'sigma');
  openUnitNumber(delta, 'delta');
  nonNegativeNumber(sensitivity, 'sensitivity');
  if (profileUp(sigma, 0, sensitivity) <= delta) return 0;
  let lo = 0;
  let hi = 1;
  while (profileUp(sigma, hi, sensitivity) > delta) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi) || hi > 1e300) {
      throw new DpError('NUMERICAL_ERROR', 'no finite epsilon reaches this delta', { routine: 'analyticGaussianEpsilon' });
    }
  }
  // Invariant: profile(hi) ≤ δ < profile(lo).
  return bisectToFit(lo, hi, (e) => profileUp(sigma, e, sensitivity) <= delta);
}

/**
 * The smallest σ (to within 2⁻⁴⁰ relative) such that N(0, σ²) noise on a
 * query of L2 sensitivity Δ is (ε, δ)-DP by the analytic Gaussian mechanism.
 * Never overshoots: `analyticGaussianDelta(σ, ε, Δ) <= δ` for the σ returned.
 * @param epsilon - ε > 0.
 * @param delta - δ in (0, 1).
 * @param sensitivity - Δ > 0.
 * @returns σ > 0.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy N(0, σ²) noise with the returned σ is (ε, δ)-DP for sensitivity Δ.
 * @see Balle & Wang (2018), Algorithm 1 (we bisect the exact profile of Theorem 8 instead of the reparametrised form).
 * @example
 * analyticGaussianSigma(1, 1e-5, 1); // ≈ 3.73
 */
export function analyticGaussianSigma(epsilon: number, delta: number, sensitivity: number): number {
  positiveNumber(epsilon, 'epsilon');
  openUnitNumber(delta, 'delta');
  positiveNumber(sensitivity, 'sensitivity');
  let hi = sensitivity;
  let lo = sensitivity;
  if (profileUp(hi, epsilon, sensitivity) <= delta) {
    // Shrink until the target fails; σ → 0 gives δ → 1 > δ, so this ends.
    lo = hi / 2;
    while (profileUp(lo, epsilon, sensitivity) <= delta) {
      hi = lo;
      lo /= 2;
      if (lo < Number.MIN_VALUE * 4) return hi;
    }
  } else {
    while (profileUp(hi, epsilon, sensitivity) > delta) {
      lo = hi;
      hi *= 2;
      if (!Number.isFinite(hi) || hi > 1e300) {
        throw new DpError('NUMERICAL_ERROR', 'no finite sigma reaches this (epsilon, delta)', { routine: 'analyticGaussianSigma' });
      }
    }
  }
  // Invariant: profile(hi) ≤ δ < profile(lo).
  return bisectToFit(lo, hi, (s) => profileUp(s, epsilon, sensitivity) <= delta);
}
