/**
 * The budget ledger: where spends are recorded durably, in one atomic step
 * with the budget check, before any result leaves the process.
 *
 * Size (about 540 lines, over the house's ~500): one concept — the contract every backend keeps (its types) and
 * the one decision they share (`planCharge`/`decideCharge`, pins, replay). The file, PostgreSQL and threaded
 * ledgers call only this; splitting the decision from the types it reads and returns would put each rule and the
 * shape it constrains in different files. The backends' storage (journal, lock, SQL) already lives apart.
 *
 * A spend is an `ExactLoss` {ε, δ, ρ} (`core/exact-loss.ts`), the sums of the
 * (εⱼ, δⱼ)-DP and ρⱼ-zCDP parts the release composes. Each data set (and each
 * analyst with a budget) is a **privacy filter pinned at its first spend**
 * (`core/budget-filter.ts`): its cap (E, D) and its accounting mode — `approximate`
 * (basic composition; a ρ spend converted on its own) or `zcdp` (every spend
 * recorded as ρ + ε²/2 with its δ; Σρ converted once, at the δ reserved for it).
 * Both are sound for fully adaptive spends (proof: `core/exact-loss.proof.md`).
 * All sums are exact rationals, so eleven spends of 1/11 fit a budget of 1 and a
 * twelfth does not.
 *
 * Rules every backend keeps (they share `planCharge`):
 * - a charge depends only on what the caller passes (the query's declared
 *   cost) and on what is recorded — never on results, row counts, errors or timing;
 * - **the cap is pinned**: the first spend of a data set records its cap and
 *   accounting (and each analyst's first spend its budget); a later charge or
 *   status naming another cap is refused (`DOMAIN_MISMATCH`, naming the fix) —
 *   a budget is never silently raised by a caller;
 * - **the privacy unit is pinned** (class "one privacy-unit type"): every spend
 *   states the unit its loss is for (`LedgerScope.unit`, default one row); the
 *   data set's pin records the unit of its first spend, and a charge stated for
 *   another unit (another unit column, or row-level against per-person) is
 *   refused (`DOMAIN_MISMATCH`) having recorded nothing — losses for different
 *   neighbouring relations do not add up to a guarantee for either (one person
 *   with k records costs up to k times a per-record loss). The contribution
 *   bounds are not compared: they are how a release enforces the unit, and every
 *   loss stated for one unit column is a loss per that unit. **Legacy pins**
 *   (written before units were recorded, and the pins derived for journals older
 *   than pins) take the unit of the first charge after the upgrade, recorded
 *   with that spend, atomically, and fixed from then on — the same trust as the
 *   legacy cap (the schema naming the unit is operator configuration; spends
 *   recorded before the upgrade were stated for the unit of the schema then);
 * - a refused charge records nothing; a pin is recorded atomically with the
 *   spend that makes it;
 * - a spend is durable before the caller gets the receipt;
 * - a record that cannot be read, or a state that cannot be verified, counts as
 *   spent (the ledger refuses to charge) — never as unspent;
 * - no data value reaches a message: only amounts, names of data sets and
 *   analysts (public configuration) and file locations.
 *
 * Size (about 530 lines, over the house's ~500): the ledger's one decision rule (`planCharge`, pins, caps, the
 * privacy unit) and the types it decides over are kept in one file on purpose, so that the file and PostgreSQL
 * ledgers share every line of the rule and a reader checks it in one place.
 * @module
 */
import {
  type AccountingChoice,
  type BudgetPin,
  checkCap,
  checkPinned,
  conversionDeltaFor,
  fitsPin,
  formatPin,
  leftOf,
  pinBudget,
  pinnedGuarantee,
  recordedCost,
  remainingOf,
  sharePin,
} from '../core/budget-filter.js';
import { DpError } from '../core/errors.js';
import { type ApproximateCap, addLoss, checkExactLoss, type ExactLoss, formatExactLoss, ZERO_LOSS } from '../core/exact-loss.js';
import { approximate, formatLoss, pure } from '../core/loss.js';
import { describePrivacyUnit, type PrivacyUnit, privacyUnit, readPrivacyUnit, samePrivacyUnit } from '../core/privacy-unit.js';
import { edgeIterable, edgeRead, edgeRecord, edgeString } from '../numeric/edge.js';
import { Rational } from '../numeric/rational.js';

