/**
 * Shared helpers of the filters, the odometer and the composition theorems.
 * @module
 */

import { DpError } from '../../core/errors.js';
import type { LossAmount } from '../../core/params.js';
import { describeParameter } from '../../numeric/errors.js';
import { nextUp } from '../../numeric/float-bits.js';
import { Rational } from '../../numeric/rational.js';

/** Throws BUDGET_EXHAUSTED (nothing was charged). */
export function exhausted(requested: string, remaining: string, scope: string): never {
  throw new DpError(
    'BUDGET_EXHAUSTED',
    `the release (${requested}) would pass the ${scope} budget (remaining ${remaining}); nothing was charged`,
    {
      requested,
      remaining,
      scope,
    },
  );
}

/** @throws DpError INVALID_PARAMETER unless x is finite and ≥ 0. */
export function nonNegativeFinite(x: unknown, name: string): LossAmount {
  if (typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number >= 0, got ${describeParameter(x)}`, { parameter: name });
  }
  // The edge validator of the filters: the brand says this ran (the filters' exact arithmetic takes only brands).
  return (x === 0 ? 0 : x) as LossAmount;
}

/**
 * A cost or budget the caller wrote, as an exact rational: the simplest rational the double stands
 * for (as `PrivacyBudget`), so that ten spends of 0.1 fit a budget of 1. Every value > 0 stays > 0,
 * so sums of charges grow with each charge, however small (see filters.proof.md).
 */
export function exactAmount(x: LossAmount): Rational {
  return Rational.fromNumberIntended(x);
}

/**
 * A cost the library computed in floating point (ρ or RDP of an event), rounded toward more privacy:
 * up by a relative 2⁻⁴⁰ (far above the evaluation error of the closed forms) and one ulp, then exact.
 * A cost that is not finite never fits (+∞), a NaN is refused as INTERNAL.
 */
export function computedCost(x: number, name: string): Rational | null {
  if (Number.isNaN(x)) throw new DpError('INTERNAL', `the ${name} of the event evaluated to NaN`, { parameter: name });
  if (!Number.isFinite(x)) return null;
  if (x <= 0) return Rational.ZERO;
  const up = nextUp(x + x * 2 ** -40);
  return Number.isFinite(up) ? Rational.fromNumber(up) : null;
}

/**
 * A computed per-release cost rounded toward more loss by `ulps` ulps (0 and ±∞ unchanged; a negative
 * cost is never expected and is left as is). Used before a cost is added to an accountant's running
 * total with `addUp` (float-sums.proof.md): each product or quotient of the closed forms rounds to
 * nearest (≤ ½ ulp per operation), so `ulps` ≥ the number of operations covers them.
 */
export function costUp(x: number, ulps: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return x;
  let y = x;
  for (let i = 0; i < ulps; i++) y = nextUp(y);
  return y;
}
