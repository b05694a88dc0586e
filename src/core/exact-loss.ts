/**
 * The one type for a privacy loss that is charged, spent, left and stored:
 * `ExactLoss = { epsilon, delta, rho }` in exact rationals, meaning
 * δ-approximate (ξ = ε, ρ)-zCDP (Bun & Steinke 2016, §8, Def. 8.1).
 *
 * - pure ε is `{ε, 0, 0}`, (ε, δ)-DP is `{ε, δ, 0}`, ρ-zCDP is `{0, 0, ρ}`;
 * - adaptive composition adds all three components (Lemma 8.3), exactly;
 * - one loss **fixed in advance** meets an (E, D) cap iff `δ ≤ D` and
 *   `ε + ε_CKS(ρ, D − δ) ≤ E` (`fitsCap`, `effectiveEpsilon`): ρ converted once.
 *   A *sequence* of spends whose amounts are chosen adaptively is decided by the
 *   pinned filter of `budget-filter.ts` instead (the ledger, `PrivacyBudget`);
 *   `exact-loss.proof.md` beside this file proves both (section 5 for the filter).
 *
 * Arithmetic on budgets is exact; the one float step is the CKS conversion,
 * whose input ρ is rounded up, whose δ′ is rounded down and whose output is
 * rounded up, so every rounding adds cost.
 * @module
 */
import { edgeRead, edgeRecord } from '../numeric/edge.js';
import { Rational } from '../numeric/rational.js';
import { DpError } from './errors.js';
import { type PrivacyLoss, zcdp, zcdpToApproximate } from './loss.js';

/**
 * δ-approximate (ξ = ε, ρ)-zCDP with exact components, each ≥ 0.
 * @privacy the loss of a release (or of a sequence of releases, composed by `addLoss`).
 */
export interface ExactLoss {
  readonly epsilon: Rational;
  readonly delta: Rational;
  readonly rho: Rational;
}

/** An (ε, δ) cap: the budget a loss is checked against. */
export interface ApproximateCap {
  readonly epsilon: Rational;
  readonly delta: Rational;
}

/** The exact JSON form of a loss (each component a string such as `"1/11"`). */
export interface ExactLossJson {
  readonly epsilon: string;
  readonly delta: string;
  readonly rho: string;
}

/** The zero loss. */
export const ZERO_LOSS: ExactLoss = Object.freeze({ epsilon: Rational.ZERO, delta: Rational.ZERO, rho: Rational.ZERO });

/**
 * Reads one amount given by a caller: a finite number ≥ 0, a decimal or
 * fraction string (`"1/11"`, `"1e-6"`) or a `Rational` ≥ 0. A double is read as
 * the simplest rational it is nearest to (`Rational.fromNumberIntended`), so
 * `1 / 11` is 1/11.
 * @param x - the amount.
 * @param name - the parameter name for the error.
 * @returns the exact amount.
 * @throws DpError INVALID_PARAMETER for bigint, NaN, ±Infinity, junk strings, other types, a negative amount or one beyond the doubles.
 * @example
 * readAmount('1/11', 'epsilon').toString(); // '1/11'
 */
export function readAmount(x: unknown, name: string): Rational {
  let r: Rational;
  if (x instanceof Rational) r = x;
  else if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new DpError('INVALID_PARAMETER', `${name} must be a finite number`, { parameter: name });
    r = Rational.fromNumberIntended(x);
  } else if (typeof x === 'string') {
    try {
      r = Rational.parse(x);
    } catch {
      throw new DpError('INVALID_PARAMETER', `${name} must be a number or a fraction like "1/11"`, { parameter: name });
    }
  } else {
    throw new DpError('INVALID_PARAMETER', `${name} must be a number, a fraction string or a Rational`, { parameter: name });
  }
  if (r.isNegative()) throw new DpError('INVALID_PARAMETER', `${name} must be >= 0`, { parameter: name });
  // An amount beyond the doubles (e.g. "1e400") cannot be reported or converted: refuse it as not finite.
  if (!Number.isFinite(r.toNumber())) throw new DpError('INVALID_PARAMETER', `${name} must be finite`, { parameter: name });
  return r;
}