/** An exact (E, D) cap: the total a scope may spend, as (ε, δ)-DP. */
export type LedgerCap = ApproximateCap;

/**
 * Reads a caller's scope once, at the edge (S7): a plain snapshot of its fields, so a getter that throws
 * (INVALID_PARAMETER) or answers differently on a second read cannot reach the ledger's decisions.
 * @param scope - the caller's scope.
 * @returns a frozen copy with the same fields.
 * @throws DpError INVALID_PARAMETER when it is not an object or a field cannot be read.
 * @example
 * readScope({ dataset: 'adult', cap: { epsilon: 1, delta: 0 } });
 */
export function readScope(scope: unknown): LedgerScope {
  return edgeRead('scope', () => {
    edgeRecord(scope, 'scope');
    const s = scope as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (const k of ['dataset', 'cap', 'analyst', 'analystBudget', 'accounting', 'unit'] as const) {
      const v = s[k];
      if (v !== undefined) copy[k] = v !== null && typeof v === 'object' ? { ...(v as object) } : v;
    }
    return Object.freeze(copy) as unknown as LedgerScope;
  });
}

/** What a charge is checked against. */
export interface LedgerScope {
  /** The data set (its total budget is the per-dataset cap). */
  readonly dataset: string;
  /** The per-dataset cap: pinned at the data set's first spend; a different one later is refused. */
  readonly cap: LedgerCap;
  /** The analyst charged (default 'default'). */
  readonly analyst?: string;
  /** The analyst's own budget under the cap, when analysts are modelled (pinned at the analyst's first spend). */
  readonly analystBudget?: LedgerCap;
  /** A declared accounting for the data set (pinned with the cap); default: decided by the first spend. */
  readonly accounting?: AccountingChoice;
  /**
   * The privacy unit the charged loss is stated for (default: one row, `privacyUnit(null)`). Pinned with the data set
   * at its first spend; a charge stated for another unit column is refused (DOMAIN_MISMATCH). Status queries ignore it.
   */
  readonly unit?: PrivacyUnit;
}

/** A pin as stored: the data set's (`analyst: null`) or an analyst's. */
export interface LedgerPin extends BudgetPin {
  /** null for the data set's own pin, else the analyst's name. */
  readonly analyst: string | null;
  /**
   * The data set's pin: the privacy unit its spends are stated for (recorded at the first spend). Absent in an
   * analyst's pin (the data set's covers every analyst's spends) and in a legacy pin written before units.
   */
  readonly unit?: PrivacyUnit;
}

/** Spent and remaining amounts of one scope. */
export interface LedgerBalance {
  /** The cap (E, D). */
  readonly total: LedgerCap;
  /** The pin (cap and accounting mode); absent before the first spend. */
  readonly pin?: BudgetPin;
  /** The exact total spent, in the measures it was spent in. */
  readonly spent: ExactLoss;
  /** The exact total as the filter records it (approximate mode: (ε, δ); zcdp mode: (δ, ρ)). */
  readonly recorded: ExactLoss;
  /** The (ε, δ) guarantee of what was recorded (zcdp: (ε_CKS(Σρ, D_c), Σδ + D_c)). */
  readonly guarantee: LedgerCap;
  /** What is left, in the pinned measure (the one type for spent and left). */
  readonly left: ExactLoss;
  /** What is left as (ε, δ): the ε a further pure spend may use and the δ spends may use. */
  readonly remaining: LedgerCap;
}

/** The state after a charge (or a status query). */
export interface LedgerStatus {
  readonly dataset: LedgerBalance;
  /** Present when the scope named an analyst budget (or the analyst's budget is pinned). */
  readonly analyst?: LedgerBalance;
}

