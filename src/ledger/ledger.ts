/**
 * The budget ledger: where spends are recorded durably, in one atomic step
 * with the budget check, before any result leaves the process.
 *
 * A spend is an `ExactLoss` {ε, δ, ρ} (δ-approximate zCDP, `core/exact-loss.ts`),
 * kept in the measure it was made in: pure and (ε, δ) spends add to ε and δ,
 * zCDP spends add to ρ. A scope's cap is (E, D); a total {ε, δ, ρ} meets it iff
 * δ ≤ D and ε + ε_CKS(ρ, D − δ) ≤ E — ρ converted once, on the total, with the
 * δ left (proof: `core/exact-loss.proof.md`). All sums are exact rationals, so
 * eleven spends of 1/11 fit a budget of 1 and a twelfth does not.
 *
 * Rules every backend keeps (they share `decideCharge`):
 * - a charge depends only on what the caller passes (the query's declared
 *   cost) — never on results, row counts, errors or timing;
 * - a refused charge records nothing;
 * - a spend is durable before the caller gets the receipt;
 * - a record that cannot be read, or a state that cannot be verified, counts as
 *   spent (the ledger refuses to charge) — never as unspent;
 * - no data value reaches a message: only amounts, names of data sets and
 *   analysts (public configuration) and file locations.
 * @module
 */
import { DpError } from '../core/errors.js';
import {
  type ApproximateCap,
  addLoss,
  checkExactLoss,
  type ExactLoss,
  effectiveEpsilon,
  fitsCap,
  formatExactLoss,
  remainingUnder,
  ZERO_LOSS,
} from '../core/exact-loss.js';
import { formatLoss } from '../core/loss.js';
import { Rational } from '../numeric/rational.js';

/** An exact (E, D) cap: the total a scope may spend, as (ε, δ)-DP. */
export type LedgerCap = ApproximateCap;
/**
 * An exact (ε, δ) amount: the cap of a scope, and what the balance reports as left.
 * (Before spends carried ρ this was also the charge; a charge is now an `ExactLoss`.)
 */
export type LedgerAmount = LedgerCap;

/** What a charge is checked against. */
export interface LedgerScope {
  /** The data set (its total budget is the per-dataset cap). */
  readonly dataset: string;
  /** The per-dataset cap: the sum over all analysts never passes it. */
  readonly cap: LedgerCap;
  /** The analyst charged (default 'default'). */
  readonly analyst?: string;
  /** The analyst's own budget under the cap, when analysts are modelled. */
  readonly analystBudget?: LedgerCap;
}

/** Spent and remaining amounts of one scope. */
export interface LedgerBalance {
  /** The cap (E, D). */
  readonly total: LedgerCap;
  /** The exact total spent, in the measures it was spent in. */
  readonly spent: ExactLoss;
  /** The guarantee of what was spent, as (ε, δ): (ε + ε_CKS(ρ, D − δ), D) with ρ > 0, else (ε, δ). */
  readonly guarantee: LedgerCap;
  /** What is left: E − guarantee ε (what a further pure charge may use) and D − δ. */
  readonly remaining: LedgerCap;
}

/** The state after a charge (or a status query). */
export interface LedgerStatus {
  readonly dataset: LedgerBalance;
  /** Present when the scope named an analyst budget. */
  readonly analyst?: LedgerBalance;
}

/** A record in the journal: one spend, oldest first. */
export interface LedgerEntry extends ExactLoss {
  readonly analyst: string;
  /** A public description (the query text). */
  readonly memo: string;
  /** When it was recorded (ISO 8601). */
  readonly at: string;
}

/** What has been spent on a data set: in total and per analyst. */
export interface LedgerTotals {
  readonly dataset: ExactLoss;
  readonly analysts: ReadonlyMap<string, ExactLoss>;
}

/** A durable budget ledger. */
export interface BudgetLedger {
  /**
   * Checks `cost` against the scope's budgets and records it durably, atomically.
   * @throws DpError BUDGET_EXHAUSTED (nothing recorded) when it would pass a budget.
   */
  charge(scope: LedgerScope, cost: ExactLoss, memo: string): Promise<LedgerStatus>;
  /** The current balance of a scope (no charge). */
  status(scope: LedgerScope): Promise<LedgerStatus>;
  /** Every recorded spend of a data set, oldest first. */
  entries(dataset: string): Promise<readonly LedgerEntry[]>;
  /** Releases resources (connections). */
  close(): Promise<void>;
}

/**
 * Adds two losses exactly (composition).
 * @param a - a loss.
 * @param b - a loss.
 * @returns the sum of each component.
 * @example
 * addAmounts(ZERO_AMOUNT, ZERO_AMOUNT);
 */
export function addAmounts(a: ExactLoss, b: ExactLoss): ExactLoss {
  return addLoss(a, b);
}

/** The zero loss. */
export const ZERO_AMOUNT: ExactLoss = ZERO_LOSS;

/**
 * Formats a loss or a cap for messages (nearest doubles, for display only; the ledger keeps exact rationals).
 * @param a - a loss ({ε, δ, ρ}) or a cap ({ε, δ}).
 * @returns e.g. `ε=0.5`, `(ε=1, δ=1e-6)`, `(ε=1, ρ=0.1)`.
 * @example
 * formatAmount({ epsilon: Rational.ONE, delta: Rational.ZERO }); // 'ε=1'
 */