/**
 * The exact loss of a `PrivacyLoss` (validated: every amount finite and ≥ 0, δ ≤ 1).
 * @param loss - pure ε, (ε, δ) or ρ-zCDP.
 * @returns `{ε,0,0}`, `{ε,δ,0}` or `{0,0,ρ}`.
 * @throws DpError INVALID_PARAMETER on a malformed loss or an amount that is not a finite number ≥ 0.
 * @privacy the same guarantee, in the δ-approximate zCDP form.
 * @see Bun & Steinke (2016), Def. 8.1.
 * @example
 * exactLoss(pure(0.5)); // { epsilon: 1/2, delta: 0, rho: 0 }
 */
export function exactLoss(loss: PrivacyLoss): ExactLoss {
  // S7: a caller's getter, Proxy or conversion that throws is INVALID_PARAMETER, never its own error.
  return edgeRead('loss', () => readExactLoss(loss));
}

function readExactLoss(loss: PrivacyLoss): ExactLoss {
  if (typeof loss !== 'object' || loss === null) {
    throw new DpError('INVALID_PARAMETER', 'a loss must be an object with a kind', { parameter: 'loss' });
  }
  const num = (x: unknown, name: string): Rational => {
    if (typeof x !== 'number') throw new DpError('INVALID_PARAMETER', `${name} of a loss must be a number`, { parameter: name });
    return readAmount(x, name);
  };
  switch (loss.kind) {
    case 'pure':
      return { epsilon: num(loss.epsilon, 'epsilon'), delta: Rational.ZERO, rho: Rational.ZERO };
    case 'approximate': {
      const delta = num(loss.delta, 'delta');
      if (delta.gt(Rational.ONE)) throw new DpError('INVALID_PARAMETER', 'delta of a loss must be <= 1', { parameter: 'delta' });
      return { epsilon: num(loss.epsilon, 'epsilon'), delta, rho: Rational.ZERO };
    }
    case 'zcdp':
      return { epsilon: Rational.ZERO, delta: Rational.ZERO, rho: num(loss.rho, 'rho') };
    default:
      // A caller's object of no known kind (the types exclude it; the edge refuses it, not INTERNAL).
      throw new DpError('INVALID_PARAMETER', "a loss must have kind 'pure', 'approximate' or 'zcdp'", { parameter: 'loss' });
  }
}

/**
 * The exact value of the doubles a stated loss carries (each amount read with `Rational.fromNumber`, not as the
 * value a user most likely meant): what a mechanism calibrated with those doubles actually guarantees. Used to
 * compare released guarantees with a charge with no tolerance at all.
 * @param loss - pure ε, (ε, δ) or ρ-zCDP, every amount a finite double ≥ 0.
 * @returns `{ε,0,0}`, `{ε,δ,0}` or `{0,0,ρ}`, exactly the doubles.
 * @throws DpError INVALID_PARAMETER on a malformed loss or an amount that is not a finite number ≥ 0.
 * @example
 * statedExactLoss(pure(0.1)).epsilon.toString(); // '3602879701896397/36028797018963968'
 */
export function statedExactLoss(loss: PrivacyLoss): ExactLoss {
  const intended = exactLoss(loss); // validates every amount
  const exact = (x: number) => Rational.fromNumber(x);
  switch (loss.kind) {
    case 'pure':
      return { ...intended, epsilon: exact(loss.epsilon) };
    case 'approximate':
      return { ...intended, epsilon: exact(loss.epsilon), delta: exact(loss.delta) };
    default:
      return { ...intended, rho: exact(loss.rho) };
  }
}

/**
 * Checks a value claimed to be an `ExactLoss` (e.g. a ledger charge from a caller): three `Rational`s ≥ 0.
 * @param x - the value.
 * @param name - the parameter name for errors.
 * @returns `x`, typed.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example
 * checkExactLoss({ epsilon: Rational.ONE, delta: Rational.ZERO, rho: Rational.ZERO });
 */
export function checkExactLoss(x: unknown, name = 'cost'): ExactLoss {
  // S7: read once, totally (a throwing getter or Proxy trap is INVALID_PARAMETER).
  return edgeRead(name, () => readExactLossShape(x, name));
}

function readExactLossShape(x: unknown, name: string): ExactLoss {
  if (typeof x !== 'object' || x === null) throw new DpError('INVALID_PARAMETER', `${name} must be an exact loss`, { parameter: name });
  const o = x as Record<string, unknown>;
  const read = (k: 'epsilon' | 'delta' | 'rho'): Rational => {
    const v = o[k]; // each field read exactly once: the checked value is the one returned
    if (!(v instanceof Rational)) {
      throw new DpError('INVALID_PARAMETER', `${name}.${k} must be a Rational`, { parameter: `${name}.${k}` });
    }
    if (v.isNegative()) throw new DpError('INVALID_PARAMETER', `${name}.${k} must be >= 0`, { parameter: `${name}.${k}` });
    return v;
  };
  return { epsilon: read('epsilon'), delta: read('delta'), rho: read('rho') };
}

