/**
 * A privacy budget: a total and what has been spent of it, kept exactly as an
 * `ExactLoss` (δ-approximate (ξ, ρ)-zCDP, see `exact-loss.ts`) so that
 * charges never drift. Immutable: `charge` returns a new budget or throws
 * `BUDGET_EXHAUSTED` — it never half-charges.
 *
 * - a pure budget takes pure charges;
 * - an (ε, δ) budget takes pure, (ε, δ) **and ρ-zCDP** charges. It is a privacy
 *   filter pinned at its first charge (`budget-filter.ts`; proof in
 *   `exact-loss.proof.md`, sound for fully adaptive charges): `approximate`
 *   accounting when the first charge is pure or (ε, δ) — basic composition, a
 *   later ρ converted on its own — or `zcdp` accounting when it is ρ — every
 *   charge recorded as ρ + ε²/2 with its δ, Σρ converted once at the δ reserved
 *   for it (D/2 unless declared);
 * - a zCDP budget takes ρ charges and pure ones as ε²/2 (Bun–Steinke Prop. 1.4).
 *
 * Amounts are validated at the edge: a bigint, NaN, ±Infinity, a negative
 * amount or a string that is not a decimal or fraction is refused with
 * `INVALID_PARAMETER`. A double such as `1/11` is read as the simplest rational
 * it is nearest to (`Rational.fromNumberIntended`), so eleven charges of `1/11`
 * fit a budget of 1 and a twelfth does not. That reading differs from the
 * double by less than half an ulp (2⁻⁵³ relative) — the one place the budget
 * does not round up.
 * @module
 */
import { Rational } from '../numeric/rational.js';
import {
  type AccountingChoice,
  type BudgetPin,
  conversionDeltaFor,
  fitsPin,
  pinBudget,
  pinnedGuarantee,
  recordedCost,
  remainingOf,
} from './budget-filter.js';
import { assertNever, DpError } from './errors.js';
import {
  addLoss,
  type ExactLoss,
  exactLoss,
  formatExactLoss,
  lossFromJson,
  lossLe,
  lossToJson,
  readAmount,
  ZERO_LOSS,
} from './exact-loss.js';
import { approximate, formatLoss, type LossKind, type PrivacyLoss, pure, zcdp } from './loss.js';

/** The exact cost of `loss` in a budget of kind `kind`. */
function costIn(kind: LossKind, loss: PrivacyLoss): ExactLoss {
  const exact = exactLoss(loss); // validates (INVALID_PARAMETER) before any kind check
  switch (loss.kind) {
    case 'pure':
      if (kind === 'zcdp') return { ...ZERO_LOSS, rho: exact.epsilon.mul(exact.epsilon).div(Rational.of(2n)) }; // Bun–Steinke Prop. 1.4
      return exact;
    case 'approximate':
      if (kind !== 'approximate') break;
      return exact;
    case 'zcdp':
      if (kind === 'pure') break;
      return exact;
    default:
      return assertNever(loss, 'loss');
  }
  throw new DpError('DOMAIN_MISMATCH', `a ${loss.kind} loss cannot be charged to a ${kind} budget; convert it first`, {
    left: loss.kind,
    right: kind,
  });
}

/** The JSON form of a budget, exact (rationals as strings). */
export interface PrivacyBudgetJson {
  kind: LossKind;
  total: { epsilon: string; delta: string; rho: string };
  spent: { epsilon: string; delta: string; rho: string };
  /** (ε, δ) budgets after their first charge: the pinned accounting and what it recorded. */
  pin?: { mode: 'approximate' | 'zcdp'; conversionDelta: string };
  recorded?: { epsilon: string; delta: string; rho: string };
}

/**
 * An immutable budget; spends compose as δ-approximate zCDP (ε, δ and ρ add exactly).
 * @privacy everything charged to it is, in total, within `total` (for an (ε, δ) budget with ρ
 * spent: by one conversion of the total ρ with the δ left, see `exact-loss.proof.md`).
 * @example
 * let b = PrivacyBudget.pure(1);
 * for (let i = 0; i < 11; i++) b = b.charge(pure(1 / 11));
 * b.isExhausted; // true
 */
