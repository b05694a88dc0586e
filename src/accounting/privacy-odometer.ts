/**
 * Privacy odometer: a valid running bound on the loss of adaptively chosen releases.
 * @module
 */

import type { DpEvent } from '../core/dp-event.js';
import { DpError } from '../core/errors.js';
import { zcdp, zcdpToApproximate } from '../core/loss.js';
import { describeParameter } from '../numeric/errors.js';
import { makeAccountant } from './calibration.js';
import { ZcdpAccountant } from './zcdp-accountant.js';

/**
 * Privacy odometer: reports a bound on the loss of everything released so
 * far, valid at any (adaptively chosen) stopping time. Two bounds are kept:
 * basic composition of the (ε, δ) costs (Rogers et al. 2016), and a zCDP
 * bound made uniform over time by a union over the geometric grid of ρ levels
 * ρ₀·2^j with δ_j = δ·6/(π²(j+1)²) (the filter-to-odometer reduction of
 * Whitehouse et al. 2023); the smaller is reported.
 * @see Rogers, Roth, Ullman, Vadhan (2016); Whitehouse, Ramdas, Rogers, Wu (2023), §5.
 * @example
 * const odo = new PrivacyOdometer();
 * odo.record(DpEvents.gaussian(5)); odo.record(DpEvents.laplace(10));
 * odo.epsilon(1e-6);
 */
export class PrivacyOdometer {
  private rho = 0;
  private basicEpsilon = 0;
  private basicDelta = 0;
  private zcdpValid = true;
  private readonly rho0: number;

  /** @param rho0 the smallest ρ level of the grid (default 1e-4). */
  constructor(rho0 = 1e-4) {
    if (!(rho0 > 0 && Number.isFinite(rho0)))
      throw new DpError('INVALID_PARAMETER', `rho0 must be > 0, got ${describeParameter(rho0)}`, { parameter: 'rho0' });
    this.rho0 = rho0;
  }

  /**
   * Records a release. Its (ε, δ) for basic composition is its RDP-accounted ε at the
   * given per-release δ (pure events: δ = 0); its ρ when it has one.
   * @throws DpError UNSUPPORTED_EVENT when neither bound can price it.
   */
  record(event: DpEvent, perReleaseDelta = 0): void {
    const z = new ZcdpAccountant();
    const hasRho = z.supports(event);
    if (hasRho) z.compose(event);
    const pureEps = hasRho ? z.epsilon(0) : Number.POSITIVE_INFINITY;
    let eps = pureEps;
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
    if (hasRho) this.rho += z.rho;
    else this.zcdpValid = false;
    this.basicEpsilon += eps;
    this.basicDelta += del;
  }

  /** The running loss: the smallest valid ε at `delta` (basic composition needs delta ≥ its Σδ). */
  epsilon(delta: number): number {
    if (!(delta >= 0 && delta <= 1))
      throw new DpError('INVALID_PARAMETER', `delta must be in [0, 1], got ${describeParameter(delta)}`, { parameter: 'delta' });
    const basic = delta >= this.basicDelta ? this.basicEpsilon : Number.POSITIVE_INFINITY;
    if (!this.zcdpValid || delta <= 0 || delta >= 1 || this.rho === 0) return this.rho === 0 && this.zcdpValid ? 0 : basic;
    const j = Math.max(0, Math.ceil(Math.log2(this.rho / this.rho0)));
    const level = this.rho0 * 2 ** j;
    const dj = (delta * 6) / (Math.PI * Math.PI * (j + 1) * (j + 1));
    return Math.min(basic, zcdpToApproximate(zcdp(level), dj).epsilon);
  }

  /** The running ρ (∞ when a release without a zCDP bound was recorded). */
  get rhoSpent(): number {
    return this.zcdpValid ? this.rho : Number.POSITIVE_INFINITY;
  }

  /** The running basic-composition (ε, δ). */
  get basic(): { epsilon: number; delta: number } {
    return { epsilon: this.basicEpsilon, delta: this.basicDelta };
  }
}
