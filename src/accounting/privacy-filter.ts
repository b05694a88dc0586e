/**
 * Privacy filters and odometers for adaptively chosen releases.
 *
 * A *filter* holds a budget fixed in advance and refuses (BUDGET_EXHAUSTED)
 * BEFORE a release whose cost would pass it; nothing is charged on refusal.
 * An *odometer* has no budget and reports a valid bound on the loss so far.
 * Both stay valid when each release's cost is chosen adaptively from the
 * previous outputs (fully adaptive composition).
 * @module
 */
import type { DpEvent } from '../core/dp-event.js';
import { DpError } from '../core/errors.js';
import { zcdp, zcdpToApproximate } from '../core/loss.js';
import { makeAccountant } from './calibration.js';
import { RdpAccountant } from './rdp-accountant.js';
import { ZcdpAccountant } from './zcdp-accountant.js';

function exhausted(requested: string, remaining: string, scope: string): never {
  throw new DpError(
    'BUDGET_EXHAUSTED',
    `the release (${requested}) would pass the ${scope} budget (remaining ${remaining}); nothing was charged`,
    {
      requested,
      remaining,
      scope,
    },
  );
}

function nonNegativeFinite(x: number, name: string): number {
  if (typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number >= 0, got ${String(x)}`, { parameter: name });
  }
  return x;
}

/**
 * Basic-composition filter for pure and approximate DP: admits a release of
 * (ε_i, δ_i) while Σε ≤ ε_budget and Σδ ≤ δ_budget; the whole interaction is
 * then (ε_budget, δ_budget)-DP even when each (ε_i, δ_i) is chosen adaptively.
 * @see Rogers, Roth, Ullman, Vadhan (2016), "Privacy Odometers and Filters", Theorem 3.1 (basic composition filter).
 * @example
 * const f = new ApproxDpFilter({ epsilon: 1, delta: 1e-6 });
 * f.charge(0.5, 0); f.charge(0.5, 0); f.charge(0.1, 0); // throws BUDGET_EXHAUSTED before the third release
 */
export class ApproxDpFilter {
  readonly epsilonBudget: number;
  readonly deltaBudget: number;
  private epsilonSpent = 0;
  private deltaSpent = 0;

  /** @throws DpError INVALID_PARAMETER on a bad budget. */
  constructor(budget: { epsilon: number; delta?: number }) {
    this.epsilonBudget = nonNegativeFinite(budget.epsilon, 'epsilon');
    this.deltaBudget = nonNegativeFinite(budget.delta ?? 0, 'delta');
    if (this.deltaBudget > 1) throw new DpError('INVALID_PARAMETER', 'delta must be <= 1', { parameter: 'delta' });
  }

  /** True when (ε, δ) still fits. */
  canCharge(epsilon: number, delta = 0): boolean {
    return this.epsilonSpent + epsilon <= this.epsilonBudget && this.deltaSpent + delta <= this.deltaBudget;
  }

  /**
   * Charges (ε, δ) or refuses before anything is spent.
   * @throws DpError BUDGET_EXHAUSTED when it does not fit; INVALID_PARAMETER on a bad cost.
   */
  charge(epsilon: number, delta = 0): void {
    nonNegativeFinite(epsilon, 'epsilon');
    nonNegativeFinite(delta, 'delta');
    if (!this.canCharge(epsilon, delta)) {
      exhausted(`epsilon=${epsilon}, delta=${delta}`, `epsilon=${this.remaining.epsilon}, delta=${this.remaining.delta}`, 'approximate-DP');
    }
    this.epsilonSpent += epsilon;
    this.deltaSpent += delta;
  }

  /** What is left. */
  get remaining(): { epsilon: number; delta: number } {
    return { epsilon: Math.max(0, this.epsilonBudget - this.epsilonSpent), delta: Math.max(0, this.deltaBudget - this.deltaSpent) };
  }

  /** What was spent. */
  get spent(): { epsilon: number; delta: number } {
    return { epsilon: this.epsilonSpent, delta: this.deltaSpent };
  }
}

/** The ρ of an event under zCDP accounting (throws UNSUPPORTED_EVENT when it has none). */
function rhoOf(event: DpEvent): number {
  return new ZcdpAccountant().compose(event).rho;
}

/**
 * zCDP filter: admits releases while Σρ_i ≤ ρ_budget; the interaction is
 * ρ_budget-zCDP (hence (ε, δ)-DP by the CKS conversion) under fully adaptive
 * composition, zCDP being RDP at every order.
 * @see Feldman & Zrnic (2021), "Individual Privacy Accounting via a Rényi Filter"; Whitehouse, Ramdas, Rogers, Wu (2023).
 * @example
 * const f = ZcdpFilter.fromEpsilonDelta(1, 1e-6);
 * f.chargeEvent(DpEvents.gaussian(10)); // ρ = 0.005
 */
export class ZcdpFilter {
  readonly rhoBudget: number;
  private rhoSpent = 0;

  /** @throws DpError INVALID_PARAMETER on a bad budget. */
  constructor(rhoBudget: number) {
    this.rhoBudget = nonNegativeFinite(rhoBudget, 'rho');
  }

  /** The largest ρ whose CKS conversion is (ε, δ)-DP, as a filter. @throws DpError INVALID_PARAMETER. */
  static fromEpsilonDelta(epsilon: number, delta: number): ZcdpFilter {
    nonNegativeFinite(epsilon, 'epsilon');
    if (!(delta > 0 && delta < 1)) throw new DpError('INVALID_PARAMETER', `delta must be in (0, 1), got ${delta}`, { parameter: 'delta' });
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

  /** True when ρ still fits. */
  canCharge(rho: number): boolean {
    return this.rhoSpent + rho <= this.rhoBudget;
  }

  /** Charges ρ or refuses before anything is spent. @throws DpError BUDGET_EXHAUSTED; INVALID_PARAMETER. */
  charge(rho: number): void {
    nonNegativeFinite(rho, 'rho');
    if (!this.canCharge(rho)) exhausted(`rho=${rho}`, `rho=${this.remaining}`, 'zCDP');
    this.rhoSpent += rho;
  }

  /** Charges the ρ of an event (Gaussian, discrete Gaussian, zCDP, pure ε). @throws DpError BUDGET_EXHAUSTED; UNSUPPORTED_EVENT. */
  chargeEvent(event: DpEvent): void {
    this.charge(rhoOf(event));
  }

  /** ρ left. */
  get remaining(): number {
    return Math.max(0, this.rhoBudget - this.rhoSpent);
  }

  /** ρ spent. */
  get spent(): number {
    return this.rhoSpent;
  }
}

/**
 * Rényi filter at one order α: admits releases while the summed RDP at α stays
 * ≤ the budget; the interaction is then (α, budget)-RDP under fully adaptive
 * composition, and (ε, δ)-DP by the conversion of Balle et al. (2020).
 * @see Feldman & Zrnic (2021), Theorem 3.1; Lécuyer (2021).
 * @example
 * const f = RdpFilter.fromEpsilonDelta(2, 1e-5, 16);
 * f.chargeEvent(DpEvents.poissonSampled(0.01, DpEvents.gaussian(1)));
 */
export class RdpFilter {
  readonly order: number;
  readonly budget: number;
  private used = 0;

  /** @throws DpError INVALID_PARAMETER unless α > 1 and budget ≥ 0. */
  constructor(options: { order: number; budget: number }) {
    if (!(options.order > 1 && Number.isFinite(options.order))) {
      throw new DpError('INVALID_PARAMETER', `order must be a finite number > 1, got ${options.order}`, { parameter: 'order' });
    }
    this.order = options.order;
    this.budget = nonNegativeFinite(options.budget, 'budget');
  }

  /**
   * The filter at order α whose budget converts to (ε, δ):
   * budget = ε − log1p(−1/α) + log(δα)/(α − 1).
   * @throws DpError INVALID_PARAMETER when (ε, δ) leaves no RDP budget at α.
   */
  static fromEpsilonDelta(epsilon: number, delta: number, order = 32): RdpFilter {
    if (!(delta > 0 && delta < 1)) throw new DpError('INVALID_PARAMETER', `delta must be in (0, 1), got ${delta}`, { parameter: 'delta' });
    const budget = epsilon - Math.log1p(-1 / order) + Math.log(delta * order) / (order - 1);
    if (!(budget >= 0))
      throw new DpError('INVALID_PARAMETER', `(epsilon, delta) leaves no RDP budget at order ${order}; choose a larger order`, {
        parameter: 'order',
      });
    return new RdpFilter({ order, budget });
  }

  /** The RDP of an event at this filter's order. @throws DpError UNSUPPORTED_EVENT. */
  costOf(event: DpEvent): number {
    const acc = new RdpAccountant({ orders: [this.order] }).compose(event);
    return acc.rdp[0] as number;
  }

  /** Charges an event's RDP or refuses before anything is spent. @throws DpError BUDGET_EXHAUSTED; UNSUPPORTED_EVENT. */
  chargeEvent(event: DpEvent): void {
    const cost = this.costOf(event);
    if (!(this.used + cost <= this.budget)) exhausted(`rdp(${this.order})=${cost}`, `${this.remaining}`, 'RDP');
    this.used += cost;
  }

  /** RDP budget left at the order. */
  get remaining(): number {
    return Math.max(0, this.budget - this.used);
  }

  /** RDP spent at the order. */
  get spent(): number {
    return this.used;
  }
}

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
      throw new DpError('INVALID_PARAMETER', `rho0 must be > 0, got ${rho0}`, { parameter: 'rho0' });
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
      throw new DpError('INVALID_PARAMETER', `delta must be in [0, 1], got ${delta}`, { parameter: 'delta' });
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
