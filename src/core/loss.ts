/**
 * Privacy losses — pure ε, approximate (ε, δ), ρ-zCDP — and the conversions
 * between them. A loss is a plain, JSON-friendly value; a budget is a loss that
 * may be spent (see `budget.ts`).
 *
 * Conversions round toward more privacy loss: a converted ε is never smaller
 * than the exact value of the theorem it implements.
 *
 * Brands (issue 10, "the brands appear in no signature"; class 12): every amount of a loss is a
 * `LossAmount` (a number: reading it needs no cast). The brand is made in one place, the validating
 * constructors `pure`, `approximate` and `zcdp` (and `checkLoss`, which calls them), so a float cannot
 * be charged (`PrivacyBudget.charge`, `Session.charge`, the ledger) or stated as a release's guarantee
 * without going through them: a plain object `{ kind: 'pure', epsilon: 1 }` does not type-check where a
 * `PrivacyLoss` is expected (`test/core/loss-brands.test-d.ts`). The library's losses come from privacy
 * maps and calibrations, which build them with these constructors (or the conversions below). A user
 * who states a loss (a budget, or the guarantee of a mechanism built outside tsdp) uses the same
 * constructors — that is the documented escape hatch, and it validates: `pure(NaN)` is refused.
 * Accountants' answers are brands too (`EpsilonBound`, `DeltaBound` in `params.ts`): never NaN.
 * @module
 */
import { divAbove, divBelow, log1pUp, logDown, mulAbove, sqrtUp } from '../numeric/directed-libm.js';
import { addUp } from '../numeric/directed-rounding.js';
import { edgeInteger, edgeKind, edgeRead, edgeRecord } from '../numeric/edge.js';
import { nextUp } from '../numeric/float-bits.js';
import { minimizeUnimodal } from './_internal/golden-section.js';
import { assertNever, DpError, describeParameter } from './errors.js';
import type { LossAmount } from './params.js';

/** ε-DP. The amount is a `LossAmount` brand: made only by `pure` (or `checkLoss`), see the module header. */
export interface PureLoss {
  readonly kind: 'pure';
  readonly epsilon: LossAmount;
}
/** (ε, δ)-DP. The amounts are `LossAmount` brands: made only by `approximate` (or `checkLoss`). */
export interface ApproximateLoss {
  readonly kind: 'approximate';
  readonly epsilon: LossAmount;
  readonly delta: LossAmount;
}
/** ρ-zCDP (Bun & Steinke 2016). The amount is a `LossAmount` brand: made only by `zcdp` (or `checkLoss`). */
export interface ZcdpLoss {
  readonly kind: 'zcdp';
  readonly rho: LossAmount;
}
/** A privacy loss of one of the supported kinds. */
export type PrivacyLoss = PureLoss | ApproximateLoss | ZcdpLoss;
/** The kind of a loss, also called its measure. */
export type LossKind = PrivacyLoss['kind'];
/** The loss type for a kind. */
export type LossOf<K extends LossKind> = Extract<PrivacyLoss, { kind: K }>;

function checkNonNegative(x: unknown, name: string): LossAmount {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw new DpError('INVALID_PARAMETER', `${name} of a loss must be a finite number >= 0, got ${describeParameter(x)}`, {
      parameter: name,
    });
  }
  // The one place a loss amount is branded (rule in the module header).
  return (x === 0 ? 0 : x) as LossAmount;
}

/**
 * Validates a loss handed in from outside (the edge): its shape, kind and amounts, as the constructors do.
 * @throws DpError INVALID_PARAMETER
 */
export function checkLoss(loss: unknown, kind?: LossKind): PrivacyLoss {
  return edgeRead('loss', () => readLoss(loss, kind));
}

function readLoss(loss: unknown, kind?: LossKind): PrivacyLoss {
  edgeRecord(loss, 'loss');
  const l = loss as { kind?: unknown; epsilon?: unknown; delta?: unknown; rho?: unknown };
  if (kind !== undefined && l.kind !== kind) {
    throw new DpError('INVALID_PARAMETER', `loss must be a ${kind} loss`, { parameter: 'loss', expected: kind });
  }
  switch (l.kind) {
    case 'pure':
      return pure(l.epsilon as number);
    case 'approximate':
      return approximate(l.epsilon as number, l.delta as number);
    case 'zcdp':
      return zcdp(l.rho as number);
    default:
      throw new DpError('INVALID_PARAMETER', "loss must have kind 'pure', 'approximate' or 'zcdp'", { parameter: 'loss' });
  }
}

/** A pure ε loss. @throws DpError INVALID_PARAMETER unless ε is finite ≥ 0. */
export function pure(epsilon: number): PureLoss {
  return { kind: 'pure', epsilon: checkNonNegative(epsilon, 'epsilon') };
}

/** An (ε, δ) loss. @throws DpError INVALID_PARAMETER unless ε ≥ 0 finite and δ ∈ [0, 1]. */
export function approximate(epsilon: number, delta: number): ApproximateLoss {
  const d = checkNonNegative(delta, 'delta');
  if (d > 1) throw new DpError('INVALID_PARAMETER', `delta must be <= 1, got ${describeParameter(delta)}`, { parameter: 'delta' });
  return { kind: 'approximate', epsilon: checkNonNegative(epsilon, 'epsilon'), delta: d };
}

