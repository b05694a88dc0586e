/**
 * Exact privacy profiles δ(ε) — the smallest δ for which a mechanism is (ε, δ)-DP, for every ε ≥ 0 —
 * of the Laplace, discrete Laplace and discrete Gaussian mechanisms, and their inverses ε(δ).
 * (The Gaussian's profile is `analyticGaussianDelta` in `analytic-gaussian.ts`.)
 *
 * For an additive mechanism M(x) = f(x) + Z with sensitivity Δ, δ(ε) = Σ_o max(0, P[Z = o] − e^ε P[Z = o − Δ])
 * (the hockey-stick divergence, tight; both neighbour directions give the same value because the
 * noise is symmetric):
 * - Laplace, scale b: δ(ε) = 1 − e^{(ε − Δ/b)/2} for ε < Δ/b, else 0.
 * - discrete Laplace Lap_ℤ(t), integer Δ, q = e^{−1/t}: with m the largest integer < (Δ − εt)/2
 *   (capped at Δ − 1), δ(ε) = [(1 − e^{ε−Δ/t}) + (1 − q^m)·q·(1 − e^{ε − (Δ−m−1)/t})] / (1 + q)
 *   for ε < Δ/t, else 0 (the outcomes x ≤ 0 and then 1 ≤ x ≤ m, each a geometric sum).
 * - discrete Gaussian N_ℤ(0, σ²), integer Δ: δ(ε) = P[X > εσ²/Δ − Δ/2] − e^ε·P[X > εσ²/Δ + Δ/2]
 *   (Canonne, Kamath, Steinke 2020, Theorem 7), its tails from `discrete-gaussian-distribution.ts`.
 *
 * Rounding: every δ is rounded up by a relative slack far above its floating-point error (1e-13 for
 * the closed forms, 1e-12 of the two tails for the discrete Gaussian), so a returned δ is never
 * below the exact value; every ε(δ) is the upper end of a bisection of that rounded-up profile to
 * 2⁻⁴⁰ relative, so `…DeltaForEpsilon(…, epsilonForDelta(…, δ), …) <= δ` always holds.
 * Agreement with dp_accounting's privacy-loss classes and with the CKS reference code is checked in
 * `test/mechanisms/privacy-profiles.test.ts` (fixture `test/fixtures/accounting/engineer-api.json`).
 * @module
 */
import { DpError } from '../core/errors.js';
import { bisectToFit } from './_internal/bisect.js';
import { integerAtLeast, nonNegativeNumber, openUnitNumber, positiveNumber } from './_internal/params.js';
import { discreteGaussianLogSurvival } from './discrete-gaussian-distribution.js';

/** Relative slack of the closed forms (each a few ulps from exact). */
const CLOSED_FORM_SLACK = 1e-13;
/** Relative slack of the discrete Gaussian's two tails (each about 1e-15 from exact; see the distribution). */
const TAIL_SLACK = 1e-12;

function roundUp(delta: number, slackBase: number, slack: number): number {
  if (!(delta > 0) && slackBase === 0) return 0;
  return Math.min(1, Math.max(0, delta + slack * slackBase + Number.MIN_VALUE));
}

/** The smallest ε (to 2⁻⁴⁰ relative, from above) with profile(ε) ≤ δ, for a non-increasing profile. */
function invertProfile(profile: (epsilon: number) => number, delta: number, upper: number | null, routine: string): number {
  if (profile(0) <= delta) return 0;
  let lo = 0;
  let hi = upper ?? 1;
  while (profile(hi) > delta) {
    if (upper !== null) throw new DpError('INTERNAL', `the profile does not vanish at its largest loss`, { routine });
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi) || hi > 1e300) throw new DpError('NUMERICAL_ERROR', 'no finite epsilon reaches this delta', { routine });
  }
  return bisectToFit(lo, hi, (e) => profile(e) <= delta);
}

function laplaceProfile(scale: number, epsilon: number, sensitivity: number): number {
  const maxLoss = sensitivity / scale;
  if (!(epsilon < maxLoss)) return 0;
  const delta = -Math.expm1((epsilon - maxLoss) / 2);
  return roundUp(delta, delta, CLOSED_FORM_SLACK);
}

/**
 * The exact privacy profile δ(ε) of the Laplace mechanism (noise Lap(b) on a query of L1 sensitivity Δ).
 * @param scale - the Laplace scale b > 0.
 * @param epsilon - ε ≥ 0.
 * @param sensitivity - Δ ≥ 0 (0 gives δ = 0).
 * @returns δ(ε) = max(0, 1 − e^{(ε − Δ/b)/2}), rounded up by 1e-13 relative.
 * @throws DpError INVALID_PARAMETER on a non-finite or out-of-range argument.
 * @privacy Lap(b) noise is (ε, δ(ε))-DP for every ε ≥ 0 and no smaller δ holds (tight); δ(Δ/b) = 0 is pure DP.
 * @see Balle, Barthe, Gaboardi (2018), "Privacy Amplification by Subsampling", §4 (Laplace profile);
 *   dp_accounting `LaplacePrivacyLoss.get_delta_for_epsilon`.
 * @example
 * laplaceDeltaForEpsilon(1, 0.5, 1); // ≈ 0.22119921692860 (= 1 − e^{−1/4}, rounded up)
 */