/** A record in the journal: one spend, oldest first. */
export interface LedgerEntry extends ExactLoss {
  readonly analyst: string;
  /** A public description (the query text). */
  readonly memo: string;
  /** When it was recorded (ISO 8601). */
  readonly at: string;
  /** How the filter recorded it (absent in records written before pins: then recomputed in order). */
  readonly recorded?: ExactLoss;
}

/** What has been spent on a data set: in total and per analyst, raw and as recorded, with its pins. */
export interface LedgerTotals {
  readonly dataset: ExactLoss;
  readonly analysts: ReadonlyMap<string, ExactLoss>;
  /** The recorded totals; absent when only raw sums are known (then `decideCharge` needs the entries). */
  readonly recorded?: { readonly dataset: ExactLoss; readonly analysts: ReadonlyMap<string, ExactLoss> };
  /** The stored pins (data set and analysts). */
  readonly pins?: readonly LedgerPin[];
  /** Pins derived for a journal written before pins existed (from the scope's cap and its first spend): stored with the next spend. */
  readonly pending?: readonly LedgerPin[];
}

/** One charge of a batch (`BudgetLedger.chargeMany`). */
export interface ChargeRequest {
  readonly scope: LedgerScope;
  readonly cost: ExactLoss;
  readonly memo: string;
}

/** A decided charge whose record is written, not yet known durable (`BudgetLedger.chargeEarly`). */
export interface EarlyCharge {
  readonly status: LedgerStatus;
  /** Resolves once the record is durable; rejects (INTERNAL) when it could not be made so — then release nothing. */
  readonly durable: Promise<void>;
}

/** A durable budget ledger. */
export interface BudgetLedger {
  /**
   * Checks `cost` against the scope's pinned budgets and records it durably, atomically.
   * @throws DpError BUDGET_EXHAUSTED (nothing recorded) when it would pass a budget;
   *   DOMAIN_MISMATCH when the scope's cap differs from the pinned one, or its unit from the pinned unit (nothing recorded).
   */
  charge(scope: LedgerScope, cost: ExactLoss, memo: string): Promise<LedgerStatus>;
  /**
   * Group commit (optional): several charges of one data set checked in order and recorded with one durable write;
   * per item its status or the DpError that refused it (a refusal records nothing). Same guarantees as `charge`.
   */
  chargeMany?(
    items: readonly ChargeRequest[],
    onDecided?: (decided: readonly (LedgerStatus | DpError)[]) => void,
  ): Promise<(LedgerStatus | DpError)[]>;
  /**
   * A charge in two steps (optional; the server's group commit, stop 26): settles once the charge is decided and its
   * record written — a refusal rejects then, as `charge` — with `durable`, which settles once the record is durable
   * and rejects when it could not be made so (the charge then stands, never refunded). A caller may read the data
   * once this settles and must release nothing derived from it before `durable` has resolved.
   */
  chargeEarly?(scope: LedgerScope, cost: ExactLoss, memo: string): Promise<EarlyCharge>;
  /** The current balance of a scope (no charge). */
  status(scope: LedgerScope): Promise<LedgerStatus>;
  /** Every recorded spend of a data set, oldest first. */
  entries(dataset: string): Promise<readonly LedgerEntry[]>;
  /** The pins of a data set (its own and its analysts'), in the order they were made (both built-in ledgers have it). */
  pins?(dataset: string): Promise<readonly LedgerPin[]>;
  /** Releases resources (connections). */
  close(): Promise<void>;
}

/**
 * The edge check of a cap (or an amount with ε and δ) handed in: an object whose ε and δ are Rationals ≥ 0.
 * @param x - the cap.
 * @param name - its name, for the message.
 * @throws DpError INVALID_PARAMETER otherwise.
 */
