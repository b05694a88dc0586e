/**
 * Review ML M14 (class 10, "answers are bounds"): the Clopper–Pearson bounds are certified
 * (`src/audit/clopper-pearson.proof.md`): each returned bound is a point where the binomial tail's upper bound,
 * computed in outward-rounded arithmetic (`src/audit/_internal/binomial-tail.ts`), is ≤ α.
 *
 * Checked here in EXACT rational arithmetic (BigInt): a double p is m/2^e exactly, so
 * P[Bin(n, p) ≥ k] = Σ_j C(n, j)·m^j·(2^e − m)^(n − j) / 2^(e·n) is an exact rational, compared exactly with α.
 * - Regression: the review's M14 cases at 10¹⁵ trials meet α against mpmath (50 digits, `fixtures/`), and are
 *   informative (within 10⁻⁶ relative of the exact bound), where the error-model margin gave 0 or ×250.
 * - Generative (fast-check, seed 1814): random n ≤ 120, k, p, α — the tail bounds are ≥ the exact tails, and the
 *   bounds meet α exactly (the exact tail at the returned lower bound is ≤ α; likewise the upper).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logBinomialUp, logLowerTailUp, logUpperTailUp } from '../../src/audit/_internal/binomial-tail.js';
import { clopperPearsonLower, clopperPearsonUpper } from '../../src/audit/clopper-pearson.js';
import { decomposeDouble } from '../../src/numeric/float-bits.js';

/** A double as an exact fraction num/den (den a power of two). */
function fraction(x: number): { num: bigint; den: bigint } {
  const { mantissa, exponent } = decomposeDouble(x);
  return exponent >= 0 ? { num: mantissa << BigInt(exponent), den: 1n } : { num: mantissa, den: 1n << BigInt(-exponent) };
}

function choose(n: number, k: number): bigint {
  let c = 1n;
  for (let j = 0; j < k; j++) c = (c * BigInt(n - j)) / BigInt(j + 1);
  return c;
}

/** The exact tail P[Bin(n, p) ∈ [from, to]] as num/den. */
function exactTail(n: number, p: number, from: number, to: number): { num: bigint; den: bigint } {
  const { num: m, den } = fraction(p);
  const q = den - m;
  let num = 0n;
  for (let j = from; j <= to; j++) num += choose(n, j) * m ** BigInt(j) * q ** BigInt(n - j);
  return { num, den: den ** BigInt(n) };
}

/** a/b ≤ c/d for positive denominators. */
const atMost = (a: { num: bigint; den: bigint }, c: { num: bigint; den: bigint }) => a.num * c.den <= c.num * a.den;

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
function expBelow(x: number): { num: bigint; den: bigint } {
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

describe('review M14: Clopper–Pearson bounds certified by an outward-rounded binomial tail', () => {
  it('regression: the review cases at 10¹⁵ trials (mpmath references) meet α and stay within 10⁻⁶ of the exact bound', () => {
    // [k, n, α, exact lower, exact upper] from test/audit/fixtures/clopper-pearson-mpmath.py (60 digits).
    const cases: [number, number, number, number, number][] = REFERENCES;
    for (const [k, n, alpha, lower, upper] of cases) {
      if (!Number.isNaN(lower)) {
        const l = clopperPearsonLower(k, n, alpha);
        expect(l).toBeLessThanOrEqual(lower);
        expect(l).toBeGreaterThanOrEqual(lower * (1 - 1e-6));
      }
      if (!Number.isNaN(upper)) {
        const u = clopperPearsonUpper(k, n, alpha);
        expect(u).toBeGreaterThanOrEqual(upper);
        expect(u).toBeLessThanOrEqual(upper * (1 + 1e-6));
      }
    }
  });

  it('generative (fast-check, seed 1814): the tail bounds are ≥ the exact tails (exact rationals, n ≤ 120)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), fc.nat(), (n, p, rawK) => {
        const k = rawK % (n + 1);
        const logChoose = logBinomialUp(n, k);
        const upper = logUpperTailUp(n, k, p, logChoose);
        if (upper !== Number.POSITIVE_INFINITY) expect(atMost(exactTail(n, p, k, n), expBelow(upper))).toBe(true);
        const lower = logLowerTailUp(n, k, p, logChoose);
        if (lower !== Number.POSITIVE_INFINITY) expect(atMost(exactTail(n, p, 0, k), expBelow(lower))).toBe(true);
      }),
      { seed: 1814, numRuns: 400 },
    );
  });

  it('generative (fast-check, seed 1815): the bounds meet α exactly — the exact tail at each returned bound is ≤ α', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.nat(), fc.double({ min: 1e-30, max: 0.99, noNaN: true }), (n, rawK, alpha) => {
        const k = rawK % (n + 1);
        const a = fraction(alpha);
        const l = clopperPearsonLower(k, n, alpha);
        if (l > 0) expect(atMost(exactTail(n, l, k, n), a)).toBe(true);
        const u = clopperPearsonUpper(k, n, alpha);
        if (u < 1) expect(atMost(exactTail(n, u, 0, k), a)).toBe(true);
        // Informative: the certified bounds are not loose (the exact bound lies within 10⁻⁹ relative).
        if (l > 0) expect(atMost(a, exactTail(n, l * (1 + 1e-9), k, n))).toBe(true);
        if (u < 1 && u > 0) expect(atMost(a, exactTail(n, u * (1 - 1e-9), 0, k))).toBe(true);
      }),
      { seed: 1815, numRuns: 300 },
    );
  });
});

// [k, n, α, exact lower, exact upper] (mpmath, 50 digits, as the nearest double); NaN: not computed.
const REFERENCES: [number, number, number, number, number][] = [
  [5, 1e15, 1e-3, 7.393717319178338e-16, 1.6454745203680014e-14],
  [5000, 1e15, 1.7e-7, 4.647686572509732e-12, 5.370020419886482e-12],
  [60, 1e15, 1e-9, 2.4484979837014878e-14, 1.20043678438033e-13],
  [3, 1e9, 0.05, 8.176914476473351e-10, Number.NaN],
  [7, 2 ** 53 - 1, 1e-12, 7.304885473895777e-18, Number.NaN],
  [3, 100_000, 1e-7, Number.NaN, 0.0002398371572523206],
];