export function laplaceDeltaForEpsilon(scale: number, epsilon: number, sensitivity: number): number {
  positiveNumber(scale, 'scale');
  nonNegativeNumber(epsilon, 'epsilon');
  nonNegativeNumber(sensitivity, 'sensitivity');
  return laplaceProfile(scale, epsilon, sensitivity);
}

/**
 * The smallest ε (from above, to 2⁻⁴⁰ relative) for which the Laplace mechanism is (ε, δ)-DP;
 * in closed form ε = max(0, Δ/b + 2·ln(1 − δ)).
 * @param scale - b > 0.
 * @param delta - δ in (0, 1).
 * @param sensitivity - Δ ≥ 0.
 * @returns ε ≥ 0 with `laplaceDeltaForEpsilon(scale, ε, sensitivity) <= delta`.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy as {@link laplaceDeltaForEpsilon}, read the other way round.
 * @see Balle, Barthe, Gaboardi (2018), §4.
 * @example
 * laplaceEpsilonForDelta(1, 1e-6, 1); // ≈ 0.999998 (Δ/b + 2 ln(1 − δ))
 */
export function laplaceEpsilonForDelta(scale: number, delta: number, sensitivity: number): number {
  positiveNumber(scale, 'scale');
  openUnitNumber(delta, 'delta');
  nonNegativeNumber(sensitivity, 'sensitivity');
  return invertProfile((e) => laplaceProfile(scale, e, sensitivity), delta, sensitivity / scale, 'laplaceEpsilonForDelta');
}

function discreteLaplaceProfile(scale: number, epsilon: number, sensitivity: number): number {
  const maxLoss = sensitivity / scale;
  if (!(epsilon < maxLoss)) return 0;
  const inv = 1 / scale;
  const onePlusQ = 1 + Math.exp(-inv);
  // Outcomes x ≤ 0 (loss Δ/t), then 1 ≤ x ≤ m (loss (Δ − 2x)/t > ε).
  let sum = -Math.expm1(epsilon - maxLoss);
  const m = Math.min(sensitivity - 1, Math.ceil((sensitivity - epsilon * scale) / 2) - 1);
  if (m >= 1) {
    sum += -Math.expm1(-m * inv) * Math.exp(-inv) * Math.max(0, -Math.expm1(epsilon - (sensitivity - m - 1) * inv));
  }
  const delta = sum / onePlusQ;
  return roundUp(delta, delta, CLOSED_FORM_SLACK);
}

/**
 * The exact privacy profile δ(ε) of the discrete Laplace mechanism (noise Lap_ℤ(t), P(x) ∝ e^{−|x|/t},
 * on an integer query of sensitivity Δ), in closed form.
 * @param scale - the scale t > 0 (`makeDiscreteLaplace`'s `scale`; dp_accounting's `parameter` is 1/t).
 * @param epsilon - ε ≥ 0.
 * @param sensitivity - Δ, an integer ≥ 0 (0 gives δ = 0).
 * @returns δ(ε), rounded up by 1e-13 relative; 0 for ε ≥ Δ/t.
 * @throws DpError INVALID_PARAMETER on a non-finite or out-of-range argument, or a non-integer Δ.
 * @privacy Lap_ℤ(t) noise is (ε, δ(ε))-DP for every ε ≥ 0, tightly; δ(Δ/t) = 0 is its pure ε = Δ/t.
 * @see Canonne, Kamath, Steinke (2020), §5 (the discrete Laplace); dp_accounting
 *   `DiscreteLaplacePrivacyLoss.get_delta_for_epsilon`.
 * @example
 * discreteLaplaceDeltaForEpsilon(1, 0.5, 1); // ≈ 0.28764913664497 (= (1 − e^{−1/2})/(1 + e^{−1}))
 */
export function discreteLaplaceDeltaForEpsilon(scale: number, epsilon: number, sensitivity: number): number {
  positiveNumber(scale, 'scale');
  nonNegativeNumber(epsilon, 'epsilon');
  integerAtLeast(sensitivity, 0, 'sensitivity');
  return discreteLaplaceProfile(scale, epsilon, sensitivity);
}

