/**
 * Review ML (reviewml, stop 17 session 4), finding M14 — M4's class (a confidence bound computed in floating point
 * that is not a bound), a member M4's fix did not reach: MANY trials. Low severity (audit only, nothing released):
 * the stated failure probability α is exceeded by a relative 3·10⁻⁶ at 10⁹ trials, 6·10⁻⁴ at 10¹¹, 6 % at 10¹³,
 * 60 % at 10¹⁴ and ×250–1,400 at 10¹⁵ (mpmath, 50 digits, 557 + 112 grid points; n ≤ 10⁷ clean). Every safe
 * integer is accepted as `trials`, and the functions promise "P[p < bound] ≤ alpha, for every p".
 * Owners: acct (`src/numeric/special.ts` `regularizedBeta`/`betaQuantile`) and trust (`src/audit/clopper-pearson.ts`,
 * used by `auditPrivacy` and the membership audits' ε lower bounds and ROC intervals).
 *
 * Where: `regularizedBeta` takes `logGamma(a + b) − logGamma(a) − logGamma(b)` as a difference of doubles. With
 * b ≈ n = 10¹⁵, logΓ(n) ≈ 3.3·10¹⁶, whose ulp is 4: the beta function is off by a factor up to e⁴, and the
 * quantile with it; the 10⁻⁹ relative SAFETY margin of the bounds covers an absolute log error of 10⁻⁹ only
 * (logΓ(b) ≈ b·ln b has absolute error ≈ 2⁻⁵³·b·ln b ≥ 10⁻⁹ from b ≈ 10⁶ on, and exceeds it by 10⁷ at 10¹⁵).
 *
 * Rule that would close the class: the log-beta front factor computed without cancellation (logΓ(a + b) − logΓ(b)
 * by a series in a/b, or lbeta as in Boost/R's `lbeta`), with an error bound the margin is derived from — or
 * `trials` refused above the range where the margin is proven. Coverage tests over (k, n, α) with n up to 2⁵³.
 *
 * Check here: the binomial tail at the returned bound, summed term by term on its small side in double precision
 * (terms C(n, i)·p^i·(1 − p)^(n − i) from logs; relative error ≲ 10⁻¹² here), against α with a 10⁻⁶ tolerance.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clopperPearsonLower, clopperPearsonUpper } from '../../src/audit/clopper-pearson.js';
import { DpError } from '../../src/core/errors.js';

/** log C(n, i) + i·log p + (n − i)·log(1 − p), for small i (≤ a few hundred) and any n ≤ 2⁵³. */
function logTerm(n: number, p: number, i: number): number {
  let logC = 0;
  for (let j = 0; j < i; j++) logC += Math.log((n - j) / (j + 1));
  return logC + i * Math.log(p) + (n - i) * Math.log1p(-p);
}

/** P[Bin(n, p) ≥ k], summed upwards from k (k above the mean: the terms fall). */
function tailAtLeast(n: number, p: number, k: number): number {
  let t = Math.exp(logTerm(n, p, k));
  let s = t;
  const r = p / (1 - p);
  for (let i = k; i < n && i < k + 100_000; i++) {
    t *= ((n - i) / (i + 1)) * r;
    s += t;
    if (t < s * 1e-18 && i > n * p) break;
  }
  return s;
}

/** P[Bin(n, p) ≤ k] = Σ_{i ≤ k} (k below the mean). */
function tailAtMost(n: number, p: number, k: number): number {
  let s = 0;
  for (let i = 0; i <= k; i++) s += Math.exp(logTerm(n, p, i));
  return s;
}

const TOLERANCE = 1 + 1e-6;

/** The failure probabilities of both bounds at (k, n, α) divided by α; null when the bounds are refused. */
function coverage(k: number, n: number, alpha: number): { lower: number; upper: number } | null {
  let lo: number;
  let up: number;
  try {
    lo = clopperPearsonLower(k, n, alpha);
    up = clopperPearsonUpper(k, n, alpha);
  } catch (e) {
    // A fix may refuse trials beyond the proven range: a typed refusal is fine.
    expect(e).toBeInstanceOf(DpError);
    expect((e as DpError).code).toBe('INVALID_PARAMETER');
    return null;
  }
  return { lower: tailAtLeast(n, lo, k) / alpha, upper: up < 1 ? tailAtMost(n, up, k) / alpha : 0 };
}

describe('review ML M14: Clopper–Pearson bounds over many trials are not bounds', () => {
  it('control (holds): up to 10⁷ trials both bounds meet α (and the tail computation has power: a bound 1 % off fails)', () => {
    for (const [k, n, alpha] of [
      [5, 1e6, 1e-3],
      [50, 1e7, 1e-6 / 6],
      [1, 1e7, 1e-9],
      [17, 123_456, 1e-6],
    ] as const) {
      const c = coverage(k, n, alpha);
      expect(c).not.toBeNull();
      expect(c?.lower).toBeLessThanOrEqual(TOLERANCE);
      expect(c?.upper).toBeLessThanOrEqual(TOLERANCE);
      // Power: the same check rejects a lower bound 1 % too high.
      expect(tailAtLeast(n, clopperPearsonLower(k, n, alpha) * 1.01, k) / alpha).toBeGreaterThan(TOLERANCE);
    }
  });

  it('M14 (fixed: a margin growing with n·ln n, clopper-pearson.ts quantileMargin): at 10¹⁵ trials the lower bound fails with probability ≈ 250·α (5 successes, α = 10⁻³)', () => {
    const c = coverage(5, 1e15, 1e-3);
    if (c === null) return; // refused: closed
    expect(c.lower).toBeLessThanOrEqual(TOLERANCE); // ≈ 248.6 on main 4de1ec1
  });

  it('M14 (fixed, same margin): at 10¹⁴ trials the upper bound fails with probability ≈ 1.6·α (50 successes, α = 10⁻³)', () => {
    const c = coverage(50, 1e14, 1e-3);
    if (c === null) return;
    expect(c.upper).toBeLessThanOrEqual(TOLERANCE); // ≈ 1.62 on main 4de1ec1
  });

  it('M14 (class, generative; fixed): every (k ≤ 60, n ≤ 10¹⁵, α) meets α, or is refused', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 6, max: 15, noNaN: true }),
        fc.constantFrom(1e-3, 1e-6 / 6, 1e-9),
        (k, logN, alpha) => {
          const n = Math.round(10 ** logN);
          const c = coverage(k, n, alpha);
          if (c === null) return;
          expect(c.lower).toBeLessThanOrEqual(TOLERANCE);
          expect(c.upper).toBeLessThanOrEqual(TOLERANCE);
        },
      ),
      { seed: 1714, numRuns: 200 },
    );
  });
});
