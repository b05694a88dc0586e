/**
 * Rényi privacy filter at one order for fully adaptive composition.
 * @module
 */

import type { DpEvent } from '../core/dp-event.js';
import { DpError } from '../core/errors.js';
import type { LossAmount } from '../core/params.js';
import { addAbove, addBelow, divBelow, log1pUp, logDown, mulBelow } from '../numeric/directed-libm.js';
import { edgeRecord } from '../numeric/edge.js';
import { describeParameter } from '../numeric/errors.js';
import { Rational } from '../numeric/rational.js';
import { computedCost, exactAmount, exhausted, nonNegativeFinite } from './_internal/filter-helpers.js';
import { RdpAccountant } from './rdp-accountant.js';

/**
 * Rényi filter at one order α: admits releases while the summed RDP at α stays
 * ≤ the budget; the interaction is then (α, budget)-RDP under fully adaptive
 * composition, and (ε, δ)-DP by the conversion of Balle et al. (2020). The sum is exact
 * (`Rational`) and each event's RDP is rounded up before it is added (see filters.proof.md).
 * @see Feldman & Zrnic (2021), Theorem 3.1; Lécuyer (2021).
 * @example
 * const f = RdpFilter.fromEpsilonDelta(2, 1e-5, 16);
 * f.chargeEvent(DpEvents.poissonSampled(0.01, DpEvents.gaussian(1)));
 */
export class RdpFilter {
  readonly order: number;
  readonly budget: LossAmount;
  private readonly cap: Rational;
  private used: Rational;

  /** @throws DpError INVALID_PARAMETER unless α > 1 and budget ≥ 0. */
  constructor(options: { order: number; budget: number }) {
    edgeRecord(options, 'options');
    if (typeof options?.order !== 'number' || !(options.order > 1 && Number.isFinite(options.order))) {
      throw new DpError('INVALID_PARAMETER', `order must be a finite number > 1, got ${describeParameter(options.order)}`, {
        parameter: 'order',
      });
    }
    this.order = options.order;
    this.budget = nonNegativeFinite(options.budget, 'budget');
    this.cap = exactAmount(this.budget);
    this.used = Rational.ZERO;
  }

  /**
   * The filter at order α whose budget converts to (ε, δ):
   * budget = ε − log1p(−1/α) + log(δα)/(α − 1).
   * @throws DpError INVALID_PARAMETER when (ε, δ) leaves no RDP budget at α.
   */
  static fromEpsilonDelta(epsilon: number, delta: number, order = 32): RdpFilter {
    nonNegativeFinite(epsilon, 'epsilon');
    if (typeof order !== 'number' || !(order > 1 && Number.isFinite(order))) {
      throw new DpError('INVALID_PARAMETER', `order must be a finite number > 1, got ${describeParameter(order)}`, { parameter: 'order' });
    }
    if (typeof delta !== 'number' || !(delta > 0 && delta < 1))
      throw new DpError('INVALID_PARAMETER', `delta must be in (0, 1), got ${describeParameter(delta)}`, { parameter: 'delta' });
    // Rounded DOWN (a smaller RDP budget is the safe side; float-sums.proof.md, "Terms"): −log1p(−1/α) at its lower
    // end (log1p of the upper end of −1/α, rounded up); log(δα) at its lower end, divided by the lower end of α − 1
    // when it is negative and by the upper end otherwise.
    const am1Lo = addBelow(order, -1);
    const am1Hi = addAbove(order, -1);
    const logDeltaOrder = logDown(mulBelow(delta, order));
    const tail = logDeltaOrder < 0 ? divBelow(logDeltaOrder, am1Lo) : divBelow(logDeltaOrder, am1Hi);
    const budget = addBelow(addBelow(epsilon, -log1pUp(-divBelow(1, order))), tail);
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
    const up = computedCost(cost, `rdp(${this.order})`);
    const total = up === null ? null : this.used.add(up);
    if (total === null || !total.le(this.cap)) exhausted(`rdp(${this.order})=${cost}`, `${this.remaining}`, 'RDP');
    this.used = total;
  }

  /** RDP budget left at the order (rounded down). */
  get remaining(): number {
    return Math.max(0, this.cap.sub(this.used).toNumberDown());
  }

  /** RDP spent at the order (rounded up). */
  get spent(): number {
    return this.used.toNumberUp();
  }
}