/** A ρ-zCDP loss. @throws DpError INVALID_PARAMETER unless ρ is finite ≥ 0. */
export function zcdp(rho: number): ZcdpLoss {
  return { kind: 'zcdp', rho: checkNonNegative(rho, 'rho') };
}

/** The most ulps `roundUpCost` moves (its cost is linear in them; a stated limit keeps it bounded). */
export const MAX_ROUNDING_ULPS = 1024;

/**
 * Rounds a computed cost up by a few ulps to absorb floating-point error in a formula.
 * @throws DpError INVALID_PARAMETER when x is not a number or is NaN (a NaN cost is never charged), or ulps is
 * not an integer in [0, MAX_ROUNDING_ULPS].
 */
export function roundUpCost(x: number, ulps = 4): number {
  if (typeof x !== 'number' || Number.isNaN(x)) {
    throw new DpError('INVALID_PARAMETER', 'a cost to round up must be a number (not NaN)', { parameter: 'x' });
  }
  edgeInteger(ulps, 'ulps', 0, MAX_ROUNDING_ULPS);
  let y = x;
  for (let i = 0; i < ulps; i++) y = nextUp(y);
  return y;
}

/**
 * ε-DP implies (ε²/2)-zCDP.
 * @see Bun & Steinke (2016), Proposition 1.4.
 */
export function pureToZcdp(loss: PureLoss): ZcdpLoss {
  checkLoss(loss, 'pure');
  return zcdp(roundUpCost((loss.epsilon * loss.epsilon) / 2, 1));
}

/** ε-DP is (ε, 0)-DP. */
export function pureToApproximate(loss: PureLoss): ApproximateLoss {
  checkLoss(loss, 'pure');
  return approximate(loss.epsilon, 0);
}

/**
 * ρ-zCDP implies (ρ + 2√(ρ ln(1/δ)), δ)-DP for every δ > 0.
 * @see Bun & Steinke (2016), Proposition 1.3.
 * @throws DpError INVALID_PARAMETER unless δ ∈ (0, 1).
 */
export function zcdpToApproximateSimple(loss: ZcdpLoss, delta: number): ApproximateLoss {
  checkLoss(loss, 'zcdp');
  checkOpenDelta(delta);
  const rho = loss.rho;
  // Every step rounded toward a larger ε (rule: src/core/zcdp-conversion.proof.md): ln(1/δ) = −ln δ from below-ln δ,
  // so δ near 1 (ln(1/δ) ≪ 1, where 1/δ's own rounding was a large relative error) is covered; ×2 is exact.
  return approximate(addUp(rho, 2 * sqrtUp(mulAbove(rho, -logDown(delta)))), delta);
}

function checkOpenDelta(delta: number): void {
  if (!(Number.isFinite(delta) && delta > 0 && delta < 1)) {
    throw new DpError('INVALID_PARAMETER', `delta must be in (0, 1) to convert zCDP to (epsilon, delta), got ${describeParameter(delta)}`, {
      parameter: 'delta',
    });
  }
}

/** The largest order used: below 2⁵³ every double α > 1 has α − 1 exact (Sterbenz up to 2, a multiple of ulp(α) above). */
const MAX_CKS_ORDER = 2 ** 52;
/**
 * Grid points per doubling of α − 1 (a step of 6.6·10⁻⁷ in s = ln(α − 1)): near the minimum ε(s) ≈ ε_min·(1 + Δs²/2),
 * so ε at the best grid point is ≲ 6·10⁻¹⁴ relative above the minimum over all α.
 */
const ORDER_GRID = 2 ** 20;
/**
 * Grid points tried on each side of the snapped order: the nearest search's noise (≲ 10⁻¹³ relative where the terms
 * cancel most) leaves ln(α − 1) within ≈ 4.5·10⁻⁷ of the minimiser (under one step), and three steps away ε is ≳
 * 2·10⁻¹² relative higher (≫ the directed evaluation's spread), so the window's minimum is the whole grid's.
 */
const ORDER_WINDOW = 4;

/**
 * ε(α) of the Canonne–Kamath–Steinke conversion at order α > 1, to nearest (only used to PICK α).
 * δ = exp((α−1)(αρ−ε)) / (α−1) · (1 − 1/α)^α, solved for ε.
 */
function cksEpsilonAt(rho: number, logInvDelta: number, alpha: number): number {
  return alpha * rho + (logInvDelta + alpha * Math.log1p(-1 / alpha) - Math.log(alpha - 1)) / (alpha - 1);
}

/**
 * An upper bound of the CKS ε(α) = αρ + (ln(1/δ) + α·log1p(−1/α) − ln(α−1))/(α−1) at one double order
 * 1 < α ≤ 2⁵², every step directed toward the larger ε (rule: `zcdp-conversion.proof.md`): ln(1/δ) = −(ln δ rounded
 * down); log1p's argument −1/α rounded up (log1p increases) and log1p rounded up; ln(α−1) rounded down (α − 1 exact);
 * the numerator's sums up; the division by the exact α − 1 > 0 up (it keeps the order of numerators); αρ up.
 * The terms cancel when ε ≪ them (δ near 1, tiny ρ): to nearest the result sat hundreds of ulps below the exact value
 * (review M16); here each step's error is on the side of more loss, so the result is ≥ the exact ε(α).
 */
