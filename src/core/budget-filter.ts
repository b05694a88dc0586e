/**
 * The privacy filter of one budget (a ledger's data set or analyst, a
 * `PrivacyBudget`): sound for **fully adaptive** spends — each spend's ε, δ or ρ
 * may be chosen after seeing every earlier answer.
 *
 * A budget's cap is (E, D). At its **first spend** the budget is pinned
 * (`pinBudget`) to one accounting mode, never changed afterwards:
 *
 * - **`approximate`** (the first spend has ρ = 0, or it is declared): the
 *   basic-composition filter. Each spend is recorded as (ε, δ); a spend that
 *   carries ρ is converted on its own, at δ′ = half the δ left after it:
 *   (ε + ε_CKS(ρ, δ′), δ + δ′). Accept iff Σε ≤ E and Σδ ≤ D. A data set of pure
 *   and (ε, δ) spends is exactly as generous as basic composition.
 * - **`zcdp`** (the first spend has ρ > 0, or it is declared): D is split once,
 *   at the pin, into D_c (reserved for the one conversion of Σρ) and D − D_c
 *   (for the spends' own δ). Unless declared, D_c = D/2 (declare D_c = D for
 *   a data set that never spends δ: one conversion at all of D). Each spend {ε, δ, ρ} is
 *   recorded as {0, δ, ρ + ε²/2}. Accept iff Σδ ≤ D − D_c and ε_CKS(Σρ, D_c) ≤ E:
 *   ρ is converted once, on the total.
 *
 * Both are product filters with budgets fixed before the first spend, so the
 * fully adaptive theorems apply (proof: `exact-loss.proof.md`, "Fully adaptive
 * spends"). The region used before (ξ + ε_CKS(ρ, D − δ) ≤ E over mixed totals)
 * was proven only for costs fixed in advance and is no longer used to decide.
 *
 * Every amount is an exact rational; the one float step (the CKS conversion)
 * rounds toward more loss (`zcdpEpsilonBound`).
 * @module
 */
import { Rational } from '../numeric/rational.js';
import { DpError } from './errors.js';
import { type ApproximateCap, type ExactLoss, readAmount, zcdpEpsilonBound } from './exact-loss.js';

/** How a budget composes its spends, pinned at its first spend. */
export type AccountingMode = 'approximate' | 'zcdp';

/** What a budget is pinned to at its first spend: its cap and its accounting, never changed afterwards. */
export interface BudgetPin {
  /** The cap (E, D). */
  readonly cap: ApproximateCap;
  /** The accounting mode. */
  readonly mode: AccountingMode;
  /** zcdp: D_c, the δ reserved for the one conversion of Σρ (the spends' δ may use D − D_c). approximate: 0. */
  readonly conversionDelta: Rational;
}

/**
 * A declared accounting (optional): the mode, and in zcdp mode the δ reserved for
 * converting Σρ. Without one, the first spend decides the mode (ρ > 0: zcdp), with D_c = D/2.
 */
export interface AccountingChoice {
  readonly mode: AccountingMode;
  /** zcdp only: D_c in [0, D] (default D/2). D_c = D leaves no δ for spends (a spend with δ > 0 is then refused). */
  readonly conversionDelta?: number | string | Rational;
}

const TWO = Rational.of(2n);

/**
 * Validates a cap (E, D): two `Rational`s, E ≥ 0, 0 ≤ D < 1.
 * @param cap - the cap.
 * @param name - the parameter name for errors.
 * @returns the cap.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example
 * checkCap({ epsilon: Rational.ONE, delta: Rational.ZERO });
 */
export function checkCap(cap: unknown, name = 'cap'): ApproximateCap {
  if (typeof cap !== 'object' || cap === null) throw new DpError('INVALID_PARAMETER', `${name} must be an (ε, δ) cap`, { parameter: name });
  const o = cap as Record<string, unknown>;
  for (const k of ['epsilon', 'delta'] as const) {
    const v = o[k];
    if (!(v instanceof Rational) || v.isNegative()) {
      throw new DpError('INVALID_PARAMETER', `${name}.${k} must be a Rational >= 0`, { parameter: `${name}.${k}` });
    }
  }
  if ((o.delta as Rational).ge(Rational.ONE)) {
    throw new DpError('INVALID_PARAMETER', `${name}.delta must be < 1`, { parameter: `${name}.delta` });
  }
  return { epsilon: o.epsilon as Rational, delta: o.delta as Rational };
}

