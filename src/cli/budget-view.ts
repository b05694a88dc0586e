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
import { type BudgetLedger, decideCharge, type LedgerAmount, type LedgerEntry, type LedgerScope } from '../ledger/ledger.js';
import { Rational } from '../numeric/rational.js';
import type { SqlSchema } from '../sql/schema.js';

/** An exact amount for JSON: each part as a number and as its exact fraction. */
export interface AmountJson {
  readonly epsilon: number;
  readonly delta: number;
  readonly rho?: number;
  readonly exact: { readonly epsilon: string; readonly delta: string; readonly rho?: string };
}

/** The ρ of an entry or amount, when the ledger records one (zCDP spends kept as ρ). */
function rhoOf(x: object): Rational | undefined {
  const r = (x as { rho?: unknown }).rho;
  return r instanceof Rational && !r.isZero() ? r : undefined;
}

/** JSON form of an amount (numbers rounded to nearest; exact strings alongside). */
export function amountJson(a: LedgerAmount): AmountJson {
  const rho = rhoOf(a);
  return {
    epsilon: a.epsilon.toNumber(),
    delta: a.delta.toNumber(),
    ...(rho ? { rho: rho.toNumber() } : {}),
    exact: { epsilon: a.epsilon.toString(), delta: a.delta.toString(), ...(rho ? { rho: rho.toString() } : {}) },
  };
}

function add(a: LedgerAmount, b: LedgerAmount): LedgerAmount {
  const ra = rhoOf(a);
  const rb = rhoOf(b);
  const rho = ra && rb ? ra.add(rb) : (ra ?? rb);
  return { epsilon: a.epsilon.add(b.epsilon), delta: a.delta.add(b.delta), ...(rho ? { rho } : {}) } as LedgerAmount;
}

const ZERO: LedgerAmount = { epsilon: Rational.ZERO, delta: Rational.ZERO };

/** One analyst's line. */
export interface AnalystView {
  readonly analyst: string;
  readonly spent: LedgerAmount;
  readonly budget: LedgerAmount | undefined;
  readonly remaining: LedgerAmount | undefined;
}

/** The whole view of one data set. */
export interface BudgetView {
  readonly dataset: string;
  readonly budget: LedgerAmount | undefined;
  readonly spent: LedgerAmount;
  readonly remaining: LedgerAmount | undefined;
  readonly analysts: readonly AnalystView[];
  readonly history: readonly LedgerEntry[];
}

/**
 * Reads a data set's spends and, with its schema, what is left.
 * @param analyst - restrict the analysts shown (the history too) to this one.
 */
export async function readBudget(
  ledger: BudgetLedger,
  dataset: string,
  schema: SqlSchema | undefined,
  analyst?: string,
): Promise<BudgetView> {
  const entries = await ledger.entries(dataset);
  let spent = ZERO;
  const byAnalyst = new Map<string, LedgerAmount>();
  for (const e of entries) {
    spent = add(spent, e);
    byAnalyst.set(e.analyst, add(byAnalyst.get(e.analyst) ?? ZERO, e));
  }
  for (const a of schema?.analysts.keys() ?? []) if (!byAnalyst.has(a)) byAnalyst.set(a, ZERO);
  const names = [...byAnalyst.keys()].filter((a) => analyst === undefined || a === analyst).sort();
  if (analyst !== undefined && !names.includes(analyst)) names.push(analyst);
  let remaining: LedgerAmount | undefined;
  const analysts: AnalystView[] = [];
  for (const a of names) {
    const budget = schema?.analysts.get(a);
    let left: LedgerAmount | undefined;
    if (schema) {
      const status = await ledger.status({ dataset, cap: schema.budget, analyst: a, analystBudget: budget });
      remaining = status.dataset.remaining;
      left = status.analyst?.remaining;
    }
    analysts.push({ analyst: a, spent: byAnalyst.get(a) ?? ZERO, budget, remaining: left });
  }
  if (schema && remaining === undefined) remaining = (await ledger.status({ dataset, cap: schema.budget })).dataset.remaining;
  return {
    dataset,
    budget: schema?.budget,
    spent,
    remaining,
    analysts,
    history: analyst === undefined ? entries : entries.filter((e) => e.analyst === analyst),
  };
}

/** Which part of a budget stops a charge: ε, δ or both. */
export function limitingPart(cost: LedgerAmount, remaining: LedgerAmount): 'ε' | 'δ' | 'ε and δ' | undefined {
  const e = cost.epsilon.gt(remaining.epsilon);
  const d = cost.delta.gt(remaining.delta);
  return e && d ? 'ε and δ' : e ? 'ε' : d ? 'δ' : undefined;
}

/** What the ledger would do with a charge, decided without recording anything. */
export type ChargeForecast =
  | { readonly refused: false; readonly remainingAfter: LedgerAmount }
  | { readonly refused: true; readonly scope: string; readonly limit: string; readonly remaining: LedgerAmount; readonly message: string };

/**
 * Decides `cost` against the ledger's current spends, as `charge` would, without charging.
 * @returns the forecast: refused (with the scope and the limiting part) or the balance after.
 */
export async function forecastCharge(ledger: BudgetLedger, scope: LedgerScope, cost: LedgerAmount): Promise<ChargeForecast> {
  const entries = await ledger.entries(scope.dataset);
  try {
    const after = decideCharge(entries, scope, cost);
    return { refused: false, remainingAfter: (after.analyst ?? after.dataset).remaining };
  } catch (e) {
    if (!isDpError(e, 'BUDGET_EXHAUSTED')) throw e;
    const now = decideCharge(entries, scope, null);
    const isAnalyst = String(e.details.scope ?? '').startsWith('analyst:');
    const remaining = (isAnalyst ? now.analyst : now.dataset)?.remaining ?? now.dataset.remaining;
    const limit = limitingPart(cost, remaining) ?? 'ε';
    const prefix = `${e.code}: `;
    return {
      refused: true,
      scope: String(e.details.scope ?? `dataset:${scope.dataset}`),
      limit,
      remaining,
      message: e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message,
    };
  }
}