export function checkLedgerCap(x: unknown, name: string): asserts x is LedgerCap {
  edgeRecord(x, name);
  for (const k of ['epsilon', 'delta'] as const) {
    const v = (x as Record<string, unknown>)[k];
    if (!(v instanceof Rational) || v.isNegative()) {
      throw new DpError('INVALID_PARAMETER', `${name}.${k} must be a Rational >= 0`, { parameter: `${name}.${k}` });
    }
  }
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
  checkExactLoss(a, 'a');
  checkExactLoss(b, 'b');
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
  checkLedgerCap(a, 'amount');
  if ('rho' in a && !(a.rho instanceof Rational))
    throw new DpError('INVALID_PARAMETER', 'amount.rho must be a Rational', { parameter: 'amount.rho' });
  const rho = 'rho' in a ? a.rho : Rational.ZERO;
  if (rho.isZero()) {
    return a.delta.isZero()
      ? formatLoss(pure(a.epsilon.toNumber()))
      : formatLoss(approximate(a.epsilon.toNumber(), Math.min(1, a.delta.toNumber())));
  }
  return formatExactLoss({ epsilon: a.epsilon, delta: a.delta, rho });
}

/** An ε shown for a total that has no finite guarantee (only a legacy over-spent record can have none). */
const NO_GUARANTEE = Rational.fromNumber(Number.MAX_VALUE);

/**
 * The balance of a scope.
 * @param pin - the scope's pin (or, before any spend, the pin its first spend would make).
 * @param spent - the exact total spent.
 * @param recorded - the total as the filter recorded it (default: `spent`).
 * @returns spent, recorded, its (ε, δ) guarantee and what is left.
 * @example
 * balanceOf(pinBudget(cap, ZERO_LOSS), ZERO_AMOUNT).remaining.epsilon;
 */
export function balanceOf(pin: BudgetPin, spent: ExactLoss, recorded: ExactLoss = spent): LedgerBalance {
  edgeRecord(pin, 'pin');
  checkLedgerCap(pin.cap, 'pin.cap');
  checkExactLoss(spent, 'spent');
  checkExactLoss(recorded, 'recorded');
  const g = pinnedGuarantee(pin, recorded);
  return {
    total: pin.cap,
    pin,
    spent,
    recorded,
    guarantee: { epsilon: g.epsilon ?? NO_GUARANTEE, delta: g.delta },
    left: leftOf(pin, recorded),
    remaining: remainingOf(pin, recorded),
  };
}

/**
 * Sums the entries of one data set, raw (in the measures spent): in total and per analyst.
 * @param entries - the spends.
 * @returns the raw totals (no recorded totals: see `replayEntries`).
 * @example
 * sumEntries([]).dataset; // ZERO_AMOUNT
 */
export function sumEntries(entries: readonly LedgerEntry[]): LedgerTotals {
  edgeIterable(entries, 'entries');
  let dataset = ZERO_LOSS;
  const analysts = new Map<string, ExactLoss>();
  for (const e of entries) {
    dataset = addLoss(dataset, e);
    analysts.set(e.analyst, addLoss(analysts.get(e.analyst) ?? ZERO_LOSS, e));
  }
  return { dataset, analysts };
}

/** A record that cannot be converted (a legacy ρ spend with no δ left): recorded as more than any cap. */
function overCap(pin: BudgetPin, cost: ExactLoss): ExactLoss {
  return { epsilon: pin.cap.epsilon.add(cost.epsilon).add(Rational.ONE), delta: cost.delta, rho: Rational.ZERO };
}

/** The unit a scope's charge is stated for: validated (a unit built elsewhere is read again), default one row. */
function unitOf(scope: LedgerScope): PrivacyUnit {
  return scope.unit === undefined ? privacyUnit(null) : readPrivacyUnit(scope.unit, 'scope.unit');
}

