/**
 * zCDP privacy filter for fully adaptive composition.
 * @module
 */

import type { DpEvent } from '../core/dp-event.js';
import { DpError } from '../core/errors.js';
import { zcdp, zcdpToApproximate } from '../core/loss.js';
import type { LossAmount } from '../core/params.js';
import { describeParameter } from '../numeric/errors.js';
import { Rational } from '../numeric/rational.js';
import { computedCost, exactAmount, exhausted, nonNegativeFinite } from './_internal/filter-helpers.js';
import { ZcdpAccountant } from './zcdp-accountant.js';

/** The ρ of an event under zCDP accounting (throws UNSUPPORTED_EVENT when it has none). */
function rhoOf(event: DpEvent): number {
  return new ZcdpAccountant().compose(event).rho;
}

/**
 * zCDP filter: admits releases while Σρ_i ≤ ρ_budget; the interaction is
 * ρ_budget-zCDP (hence (ε, δ)-DP by the CKS conversion) under fully adaptive
 * composition, zCDP being RDP at every order. Sums are exact (`Rational`); the ρ of an event is
 * rounded up before it is added (see filters.proof.md).
 * @see Feldman & Zrnic (2021), "Individual Privacy Accounting via a Rényi Filter"; Whitehouse, Ramdas, Rogers, Wu (2023).
 * @example
 * const f = ZcdpFilter.fromEpsilonDelta(1, 1e-6);
 * f.chargeEvent(DpEvents.gaussian(10)); // ρ = 0.005
 */
export class ZcdpFilter {
  readonly rhoBudget: LossAmount;
  private readonly cap: Rational;
  private rhoSpent: Rational;

  /** @throws DpError INVALID_PARAMETER on a bad budget. */
  constructor(rhoBudget: number) {
    this.rhoBudget = nonNegativeFinite(rhoBudget, 'rho');
    this.cap = exactAmount(this.rhoBudget);
    this.rhoSpent = Rational.ZERO;
  }

  /** The largest ρ whose CKS conversion is (ε, δ)-DP, as a filter. @throws DpError INVALID_PARAMETER. */
  static fromEpsilonDelta(epsilon: number, delta: number): ZcdpFilter {
    nonNegativeFinite(epsilon, 'epsilon');
    if (typeof delta !== 'number' || !(delta > 0 && delta < 1))
      throw new DpError('INVALID_PARAMETER', `delta must be in (0, 1), got ${describeParameter(delta)}`, { parameter: 'delta' });
    // ε(ρ) is increasing: bisection, keeping the lower (feasible) end.
    let lo = 0;
    let hi = Math.max(1, epsilon);
    while (zcdpToApproximate(zcdp(hi), delta).epsilon <= epsilon) hi *= 2;
    for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
      const mid = 0.5 * (lo + hi);
      if (zcdpToApproximate(zcdp(mid), delta).epsilon <= epsilon) lo = mid;
      else hi = mid;
    }
    return new ZcdpFilter(lo);
  }

  /** True when ρ still fits. @throws DpError INVALID_PARAMETER on a bad ρ. */
  canCharge(rho: number): boolean {
    return this.rhoSpent.add(exactAmount(nonNegativeFinite(rho, 'rho'))).le(this.cap);
  }

  /** Charges ρ or refuses before anything is spent. @throws DpError BUDGET_EXHAUSTED; INVALID_PARAMETER. */
  charge(rho: number): void {
    const r = nonNegativeFinite(rho, 'rho');
    this.add(exactAmount(r), `rho=${r}`);
  }

  private add(cost: Rational | null, what: string): void {
    const total = cost === null ? null : this.rhoSpent.add(cost);
    if (total === null || !total.le(this.cap)) exhausted(what, `rho=${this.remaining}`, 'zCDP');
    this.rhoSpent = total;
  }

  /** Charges the ρ of an event (Gaussian, discrete Gaussian, zCDP, pure ε), rounded up. @throws DpError BUDGET_EXHAUSTED; UNSUPPORTED_EVENT. */
  chargeEvent(event: DpEvent): void {
    const rho = rhoOf(event);
    this.add(computedCost(rho, 'rho'), `rho=${rho}`);
  }

  /** ρ left (rounded down). */
  get remaining(): number {
    return Math.max(0, this.cap.sub(this.rhoSpent).toNumberDown());
  }

  /** ρ spent (rounded up). */
  get spent(): number {
    return this.rhoSpent.toNumberUp();
  }
}
