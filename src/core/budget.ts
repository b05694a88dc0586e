/**
 * A privacy budget: a total loss and what has been spent of it, kept exactly
 * in rationals so that charges never drift. Immutable: `charge` returns a new
 * budget or throws `BUDGET_EXHAUSTED` — it never half-charges.
 *
 * A double such as `1/11` is read as the simplest rational it is nearest to
 * (`Rational.fromNumberIntended`), so eleven charges of `1/11` fit a budget of
 * 1 and a twelfth does not. That reading differs from the double by less than
 * half an ulp (2⁻⁵³ relative) — the one place the ledger does not round up.
 * @module
 */
import { Rational } from '../numeric/rational.js';
import { assertNever, DpError } from './errors.js';
import { approximate, formatLoss, type LossKind, type PrivacyLoss, pure, zcdp } from './loss.js';

interface Exact {
  epsilon: Rational;
  delta: Rational;
  rho: Rational;
}

const ZERO: Exact = { epsilon: Rational.ZERO, delta: Rational.ZERO, rho: Rational.ZERO };

function toRational(x: number | string | Rational): Rational {
  if (x instanceof Rational) return x;
  if (typeof x === 'number') {
    if (!Number.isFinite(x))
      throw new DpError('INVALID_PARAMETER', `a budget amount must be finite, got ${String(x)}`, { parameter: 'amount' });
    return Rational.fromNumberIntended(x);
  }
  try {
    return Rational.parse(String(x));
  } catch {
    throw new DpError('INVALID_PARAMETER', 'a budget amount must be a number or a fraction like "1/11"', { parameter: 'amount' });
  }
}

/**
 * Reads one amount of a loss being charged: finite and ≥ 0 (a loss built as an
 * object literal skips `pure()`/`approximate()`/`zcdp()`, and a negative amount
 * would otherwise refill the budget).
 */
function lossAmount(x: number, name: string): Rational {
  return nonNegative(toRational(x), `${name} of a loss must be >= 0, got ${String(x)}`, name);
}

/** Refuses a negative amount (of a loss or a budget) with INVALID_PARAMETER. */
function nonNegative(r: Rational, message: string, name: string): Rational {
  if (r.isNegative()) throw new DpError('INVALID_PARAMETER', message, { parameter: name });
  return r;
}

/** The exact cost of `loss` in a budget of kind `kind`. */
function costIn(kind: LossKind, loss: PrivacyLoss): Exact {
  switch (loss.kind) {
    case 'pure': {
      const epsilon = lossAmount(loss.epsilon, 'epsilon');
      if (kind === 'zcdp') return { ...ZERO, rho: epsilon.mul(epsilon).div(Rational.of(2n)) }; // Bun–Steinke Prop. 1.4
      return { ...ZERO, epsilon };
    }
    case 'approximate':
      if (kind !== 'approximate') break;
      return { ...ZERO, epsilon: lossAmount(loss.epsilon, 'epsilon'), delta: lossAmount(loss.delta, 'delta') };
    case 'zcdp':
      if (kind !== 'zcdp') break;
      return { ...ZERO, rho: lossAmount(loss.rho, 'rho') };
    default:
      return assertNever(loss, 'loss');
  }
  throw new DpError('DOMAIN_MISMATCH', `a ${loss.kind} loss cannot be charged to a ${kind} budget; convert it first`, {
    left: loss.kind,
    right: kind,
  });
}

function add(a: Exact, b: Exact): Exact {
  return { epsilon: a.epsilon.add(b.epsilon), delta: a.delta.add(b.delta), rho: a.rho.add(b.rho) };
}

function sub(a: Exact, b: Exact): Exact {
  return { epsilon: a.epsilon.sub(b.epsilon), delta: a.delta.sub(b.delta), rho: a.rho.sub(b.rho) };
}

function fits(spent: Exact, total: Exact): boolean {
  return spent.epsilon.le(total.epsilon) && spent.delta.le(total.delta) && spent.rho.le(total.rho);
}

/** The JSON form of a budget, exact (rationals as strings). */
export interface PrivacyBudgetJson {
  kind: LossKind;
  total: { epsilon: string; delta: string; rho: string };
  spent: { epsilon: string; delta: string; rho: string };
}

/**
 * An immutable budget under basic composition (ε and δ add; ρ adds).
 * @example
 * let b = PrivacyBudget.pure(1);
 * for (let i = 0; i < 11; i++) b = b.charge(pure(1 / 11));
 * b.isExhausted; // true
 */
export class PrivacyBudget {
  private constructor(
    /** The kind of loss this budget is kept in. */
    readonly kind: LossKind,
    private readonly totalExact: Exact,
    private readonly spentExact: Exact,
  ) {}