/** Refuses a charge stated for another unit than the data set's pinned one (nothing recorded). */
function checkUnit(pinned: PrivacyUnit, stated: PrivacyUnit, dataset: string): void {
  if (samePrivacyUnit(pinned, stated)) return;
  throw new DpError(
    'DOMAIN_MISMATCH',
    `data set "${dataset}" is pinned to losses stated for ${describePrivacyUnit(pinned)}; this charge is stated for ${describePrivacyUnit(stated)}. ` +
      'Losses for different privacy units do not add up to a guarantee for either: release per the pinned unit (e.g. bound each ' +
      'unit to m records and charge the group cost), or use another data set name',
    { left: `unit ${stated.column ?? 'row'}`, right: `unit ${pinned.column ?? 'row'}` },
  );
}

/**
 * Merges pins: a later pin of the same budget replaces an earlier one (a legacy data-set pin and the same pin with the
 * unit adopted at the first charge after the upgrade), order kept.
 * @param pins - pins, oldest first.
 * @returns one pin per budget.
 */
export function mergePins(pins: readonly LedgerPin[]): LedgerPin[] {
  const out: LedgerPin[] = [];
  for (const p of pins) {
    const i = out.findIndex((q) => q.analyst === p.analyst);
    if (i >= 0) out[i] = p;
    else out.push(p);
  }
  return out;
}

/** The data set's and the analyst's pins for a scope: stored, or (before the first spend, or for a legacy journal) derived. */
function pinsFor(
  pins: readonly LedgerPin[],
  scope: LedgerScope,
  first: ExactLoss | undefined,
): { dataset: LedgerPin; analyst?: BudgetPin; made: LedgerPin[] } {
  const analyst = scope.analyst ?? 'default';
  const made: LedgerPin[] = [];
  let dataset: LedgerPin | undefined = pins.find((p) => p.analyst === null);
  // The unit is pinned by (and checked for) charges only: a status query states no loss.
  const unit = first ? unitOf(scope) : undefined;
  if (dataset) {
    checkPinned(dataset, scope.cap, scope.accounting, `data set "${scope.dataset}"`);
    if (unit && dataset.unit) checkUnit(dataset.unit, unit, scope.dataset);
    else if (unit) {
      // A legacy pin without a unit: the first charge after the upgrade records it (with its spend), fixed from then on.
      dataset = { ...dataset, unit };
      made.push(dataset);
    }
  } else {
    dataset = { ...pinBudget(scope.cap, first ?? ZERO_LOSS, scope.accounting), analyst: null, ...(unit ? { unit } : {}) };
    made.push(dataset);
  }
  let mine: BudgetPin | undefined = pins.find((p) => p.analyst === analyst);
  if (mine && scope.analystBudget) checkPinned(mine, scope.analystBudget, undefined, `analyst "${analyst}"`);
  else if (!mine && scope.analystBudget) {
    mine = sharePin(scope.analystBudget, dataset);
    made.push({ ...mine, analyst });
  }
  return mine ? { dataset, analyst: mine, made } : { dataset, made };
}

/**
 * Replays a data set's spends under its pins: raw and recorded totals. Records written before pins
 * existed (no `recorded`) are recorded again, in order, by the same rule a charge uses; the pins
 * such a journal lacks are derived from `scope` and its first spend (and returned in `pins`, to be stored).
 * @param entries - the spends, oldest first.
 * @param pins - the stored pins.
 * @param scope - the scope (its cap derives missing pins).
 * @returns the totals with `recorded`, the stored `pins` and the derived ones (`pending`).
 * @throws DpError DOMAIN_MISMATCH when `scope` names a cap other than a stored pin.
 * @example
 * replayEntries([], [], scope);
 */
