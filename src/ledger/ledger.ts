/**
 * The budget ledger: where spends are recorded durably, in one atomic step
 * with the budget check, before any result leaves the process.
 *
 * Amounts are exact rationals (ε, δ under basic composition), so eleven spends
 * of 1/11 fit a budget of 1 and a twelfth does not. A charge depends only on
 * what the caller passes (the query's declared cost) — never on results, row
 * counts, errors or timing — and a refused charge records nothing.
 * @module
 */
import { DpError } from '../core/errors.js';
import { formatLoss } from '../core/loss.js';
import { Rational } from '../numeric/rational.js';

/** An exact (ε, δ) amount. */
export interface LedgerAmount {
  readonly epsilon: Rational;
  readonly delta: Rational;
}

/** What a charge is checked against. */
export interface LedgerScope {
  /** The data set (its total budget is the per-dataset cap). */
  readonly dataset: string;
  /** The per-dataset cap: the sum over all analysts never passes it. */
  readonly cap: LedgerAmount;
  /** The analyst charged (default 'default'). */
  readonly analyst?: string;
  /** The analyst's own budget under the cap, when analysts are modelled. */
  readonly analystBudget?: LedgerAmount;
}

/** Spent and remaining amounts of one scope. */
export interface LedgerBalance {
  readonly total: LedgerAmount;
  readonly spent: LedgerAmount;
  readonly remaining: LedgerAmount;
}

/** The state after a charge (or a status query). */
export interface LedgerStatus {
  readonly dataset: LedgerBalance;
  /** Present when the scope named an analyst budget. */
  readonly analyst?: LedgerBalance;
}

/** A record in the journal. */
export interface LedgerEntry {
  readonly analyst: string;
  readonly epsilon: Rational;
  readonly delta: Rational;
  /** A public description (the query text). */
  readonly memo: string;
  readonly at: string;
}

/** A durable budget ledger. */
export interface BudgetLedger {
  /**
   * Checks `cost` against the scope's budgets and records it durably, atomically.
   * @throws DpError BUDGET_EXHAUSTED (nothing recorded) when it would pass a budget.
   */
  charge(scope: LedgerScope, cost: LedgerAmount, memo: string): Promise<LedgerStatus>;
  /** The current balance of a scope (no charge). */
  status(scope: LedgerScope): Promise<LedgerStatus>;
  /** Every recorded spend of a data set, oldest first. */
  entries(dataset: string): Promise<readonly LedgerEntry[]>;
  /** Releases resources (connections). */
  close(): Promise<void>;
}

/** Adds amounts exactly. */
export function addAmounts(a: LedgerAmount, b: LedgerAmount): LedgerAmount {
  return { epsilon: a.epsilon.add(b.epsilon), delta: a.delta.add(b.delta) };
}

/** The zero amount. */
export const ZERO_AMOUNT: LedgerAmount = Object.freeze({ epsilon: Rational.ZERO, delta: Rational.ZERO });

/** Formats an amount for messages (nearest doubles, for display only; the ledger keeps exact rationals). */
export function formatAmount(a: LedgerAmount): string {
  return a.delta.isZero()
    ? formatLoss({ kind: 'pure', epsilon: a.epsilon.toNumber() })
    : formatLoss({ kind: 'approximate', epsilon: a.epsilon.toNumber(), delta: a.delta.toNumber() });
}

function balance(total: LedgerAmount, spent: LedgerAmount): LedgerBalance {
  const r = (t: Rational, s: Rational) => (t.gt(s) ? t.sub(s) : Rational.ZERO);
  return { total, spent, remaining: { epsilon: r(total.epsilon, spent.epsilon), delta: r(total.delta, spent.delta) } };
}

/**
 * The pure decision of a charge over replayed entries: returns the status after
 * the charge or throws BUDGET_EXHAUSTED. Shared by every ledger backend.
 * @throws DpError BUDGET_EXHAUSTED, INVALID_PARAMETER (negative cost).
 */
export function decideCharge(entries: readonly LedgerEntry[], scope: LedgerScope, cost: LedgerAmount | null): LedgerStatus {
  if (cost && (cost.epsilon.isNegative() || cost.delta.isNegative())) {
    throw new DpError('INVALID_PARAMETER', 'a charge must be >= 0', { parameter: 'cost' });
  }
  const analyst = scope.analyst ?? 'default';
  let all = ZERO_AMOUNT;
  let mine = ZERO_AMOUNT;
  for (const e of entries) {
    all = addAmounts(all, e);
    if (e.analyst === analyst) mine = addAmounts(mine, e);
  }
  const fits = (spent: LedgerAmount, total: LedgerAmount) => spent.epsilon.le(total.epsilon) && spent.delta.le(total.delta);
  if (cost) {
    const nextAll = addAmounts(all, cost);
    if (!fits(nextAll, scope.cap)) {
      const rem = balance(scope.cap, all).remaining;
      throw new DpError(
        'BUDGET_EXHAUSTED',
        `charging ${formatAmount(cost)} would pass the budget of data set "${scope.dataset}"; remaining ${formatAmount(rem)}`,
        { requested: formatAmount(cost), remaining: formatAmount(rem), scope: `dataset:${scope.dataset}` },
      );
    }
    if (scope.analystBudget) {
      const nextMine = addAmounts(mine, cost);
      if (!fits(nextMine, scope.analystBudget)) {
        const rem = balance(scope.analystBudget, mine).remaining;
        throw new DpError(
          'BUDGET_EXHAUSTED',
          `charging ${formatAmount(cost)} would pass the budget of analyst "${analyst}"; remaining ${formatAmount(rem)}`,
          {
            requested: formatAmount(cost),
            remaining: formatAmount(rem),
            scope: `analyst:${analyst}`,
          },
        );
      }
    }
    all = nextAll;
    mine = addAmounts(mine, cost);
  }
  return scope.analystBudget
    ? { dataset: balance(scope.cap, all), analyst: balance(scope.analystBudget, mine) }
    : { dataset: balance(scope.cap, all) };
}