/** A Rational amount ≥ 0 handed in from outside. */
function checkAmount(x: unknown, name: string): asserts x is Rational {
  if (!(x instanceof Rational) || x.isNegative()) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a Rational >= 0`, { parameter: name });
  }
}

/**
 * Adaptive composition: adds ξ, δ and ρ exactly.
 * @param a - a loss.
 * @param b - a loss.
 * @returns their composition.
 * @privacy δ-approximate zCDP composes additively in all three components.
 * @see Bun & Steinke (2016), Lemma 8.3.
 * @example
 * addLoss(exactLoss(pure(1)), exactLoss(zcdp(0.5)));
 */
export function addLoss(a: ExactLoss, b: ExactLoss): ExactLoss {
  checkExactLoss(a, 'a');
  checkExactLoss(b, 'b');
  return { epsilon: a.epsilon.add(b.epsilon), delta: a.delta.add(b.delta), rho: a.rho.add(b.rho) };
}

/**
 * The componentwise order: true when `a` is no larger than `b` in ε, δ and ρ.
 * @param a - a loss.
 * @param b - a loss.
 * @returns `a ≤ b` componentwise.
 * @example
 * lossLe(ZERO_LOSS, exactLoss(pure(1))); // true
 */
export function lossLe(a: ExactLoss, b: ExactLoss): boolean {
  checkExactLoss(a, 'a');
  checkExactLoss(b, 'b');
  return a.epsilon.le(b.epsilon) && a.delta.le(b.delta) && a.rho.le(b.rho);
}

/**
 * Exact equality of two losses.
 * @param a - a loss.
 * @param b - a loss.
 * @returns true when all three components are equal.
 * @example
 * lossEquals(ZERO_LOSS, ZERO_LOSS); // true
 */
export function lossEquals(a: ExactLoss, b: ExactLoss): boolean {
  checkExactLoss(a, 'a');
  checkExactLoss(b, 'b');
  return a.epsilon.equals(b.epsilon) && a.delta.equals(b.delta) && a.rho.equals(b.rho);
}

/**
 * The exact JSON form.
 * @param loss - a loss.
 * @returns strings such as `"1/11"`.
 * @example
 * lossToJson(exactLoss(pure(0.5))); // { epsilon: '1/2', delta: '0', rho: '0' }
 */
export function lossToJson(loss: ExactLoss): ExactLossJson {
  checkExactLoss(loss, 'loss');
  return { epsilon: loss.epsilon.toString(), delta: loss.delta.toString(), rho: loss.rho.toString() };
}

/**
 * Reads a stored loss fail-closed: each component must be a string the
 * exact parser reads, ≥ 0. `rho` may be absent (records written before ρ was
 * stored) and then reads as 0; any other absence or junk is refused.
 * @param json - the stored form.
 * @param name - what is read, for errors.
 * @returns the loss.
 * @throws DpError INVALID_PARAMETER on junk, a missing ε or δ, or a negative amount.
 * @example
 * lossFromJson({ epsilon: '1/11', delta: '0' }); // rho 0
 */
export function lossFromJson(json: unknown, name = 'loss'): ExactLoss {
  if (typeof json !== 'object' || json === null) throw new DpError('INVALID_PARAMETER', `${name} is not an object`, { parameter: name });
  const o = json as Record<string, unknown>;
  const read = (k: 'epsilon' | 'delta' | 'rho'): Rational => {
    const v = o[k];
    if (k === 'rho' && v === undefined) return Rational.ZERO;
    if (typeof v !== 'string') throw new DpError('INVALID_PARAMETER', `${name}.${k} must be a string`, { parameter: `${name}.${k}` });
    return readAmount(v, `${name}.${k}`);
  };
  return { epsilon: read('epsilon'), delta: read('delta'), rho: read('rho') };
}

/**
 * A short human form for messages: `ε=0.5`, `(ε=1, δ=1e-6)`, `ρ=0.125`, `(ε=1, δ=1e-6, ρ=0.1)`.
 * Nearest doubles, for display only.
 * @param loss - a loss.
 * @returns the text.
 * @example
 * formatExactLoss(exactLoss(zcdp(0.125))); // 'ρ=0.125'
 */
export function formatExactLoss(loss: ExactLoss): string {
  checkExactLoss(loss, 'loss');
  const parts: string[] = [];
  if (!loss.epsilon.isZero() || (loss.delta.isZero() && loss.rho.isZero())) parts.push(`ε=${loss.epsilon.toNumber()}`);
  if (!loss.delta.isZero()) parts.push(`δ=${loss.delta.toNumber()}`);
  if (!loss.rho.isZero()) parts.push(`ρ=${loss.rho.toNumber()}`);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(', ')})`;
}