export function formatAmount(a: LedgerCap | ExactLoss): string {
  const rho = 'rho' in a ? a.rho : Rational.ZERO;
  if (rho.isZero()) {
    return a.delta.isZero()
      ? formatLoss({ kind: 'pure', epsilon: a.epsilon.toNumber() })
      : formatLoss({ kind: 'approximate', epsilon: a.epsilon.toNumber(), delta: a.delta.toNumber() });
  }
  return formatExactLoss({ epsilon: a.epsilon, delta: a.delta, rho });
}

/**
 * The balance of a scope with cap `total` after spending `spent`.
 * @param total - the cap (E, D).
 * @param spent - the exact total spent.
 * @returns spent, its (ε, δ) guarantee and what is left.
 * @example
 * balanceOf({ epsilon: Rational.ONE, delta: Rational.ZERO }, ZERO_AMOUNT).remaining.epsilon; // 1
 */
export function balanceOf(total: LedgerCap, spent: ExactLoss): LedgerBalance {
  const e = effectiveEpsilon(spent, total.delta);
  const guarantee: LedgerCap = spent.rho.isZero()
    ? { epsilon: spent.epsilon, delta: spent.delta }
    : // ρ > 0: converted with all the δ left, the guarantee's δ is D (no finite ε when none is left).
      { epsilon: e ?? spent.epsilon, delta: Rational.max(total.delta, spent.delta) };
  return { total, spent, guarantee, remaining: remainingUnder(spent, total) };
}

/**
 * Sums the entries of one data set: in total and per analyst.
 * @param entries - the spends.
 * @returns the totals.
 * @example
 * sumEntries([]).dataset; // ZERO_AMOUNT
 */
export function sumEntries(entries: readonly LedgerEntry[]): LedgerTotals {
  let dataset = ZERO_LOSS;
  const analysts = new Map<string, ExactLoss>();
  for (const e of entries) {
    dataset = addLoss(dataset, e);
    analysts.set(e.analyst, addLoss(analysts.get(e.analyst) ?? ZERO_LOSS, e));
  }
  return { dataset, analysts };
}

/** Which part of a cap a refused total passes (for the message: "which part of the budget is the limit"). */
function limitOf(next: ExactLoss, cap: LedgerCap): string {
  if (next.delta.gt(cap.delta)) return 'δ';
  if (!next.rho.isZero() && next.delta.equals(cap.delta)) return 'δ (none left to convert ρ)';
  return 'ε';
}

function refuse(cost: ExactLoss, cap: LedgerCap, spent: ExactLoss, next: ExactLoss, scope: string, what: string): never {
  const rem = balanceOf(cap, spent).remaining;
  throw new DpError(
    'BUDGET_EXHAUSTED',
    `charging ${formatAmount(cost)} would pass the ${limitOf(next, cap)} of the budget of ${what}; remaining ${formatAmount(rem)}`,
    { requested: formatAmount(cost), remaining: formatAmount(rem), scope },
  );
}

/**
 * The pure decision of a charge: returns the status after the charge or
 * throws BUDGET_EXHAUSTED. Shared by every ledger backend.
 * @param spent - what was spent before (the replayed entries, or their verified totals).
 * @param scope - the data set's cap and, optionally, the analyst's budget.
 * @param cost - the charge, or null for a status query.
 * @returns the balances after the charge.
 * @throws DpError BUDGET_EXHAUSTED (which part, ε or δ, is the limit is in the message), INVALID_PARAMETER (a cost that is not three Rationals ≥ 0).
 * @privacy a charge is accepted only if the data set's and the analyst's totals, ρ converted once, stay within their (E, D) caps.
 * @example
 * decideCharge([], { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } }, ZERO_AMOUNT);
 */
export function decideCharge(spent: readonly LedgerEntry[] | LedgerTotals, scope: LedgerScope, cost: ExactLoss | null): LedgerStatus {
  const c = cost === null ? null : checkExactLoss(cost, 'cost');
  const totals = Array.isArray(spent) ? sumEntries(spent as readonly LedgerEntry[]) : (spent as LedgerTotals);
  const analyst = scope.analyst ?? 'default';
  let all = totals.dataset;
  let mine = totals.analysts.get(analyst) ?? ZERO_LOSS;
  if (c) {
    const nextAll = addLoss(all, c);
    if (!fitsCap(nextAll, scope.cap)) refuse(c, scope.cap, all, nextAll, `dataset:${scope.dataset}`, `data set "${scope.dataset}"`);
    const nextMine = addLoss(mine, c);
    if (scope.analystBudget && !fitsCap(nextMine, scope.analystBudget)) {
      refuse(c, scope.analystBudget, mine, nextMine, `analyst:${analyst}`, `analyst "${analyst}"`);
    }
    all = nextAll;
    mine = nextMine;
  }
  return scope.analystBudget
    ? { dataset: balanceOf(scope.cap, all), analyst: balanceOf(scope.analystBudget, mine) }
    : { dataset: balanceOf(scope.cap, all) };
}