/**
 * Validates a declared accounting choice against a cap.
 * @param choice - the choice, or undefined.
 * @param cap - the cap it is for.
 * @returns the choice with an exact D_c, or undefined.
 * @throws DpError INVALID_PARAMETER on an unknown mode or D_c outside [0, D].
 * @example
 * checkAccountingChoice({ mode: 'zcdp', conversionDelta: '1e-6' }, cap);
 */
export function checkAccountingChoice(
  choice: AccountingChoice | undefined,
  cap: ApproximateCap,
): { mode: AccountingMode; conversionDelta?: Rational } | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice !== 'object' || choice === null || (choice.mode !== 'approximate' && choice.mode !== 'zcdp')) {
    throw new DpError('INVALID_PARAMETER', "accounting.mode must be 'approximate' or 'zcdp'", { parameter: 'accounting.mode' });
  }
  if (choice.conversionDelta === undefined) return { mode: choice.mode };
  if (choice.mode === 'approximate') {
    throw new DpError('INVALID_PARAMETER', 'accounting.conversionDelta applies to zcdp mode only', {
      parameter: 'accounting.conversionDelta',
    });
  }
  const dc = readAmount(choice.conversionDelta, 'accounting.conversionDelta');
  if (dc.gt(cap.delta)) {
    throw new DpError('INVALID_PARAMETER', 'accounting.conversionDelta must be <= the cap δ', {
      parameter: 'accounting.conversionDelta',
      expected: `<= ${cap.delta.toNumber()}`,
    });
  }
  return { mode: 'zcdp', conversionDelta: dc };
}

/**
 * The pin of a budget at its first spend.
 * @param cap - the cap (E, D).
 * @param first - the first spend (its ρ decides the mode unless one is declared).
 * @param choice - a declared accounting, if any.
 * @returns the pin: approximate (ρ = 0) or zcdp with D_c = D/2 (or the declared D_c).
 * @throws DpError INVALID_PARAMETER on a bad cap or choice.
 * @privacy depends on public amounts only (the cap and the first spend's declared cost).
 * @example
 * pinBudget(cap, exactLoss(zcdp(0.1))).mode; // 'zcdp'
 */
export function pinBudget(cap: ApproximateCap, first: ExactLoss, choice?: AccountingChoice): BudgetPin {
  const c = checkCap(cap);
  const declared = checkAccountingChoice(choice, c);
  const mode: AccountingMode = declared?.mode ?? (first.rho.isZero() ? 'approximate' : 'zcdp');
  if (mode === 'approximate') return { cap: c, mode, conversionDelta: Rational.ZERO };
  // Default split, whatever the first spend: D/2 converts Σρ, D/2 is left for the spends' own δ (e.g. DP partition
  // selection), so no spend is refused because of the order the spends came in.
  return { cap: c, mode, conversionDelta: declared?.conversionDelta ?? c.delta.div(TWO) };
}

/**
 * The pin of a budget that is an analyst's share of a pinned data set: its own cap, the data set's mode,
 * and (zcdp) the same fraction of its δ reserved for the conversion.
 * @param cap - the analyst's cap.
 * @param of - the data set's pin.
 * @returns the analyst's pin.
 * @example
 * sharePin(analystCap, datasetPin);
 */
export function sharePin(cap: ApproximateCap, of: BudgetPin): BudgetPin {
  const c = checkCap(cap);
  if (of.mode === 'approximate') return { cap: c, mode: 'approximate', conversionDelta: Rational.ZERO };
  const fraction = of.cap.delta.isZero() ? Rational.ZERO : of.conversionDelta.div(of.cap.delta);
  return { cap: c, mode: 'zcdp', conversionDelta: c.delta.mul(fraction) };
}

