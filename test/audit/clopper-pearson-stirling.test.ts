/**
 * Review ML M14 beyond min(k, n − k) = 10⁶ (`src/audit/clopper-pearson.proof.md`, "Beyond 10⁶"): the certificate's
 * pmf bound there is Stirling's series with Robbins' remainder and the binomial deviance
 * (`src/audit/_internal/binomial-pmf-stirling.ts`), and its tails are summed in blocks (`blockSumUp`). Both are
 * exact-size independent, so they are checked in EXACT rational arithmetic (BigInt, `exact-binomial.ts`) at small n,
 * where every case is feasible:
 * - generative (fast-check, seed 1902): ln b(k) ≤ the Stirling bound, n ≤ 200, p ∈ [10⁻³, 1 − 10⁻³] (both branches of
 *   the deviance: the series near k = np, the logarithm away from it);
 * - generative (fast-check, seed 1903): both tails, Stirling pmf and block sums, are ≥ the exact tails, n ≤ 120;
 * - regression: at min(k, n − k) > 10⁶ the bounds are valid against mpmath (50 digits,
 *   `fixtures/clopper-pearson-mpmath-large.py`) and within 0.01 standard deviations of them (the stop-17 error-model
 *   margin there gave 0 or 1 from about 10¹³ trials); and informative at 10¹⁵ and 2⁵³ − 1 trials.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logPmfStirlingUp } from '../../src/audit/_internal/binomial-pmf-stirling.js';
import { blockSumUp, logLowerTailUp, logUpperTailUp } from '../../src/audit/_internal/binomial-tail.js';
import { clopperPearsonLower, clopperPearsonUpper } from '../../src/audit/clopper-pearson.js';
import { atMost, exactTail, expBelow } from './exact-binomial.js';

const stirling = (n: number, k: number) => (p: number) => logPmfStirlingUp(n, k, p);

describe('review M14 beyond 10⁶: the Stirling certificate', () => {
  it('generative (fast-check, seed 1902): the Stirling pmf bound is ≥ the exact pmf (exact rationals, n ≤ 200)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), fc.double({ min: 1e-3, max: 1 - 1e-3, noNaN: true }), (n, rawK, p) => {
        const k = 1 + (rawK % (n - 1));
        expect(atMost(exactTail(n, p, k, k), expBelow(logPmfStirlingUp(n, k, p)))).toBe(true);
      }),
      { seed: 1902, numRuns: 400 },
    );
  });

  it('generative (fast-check, seed 1902): near k = np too (the series branch), and tight there', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 200 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: -0.02, max: 0.02, noNaN: true }),
        (n, f, shift) => {
          const k = Math.max(1, Math.min(n - 1, Math.round(f * n)));
          const p = Math.min(1 - 1e-3, Math.max(1e-3, k / n + shift));
          const bound = logPmfStirlingUp(n, k, p);
          expect(atMost(exactTail(n, p, k, k), expBelow(bound))).toBe(true);
          // Tight: Robbins' remainder and the series cut cost at most ~1/(12k) + 1/(12(n − k)) + 1e-9 in ln.
          expect(atMost(expBelow(bound - 1 / (6 * Math.min(k, n - k)) - 1e-9), exactTail(n, p, k, k))).toBe(true);
        },
      ),
      { seed: 1902, numRuns: 200 },
    );
  });

  it('generative (fast-check, seed 1903): tails with the Stirling pmf summed in blocks are ≥ the exact tails (n ≤ 120)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 120 }), fc.nat(), fc.double({ min: 1e-3, max: 1 - 1e-3, noNaN: true }), (n, rawK, p) => {
        const k = 1 + (rawK % (n - 1));
        const upper = logUpperTailUp(n, k, p, stirling(n, k), blockSumUp);
        if (upper !== Number.POSITIVE_INFINITY) expect(atMost(exactTail(n, p, k, n), expBelow(upper))).toBe(true);
        const lower = logLowerTailUp(n, k, p, stirling(n, k), blockSumUp);
        if (lower !== Number.POSITIVE_INFINITY) expect(atMost(exactTail(n, p, 0, k), expBelow(lower))).toBe(true);
      }),
      { seed: 1903, numRuns: 300 },
    );
  });

  it('regression: beyond 10⁶ the bounds are valid against mpmath and within 0.01 standard deviations', () => {
    for (const [k, n, alpha, lower, upper] of LARGE) {
      const sd = Math.sqrt((k * (n - k)) / n) / n;
      const l = clopperPearsonLower(k, n, alpha);
      const u = clopperPearsonUpper(k, n, alpha);
      expect(l).toBeLessThanOrEqual(lower);
      expect(l).toBeGreaterThanOrEqual(lower - 0.01 * sd);
      expect(u).toBeGreaterThanOrEqual(upper);
      expect(u).toBeLessThanOrEqual(upper + 0.01 * sd);
    }
  });

  it('informative at 10¹⁵ and 2⁵³ − 1 trials (the error-model margin gave [0, 1] there): about z standard deviations wide', () => {
    for (const [k, n, alpha, z] of [
      [5e14, 1e15, 1e-6, 4.7534],
      [5e14, 1e15, 0.05, 1.6449],
      [2 ** 52, 2 ** 53 - 1, 1e-9, 5.9978],
    ] as const) {
      const sd = Math.sqrt((k * (n - k)) / n) / n;
      const centre = k / n;
      for (const half of [(centre - clopperPearsonLower(k, n, alpha)) / sd, (clopperPearsonUpper(k, n, alpha) - centre) / sd]) {
        expect(half).toBeGreaterThan(z * 0.999);
        expect(half).toBeLessThan(z * 1.01);
      }
    }
  });
});

// [k, n, α, exact lower, exact upper] from fixtures/clopper-pearson-mpmath-large.py (mpmath, 50 digits).
const LARGE: [number, number, number, number, number][] = [
  [2_000_001, 10_000_000, 1e-6, 0.1993992462062445, 0.20060187770715981],
  [3_000_000, 1e15, 1e-3, 2.994650410365283e-9, 3.0053562902169536e-9],
  [1_000_001, 2_000_003, 0.05, 0.49941795712996956, 0.500581542871315],
];
