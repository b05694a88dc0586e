/**
 * The standard conversion of ρ-zCDP to (ε, δ)-DP in both directions, with validated arguments:
 * δ(ε) and ε(δ) by the bound of Canonne, Kamath, Steinke (2020), Corollary 13 — the tightest
 * conversion that uses only ρ — optimised over the Rényi order α.
 *
 *   δ(ε) = inf_{α>1} e^{(α−1)(αρ−ε)}/(α−1) · (1 − 1/α)^α,
 *   ε(δ) = inf_{α>1} αρ + (ln(1/δ) + (α−1)ln(1 − 1/α) − ln α)/(α − 1).
 *
 * Any α gives a valid bound, so an inexact minimisation can only make the answer larger (safe).
 * These wrap the accountant's own conversions (`zcdpDelta`, `zcdpToApproximate`), so that a ρ
 * priced by `ZcdpAccountant` and a ρ converted here agree to the last digit. Checked against the
 * CKS reference code (`cdp2adp.cdp_delta` / `cdp_eps`) and dp_accounting's RDP conversion in
 * `test/accounting/zcdp-conversion.test.ts`.
 * @module
 */
import { DpError } from '../core/errors.js';
import { zcdp, zcdpToApproximate } from '../core/loss.js';
import { nonNegativeFiniteNumber, openUnit } from './_internal/argument-checks.js';
import { zcdpDelta } from './zcdp-accountant.js';

/**
 * δ(ε) of a ρ-zCDP mechanism by the CKS conversion.
 * @param rho - ρ ≥ 0 (0 gives δ = 0).
 * @param epsilon - ε ≥ 0.
 * @returns δ in [0, 1] such that ρ-zCDP implies (ε, δ)-DP.
 * @throws DpError INVALID_PARAMETER on a non-finite or negative argument.
 * @privacy ρ-zCDP ⇒ (ε, δ(ε))-DP for every ε ≥ 0.
 * @see Canonne, Kamath, Steinke (2020), "The Discrete Gaussian for Differential Privacy", Corollary 13;
 *   Bun & Steinke (2016), Proposition 1.3 (the simpler, looser δ = e^{−(ε−ρ)²/(4ρ)}).
 * @example
 * zcdpDeltaForEpsilon(0.5, 3); // ≈ 0.0051432 (as CKS cdp_delta(0.5, 3))
 */
export function zcdpDeltaForEpsilon(rho: number, epsilon: number): number {
  nonNegativeFiniteNumber(rho, 'rho');
  nonNegativeFiniteNumber(epsilon, 'epsilon');
  return zcdpDelta(rho, epsilon);
}

/**
 * The smallest ε (up to the minimiser's tolerance, rounded up) for which ρ-zCDP implies (ε, δ)-DP,
 * by the CKS conversion (never worse than ρ + 2√(ρ ln(1/δ))).
 * @param rho - ρ ≥ 0 (0 gives ε = 0).
 * @param delta - δ in (0, 1).
 * @returns ε ≥ 0.
 * @throws DpError INVALID_PARAMETER on a non-finite or out-of-range argument; NUMERICAL_ERROR when ε overflows (ρ near 1e308).
 * @privacy ρ-zCDP ⇒ (ε(δ), δ)-DP.
 * @see Canonne, Kamath, Steinke (2020), Corollary 13; Bun & Steinke (2016), Proposition 1.3.
 * @example
 * zcdpEpsilonForDelta(0.5, 1e-6); // ≈ 5.2215 (ρ + 2√(ρ ln(1/δ)) would give 5.757)
 */
export function zcdpEpsilonForDelta(rho: number, delta: number): number {
  nonNegativeFiniteNumber(rho, 'rho');
  openUnit(delta, 'delta');
  // ε(δ) ≥ ρ − small: when even twice the simple bound overflows, no double holds the answer.
  if (!Number.isFinite(2 * (rho + 2 * Math.sqrt(rho * Math.log(1 / delta))))) {
    throw new DpError('NUMERICAL_ERROR', 'epsilon overflows a double for this rho', { routine: 'zcdpEpsilonForDelta' });
  }
  return zcdpToApproximate(zcdp(rho), delta).epsilon;
}