/**
 * Exact equality of two pins.
 * @param a - a pin.
 * @param b - a pin.
 * @returns true when cap, mode and D_c are equal.
 * @example
 * samePin(p, p); // true
 */
export function samePin(a: BudgetPin, b: BudgetPin): boolean {
  return (
    a.mode === b.mode &&
    a.cap.epsilon.equals(b.cap.epsilon) &&
    a.cap.delta.equals(b.cap.delta) &&
    a.conversionDelta.equals(b.conversionDelta)
  );
}

/** A cap for messages. */
export function formatCap(cap: ApproximateCap): string {
  return cap.delta.isZero() ? `ε=${cap.epsilon.toNumber()}` : `(ε=${cap.epsilon.toNumber()}, δ=${cap.delta.toNumber()})`;
}

/** A pin for messages: `(ε=1, δ=1e-6), zcdp (δ 5e-7 for converting ρ)`. */
export function formatPin(pin: BudgetPin): string {
  return pin.mode === 'zcdp'
    ? `${formatCap(pin.cap)}, zcdp accounting (δ ${pin.conversionDelta.toNumber()} reserved for converting ρ)`
    : `${formatCap(pin.cap)}, (ε, δ) accounting`;
}

/**
 * Refuses a charge whose cap (or declared accounting) differs from the budget's pin — a cap is never
 * silently raised (or lowered) after the first spend.
 * @param pin - the pin.
 * @param cap - the cap the caller names now.
 * @param choice - the accounting the caller declares now, if any.
 * @param what - the budget, for the message (e.g. `data set "adult"`).
 * @throws DpError DOMAIN_MISMATCH (details: left = the cap named now, right = the pinned one), naming the fix.
 * @example
 * checkPinned(pin, cap, undefined, 'data set "adult"');
 */
export function checkPinned(pin: BudgetPin, cap: ApproximateCap, choice: AccountingChoice | undefined, what: string): void {
  const c = checkCap(cap);
  const capSame = c.epsilon.equals(pin.cap.epsilon) && c.delta.equals(pin.cap.delta);
  const declared = checkAccountingChoice(choice, c);
  const choiceSame =
    declared === undefined ||
    (declared.mode === pin.mode && (declared.conversionDelta === undefined || declared.conversionDelta.equals(pin.conversionDelta)));
  if (capSame && choiceSame) return;
  const named = declared ? `${formatCap(c)}, ${declared.mode} accounting` : formatCap(c);
  throw new DpError(
    'DOMAIN_MISMATCH',
    `the budget of ${what} was pinned at its first spend to ${formatPin(pin)}; this charge names ${named}. ` +
      'A ledger never changes a pinned budget: charge with the pinned cap (restore the schema budget), ' +
      'or start a new budget under a new data set name (the spends recorded here still count against the pinned cap)',
    { left: named, right: formatPin(pin) },
  );
}

/**
 * The δ′ at which an `approximate`-mode budget converts a spend's ρ: half of the δ left after the spend's own δ
 * (the smallest over the budgets the spend is charged to), or 0 when none is left.
 * @param budgets - for each budget charged: its pin and what is recorded so far.
 * @param cost - the spend.
 * @returns δ′ ≥ 0 (exact).
 * @example
 * conversionDeltaFor([{ pin, recorded: ZERO_LOSS }], cost);
 */
export function conversionDeltaFor(budgets: readonly { pin: BudgetPin; recorded: ExactLoss }[], cost: ExactLoss): Rational {
  let left: Rational | undefined;
  for (const b of budgets) {
    const l = b.pin.cap.delta.sub(b.recorded.delta).sub(cost.delta);
    left = left === undefined ? l : Rational.min(left, l);
  }
  if (left === undefined || !left.gt(Rational.ZERO)) return Rational.ZERO;
  return left.div(TWO);
}

