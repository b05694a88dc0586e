/**
 * Privacy odometer: a valid running bound on the loss of adaptively chosen releases.
 * @module
 */

import type { DpEvent } from '../core/dp-event.js';
import { DpError } from '../core/errors.js';
import { zcdp, zcdpToApproximate } from '../core/loss.js';
import { type EpsilonBound, epsilonBound } from '../core/params.js';
import { describeParameter } from '../numeric/errors.js';
import { nextDown } from '../numeric/float-bits.js';
import { Rational } from '../numeric/rational.js';
import { makeAccountant } from './calibration.js';
import { ZcdpAccountant } from './zcdp-accountant.js';

/**
 * Privacy odometer: reports a bound on the loss of everything released so
 * far, valid at any (adaptively chosen) stopping time. Two bounds are kept:
 * basic composition of the (ε, δ) costs (Rogers et al. 2016), and a zCDP
 * bound made uniform over time by a union over the geometric grid of ρ levels
 * ρ₀·2^j with δ_j = δ·6/(π²(j+1)²) (the filter-to-odometer reduction of
 * Whitehouse et al. 2023); the smaller is reported.
 *
 * Rounding (issue 10, "float sums rounded outward"): the running totals are exact rationals of the
 * per-release costs (each already an upper bound: the accountants round their sums up), every report
 * rounds them up, the grid level is checked ≥ Σρ exactly and δ_j is rounded down — so no float step
 * makes the reported loss smaller than the exact one. Rule: `src/accounting/float-sums.proof.md`.
 * @see Rogers, Roth, Ullman, Vadhan (2016); Whitehouse, Ramdas, Rogers, Wu (2023), §5.
 * @example
 * const odo = new PrivacyOdometer();
 * odo.record(DpEvents.gaussian(5)); odo.record(DpEvents.laplace(10));
 * odo.epsilon(1e-6);
 */
export class PrivacyOdometer {
  // Spent totals are exact rationals of the (already rounded-up) per-release costs; reports round them up.
  private rho = Rational.ZERO;
  private basicEpsilon = Rational.ZERO;
  private basicDelta = Rational.ZERO;
  private basicInfinite = false;
  private zcdpValid = true;
  private readonly rho0: number;

  /** @param rho0 the smallest ρ level of the grid (default 1e-4). */
  constructor(rho0 = 1e-4) {
    if (typeof rho0 !== 'number' || !(rho0 > 0 && Number.isFinite(rho0)))
      throw new DpError('INVALID_PARAMETER', `rho0 must be > 0, got ${describeParameter(rho0)}`, { parameter: 'rho0' });
    this.rho0 = rho0;
  }

  /**
   * Records a release. Its (ε, δ) for basic composition is its RDP-accounted ε at the
   * given per-release δ (pure events: δ = 0); its ρ when it has one.
   * @throws DpError UNSUPPORTED_EVENT when neither bound can price it; INVALID_PARAMETER on a bad event or δ (nothing recorded).
   */
  record(event: DpEvent, perReleaseDelta = 0): void {
    if (typeof perReleaseDelta !== 'number' || !(perReleaseDelta >= 0 && perReleaseDelta < 1)) {
      throw new DpError('INVALID_PARAMETER', `perReleaseDelta must be in [0, 1), got ${describeParameter(perReleaseDelta)}`, {
        parameter: 'perReleaseDelta',
      });
    }
    const z = new ZcdpAccountant();
    const hasRho = z.supports(event);
    if (hasRho) z.compose(event);
    const pureEps = hasRho ? z.epsilon(0) : Number.POSITIVE_INFINITY;
    let eps: number = pureEps;
    let del = 0;
    if (!Number.isFinite(eps) && perReleaseDelta > 0) {
      const acc = makeAccountant('rdp');
      if (acc.supports(event)) {
        eps = acc.compose(event).epsilon(perReleaseDelta);
        del = perReleaseDelta;
      }
    }
    if (!hasRho && !Number.isFinite(eps)) {
      throw new DpError('UNSUPPORTED_EVENT', 'the odometer needs an event with a zCDP or (epsilon, delta) bound', {
        accountant: 'odometer',
      });
    }
    // Every step that can fail has run: the state changes below cannot throw.
    if (hasRho && Number.isFinite(z.rho)) this.rho = this.rho.add(Rational.fromNumber(z.rho));
    else this.zcdpValid = false;
    if (Number.isFinite(eps)) this.basicEpsilon = this.basicEpsilon.add(Rational.fromNumber(eps));
    else this.basicInfinite = true;
    this.basicDelta = this.basicDelta.add(Rational.fromNumber(del));
  }

  /**
   * The running loss: the smallest valid ε at `delta` (basic composition needs delta ≥ its Σδ), rounded up.
   * @throws DpError INVALID_PARAMETER unless δ ∈ [0, 1].
   */
  epsilon(delta: number): EpsilonBound {
    return epsilonBound(this.epsilonAt(delta));
  }

  private epsilonAt(delta: number): number {
    if (typeof delta !== 'number' || !(delta >= 0 && delta <= 1))
      throw new DpError('INVALID_PARAMETER', `delta must be in [0, 1], got ${describeParameter(delta)}`, { parameter: 'delta' });
    const basic =
      !this.basicInfinite && Rational.fromNumber(delta).ge(this.basicDelta) ? this.basicEpsilon.toNumberUp() : Number.POSITIVE_INFINITY;
    if (!this.zcdpValid || delta <= 0 || delta >= 1 || this.rho.isZero()) return this.rho.isZero() && this.zcdpValid ? 0 : basic;
    const rhoUp = this.rho.toNumberUp();
    if (!Number.isFinite(rhoUp)) return basic;
    // The grid level ρ₀·2^j is the first one ≥ Σρ (checked exactly: log2 of a rounded quotient may land one short).
    let j = Math.max(0, Math.ceil(Math.log2(rhoUp / this.rho0)));
    while (this.rho0 * 2 ** j < rhoUp) j++;
    const level = this.rho0 * 2 ** j;
    if (!Number.isFinite(level)) return basic;
    // δ_j rounded down (a smaller δ costs more ε): the float quotient, then a few ulps down.
    let dj = (delta * 6) / (Math.PI * Math.PI * (j + 1) * (j + 1));
    for (let i = 0; i < 4; i++) dj = nextDown(dj);
    if (!(dj > 0)) return basic;
    return Math.min(basic, zcdpToApproximate(zcdp(level), dj).epsilon);
  }

  /** The running ρ, rounded up (∞ when a release without a zCDP bound was recorded). */
  get rhoSpent(): number {
    return this.zcdpValid ? this.rho.toNumberUp() : Number.POSITIVE_INFINITY;
  }

  /** The running basic-composition (ε, δ), each rounded up. */
  get basic(): { epsilon: number; delta: number } {
    return {
      epsilon: this.basicInfinite ? Number.POSITIVE_INFINITY : this.basicEpsilon.toNumberUp(),
      delta: Math.min(1, this.basicDelta.toNumberUp()),
    };
  }
}
