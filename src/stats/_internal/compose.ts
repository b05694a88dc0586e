/**
 * Basic composition of same-kind losses, summed exactly and rounded up.
 * @module
 */
import { DpError } from '../../core/errors.js';
import { approximate, type PrivacyLoss, pure, zcdp } from '../../core/loss.js';
import { Rational } from '../../numeric/rational.js';

const sum = (xs: Array<number | Rational>) =>
  xs.reduce<Rational>((s, x) => s.add(x instanceof Rational ? x : Rational.fromNumber(x)), Rational.ZERO).toNumberUp();
const halfSquare = (e: number) => Rational.fromNumber(e).mul(Rational.fromNumber(e)).div(Rational.of(2n));

/**
 * The loss of running all `losses` (basic composition: ε and δ add, ρ adds).
 * Pure losses mixed with approximate ones become approximate; pure mixed with
 * zCDP become zCDP (ε-DP ⇒ ε²/2-zCDP). zCDP mixed with approximate is refused.
 * @throws DpError DOMAIN_MISMATCH
 */
export function composeLosses(losses: readonly PrivacyLoss[]): PrivacyLoss {
  if (losses.length === 0) return pure(0);
  const kinds = new Set(losses.map((l) => l.kind));
  if (kinds.has('zcdp') && kinds.has('approximate')) {
    throw new DpError('DOMAIN_MISMATCH', 'cannot compose zCDP and (epsilon, delta) losses without a conversion', {
      left: 'zcdp',
      right: 'approximate',
    });
  }
  if (kinds.has('zcdp')) {
    return zcdp(sum(losses.map((l) => (l.kind === 'zcdp' ? l.rho : l.kind === 'pure' ? halfSquare(l.epsilon) : Number.NaN))));
  }
  if (kinds.has('approximate')) {
    return approximate(
      sum(losses.map((l) => (l.kind === 'zcdp' ? Number.NaN : l.epsilon))),
      sum(losses.map((l) => (l.kind === 'approximate' ? l.delta : 0))),
    );
  }
  return pure(sum(losses.map((l) => (l.kind === 'pure' ? l.epsilon : Number.NaN))));
}