/**
 * How a spend is recorded in a budget of the given mode.
 * - approximate: (ε + ε_CKS(ρ, δ′), δ + δ′, 0) when ρ > 0, else (ε, δ, 0);
 * - zcdp: (0, δ, ρ + ε²/2).
 * @param mode - the pinned mode.
 * @param cost - the spend (a composition of (εⱼ, δⱼ)-DP and ρⱼ-zCDP parts with these sums).
 * @param delta - δ′ for converting ρ in approximate mode (`conversionDeltaFor`); ignored in zcdp mode.
 * @returns the recorded amount, or undefined when ρ > 0 cannot be converted (δ′ = 0).
 * @privacy the spend satisfies the recorded guarantee (proof: `exact-loss.proof.md`, "Each spend's record").
 * @example
 * recordedCost('zcdp', exactLoss(pure(1)), Rational.ZERO); // { epsilon: 0, delta: 0, rho: 1/2 }
 */
export function recordedCost(mode: AccountingMode, cost: ExactLoss, delta: Rational): ExactLoss | undefined {
  if (mode === 'zcdp') return { epsilon: Rational.ZERO, delta: cost.delta, rho: cost.rho.add(cost.epsilon.mul(cost.epsilon).div(TWO)) };
  if (cost.rho.isZero()) return { epsilon: cost.epsilon, delta: cost.delta, rho: Rational.ZERO };
  const e = zcdpEpsilonBound(cost.rho, delta);
  if (e === undefined) return undefined;
  return { epsilon: cost.epsilon.add(e), delta: cost.delta.add(delta), rho: Rational.ZERO };
}

/**
 * The filter's test: true when a recorded total stays within the pinned budget.
 * - approximate: ρ = 0, Σε ≤ E, Σδ ≤ D;
 * - zcdp: ε = 0, Σδ ≤ D − D_c, and ε_CKS(Σρ, D_c) ≤ E (Σρ = 0 always fits).
 * @param pin - the pin.
 * @param recorded - the recorded total (after the new spend).
 * @returns whether it fits.
 * @privacy when true on every accepted spend, everything charged is (E, D)-DP, for fully adaptive spends.
 * @example
 * fitsPin(pin, recorded);
 */
export function fitsPin(pin: BudgetPin, recorded: ExactLoss): boolean {
  const { cap } = pin;
  if (pin.mode === 'approximate') return recorded.rho.isZero() && recorded.epsilon.le(cap.epsilon) && recorded.delta.le(cap.delta);
  if (!recorded.epsilon.isZero() || recorded.delta.gt(cap.delta.sub(pin.conversionDelta))) return false;
  if (recorded.rho.isZero()) return true;
  const e = zcdpEpsilonBound(recorded.rho, pin.conversionDelta);
  return e?.le(cap.epsilon) === true;
}

/**
 * The (ε, δ) guarantee of a recorded total: approximate (Σε, Σδ); zcdp (ε_CKS(Σρ, D_c), Σδ + D_c), or (0, Σδ) when Σρ = 0.
 * An unconvertible total (ρ > 0 with D_c = 0) reports ε = +∞ as `undefined`.
 * @param pin - the pin.
 * @param recorded - the recorded total.
 * @returns the guarantee, with ε undefined when there is none.
 * @example
 * pinnedGuarantee(pin, recorded).epsilon;
 */
export function pinnedGuarantee(pin: BudgetPin, recorded: ExactLoss): { epsilon: Rational | undefined; delta: Rational } {
  if (pin.mode === 'approximate' || recorded.rho.isZero()) return { epsilon: recorded.epsilon, delta: recorded.delta };
  return { epsilon: zcdpEpsilonBound(recorded.rho, pin.conversionDelta), delta: recorded.delta.add(pin.conversionDelta) };
}

const rhoBudgets = new Map<string, Rational>();

/**
 * ρ_B: the largest ρ (a double, rounded down) with ε_CKS(ρ, D_c) ≤ E — what a zcdp budget's ρ may reach.
 * @param epsilon - E.
 * @param conversionDelta - D_c.
 * @returns ρ_B (0 when D_c = 0).
 * @example
 * rhoBudget(Rational.ONE, Rational.parse('1e-6')).toNumber(); // ≈ 0.0244
 */
