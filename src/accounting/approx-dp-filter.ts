/**
 * Basic-composition privacy filter for pure and approximate DP (refuses before a release that would pass the budget).
 * @module
 */
import { DpError } from '../core/errors.js';
import { exhausted, nonNegativeFinite } from './_internal/filter-helpers.js';

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