export function cksEpsilonAtUp(rho: number, delta: number, alpha: number): number {
  const am1 = alpha - 1; // exact for 1 < α ≤ 2⁵² (see MAX_CKS_ORDER)
  const logInvDeltaUp = -logDown(delta);
  const t2 = mulAbove(alpha, log1pUp(-divBelow(1, alpha)));
  const numerator = addUp(addUp(logInvDeltaUp, t2), -logDown(am1));
  // addUp (correctly rounded up, one exact ulp) rather than addAbove (its step is 1 or 2 ulps): with it every step is
  // non-decreasing in ρ and in 1/δ, which the monotonicity of the stated ε rests on.
  return addUp(mulAbove(alpha, rho), divAbove(numerator, am1));
}

/**
 * ρ-zCDP implies (ε, δ)-DP with the tighter bound of Canonne, Kamath and
 * Steinke (2020), minimised over the Rényi order α; never worse than the
 * simple bound (the smaller of the two is returned). Both are upper bounds of their exact values: the order is found
 * to nearest (the bound holds at EVERY α > 1, so α is only a choice) and ε(α) at that α is evaluated upward.
 * @see Canonne, Kamath, Steinke (2020), Corollary 13.
 * @throws DpError INVALID_PARAMETER unless δ ∈ (0, 1).
 */
export function zcdpToApproximate(loss: ZcdpLoss, delta: number): ApproximateLoss {
  checkLoss(loss, 'zcdp');
  checkOpenDelta(delta);
  const simple = zcdpToApproximateSimple(loss, delta);
  const rho = loss.rho;
  if (rho === 0) return approximate(0, delta);
  const logInvDelta = Math.log(1 / delta);
  // ε(α) is convex in α on (1, ∞); search on t = log(α − 1), remembering the t of the smallest value seen.
  let bestT = 0;
  let bestF = Number.POSITIVE_INFINITY;
  minimizeUnimodal(
    (t) => {
      const v = cksEpsilonAt(rho, logInvDelta, 1 + Math.exp(t));
      if (v < bestF) {
        bestF = v;
        bestT = t;
      }
      return v;
    },
    -40,
    40,
    1e-12,
  );
  // The order is snapped to the fixed grid α − 1 = 2^(j/ORDER_GRID) and the directed value is minimised over the
  // grid points next to it: for a fixed α the directed ε is non-decreasing in ρ, so the stated ε is too (a nearest
  // search alone picked orders that moved with ρ by an ulp, and the directed value with them: ε(ρ) was not monotone).
  const j0 = Math.round((bestT / Math.LN2) * ORDER_GRID);
  let best = Number.POSITIVE_INFINITY;
  for (let j = j0 - ORDER_WINDOW; j <= j0 + ORDER_WINDOW; j++) {
    const a = 1 + 2 ** (j / ORDER_GRID);
    const alpha = a > 1 ? Math.min(a, MAX_CKS_ORDER) : 1 + 2 ** -52;
    const v = cksEpsilonAtUp(rho, delta, alpha);
    if (v < best) best = v;
  }
  best = Math.max(0, best);
  return best < simple.epsilon ? approximate(best, delta) : simple;
}

/**
 * Converts `loss` to kind `to`, where a theorem allows it.
 * zCDP and approximate losses need δ to become (ε, δ); approximate never becomes pure or zCDP.
 * @throws DpError DOMAIN_MISMATCH when no conversion exists.
 */
export function convertLoss(loss: PrivacyLoss, to: LossKind, delta?: number): PrivacyLoss {
  checkLoss(loss);
  if (loss.kind === to) return loss;
  switch (loss.kind) {
    case 'pure':
      return to === 'zcdp' ? pureToZcdp(loss) : pureToApproximate(loss);
    case 'zcdp':
      if (to === 'approximate' && delta !== undefined) return zcdpToApproximate(loss, delta);
      break;
    case 'approximate':
      break;
    default:
      return assertNever(loss, 'loss');
  }
  throw new DpError('DOMAIN_MISMATCH', `cannot convert a ${loss.kind} loss to ${to}${to === 'approximate' ? ' without a delta' : ''}`, {
    left: loss.kind,
    right: to,
  });
}

/** A short human form: `ε=0.5`, `(ε=1, δ=1e-6)`, `ρ=0.125`. */
export function formatLoss(loss: PrivacyLoss): string {
  edgeKind(loss, 'loss');
  switch (loss.kind) {
    case 'pure':
      return `ε=${loss.epsilon}`;
    case 'approximate':
      return `(ε=${loss.epsilon}, δ=${loss.delta})`;
    case 'zcdp':
      return `ρ=${loss.rho}`;
    default:
      return assertNever(loss, 'loss');
  }
}