export class PrivacyBudget {
  private constructor(
    /** The kind of loss this budget is kept in. */
    readonly kind: LossKind,
    private readonly totalExact: ExactLoss,
    /** The exact total spent ({ε, δ, ρ}, each kept in the measure it was spent in). */
    readonly spentExact: ExactLoss,
    /** (ε, δ) budgets: the accounting pinned at the first charge (or declared). */
    private readonly pin?: BudgetPin,
    /** (ε, δ) budgets: the total as the pinned filter records it. */
    private readonly recorded: ExactLoss = spentExact,
  ) {}

  /**
   * A pure-ε budget.
   * @param epsilon - a finite number ≥ 0, a decimal/fraction string or a Rational ≥ 0.
   * @returns the budget.
   * @throws DpError INVALID_PARAMETER for anything else (bigint, NaN, ±Infinity, junk strings, negative).
   * @example
   * PrivacyBudget.pure('1/2');
   */
  static pure(epsilon: number | string | Rational): PrivacyBudget {
    return new PrivacyBudget('pure', { ...ZERO_LOSS, epsilon: readAmount(epsilon, 'epsilon') }, ZERO_LOSS);
  }
  /**
   * An (ε, δ) budget; it takes pure, (ε, δ) and ρ-zCDP charges, as a filter pinned at its first charge.
   * @param epsilon - ε ≥ 0.
   * @param delta - δ ∈ [0, 1).
   * @param accounting - a declared accounting (default: the first charge decides; see the module header).
   * @returns the budget.
   * @throws DpError INVALID_PARAMETER on an invalid amount, δ ≥ 1 or a bad accounting.
   * @example
   * PrivacyBudget.approximate(1, 1e-6).charge(zcdp(0.01));
   */
  static approximate(epsilon: number | string | Rational, delta: number | string | Rational, accounting?: AccountingChoice): PrivacyBudget {
    const e = readAmount(epsilon, 'epsilon');
    const d = readAmount(delta, 'delta');
    if (d.ge(Rational.ONE)) throw new DpError('INVALID_PARAMETER', 'delta of a budget must be < 1', { parameter: 'delta' });
    const pin = accounting === undefined ? undefined : pinBudget({ epsilon: e, delta: d }, ZERO_LOSS, accounting);
    return new PrivacyBudget('approximate', { ...ZERO_LOSS, epsilon: e, delta: d }, ZERO_LOSS, pin);
  }
  /**
   * A ρ-zCDP budget.
   * @param rho - ρ ≥ 0.
   * @returns the budget.
   * @throws DpError INVALID_PARAMETER on an invalid amount.
   * @example
   * PrivacyBudget.zcdp(0.5);
   */
  static zcdp(rho: number | string | Rational): PrivacyBudget {
    return new PrivacyBudget('zcdp', { ...ZERO_LOSS, rho: readAmount(rho, 'rho') }, ZERO_LOSS);
  }
  /**
   * A budget with the same kind and amount as `loss`.
   * @param loss - the total.
   * @returns the budget.
   * @throws DpError INVALID_PARAMETER on a malformed loss.
   * @example
   * PrivacyBudget.fromLoss(pure(1));
   */
  static fromLoss(loss: PrivacyLoss): PrivacyBudget {
    if (typeof loss !== 'object' || loss === null) {
      throw new DpError('INVALID_PARAMETER', 'a budget must be a privacy loss', { parameter: 'budget' });
    }
    switch (loss.kind) {
      case 'pure':
        return PrivacyBudget.pure(loss.epsilon);
      case 'approximate':
        return PrivacyBudget.approximate(loss.epsilon, loss.delta);
      case 'zcdp':
        return PrivacyBudget.zcdp(loss.rho);
      default:
        return assertNever(loss, 'loss');
    }
  }
  /**
   * Restores a budget from its exact JSON form (fail-closed).
   * @param json - the stored form.
   * @returns the budget.
   * @throws DpError INVALID_PARAMETER on junk, negative amounts, an unknown kind or a spend beyond the total.
   * @example
   * PrivacyBudget.fromJSON(JSON.parse(JSON.stringify(PrivacyBudget.pure(1))));
   */
  static fromJSON(json: PrivacyBudgetJson): PrivacyBudget {
    if (typeof json !== 'object' || json === null)
      throw new DpError('INVALID_PARAMETER', 'stored budget is not an object', { parameter: 'budget' });
    const amount = (x: unknown, name: string): Rational => {
      if (typeof x !== 'string') throw new DpError('INVALID_PARAMETER', `stored budget ${name} is not a string`, { parameter: name });
      return readAmount(x, name);
    };
    const read = (o: unknown, part: string): ExactLoss => {
      if (typeof o !== 'object' || o === null) throw new DpError('INVALID_PARAMETER', `stored budget has no ${part}`, { parameter: part });
      const r = o as Record<string, unknown>;
      return { epsilon: amount(r.epsilon, `${part}.epsilon`), delta: amount(r.delta, `${part}.delta`), rho: amount(r.rho, `${part}.rho`) };
    };
    if (!['pure', 'approximate', 'zcdp'].includes(json.kind)) {
      throw new DpError('INVALID_PARAMETER', 'unknown budget kind', { parameter: 'kind' });
    }
    const total = read(json.total, 'total');
    const spent = read(json.spent, 'spent');
    if (json.kind !== 'approximate') {
      if (!lossLe(spent, total))
        throw new DpError('INVALID_PARAMETER', 'stored budget has spent more than its total', { parameter: 'spent' });
      return new PrivacyBudget(json.kind, total, spent);
    }
    const cap = { epsilon: total.epsilon, delta: total.delta };
    let pin: BudgetPin | undefined;
    let recorded: ExactLoss;
    if (json.pin !== undefined) {
      const p = json.pin as unknown as Record<string, unknown>;
      if (typeof p !== 'object' || p === null || (p.mode !== 'approximate' && p.mode !== 'zcdp')) {
        throw new DpError('INVALID_PARAMETER', 'stored budget has a malformed pin', { parameter: 'pin' });
      }
      pin = pinBudget(
        cap,
        ZERO_LOSS,
        p.mode === 'zcdp' ? { mode: 'zcdp', conversionDelta: amount(p.conversionDelta, 'pin.conversionDelta') } : { mode: 'approximate' },
      );
      recorded = json.recorded === undefined ? spent : lossFromJson(json.recorded, 'recorded');
    } else if (spent.rho.isZero()) {
      // No pin stored: a budget of pure and (ε, δ) charges only is in approximate accounting.
      pin = spent.epsilon.isZero() && spent.delta.isZero() ? undefined : pinBudget(cap, spent);
      recorded = spent;
    } else {
      // Stored before pins, with ρ spent: recorded conservatively in zcdp accounting (ρ + ε²/2, valid for any order).
      pin = pinBudget(cap, spent);
      recorded = recordedCost('zcdp', spent, Rational.ZERO) as ExactLoss;
    }
    if (pin && !fitsPin(pin, recorded)) {
      throw new DpError('INVALID_PARAMETER', 'stored budget has spent more than its total', { parameter: 'spent' });
    }
    return new PrivacyBudget('approximate', total, spent, pin, recorded);
  }

