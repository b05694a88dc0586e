/**
 * Exact rational arithmetic (BigInt) for binomial tails, shared by the Clopper–Pearson certificate tests
 * (`clopper-pearson-certified.test.ts`, `clopper-pearson-stirling.test.ts`): a double p is m/2^e exactly, so
 * P[Bin(n, p) ∈ [from, to]] = Σ_j C(n, j)·m^j·(2^e − m)^(n − j) / 2^(e·n) is an exact rational; `expBelow` gives an exact
 * lower bound on e^x to compare a log-domain upper bound with it.
 */
import { decomposeDouble } from '../../src/numeric/float-bits.js';

/** A double as an exact fraction num/den (den a power of two). */
export function fraction(x: number): { num: bigint; den: bigint } {
  const { mantissa, exponent } = decomposeDouble(x);
  return exponent >= 0 ? { num: mantissa << BigInt(exponent), den: 1n } : { num: mantissa, den: 1n << BigInt(-exponent) };
}

function choose(n: number, k: number): bigint {
  let c = 1n;
  for (let j = 0; j < k; j++) c = (c * BigInt(n - j)) / BigInt(j + 1);
  return c;
}

/** The exact tail P[Bin(n, p) ∈ [from, to]] as num/den. */
export function exactTail(n: number, p: number, from: number, to: number): { num: bigint; den: bigint } {
  const { num: m, den } = fraction(p);
  const q = den - m;
  let num = 0n;
  for (let j = from; j <= to; j++) num += choose(n, j) * m ** BigInt(j) * q ** BigInt(n - j);
  return { num, den: den ** BigInt(n) };
}

/** a/b ≤ c/d for positive denominators. */
export const atMost = (a: { num: bigint; den: bigint }, c: { num: bigint; den: bigint }) => a.num * c.den <= c.num * a.den;

const P = 2800n;
const ONE = 1n << P;

/** floor(2^P·e^y) for 0 ≤ y ≤ 2⁻¹⁰ given as num/den ≥ 0, by the Taylor series (all terms positive, floored). */
function expSmallFloor(num: bigint, den: bigint): bigint {
  let term = ONE;
  let sum = ONE;
  for (let j = 1n; j <= 40n; j++) {
    term = (term * num) / (den * j);
    sum += term;
  }
  return sum;
}

/**
 * An exact lower bound on e^x as E/2^P (2800-bit fixed point: the tails here are ≥ e⁻¹⁷⁰⁰ ≈ 2⁻²⁴⁵⁰, kept to ≥ 300 bits): x = m·2^e exactly; e^x = (e^{x/2^s})^(2^s) with
 * |x|/2^s ≤ 2⁻¹⁰; for x < 0 the small factor is 1/ceil(e^{|y|}) floored. Every step floors, so E/2^P ≤ e^x.
 */
export function expBelow(x: number): { num: bigint; den: bigint } {
  const f = fraction(Math.abs(x));
  let s = 0n;
  while (f.num * 1024n > f.den << s) s++;
  const den = f.den << s;
  let e: bigint;
  if (x >= 0) e = expSmallFloor(f.num, den);
  else {
    const up = expSmallFloor(f.num, den) + 41n; // ≥ 2^P·e^{|y|}: 41 floors of at most 1 each
    e = (ONE * ONE) / up;
  }
  for (let i = 0n; i < s; i++) e = (e * e) >> P;
  return { num: e, den: ONE };
}
