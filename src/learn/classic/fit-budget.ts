/**
 * Where a classic model's fit is charged — a `PrivacyBudget` (immutable: the
 * budget after the charge is returned), a `Session` (charged in place, in its
 * privacy unit), or a budget ledger (`FileLedger`, `PostgresLedger`: durable,
 * before the data is read) — and the report every fit returns.
 *
 * Rule (DESIGN "the calculus carries the load"): the charge is the model's
 * `Measurement.privacyMap(1)` computed from public parameters only, made
 * before the first data value is read; the report's `guarantee` is that same
 * value. A refused fit (bad options, BUDGET_EXHAUSTED, DOMAIN_MISMATCH)
 * charges nothing, because every check runs before the charge and nothing can
 * refuse after it (the data reader and the algorithms are total).
 *
 * Privacy unit: one row (add/remove one record). A `Session` whose unit is a
 * column (a person with several rows) refuses the charge with DOMAIN_MISMATCH
 * having charged nothing (Session.charge's rule): bound to one row per person
 * first.
 * @module
 */
import { DpError, exactLoss, PrivacyBudget, type PrivacyLoss, privacyUnit } from '../../core/index.js';
import type { LedgerScope, LedgerStatus } from '../../ledger/ledger.js';
import { isSecureSource, type RandomSource } from '../../random/index.js';
import { Session } from '../../session/index.js';

/** A budget ledger to charge: the scope (data set, cap, analyst) and an optional memo. */
export interface LedgerCharge {
  readonly ledger: { charge(scope: LedgerScope, cost: ReturnType<typeof exactLoss>, memo: string): Promise<LedgerStatus> };
  readonly scope: LedgerScope;
  readonly memo?: string;
}

/** What a fit is charged to. */
export type ModelBudget = PrivacyBudget | Session | LedgerCharge;

/** Options every `fit` takes. */
export interface FitOptions {
  /** What to charge (required: a fit without a budget would be a release nobody paid for). */
  readonly budget: ModelBudget;
  /** Randomness (default: the platform CSPRNG). A seeded source makes the model notForRelease. */
  readonly rng?: RandomSource;
}

/** What `fit` returns: the guarantee (= the charge) and where it was charged. */
export interface FitReport {
  /** The model's guarantee for one added or removed row: exactly what was charged. */
  readonly guarantee: PrivacyLoss;
  /** The PrivacyBudget after the charge (when a PrivacyBudget was given). */
  readonly budgetAfter?: PrivacyBudget;
  /** The ledger's status after the charge (when a ledger was given). */
  readonly ledgerStatus?: LedgerStatus;
  /** True when a seeded (test) source made the model: not for release. */
  readonly notForRelease: boolean;
}

/**
 * Checks the kind of `budget` (before anything is priced or read).
 * @param budget - the value passed as `budget`.
 * @returns it, typed.
 * @throws DpError INVALID_PARAMETER unless it is a PrivacyBudget, a Session or { ledger, scope }.
 * @privacy reads no data.
 * @example
 * checkModelBudget(PrivacyBudget.pure(1));
 */
export function checkModelBudget(budget: unknown): ModelBudget {
  if (budget instanceof PrivacyBudget || budget instanceof Session) return budget;
  if (typeof budget === 'object' && budget !== null && typeof (budget as LedgerCharge).ledger?.charge === 'function' && 'scope' in budget) {
    // Read once (S7 edge; the caller runs this inside edgeRead): the fit charges this snapshot, not the caller's object.
    const { ledger, scope, memo } = budget as LedgerCharge;
    const snapshot: LedgerScope = typeof scope === 'object' && scope !== null ? { ...scope } : scope;
    return memo === undefined ? { ledger, scope: snapshot } : { ledger, scope: snapshot, memo };
  }
  throw new DpError('INVALID_PARAMETER', 'budget must be a PrivacyBudget, a Session or { ledger, scope, memo? }', { parameter: 'budget' });
}

/**
 * Charges `loss` (a model's privacyMap(1)) to `budget`, before any data is read.
 * @param budget - where to charge.
 * @param loss - the loss to charge, from the model's measurement.
 * @param memo - the ledger memo (public: the model's name and parameters).
 * @param rng - the randomness that will make the model (decides notForRelease).
 * @returns the report: guarantee = loss.
 * @throws DpError BUDGET_EXHAUSTED / DOMAIN_MISMATCH having charged nothing; INVALID_PARAMETER on a bad budget.
 * @privacy charges exactly `loss`.
 * @example
 * await chargeFit(PrivacyBudget.pure(1), pure(0.5), 'gaussian-nb', rng);
 */
export async function chargeFit(budget: ModelBudget, loss: PrivacyLoss, memo: string, rng: RandomSource): Promise<FitReport> {
  const notForRelease = !isSecureSource(rng);
  if (budget instanceof PrivacyBudget) return { guarantee: loss, budgetAfter: budget.charge(loss), notForRelease };
  if (budget instanceof Session) {
    budget.charge(loss, privacyUnit(null));
    return { guarantee: loss, notForRelease };
  }
  // The fit states its own unit (one record), overriding the caller's scope.unit (review S4): a data set pinned to a
  // unit column refuses the per-record loss (DOMAIN_MISMATCH, nothing recorded) instead of recording it per person.
  const scope: LedgerScope = { ...budget.scope, unit: privacyUnit(null) };
  const ledgerStatus = await budget.ledger.charge(scope, exactLoss(loss), budget.memo ?? memo);
  return { guarantee: loss, ledgerStatus, notForRelease };
}
