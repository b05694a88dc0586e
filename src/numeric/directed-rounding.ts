/**
 * Arithmetic on doubles rounded in a stated direction (toward +∞ or −∞) instead of to nearest:
 * the result is the nearest double on the stated side of the exact result (exact results stay
 * exact). Used wherever a spent total or a cost is kept in floating point (an accountant's Σρ, its
 * RDP curve, its basic Σε): a spent total is never below the exact value, a remaining one never above
 * (rule: `src/accounting/float-sums.proof.md`).
 *
 * The sum uses Knuth's TwoSum (the exact error of the nearest sum); products and quotients compare
 * the nearest result with the exact one in rationals. Non-finite results are returned as computed.
 * @module
 */
import { edgeNumber } from './edge.js';
import { nextDown, nextUp } from './float-bits.js';
import { Rational } from './rational.js';

/**
 * `a + b` rounded toward +∞: the smallest double ≥ the exact sum.
 * @param a - a number (NaN gives NaN, an infinite term gives the infinite sum).
 * @param b - a number.
 * @returns the upward-rounded sum.
 * @throws DpError INVALID_PARAMETER when a or b is not a number.
 * @example
 * addUp(1, 1.1e-16) > 1; // true (1 + 1.1e-16 === 1 to nearest)
 */
export function addUp(a: number, b: number): number {
  edgeNumber(a, 'a');
  edgeNumber(b, 'b');
  const s = a + b;
  if (!Number.isFinite(s)) return s;
  // TwoSum: s + err === a + b exactly (no overflow: s is finite).
  const bb = s - a;
  const err = a - (s - bb) + (b - bb);
  return err > 0 ? nextUp(s) : s;
}

/**
 * `a + b` rounded toward −∞: the largest double ≤ the exact sum (a remaining budget).
 * @param a - a number.
 * @param b - a number.
 * @returns the downward-rounded sum.
 * @throws DpError INVALID_PARAMETER when a or b is not a number.
 * @example
 * addDown(1, -1.1e-16) < 1; // true
 */
export function addDown(a: number, b: number): number {
  edgeNumber(a, 'a');
  edgeNumber(b, 'b');
  return -addUp(-a, -b);
}

function directed(nearest: number, exact: () => Rational, up: boolean): number {
  if (!Number.isFinite(nearest)) return nearest;
  const c = Rational.fromNumber(nearest).cmp(exact());
  if (up) return c < 0 ? nextUp(nearest) : nearest;
  return c > 0 ? nextDown(nearest) : nearest;
}

function finiteArgs(a: number, b: number): boolean {
  edgeNumber(a, 'a');
  edgeNumber(b, 'b');
  return Number.isFinite(a) && Number.isFinite(b);
}

/**
 * `a · b` rounded toward +∞.
 * @param a - a number.
 * @param b - a number.
 * @returns the smallest double ≥ the exact product (an infinite or NaN product as computed).
 * @throws DpError INVALID_PARAMETER when a or b is not a number.
 * @example
 * mulUp(0.1, 3) >= 0.30000000000000004; // true
 */
export function mulUp(a: number, b: number): number {
  if (!finiteArgs(a, b)) return a * b;
  return directed(a * b, () => Rational.fromNumber(a).mul(Rational.fromNumber(b)), true);
}

/**
 * `a · b` rounded toward −∞.
 * @param a - a number.
 * @param b - a number.
 * @returns the largest double ≤ the exact product.
 * @throws DpError INVALID_PARAMETER when a or b is not a number.
 * @example
 * mulDown(0.1, 3) <= 0.30000000000000004; // true
 */
export function mulDown(a: number, b: number): number {
  if (!finiteArgs(a, b)) return a * b;
  return directed(a * b, () => Rational.fromNumber(a).mul(Rational.fromNumber(b)), false);
}

/**
 * `a / b` rounded toward +∞ (b = 0 gives ±∞ or NaN as computed).
 * @param a - a number.
 * @param b - a number.
 * @returns the smallest double ≥ the exact quotient.
 * @throws DpError INVALID_PARAMETER when a or b is not a number.
 * @example
 * divUp(1, 3) > 1 / 3; // true (1/3 rounds down to nearest)
 */
export function divUp(a: number, b: number): number {
  if (!finiteArgs(a, b) || b === 0) return a / b;
  return directed(a / b, () => Rational.fromNumber(a).div(Rational.fromNumber(b)), true);
}
