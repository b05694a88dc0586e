/**
 * A 400-bit fixed-point reference for the RDP terms (test only): values are bigints v standing for v·2⁻⁴⁰⁰, with
 * exp, log and log1p computed by series to below 2⁻³⁹⁰ absolute. Errors of the reference are far below the
 * doubles' spacing of the values compared (RDP values ≥ 1e-30 have an ulp ≥ 2⁻¹⁵²), so a computed upper bound
 * must satisfy `fromDouble(computed) ≥ reference − TOLERANCE` with TOLERANCE = 2⁻³⁰⁰.
 */
import { decomposeDouble } from '../../src/numeric/float-bits.js';

export const P = 400n;
export const ONE = 1n << P;
/** 2⁻³⁰⁰ in fixed point: far above the reference's own error, far below any double spacing compared. */
export const TOLERANCE = 1n << (P - 300n);

/** The exact value of a finite double (truncated below 2⁻⁴⁰⁰). */
export function fromDouble(x: number): bigint {
  if (x === 0) return 0n;
  const { mantissa, exponent } = decomposeDouble(x);
  const shift = BigInt(exponent) + P;
  return shift >= 0n ? mantissa << shift : mantissa / (1n << -shift);
}
export const fromInt = (n: number | bigint): bigint => BigInt(n) << P;
export const mul = (a: bigint, b: bigint): bigint => (a * b) >> P;
export const div = (a: bigint, b: bigint): bigint => (a << P) / b;

let ln2Cache: bigint | undefined;
/** ln 2 = Σ_{k≥1} 1/(k·2^k). */
export function ln2(): bigint {
  if (ln2Cache !== undefined) return ln2Cache;
  let s = 0n;
  for (let k = 1n; k < P + 20n; k++) s += ONE / (k << k);
  ln2Cache = s;
  return s;
}

/** e^x. */
export function exp(x: bigint): bigint {
  const L = ln2();
  const n = (x >= 0n ? x + L / 2n : x - L / 2n) / L;
  const r = x - n * L; // |r| ≤ ln2/2
  let term = ONE;
  let sum = ONE;
  for (let k = 1n; term !== 0n; k++) {
    term = mul(term, r) / k;
    sum += term;
  }
  if (n >= 0n) return sum << n;
  return -n > 2n * P ? 0n : sum >> -n;
}

/** ln x for x > 0. */
export function log(x: bigint): bigint {
  if (x <= 0n) throw new Error('log of a non-positive value');
  const k = BigInt(x.toString(2).length) - 1n - P; // x·2^{−k} ∈ [1, 2)
  const m = k >= 0n ? x >> k : x << -k;
  const t = div(m - ONE, m + ONE); // ≤ 1/3
  const t2 = mul(t, t);
  let power = t;
  let sum = 0n;
  for (let j = 1n; power !== 0n; j += 2n) {
    sum += power / j;
    power = mul(power, t2);
  }
  return 2n * sum + k * ln2();
}

export const log1p = (x: bigint): bigint => log(ONE + x);
export const expm1 = (x: bigint): bigint => exp(x) - ONE;
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** binom(n, i) for integers. */
export function binom(n: number, i: number): bigint {
  let r = 1n;
  for (let j = 0; j < i; j++) r = (r * BigInt(n - j)) / BigInt(j + 1);
  return r;
}
