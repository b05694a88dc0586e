/**
 * What `tsdp budget` shows: per data set and per analyst, what was spent, what
 * is left and the history (oldest first), from any ledger backend.
 *
 * Spent is reported exactly, in the measures it was spent in ({ε, δ, ρ}), with
 * what the data set's pinned filter recorded, its (ε, δ) guarantee and what is
 * left (the ledger's own `decideCharge`, under the stored pins). Everything here is public: amounts, analyst
 * names, memos (query texts) and times — no data value.
 * @module
 */

import { DpError } from '../core/errors.js';
import { type ExactLoss, ZERO_LOSS } from '../core/exact-loss.js';
import { edgeFunction, edgeRecord, edgeString } from '../numeric/edge.js';
import {
  type BudgetLedger,
  checkLedgerCap,
  decideCharge,
  type LedgerBalance,
  type LedgerCap,
  type LedgerEntry,
  replayEntries,
} from './ledger.js';

/** One analyst's line of a report. */
export interface AnalystReport {
  readonly analyst: string;
  /** What the analyst spent, exactly. */
  readonly spent: ExactLoss;
  /** The balance against the analyst's own budget, when one is declared. */
  readonly balance?: LedgerBalance;
}

/** A data set's budget report. */
export interface BudgetReport {
  readonly dataset: string;
  /** The balance against the data set's cap. */
  readonly balance: LedgerBalance;
  /** Per analyst (those with spends and those with a declared budget), sorted by name. */
  readonly analysts: readonly AnalystReport[];
  /** Every spend, oldest first. */
  readonly history: readonly LedgerEntry[];
}

/**
 * Builds the report of `dataset` from a ledger.
 * @param ledger - a file or PostgreSQL ledger (anything with `entries`, and `pins` when it stores them).
 * @param dataset - the data set.
 * @param cap - the data set's (E, D) cap.
 * @param analystBudgets - the analysts' own budgets, when declared.
 * @returns spent, left and history, per data set and per analyst.
 * @throws DpError INTERNAL when the ledger cannot be read or is torn/corrupt (fail-closed, as for a charge);
 *   DOMAIN_MISMATCH when `cap` (or an analyst's budget) is not the pinned one.
 * @example
 * const report = await budgetReport(new FileLedger(), 'adult', { epsilon: Rational.of(10n), delta: Rational.parse('1e-6') });
 */
export async function budgetReport(
  ledger: Pick<BudgetLedger, 'entries' | 'pins'>,
  dataset: string,
  cap: LedgerCap,
  analystBudgets: ReadonlyMap<string, LedgerCap> = new Map(),
): Promise<BudgetReport> {
  edgeRecord(ledger, 'ledger');
  edgeFunction(ledger.entries, 'ledger.entries');
  edgeString(dataset, 'dataset');
  checkLedgerCap(cap, 'cap');
  if (!(analystBudgets instanceof Map))
    throw new DpError('INVALID_PARAMETER', 'analystBudgets must be a Map', { parameter: 'analystBudgets' });
  const history = await ledger.entries(dataset);
  const pins = (await ledger.pins?.(dataset)) ?? [];
  const scope = { dataset, cap };
  const totals = replayEntries(history, pins, scope);
  const names = [...new Set([...totals.analysts.keys(), ...analystBudgets.keys()])].sort();
  const analysts = names.map((analyst): AnalystReport => {
    const spent = totals.analysts.get(analyst) ?? ZERO_LOSS;
    const budget = analystBudgets.get(analyst);
    if (!budget) return { analyst, spent };
    const balance = decideCharge(totals, { ...scope, analyst, analystBudget: budget }, null).analyst;
    return balance ? { analyst, spent, balance } : { analyst, spent };
  });
  return { dataset, balance: decideCharge(totals, scope, null).dataset, analysts, history };
}