  /** A pure-ε budget. @throws DpError INVALID_PARAMETER unless ε is finite ≥ 0. */
  static pure(epsilon: number | string | Rational): PrivacyBudget {
    const e = checkTotal(toRational(epsilon), 'epsilon');
    return new PrivacyBudget('pure', { ...ZERO, epsilon: e }, ZERO);
  }
  /** An (ε, δ) budget. */
  static approximate(epsilon: number | string | Rational, delta: number | string | Rational): PrivacyBudget {
    const e = checkTotal(toRational(epsilon), 'epsilon');
    const d = checkTotal(toRational(delta), 'delta');
    if (d.ge(Rational.ONE)) throw new DpError('INVALID_PARAMETER', 'delta of a budget must be < 1', { parameter: 'delta' });
    return new PrivacyBudget('approximate', { ...ZERO, epsilon: e, delta: d }, ZERO);
  }
  /** A ρ-zCDP budget. */
  static zcdp(rho: number | string | Rational): PrivacyBudget {
    return new PrivacyBudget('zcdp', { ...ZERO, rho: checkTotal(toRational(rho), 'rho') }, ZERO);
  }
  /** A budget with the same kind and amount as `loss`. */
  static fromLoss(loss: PrivacyLoss): PrivacyBudget {
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
  /** Restores a budget from its exact JSON form. @throws DpError INVALID_PARAMETER on junk or negative amounts. */
  static fromJSON(json: PrivacyBudgetJson): PrivacyBudget {
    // Stored budgets are read fail-closed: junk or negative amounts are refused, never trusted.
    const amount = (x: unknown, name: string): Rational => {
      let r: Rational;
      try {
        r = Rational.parse(String(x));
      } catch {
        throw new DpError('INVALID_PARAMETER', `stored budget ${name} is not a number`, { parameter: name });
      }
      return checkTotal(r, name);
    };
    const read = (o: { epsilon: string; delta: string; rho: string } | undefined, part: string): Exact => {
      if (typeof o !== 'object' || o === null) throw new DpError('INVALID_PARAMETER', `stored budget has no ${part}`, { parameter: part });
      return { epsilon: amount(o.epsilon, `${part}.epsilon`), delta: amount(o.delta, `${part}.delta`), rho: amount(o.rho, `${part}.rho`) };
    };
    if (!['pure', 'approximate', 'zcdp'].includes(json.kind)) {
      throw new DpError('INVALID_PARAMETER', 'unknown budget kind', { parameter: 'kind' });
    }
    return new PrivacyBudget(json.kind, read(json.total, 'total'), read(json.spent, 'spent'));
  }

  /** True when `loss` can be charged without passing the total. */
  canCharge(loss: PrivacyLoss): boolean {
    return fits(add(this.spentExact, costIn(this.kind, loss)), this.totalExact);
  }

  /**
   * Returns the budget after charging `loss`.
   * @throws DpError BUDGET_EXHAUSTED (nothing charged) when it would pass the total.
   * @throws DpError DOMAIN_MISMATCH when the loss kind cannot be charged here.
   */
  charge(loss: PrivacyLoss): PrivacyBudget {
    const next = add(this.spentExact, costIn(this.kind, loss));
    if (!fits(next, this.totalExact)) {
      const remaining = formatLoss(this.remaining);
      throw new DpError('BUDGET_EXHAUSTED', `charging ${formatLoss(loss)} would pass the budget; remaining ${remaining}`, {
        requested: formatLoss(loss),
        remaining,
      });
    }
    return new PrivacyBudget(this.kind, this.totalExact, next);
  }

  /** The total, as a loss. */
  get total(): PrivacyLoss {
    return this.asLoss(this.totalExact, 'nearest');
  }
  /** What has been spent, rounded up. */
  get spent(): PrivacyLoss {
    return this.asLoss(this.spentExact, 'up');
  }
  /** What is left, rounded down. */
  get remaining(): PrivacyLoss {
    return this.asLoss(this.remainingExact, 'down');
  }
  /** The exact remaining amounts. */
  get remainingExact(): { epsilon: Rational; delta: Rational; rho: Rational } {
    return sub(this.totalExact, this.spentExact);
  }
  /** True when nothing is left of the main parameter (ε or ρ). */
  get isExhausted(): boolean {
    const r = this.remainingExact;
    return this.kind === 'zcdp' ? r.rho.isZero() : r.epsilon.isZero();
  }

  toJSON(): PrivacyBudgetJson {
    const str = (e: Exact) => ({ epsilon: e.epsilon.toString(), delta: e.delta.toString(), rho: e.rho.toString() });
    return { kind: this.kind, total: str(this.totalExact), spent: str(this.spentExact) };
  }

  private asLoss(e: Exact, rounding: 'up' | 'down' | 'nearest'): PrivacyLoss {
    const n = (r: Rational) => (rounding === 'up' ? r.toNumberUp() : rounding === 'down' ? r.toNumberDown() : r.toNumber());
    switch (this.kind) {
      case 'pure':
        return pure(n(e.epsilon));
      case 'approximate':
        return approximate(n(e.epsilon), n(e.delta));
      case 'zcdp':
        return zcdp(n(e.rho));
      default:
        return assertNever(this.kind, 'kind');
    }
  }
}

function checkTotal(r: Rational, name: string): Rational {
  return nonNegative(r, `${name} of a budget must be >= 0`, name);
}
