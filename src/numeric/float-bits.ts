/**
 * Bit-level helpers on IEEE-754 doubles: the next representable value up or
 * down, and an exact decomposition into integer mantissa and power of two.
 * Used to round toward more privacy and to read doubles as exact rationals.
 * @module
 */

import { edgeFinite, edgeNumber } from './edge.js';
import { DpError } from './errors.js';

const view = new DataView(new ArrayBuffer(8));

/** The smallest double strictly greater than `x` (NaN stays NaN, +∞ stays +∞). */
export function nextUp(x: number): number {
  edgeNumber(x, 'x');
  if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) return x;
  if (x === 0) return Number.MIN_VALUE;
  view.setFloat64(0, x);
  let bits = view.getBigUint64(0);
  bits = x > 0 ? bits + 1n : bits - 1n;
  view.setBigUint64(0, bits);
  return view.getFloat64(0);
}

/** The largest double strictly smaller than `x`. */
export function nextDown(x: number): number {
  edgeNumber(x, 'x');
  return -nextUp(-x);
}

/**
 * Decomposes a finite double into `mantissa · 2^exponent` with an integer
 * mantissa (exact).
 */
export function decomposeDouble(x: number): { mantissa: bigint; exponent: number } {
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new DpError('INVALID_PARAMETER', 'decomposeDouble needs a finite number', { parameter: 'x' });
  if (x === 0) return { mantissa: 0n, exponent: 0 };
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const rawExp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  if (rawExp === 0) return { mantissa: sign * frac, exponent: -1074 };
  return { mantissa: sign * (frac | (1n << 52n)), exponent: rawExp - 1075 };
}

/** The distance from |x| to the next double above it. */
export function ulp(x: number): number {
  edgeNumber(x, 'x');
  const a = Math.abs(x);
  return nextUp(a) - a;
}

/** Exact 2^k for integer k within the double range (subnormals included). */
export function powerOfTwo(k: number): number {
  edgeNumber(k, 'k');
  if (k >= -1022) return 2 ** k;
  return 2 ** (k + 100) * 2 ** -100;
}

/** The smallest k such that 2^k ≥ x, for finite x > 0. */
export function ceilLog2(x: number): number {
  edgeFinite(x, 'x');
  const { mantissa, exponent } = decomposeDouble(x);
  const bitLength = mantissa.toString(2).length;
  const isPowerOfTwo = (mantissa & (mantissa - 1n)) === 0n;
  return exponent + bitLength - (isPowerOfTwo ? 1 : 0);
}