/** The largest double below 1: δ′ is clamped there (a smaller δ′ costs more ε, so clamping is conservative). */
const BELOW_ONE = 1 - 2 ** -53;

/**
 * ε_CKS(ρ, δ′): an upper bound, as an exact rational, on the ε of (ε, δ′)-DP
 * implied by ρ-zCDP (Canonne–Kamath–Steinke, minimised over the Rényi order).
 * ρ is rounded up and δ′ down before the float conversion, whose result is
 * rounded up (so the bound is never below the theorem's value).
 * @param rho - ρ ≥ 0.
 * @param deltaLeft - δ′ ≥ 0.
 * @returns the bound, or `undefined` when there is none (ρ > 0 with δ′ = 0, or an overflow).
 * @see Canonne, Kamath, Steinke (2020), Corollary 13.
 * @example
 * zcdpEpsilonBound(Rational.of(1n, 2n), Rational.parse('1e-6'));
 */
export function zcdpEpsilonBound(rho: Rational, deltaLeft: Rational): Rational | undefined {
  checkAmount(rho, 'rho');
  checkAmount(deltaLeft, 'deltaLeft');
  if (rho.isZero()) return Rational.ZERO;
  if (!(deltaLeft.num > 0n)) return undefined;
  const rhoUp = rho.toNumberUp();
  if (!Number.isFinite(rhoUp)) return undefined;
  const d = deltaLeft.toNumberDown();
  if (!(d > 0)) return undefined;
  const epsilon = zcdpToApproximate(zcdp(rhoUp), Math.min(d, BELOW_ONE)).epsilon;
  return Number.isFinite(epsilon) ? Rational.fromNumber(epsilon) : undefined;
}

/**
 * The ε that a loss costs under an (·, D) cap: `ε + ε_CKS(ρ, D − δ)` (ρ
 * converted once, on the total, with all the δ that is left).
 * @param loss - the total spent (or to be spent).
 * @param capDelta - the cap's δ.
 * @returns the effective ε, or `undefined` when the loss cannot meet any cap with this δ (δ > D, or ρ > 0 with D − δ = 0).
 * @privacy the loss is (result, D)-DP.
 * @see `exact-loss.proof.md`.
 * @example
 * effectiveEpsilon(exactLoss(pure(1)), Rational.ZERO); // 1
 */
export function effectiveEpsilon(loss: ExactLoss, capDelta: Rational): Rational | undefined {
  checkExactLoss(loss, 'loss');
  checkAmount(capDelta, 'capDelta');
  if (loss.delta.gt(capDelta)) return undefined;
  const conversion = zcdpEpsilonBound(loss.rho, capDelta.sub(loss.delta));
  return conversion === undefined ? undefined : loss.epsilon.add(conversion);
}

/**
 * The cap check of **one loss fixed in advance** (a planned release): `loss` fits the (E, D) cap iff
 * `δ ≤ D` and `ε + ε_CKS(ρ, D − δ) ≤ E`. Not for deciding a sequence of adaptively chosen spends:
 * that is `budget-filter.ts` (`fitsPin`), see `exact-loss.proof.md` section 5.
 * @param loss - the total (spent plus the new charge).
 * @param cap - (E, D).
 * @returns true when it fits.
 * @privacy when true, the composed releases are (E, D)-DP.
 * @see `exact-loss.proof.md`.
 * @example
 * fitsCap(exactLoss(pure(1)), { epsilon: Rational.ONE, delta: Rational.ZERO }); // true
 */
export function fitsCap(loss: ExactLoss, cap: ApproximateCap): boolean {
  checkExactLoss(loss, 'loss');
  edgeRecord(cap, 'cap');
  checkAmount(cap.epsilon, 'cap.epsilon');
  checkAmount(cap.delta, 'cap.delta');
  const e = effectiveEpsilon(loss, cap.delta);
  return e?.le(cap.epsilon) === true;
}