export function rhoBudget(epsilon: Rational, conversionDelta: Rational): Rational {
  if (conversionDelta.isZero()) return Rational.ZERO;
  const key = `${epsilon}|${conversionDelta}`;
  const cached = rhoBudgets.get(key);
  if (cached) return cached;
  const fits = (rho: number) => zcdpEpsilonBound(Rational.fromNumber(rho), conversionDelta)?.le(epsilon) === true;
  let lo = 0;
  let hi = Math.max(1e-300, epsilon.toNumberUp()); // ε_CKS(ρ, ·) ≥ ρ, so ρ_B ≤ E
  if (fits(hi)) lo = hi;
  else {
    for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
      const mid = (lo + hi) / 2;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
  }
  const r = Rational.fromNumber(lo);
  rhoBudgets.set(key, r);
  return r;
}

/**
 * What is left of a pinned budget, in its own measure (the one type for spent and left, `ExactLoss`):
 * approximate {E − Σε, D − Σδ, 0}; zcdp {0, D − D_c − Σδ, ρ_B − Σρ} (each ≥ 0).
 * @param pin - the pin.
 * @param recorded - the recorded total.
 * @returns what is left.
 * @example
 * leftOf(pin, ZERO_LOSS);
 */
export function leftOf(pin: BudgetPin, recorded: ExactLoss): ExactLoss {
  const pos = (r: Rational) => (r.isNegative() ? Rational.ZERO : r);
  if (pin.mode === 'approximate') {
    return { epsilon: pos(pin.cap.epsilon.sub(recorded.epsilon)), delta: pos(pin.cap.delta.sub(recorded.delta)), rho: Rational.ZERO };
  }
  return {
    epsilon: Rational.ZERO,
    delta: pos(pin.cap.delta.sub(pin.conversionDelta).sub(recorded.delta)),
    rho: pos(rhoBudget(pin.cap.epsilon, pin.conversionDelta).sub(recorded.rho)),
  };
}

/**
 * What is left as (ε, δ) for display: the ε a further pure spend may still use and the δ spends may use.
 * In zcdp mode a pure ε is recorded as ε²/2, so the ε left is √(2·ρ left) (rounded down).
 * @param pin - the pin.
 * @param recorded - the recorded total.
 * @returns (ε, δ) left.
 * @example
 * remainingOf(pin, ZERO_LOSS);
 */
export function remainingOf(pin: BudgetPin, recorded: ExactLoss): ApproximateCap {
  const left = leftOf(pin, recorded);
  if (pin.mode === 'approximate') return { epsilon: left.epsilon, delta: left.delta };
  const e = Math.sqrt(2 * left.rho.toNumberDown()) * (1 - 2 ** -50);
  return { epsilon: Number.isFinite(e) && e > 0 ? Rational.fromNumber(e) : Rational.ZERO, delta: left.delta };
}

/**
 * The largest ρ a budget with cap (E, D) accepts as its **first** spend (a fresh budget pins zcdp accounting
 * with D_c = D/2 unless `choice` declares another split): what a planner should calibrate one ρ-zCDP
 * release to (rounded down; charging it is accepted).
 * @param cap - (E, D).
 * @param choice - the accounting the budget is (or will be) declared with, if any.
 * @returns ρ (0 when D = 0).
 * @throws DpError INVALID_PARAMETER on a bad cap or choice.
 * @example
 * largestFirstRho({ epsilon: Rational.ONE, delta: Rational.parse('1e-6') }).toNumber(); // ≈ 0.0232
 */
export function largestFirstRho(cap: ApproximateCap, choice?: AccountingChoice): Rational {
  const pin = pinBudget(cap, { epsilon: Rational.ZERO, delta: Rational.ZERO, rho: Rational.ONE }, choice ?? { mode: 'zcdp' });
  return pin.mode === 'zcdp' ? rhoBudget(pin.cap.epsilon, pin.conversionDelta) : Rational.ZERO;
}
