/**
 * Rounding a value to a power-of-two grid and adding integer noise on it,
 * exactly (the final double is the correctly rounded exact grid point).
 * @module
 */
import { ceilLog2, decomposeDouble, powerOfTwo } from '../../numeric/float-bits.js';
import { Rational } from '../../numeric/rational.js';

/** The grid is 2^GRID_BITS times finer than the noise scale. */
export const GRID_BITS = 40;

const TWO_53 = 9_007_199_254_740_992;

/** 2^(⌈log₂ x⌉ − bits), at least 2^−1074; x finite > 0. */
export function gridFor(x: number, bits: number): number {
  return powerOfTwo(Math.max(ceilLog2(x) - bits, -1074));
}

/** x / g as an exact Rational (g a power of two). */
export function divideByGrid(x: number, g: number): Rational {
  const { mantissa, exponent } = decomposeDouble(g); // g = 2^k exactly: mantissa is a power of two
  const gr = exponent >= 0 ? Rational.of(mantissa << BigInt(exponent)) : Rational.of(mantissa, 1n << BigInt(-exponent));
  return Rational.fromNumber(x).div(gr);
}

/**
 * round(value/g) exactly, ties to even, for a finite double and a power of
 * two g. (Any fixed monotone rounding rule gives the Δ + g bound; ties-to-even
 * is what the fast path below computes without branches.)
 */
export function roundToGridExact(value: number, g: number): bigint {
  if (value === 0) return 0n;
  const v = decomposeDouble(value);
  const k = decomposeDouble(g);
  // g = kMant·2^kExp with kMant a power of two; fold it into the exponent.
  const gExp = k.exponent + (k.mantissa.toString(2).length - 1);
  const shift = v.exponent - gExp;
  if (shift >= 0) return v.mantissa << BigInt(shift);
  const s = BigInt(-shift);
  const q = v.mantissa >> s; // floor (BigInt >> floors)
  const rest = v.mantissa - (q << s);
  const half = 1n << (s - 1n);
  return rest > half || (rest === half && (q & 1n) === 1n) ? q + 1n : q;
}

/** 1.5·2⁵²: for |q| ≤ 2⁵¹, (q + C) − C is q rounded to the nearest integer, ties to even (ulp(q + C) = 1). */
const ROUND_MAGIC = 6_755_399_441_055_744;
const TWO_51 = 2_251_799_813_685_248;

/** Nearest integer, ties to even, for |q| < 2⁵³ (exact). */
function roundHalfEven(q: number): number {
  if (q <= TWO_51 && q >= -TWO_51) return q + ROUND_MAGIC - ROUND_MAGIC;
  // 2⁵¹ < |q| < 2⁵³: q is a multiple of 1/2; Math.round ties toward +∞, fix odd ties.
  const r = Math.round(q);
  return r - q === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The double nearest to (round(value/g) + noise)·g (ties to even in the
 * rounding of value/g), clamped to the largest grid multiple within ±MAX_VALUE,
 * never −0. This is
 * post-processing of the exact integer round(value/g) + noise.
 *
 * Fast path (no BigInt), valid when noise is a number with |noise| ≤ 2⁵³:
 * - if |value/g| < 2⁵³ the quotient is exact (division by a power of two) and
 *   so is its rounding; adding noise is one correctly rounded addition of exact
 *   integers, and multiplying by g is exact (barring overflow);
 * - otherwise |value| ≥ 2⁵³·g, so value is already a multiple of g, noise·g is
 *   exact, and value + noise·g is one correctly rounded addition of the exact
 *   grid point: the same double.
 * Both branches cost a few floating-point operations; which one runs depends on
 * |value|, but neither samples anything, so the sampling time does not.
 */
export function addNoiseOnGrid(value: number, g: number, noise: number | bigint): number {
  let out: number;
  if (typeof noise === 'number' && noise <= TWO_53 && noise >= -TWO_53) {
    const q = value / g;
    out = q < TWO_53 && q > -TWO_53 ? (roundHalfEven(q) + noise) * g : value + noise * g;
  } else {
    const n = roundToGridExact(value, g) + (typeof noise === 'bigint' ? noise : BigInt(noise));
    const k = decomposeDouble(g);
    const gExp = k.exponent + (k.mantissa.toString(2).length - 1);
    out = (gExp >= 0 ? Rational.of(n << BigInt(gExp)) : Rational.of(n, 1n << BigInt(-gExp))).toNumber();
  }
  if (out > Number.MAX_VALUE || out < -Number.MAX_VALUE) {
    // Clamp to the largest multiple of g that is a finite double (MAX_VALUE/g is exact: g ≥ 1 here
    // or MAX_VALUE is already a multiple of g), so that every output stays on the grid.
    const limit = Math.floor(Number.MAX_VALUE / g) * g;
    return out > 0 ? limit : -limit;
  }
  return out + 0; // −0 → +0
}

export { roundHalfEven };