export function replayEntries(entries: readonly LedgerEntry[], pins: readonly LedgerPin[], scope: LedgerScope): LedgerTotals {
  edgeIterable(entries, 'entries');
  edgeIterable(pins, 'pins');
  edgeRecord(scope, 'scope');
  edgeString(scope.dataset, 'scope.dataset');
  checkLedgerCap(scope.cap, 'scope.cap');
  const all: LedgerPin[] = [...pins];
  const pending: LedgerPin[] = [];
  const raw = sumEntries(entries);
  let dataset = ZERO_LOSS;
  const analysts = new Map<string, ExactLoss>();
  let dsPin: BudgetPin | undefined = pins.find((p) => p.analyst === null);
  for (const e of entries) {
    if (!dsPin) {
      const made: LedgerPin = { ...pinBudget(scope.cap, e, scope.accounting), analyst: null };
      dsPin = made;
      all.push(made);
      pending.push(made);
    }
    const aPin = all.find((p) => p.analyst === e.analyst);
    const mine = analysts.get(e.analyst) ?? ZERO_LOSS;
    let rec = e.recorded;
    if (!rec) {
      const budgets = [{ pin: dsPin, recorded: dataset }, ...(aPin ? [{ pin: aPin, recorded: mine }] : [])];
      const d = dsPin.mode === 'approximate' ? conversionDeltaFor(budgets, e) : Rational.ZERO;
      rec = recordedCost(dsPin.mode, e, d) ?? overCap(dsPin, e);
    }
    dataset = addLoss(dataset, rec);
    analysts.set(e.analyst, addLoss(mine, rec));
  }
  return { ...raw, recorded: { dataset, analysts }, pins: [...pins], pending };
}

/** Which part of a pinned budget a refused total passes (for the message: "which part of the budget is the limit"). */
function limitOf(pin: BudgetPin, next: ExactLoss | undefined): string {
  if (next === undefined) return 'δ (none left to convert ρ)';
  if (pin.mode === 'approximate') return next.delta.gt(pin.cap.delta) ? 'δ' : 'ε';
  if (!next.delta.gt(pin.cap.delta.sub(pin.conversionDelta))) return 'ε (ρ converted once)';
  return pin.conversionDelta.equals(pin.cap.delta)
    ? "δ (all of it was reserved for converting ρ at the first spend; to mix spends with δ, such as partition selection, declare accounting { mode: 'zcdp', conversionDelta } below the cap's δ before the first spend, or use a new data set name)"
    : 'δ (left for spends; the rest converts ρ)';
}

function refuse(
  cost: ExactLoss,
  pin: BudgetPin,
  spent: ExactLoss,
  recorded: ExactLoss,
  next: ExactLoss | undefined,
  scope: string,
  what: string,
): never {
  const rem = balanceOf(pin, spent, recorded).remaining;
  throw new DpError(
    'BUDGET_EXHAUSTED',
    `charging ${formatAmount(cost)} would pass the ${limitOf(pin, next)} of the budget of ${what} (${formatPin(pin)}); remaining ${formatAmount(rem)}`,
    { requested: formatAmount(cost), remaining: formatAmount(rem), scope },
  );
}

/** The decision of a charge: the status after it, how it is recorded, and the pins it makes (to store with it). */
export interface ChargePlan {
  readonly status: LedgerStatus;
  /** How the spend is recorded (null for a status query). */
  readonly recorded: ExactLoss | null;
  /**
   * Pins to store atomically with the spend (the data set's first spend, an analyst's first spend, a legacy journal),
   * one per budget; a data-set pin here may restate a stored legacy pin with the unit it lacked (the backend stores
   * it as an update of that pin, never as a second, different pin).
   */
  readonly pins: readonly LedgerPin[];
}

/**
 * The pure decision of a charge, shared by every ledger backend.
 * @param state - what was spent before: the entries (replayed under `pins`), or verified totals with `recorded` and `pins`.
 * @param scope - the data set's cap and, optionally, the analyst's budget and a declared accounting.
 * @param cost - the charge, or null for a status query.
 * @param pins - the stored pins (when `state` is a list of entries).
 * @returns the status after the charge, the recorded amount and the pins to store.
 * @throws DpError BUDGET_EXHAUSTED (which part is the limit is in the message), DOMAIN_MISMATCH (a cap other
 *   than the pinned one, or a charge stated for another privacy unit than the pinned one), INVALID_PARAMETER (a cost that is not three Rationals ≥ 0, a bad cap).
 * @privacy a charge is accepted only if the data set's and the analyst's pinned filters accept it (sound for
 *   fully adaptive spends, `core/exact-loss.proof.md`).
 * @example
 * planCharge([], { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } }, ZERO_AMOUNT);
 */
