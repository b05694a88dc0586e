/**
 * Exact (Clopper–Pearson) confidence bounds for a binomial proportion: the
 * rigorous intervals the auditor certifies its events with.
 * @module
 */
import { DpError } from '../core/errors.js';
import { nextUp } from '../numeric/float-bits.js';
import { betaQuantile } from '../numeric/special.js';

// Bounds are widened by this relative margin to absorb the floating-point error of the beta quantile.
const SAFETY = 1e-9;

/**
 * The relative margin on a beta quantile at `trials` (review ML M14, class 10 "answers are bounds"). The regularized
 * beta's prefactor takes log B(a, b) = lgΓ(a) + lgΓ(b) − lgΓ(a + b) with a + b = n + 1: the three terms reach n·ln n
 * and cancel, so their rounding is an ABSOLUTE error in ln I of order u·n·ln n (u = 2⁻⁵³; the review measured 4 ulps
 * of 3.4·10¹⁶ at n = 10¹⁵, a failure probability α·(1 + 3·10⁻⁶) at 10⁹). A relative error η in I moves the quantile x
 * by η / (d ln I / d ln x). Error model: `logGamma(x)` is within 3.3·u·(x + 1)·ln(x + 2) of lgΓ(x) (measured against
 * mpmath at 3,000 points, x ∈ [1, 10¹⁵]), so ≤ 10u·m·ln m for the three terms (m = n + 2), plus ≤ 6u·m·ln m for the
 * prefactor's other terms (a·ln x, b·log1p(−x), smaller); and the slope d ln I / d ln x ≥ 1/4 at the quantiles solved
 * (≈ a ≥ 1 deep in the lower tail, ≈ 0.6 at k = 1, α = 1/2; for α near 1 the slope falls — ≈ 10⁻⁵ at n = 10⁶,
 * α = 1 − 10⁻⁹, review2 — but there the error lands on the small complement and coverage held at every point tried). Margin 64u·m·ln m = 2⁻⁴⁷·m·ln m, never below 1e-9.
 * This is an error model (lgΓ's accuracy measured, the slope argued), not a proof — stated as such. It widens a
 * bound by 8·10⁻⁹ relative at 10⁵ trials, 10⁻⁷ at 10⁶, 1.5·10⁻⁴ at 10⁹; from ≈ 10¹³ trials the lower bound is 0 and
 * the upper 1 (sound, uninformative). Test: test/review/ml-clopper-pearson-many-trials.test.ts (coverage against exact
 * binomial tails up to 10¹⁵ trials, generative).
 */
function quantileMargin(trials: number): number {
  const m = trials + 2;
  return Math.max(SAFETY, 2 ** -47 * m * Math.log(m));
}

/**
 * The smallest failure probability taken (review ML M4). Below it the quantile x of Beta(1, n) (≈ α/n, n ≤ 2⁵³)
 * would leave the normal doubles (1e-307), where neither the bisection nor the 1e-9 margin resolves it: the lower
 * bound for 1 success in 2 trials at α = 1e-310 came back ≈ 1e-300 (10¹⁰ too high). Refused, never answered wrongly.
 */
export const MIN_CLOPPER_PEARSON_ALPHA = 1e-280;

function check(successes: number, trials: number, alpha: number): void {
  if (!Number.isSafeInteger(trials) || trials <= 0) {
    throw new DpError('INVALID_PARAMETER', `trials must be a positive integer, got ${trials}`, { parameter: 'trials' });
  }
  if (!Number.isSafeInteger(successes) || successes < 0 || successes > trials) {
    throw new DpError('INVALID_PARAMETER', 'successes must be an integer in [0, trials]', { parameter: 'successes' });
  }
  if (!(typeof alpha === 'number' && alpha >= MIN_CLOPPER_PEARSON_ALPHA && alpha < 1)) {
    throw new DpError('INVALID_PARAMETER', `alpha must be in [${MIN_CLOPPER_PEARSON_ALPHA}, 1)`, {
      parameter: 'alpha',
      expected: `[${MIN_CLOPPER_PEARSON_ALPHA}, 1)`,
    });
  }
}

/**
 * The one-sided Clopper–Pearson lower bound: P[p < bound] ≤ alpha over the
 * draw of `successes` ~ Binomial(trials, p), for every p.
 * @param successes - observed count.
 * @param trials - number of independent trials.
 * @param alpha - the allowed failure probability of this bound.
 * @returns a lower confidence bound on p at level 1 − alpha (0 when no success was seen).
 * @throws DpError INVALID_PARAMETER on non-integer counts or alpha outside [MIN_CLOPPER_PEARSON_ALPHA, 1).
 * @see Clopper & Pearson (1934), Biometrika 26(4).
 * @example
 * clopperPearsonLower(500, 1000, 1e-6); // ≈ 0.4246
 */
export function clopperPearsonLower(successes: number, trials: number, alpha: number): number {
  check(successes, trials, alpha);
  if (successes === 0) return 0;
  if (successes === trials) return alpha ** (1 / trials) * (1 - SAFETY);
  return Math.max(0, betaQuantile(alpha, successes, trials - successes + 1) * (1 - quantileMargin(trials)));
}

/**
 * The one-sided Clopper–Pearson upper bound: P[p > bound] ≤ alpha.
 * @param successes - observed count.
 * @param trials - number of independent trials.
 * @param alpha - the allowed failure probability of this bound.
 * @returns an upper confidence bound on p at level 1 − alpha (1 when every trial succeeded).
 * @throws DpError INVALID_PARAMETER on non-integer counts or alpha outside [MIN_CLOPPER_PEARSON_ALPHA, 1).
 * @see Clopper & Pearson (1934), Biometrika 26(4).
 * @example
 * clopperPearsonUpper(0, 1_000_000, 1e-6); // ≈ 1.38e-5
 */
export function clopperPearsonUpper(successes: number, trials: number, alpha: number): number {
  check(successes, trials, alpha);
  if (successes === trials) return 1;
  if (successes === 0) return Math.min(1, -Math.expm1(Math.log(alpha) / trials) * (1 + SAFETY));
  // Review ML M4: betaQuantile(1 − α, …) used fl(1 − α) — another α (30 % off at α = 3·10⁻¹⁶), and near level 1
  // the beta function's own resolution is an absolute 2⁻⁵³. By symmetry the bound is 1 − q with q the α-quantile
  // of Beta(n − k, k + 1): the SMALL tail, solved at α itself. The margin goes on the tail 1 − q (relative, the
  // quantile's own error) plus 2⁻⁴⁹·q (the bisection stops at 10⁻¹⁵·q), and the subtraction rounds up.
  const q = betaQuantile(alpha, trials - successes, successes + 1);
  return Math.min(1, nextUp((1 - q) * (1 + quantileMargin(trials)) + 2 ** -49 * q));
}