  /** The budget after charging `cost`, or undefined when the total would be passed. */
  private after(cost: ExactLoss): PrivacyBudget | undefined {
    const spent = addLoss(this.spentExact, cost);
    if (this.kind !== 'approximate')
      return lossLe(spent, this.totalExact) ? new PrivacyBudget(this.kind, this.totalExact, spent) : undefined;
    const pin = this.pin ?? pinBudget({ epsilon: this.totalExact.epsilon, delta: this.totalExact.delta }, cost);
    const d = pin.mode === 'approximate' ? conversionDeltaFor([{ pin, recorded: this.recorded }], cost) : Rational.ZERO;
    const r = recordedCost(pin.mode, cost, d);
    if (!r) return undefined;
    const recorded = addLoss(this.recorded, r);
    return fitsPin(pin, recorded) ? new PrivacyBudget(this.kind, this.totalExact, spent, pin, recorded) : undefined;
  }

  /**
   * True when `loss` can be charged without passing the total.
   * @param loss - the loss.
   * @returns whether `charge(loss)` would succeed.
   * @throws DpError INVALID_PARAMETER on a malformed loss, DOMAIN_MISMATCH when its kind cannot be charged here.
   * @example
   * PrivacyBudget.pure(1).canCharge(pure(0.5)); // true
   */
  canCharge(loss: PrivacyLoss): boolean {
    return this.after(costIn(this.kind, loss)) !== undefined;
  }