/**
 * The smallest ε (from above, to 2⁻⁴⁰ relative) for which the discrete Laplace mechanism is (ε, δ)-DP.
 * @param scale - t > 0.
 * @param delta - δ in (0, 1).
 * @param sensitivity - Δ, an integer ≥ 0.
 * @returns ε in [0, Δ/t] with `discreteLaplaceDeltaForEpsilon(scale, ε, sensitivity) <= delta`.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @privacy as {@link discreteLaplaceDeltaForEpsilon}, read the other way round.
 * @see Canonne, Kamath, Steinke (2020), §5.
 * @example
 * discreteLaplaceEpsilonForDelta(10, 1e-3, 20); // a little below the pure ε = 2
 */
export function discreteLaplaceEpsilonForDelta(scale: number, delta: number, sensitivity: number): number {
  positiveNumber(scale, 'scale');
  openUnitNumber(delta, 'delta');
  integerAtLeast(sensitivity, 0, 'sensitivity');
  return invertProfile((e) => discreteLaplaceProfile(scale, e, sensitivity), delta, sensitivity / scale, 'discreteLaplaceEpsilonForDelta');
}

function discreteGaussianProfile(sigma: number, epsilon: number, sensitivity: number): number {
  if (sensitivity === 0) return 0;
  const centre = (epsilon * sigma * sigma) / sensitivity;
  if (!Number.isFinite(centre)) return Number.MIN_VALUE;
  const first = Math.exp(discreteGaussianLogSurvival(Math.floor(centre - sensitivity / 2), sigma));
  const second = Math.exp(epsilon + discreteGaussianLogSurvival(Math.floor(centre + sensitivity / 2), sigma));
  // δ(ε) > 0 for every ε when Δ > 0 (the tails are infinite): never round it to 0 by underflow.
  return Math.max(Number.MIN_VALUE, roundUp(first - second, first + second, TAIL_SLACK));
}

/**
 * The exact privacy profile δ(ε) of the discrete Gaussian mechanism (noise N_ℤ(0, σ²) on an integer
 * query of sensitivity Δ) — tighter than the (ε, δ) obtained through its ρ-zCDP
 * (`discreteGaussianEpsilon`), which is an upper bound.
 * @param sigma - σ > 0 (the parameter of N_ℤ(0, σ²), as in `makeDiscreteGaussian`).
 * @param epsilon - ε ≥ 0.
 * @param sensitivity - Δ, an integer ≥ 0 (0 gives δ = 0).
 * @returns δ(ε) = P[X > εσ²/Δ − Δ/2] − e^ε·P[X > εσ²/Δ + Δ/2], rounded up by 1e-12 of the two terms.
 * @throws DpError INVALID_PARAMETER on a non-finite or out-of-range argument, or a non-integer Δ.
 * @privacy N_ℤ(0, σ²) noise is (ε, δ(ε))-DP for every ε ≥ 0, and no smaller δ holds (tight).
 * @see Canonne, Kamath, Steinke (2020), "The Discrete Gaussian for Differential Privacy", Theorem 7;
 *   the CKS reference code `cdp2adp.dg_delta`; dp_accounting `DiscreteGaussianPrivacyLoss.get_delta_for_epsilon`.
 * @example
 * discreteGaussianDeltaForEpsilon(2, 0.5, 1); // ≈ 0.0540072 (the zCDP route gives a larger δ)
 */
export function discreteGaussianDeltaForEpsilon(sigma: number, epsilon: number, sensitivity: number): number {
  positiveNumber(sigma, 'sigma');
  nonNegativeNumber(epsilon, 'epsilon');
  integerAtLeast(sensitivity, 0, 'sensitivity');
  return discreteGaussianProfile(sigma, epsilon, sensitivity);
}

/**
 * The smallest ε (from above, to 2⁻⁴⁰ relative) for which the discrete Gaussian mechanism is (ε, δ)-DP,
 * from its exact profile.
 * @param sigma - σ > 0.
 * @param delta - δ in (0, 1).
 * @param sensitivity - Δ, an integer ≥ 0.
 * @returns ε ≥ 0 with `discreteGaussianDeltaForEpsilon(sigma, ε, sensitivity) <= delta`.
 * @throws DpError INVALID_PARAMETER on bad arguments; NUMERICAL_ERROR if no ε below 1e300 reaches δ.
 * @privacy as {@link discreteGaussianDeltaForEpsilon}, read the other way round.
 * @see Canonne, Kamath, Steinke (2020), Theorem 7.
 * @example
 * discreteGaussianEpsilonForDelta(4, 1e-6, 1); // ≈ 1.0634 (through zCDP: ≈ 1.1429)
 */
export function discreteGaussianEpsilonForDelta(sigma: number, delta: number, sensitivity: number): number {
  positiveNumber(sigma, 'sigma');
  openUnitNumber(delta, 'delta');
  integerAtLeast(sensitivity, 0, 'sensitivity');
  return invertProfile((e) => discreteGaussianProfile(sigma, e, sensitivity), delta, null, 'discreteGaussianEpsilonForDelta');
}
