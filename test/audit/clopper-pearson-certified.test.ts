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
import { logBinomialUp, logLowerTailUp, logUpperTailUp, summedLogPmfUp } from '../../src/audit/_internal/binomial-tail.js';
import { clopperPearsonLower, clopperPearsonUpper } from '../../src/audit/clopper-pearson.js';
import { atMost, exactTail, expBelow, fraction } from './exact-binomial.js';

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
        const logPmf = summedLogPmfUp(n, k, logBinomialUp(n, k));
        const upper = logUpperTailUp(n, k, p, logPmf);
        if (upper !== Number.POSITIVE_INFINITY) expect(atMost(exactTail(n, p, k, n), expBelow(upper))).toBe(true);
        const lower = logLowerTailUp(n, k, p, logPmf);
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