  /**
   * Returns the budget after charging `loss`.
   * @param loss - the loss.
   * @returns the new budget.
   * @throws DpError BUDGET_EXHAUSTED (nothing charged) when it would pass the total.
   * @throws DpError DOMAIN_MISMATCH when the loss kind cannot be charged here; INVALID_PARAMETER on a malformed loss.
   * @privacy the new budget's spent is the exact composition of every charge.
   * @example
   * PrivacyBudget.pure(1).charge(pure(0.25)).remaining; // ε=0.75
   */
  charge(loss: PrivacyLoss): PrivacyBudget {
    const next = this.after(costIn(this.kind, loss));
    if (!next) {
      const remaining = formatLoss(this.remaining);
      throw new DpError('BUDGET_EXHAUSTED', `charging ${formatLoss(loss)} would pass the budget; remaining ${remaining}`, {
        requested: formatLoss(loss),
        remaining,
      });
    }
    return next;
  }

  /** The total, as a loss. */
  get total(): PrivacyLoss {
    return this.asLoss(this.totalExact, 'nearest');
  }
  /**
   * What has been spent, rounded up. In an (ε, δ) budget this is the guarantee of what the pinned
   * filter recorded: (Σε, Σδ), or in zcdp accounting (ε_CKS(Σρ, D_c), Σδ + D_c).
   */
  get spent(): PrivacyLoss {
    if (this.kind === 'approximate' && this.pin) {
      const g = pinnedGuarantee(this.pin, this.recorded);
      return approximate(g.epsilon === undefined ? Number.MAX_VALUE : g.epsilon.toNumberUp(), Math.min(1, g.delta.toNumberUp()));
    }
    return this.asLoss(this.spentExact, 'up');
  }

  /** The accounting this budget is pinned to (an (ε, δ) budget after its first charge, or declared), else undefined. */
  get accounting(): BudgetPin | undefined {
    return this.pin;
  }
  /** What is left, rounded down. */
  get remaining(): PrivacyLoss {
    return this.asLoss(this.remainingExact, 'down');
  }
  /**
   * The exact remaining amounts. In an (ε, δ) budget: the ε a further pure charge may use and the δ
   * charges may use, under the pinned filter (`remainingOf`), and ρ = 0.
   */
  get remainingExact(): { epsilon: Rational; delta: Rational; rho: Rational } {
    const pos = (r: Rational) => (r.isNegative() ? Rational.ZERO : r);
    const t = this.totalExact;
    const s = this.spentExact;
    if (this.kind === 'approximate') {
      if (!this.pin) return { epsilon: t.epsilon, delta: t.delta, rho: Rational.ZERO };
      return { ...remainingOf(this.pin, this.recorded), rho: Rational.ZERO };
    }
    return { epsilon: pos(t.epsilon.sub(s.epsilon)), delta: pos(t.delta.sub(s.delta)), rho: pos(t.rho.sub(s.rho)) };
  }
  /** True when nothing is left of the main parameter (ε or ρ). */
  get isExhausted(): boolean {
    const r = this.remainingExact;
    return this.kind === 'zcdp' ? r.rho.isZero() : r.epsilon.isZero();
  }

  /** The exact JSON form (rationals as strings); `fromJSON` reads it back. */
  toJSON(): PrivacyBudgetJson {
    const str = (e: ExactLoss) => ({ epsilon: e.epsilon.toString(), delta: e.delta.toString(), rho: e.rho.toString() });
    const base: PrivacyBudgetJson = { kind: this.kind, total: str(this.totalExact), spent: str(this.spentExact) };
    if (this.kind !== 'approximate' || !this.pin) return base;
    return {
      ...base,
      pin: { mode: this.pin.mode, conversionDelta: this.pin.conversionDelta.toString() },
      recorded: lossToJson(this.recorded),
    };
  }

  /** A short form such as `ρ=0.1 spent of (ε=1, δ=0.000001)`. */
  toString(): string {
    return `${formatExactLoss(this.spentExact)} spent of ${formatLoss(this.total)}`;
  }

  private asLoss(e: { epsilon: Rational; delta: Rational; rho: Rational }, rounding: 'up' | 'down' | 'nearest'): PrivacyLoss {
    const n = (r: Rational) => (rounding === 'up' ? r.toNumberUp() : rounding === 'down' ? r.toNumberDown() : r.toNumber());
    switch (this.kind) {
      case 'pure':
        return pure(n(e.epsilon));
      case 'approximate':
        return approximate(n(e.epsilon), Math.min(1, n(e.delta)));
      case 'zcdp':
        return zcdp(n(e.rho));
      default:
        return assertNever(this.kind, 'kind');
    }
  }
}
