/**
 * What `tsdp budget` and `tsdp sql --explain` read from a ledger, without
 * charging: the spends of a data set (per analyst and in total), what is left
 * under the schema's caps, and — for a prospective charge — whether the ledger
 * would refuse it and which part of the budget (ε or δ) is the limit.
 *
 * Only the ledger API is used (`entries`, `status`, `decideCharge`), so the
 * file ledger and the PostgreSQL ledger give the same view.
 * @module
 */
import { isDpError } from '../core/errors.js';
import { type ApproximateCap, addLoss, type ExactLoss, ZERO_LOSS } from '../core/exact-loss.js';
import { type BudgetLedger, decideCharge, type LedgerEntry, type LedgerScope, sumEntries } from '../ledger/ledger.js';
import { Rational } from '../numeric/rational.js';
import type { SqlSchema } from '../sql/schema.js';

/** An amount for JSON: each part as a number and as its exact fraction (ρ only when the amount has one). */
export interface AmountJson {
  readonly epsilon: number;
  readonly delta: number;
  readonly rho?: number;
  readonly exact: { readonly epsilon: string; readonly delta: string; readonly rho?: string };
}

/** JSON form of an amount (numbers rounded to nearest; exact strings alongside). */
export function amountJson(a: ApproximateCap | ExactLoss): AmountJson {
  const rho = 'rho' in a && !a.rho.isZero() ? a.rho : undefined;
  return {
    epsilon: a.epsilon.toNumber(),
    delta: a.delta.toNumber(),
    ...(rho ? { rho: rho.toNumber() } : {}),
    exact: { epsilon: a.epsilon.toString(), delta: a.delta.toString(), ...(rho ? { rho: rho.toString() } : {}) },
  };
}

/** A charge as the planner states it: (ε, δ), and ρ when zCDP spends are kept as ρ. */
export type PlannedCharge = ApproximateCap & { readonly rho?: Rational };

/** The charge as the ledger takes it. */
export function asLoss(c: PlannedCharge): ExactLoss {
  return { epsilon: c.epsilon, delta: c.delta, rho: c.rho ?? Rational.ZERO };
}

/** One analyst's line. */
export interface AnalystView {
  readonly analyst: string;
  readonly spent: ExactLoss;
  readonly budget: ApproximateCap | undefined;
  readonly remaining: ApproximateCap | undefined;
}

/** The whole view of one data set. */
export interface BudgetView {
  readonly dataset: string;
  readonly budget: ApproximateCap | undefined;
  readonly spent: ExactLoss;
  readonly remaining: ApproximateCap | undefined;
  readonly analysts: readonly AnalystView[];
  readonly history: readonly LedgerEntry[];
}

/**
 * Reads a data set's spends and, with its schema, what is left (the ledger's own `status`).
 * @param analyst - restrict the analysts shown (the history too) to this one.
 */
export async function readBudget(
  ledger: BudgetLedger,
  dataset: string,
  schema: SqlSchema | undefined,
  analyst?: string,
): Promise<BudgetView> {
  const entries = await ledger.entries(dataset);
  const totals = sumEntries(entries);
  const byAnalyst = new Map(totals.analysts);
  for (const a of schema?.analysts.keys() ?? []) if (!byAnalyst.has(a)) byAnalyst.set(a, ZERO_LOSS);
  const names = [...byAnalyst.keys()].filter((a) => analyst === undefined || a === analyst).sort();
  if (analyst !== undefined && !names.includes(analyst)) names.push(analyst);
  const analysts: AnalystView[] = [];
  for (const a of names) {
    const budget = schema?.analysts.get(a);
    const left =
      schema && budget
        ? (await ledger.status({ dataset, cap: schema.budget, analyst: a, analystBudget: budget })).analyst?.remaining
        : undefined;
    analysts.push({ analyst: a, spent: byAnalyst.get(a) ?? ZERO_LOSS, budget, remaining: left });
  }
  const remaining = schema ? (await ledger.status({ dataset, cap: schema.budget })).dataset.remaining : undefined;
  return {
    dataset,
    budget: schema?.budget,
    spent: totals.dataset,
    remaining,
    analysts,
    history: analyst === undefined ? entries : entries.filter((e) => e.analyst === analyst),
  };
}

/**
 * Which part of a cap a total that passes it passes: δ when δ is over (or ρ has no δ left to be
 * converted with), ε otherwise — the ledger's own rule (`decideCharge`).
 */
export function limitingPart(next: ExactLoss, cap: ApproximateCap): string {
  if (next.delta.gt(cap.delta)) return 'δ';
  if (!next.rho.isZero() && next.delta.equals(cap.delta)) return 'δ (none left to convert ρ)';
  return 'ε';
}

/** What the ledger would do with a charge, decided without recording anything. */
export type ChargeForecast =
  | { readonly refused: false; readonly remainingAfter: ApproximateCap }
  | {
      readonly refused: true;
      readonly scope: string;
      readonly limit: string;
      readonly remaining: ApproximateCap;
      readonly message: string;
    };

/**
 * Decides `cost` against the ledger's current spends with the ledger's own `decideCharge`, as `charge` would,
 * without charging.
 * @returns the forecast: refused (with the scope, the limiting part and the ledger's message) or the balance after.
 */
export async function forecastCharge(ledger: BudgetLedger, scope: LedgerScope, cost: PlannedCharge): Promise<ChargeForecast> {
  const loss = asLoss(cost);
  const entries = await ledger.entries(scope.dataset);
  try {
    const after = decideCharge(entries, scope, loss);
    return { refused: false, remainingAfter: (after.analyst ?? after.dataset).remaining };
  } catch (e) {
    if (!isDpError(e, 'BUDGET_EXHAUSTED')) throw e;
    const now = decideCharge(entries, scope, null);
    const isAnalyst =
      String(e.details.scope ?? '').startsWith('analyst:') && now.analyst !== undefined && scope.analystBudget !== undefined;
    const balance = isAnalyst && now.analyst ? now.analyst : now.dataset;
    const cap = isAnalyst && scope.analystBudget ? scope.analystBudget : scope.cap;
    const prefix = `${e.code}: `;
    return {
      refused: true,
      scope: String(e.details.scope ?? `dataset:${scope.dataset}`),
      limit: limitingPart(addLoss(balance.spent, loss), cap),
      remaining: balance.remaining,
      message: e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message,
    };
  }
}