export function planCharge(
  state: readonly LedgerEntry[] | LedgerTotals,
  scope: LedgerScope,
  cost: ExactLoss | null,
  pins: readonly LedgerPin[] = [],
): ChargePlan {
  const c = cost === null ? null : checkExactLoss(cost, 'cost');
  checkCap(scope.cap);
  if (scope.analystBudget !== undefined) checkCap(scope.analystBudget, 'analystBudget');
  const entries = Array.isArray(state) ? (state as readonly LedgerEntry[]) : undefined;
  const totals = entries ? replayEntries(entries, pins, scope) : (state as LedgerTotals);
  if (!totals.recorded) throw new DpError('INTERNAL', 'a charge needs the entries or the recorded totals', {});
  const pending = totals.pending ?? [];
  const p = pinsFor(mergePins([...(totals.pins ?? []), ...pending]), scope, c ?? undefined);
  const made = mergePins([...pending, ...p.made]);
  const analyst = scope.analyst ?? 'default';
  let spentAll = totals.dataset;
  let spentMine = totals.analysts.get(analyst) ?? ZERO_LOSS;
  let recAll = totals.recorded.dataset;
  let recMine = totals.recorded.analysts.get(analyst) ?? ZERO_LOSS;
  let rec: ExactLoss | null = null;
  if (c) {
    const budgets = [{ pin: p.dataset, recorded: recAll }, ...(p.analyst ? [{ pin: p.analyst, recorded: recMine }] : [])];
    const d = p.dataset.mode === 'approximate' ? conversionDeltaFor(budgets, c) : Rational.ZERO;
    const r = recordedCost(p.dataset.mode, c, d);
    const nextAll = r && addLoss(recAll, r);
    if (!r || !nextAll || !fitsPin(p.dataset, nextAll)) {
      refuse(c, p.dataset, spentAll, recAll, nextAll, `dataset:${scope.dataset}`, `data set "${scope.dataset}"`);
    }
    const nextMine = addLoss(recMine, r);
    if (p.analyst && !fitsPin(p.analyst, nextMine)) {
      refuse(c, p.analyst, spentMine, recMine, nextMine, `analyst:${analyst}`, `analyst "${analyst}"`);
    }
    rec = r;
    recAll = nextAll;
    recMine = nextMine;
    spentAll = addLoss(spentAll, c);
    spentMine = addLoss(spentMine, c);
  }
  const status: LedgerStatus = p.analyst
    ? { dataset: balanceOf(p.dataset, spentAll, recAll), analyst: balanceOf(p.analyst, spentMine, recMine) }
    : { dataset: balanceOf(p.dataset, spentAll, recAll) };
  return { status, recorded: rec, pins: c ? made : [] };
}

/**
 * The decision of a charge (or a status query): the status after it, or a refusal. Shared by every backend.
 * @param state - the entries (replayed under `pins`) or verified totals with `recorded` and `pins`.
 * @param scope - the data set's cap and, optionally, the analyst's budget.
 * @param cost - the charge, or null for a status query.
 * @param pins - the stored pins (when `state` is a list of entries; without them a journal's pins are derived from `scope`).
 * @returns the balances after the charge.
 * @throws DpError BUDGET_EXHAUSTED, DOMAIN_MISMATCH, INVALID_PARAMETER (see `planCharge`).
 * @privacy see `planCharge`.
 * @example
 * decideCharge([], { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } }, ZERO_AMOUNT);
 */
export function decideCharge(
  state: readonly LedgerEntry[] | LedgerTotals,
  scope: LedgerScope,
  cost: ExactLoss | null,
  pins: readonly LedgerPin[] = [],
): LedgerStatus {
  return planCharge(state, scope, cost, pins).status;
}
