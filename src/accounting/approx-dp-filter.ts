/**
 * Basic-composition privacy filter for pure and approximate DP (refuses before a release that would pass the budget).
 * @module
 */
import { DpError } from '../core/errors.js';
import type { LossAmount } from '../core/params.js';
import { edgeRecord } from '../numeric/edge.js';
import { Rational } from '../numeric/rational.js';
import { exactAmount, exhausted, nonNegativeFinite } from './_internal/filter-helpers.js';

/**
 * Basic-composition filter for pure and approximate DP: admits a release of
 * (ε_i, δ_i) while Σε ≤ ε_budget and Σδ ≤ δ_budget; the whole interaction is
 * then (ε_budget, δ_budget)-DP even when each (ε_i, δ_i) is chosen adaptively.
 * Sums are exact (`Rational`, as `PrivacyBudget`): no charge, however small, is lost to rounding
 * (see filters.proof.md).
 * @see Rogers, Roth, Ullman, Vadhan (2016), "Privacy Odometers and Filters", Theorem 3.1 (basic composition filter).
 * @example
 * const f = new ApproxDpFilter({ epsilon: 1, delta: 1e-6 });
 * f.charge(0.5, 0); f.charge(0.5, 0); f.charge(0.1, 0); // throws BUDGET_EXHAUSTED before the third release
 */
export class ApproxDpFilter {
  readonly epsilonBudget: LossAmount;
  readonly deltaBudget: LossAmount;
  private readonly epsilonCap: Rational;
  private readonly deltaCap: Rational;
  private epsilonSpent: Rational;
  private deltaSpent: Rational;

  /** @throws DpError INVALID_PARAMETER on a bad budget. */
  constructor(budget: { epsilon: number; delta?: number }) {
    edgeRecord(budget, 'budget');
    this.epsilonBudget = nonNegativeFinite(budget.epsilon, 'epsilon');
    this.deltaBudget = nonNegativeFinite(budget.delta ?? 0, 'delta');
    if (this.deltaBudget > 1) throw new DpError('INVALID_PARAMETER', 'delta must be <= 1', { parameter: 'delta' });
    this.epsilonCap = exactAmount(this.epsilonBudget);
    this.deltaCap = exactAmount(this.deltaBudget);
    this.epsilonSpent = Rational.ZERO;
    this.deltaSpent = Rational.ZERO;
  }

  /** True when (ε, δ) still fits. @throws DpError INVALID_PARAMETER on a bad cost. */
  canCharge(epsilon: number, delta = 0): boolean {
    const e = exactAmount(nonNegativeFinite(epsilon, 'epsilon'));
    const d = exactAmount(nonNegativeFinite(delta, 'delta'));
    return this.epsilonSpent.add(e).le(this.epsilonCap) && this.deltaSpent.add(d).le(this.deltaCap);
  }

  /**
   * Charges (ε, δ) or refuses before anything is spent.
   * @throws DpError BUDGET_EXHAUSTED when it does not fit; INVALID_PARAMETER on a bad cost.
   */
  charge(epsilon: number, delta = 0): void {
    const e = nonNegativeFinite(epsilon, 'epsilon');
    const d = nonNegativeFinite(delta, 'delta');
    if (!this.canCharge(e, d)) {
      exhausted(`epsilon=${e}, delta=${d}`, `epsilon=${this.remaining.epsilon}, delta=${this.remaining.delta}`, 'approximate-DP');
    }
    this.epsilonSpent = this.epsilonSpent.add(exactAmount(e));
    this.deltaSpent = this.deltaSpent.add(exactAmount(d));
  }

  /** What is left, rounded down (decisions use the exact value; float-sums.proof.md). */
  get remaining(): { epsilon: number; delta: number } {
    return {
      epsilon: Math.max(0, this.epsilonCap.sub(this.epsilonSpent).toNumberDown()),
      delta: Math.max(0, this.deltaCap.sub(this.deltaSpent).toNumberDown()),
    };
  }

  /** What was spent, rounded up (decisions use the exact value; float-sums.proof.md). */
  get spent(): { epsilon: number; delta: number } {
    return { epsilon: this.epsilonSpent.toNumberUp(), delta: this.deltaSpent.toNumberUp() };
  }
}
