/**
 * Exact (Clopper–Pearson) confidence bounds for a binomial proportion: the
 * rigorous intervals the auditor certifies its events with.
 * @module
 */
import { DpError } from '../core/errors.js';
import { logDown } from '../numeric/directed-libm.js';
import { nextUp } from '../numeric/float-bits.js';
import { betaQuantile } from '../numeric/special.js';
import { logBinomialUp, logLowerTailUp, logUpperTailUp, MAX_CERTIFIED_K } from './_internal/binomial-tail.js';

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
 * This is an error model (lgΓ's accuracy measured, the slope argued), not a proof — stated as such; it is used only
 * where the certificate below does not reach (min(k, n − k) > MAX_CERTIFIED_K, `clopper-pearson.proof.md`). It widens a
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
  const n = trials;
  const k = successes;
  const candidate = k === n ? alpha ** (1 / n) : betaQuantile(alpha, k, n - k + 1);
  // Beyond the certificate's range: the error-model margin (quantileMargin's header; not proven).
  if (Math.min(k, n - k) > MAX_CERTIFIED_K) return Math.max(0, candidate * (1 - quantileMargin(n)));
  const logChoose = logBinomialUp(n, k);
  const logAlpha = logDown(alpha);
  // P[Bin(n, L) ≥ k] ≤ α certified ⇒ L ≤ the exact bound (the tail grows with L).
  return certifiedEdge(candidate, -1, (p) => logUpperTailUp(n, k, p, logChoose) <= logAlpha);
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
  const n = trials;
  const k = successes;
  // Review ML M4: betaQuantile(1 − α, …) would use fl(1 − α) — another α. By symmetry the bound is 1 − q with q the
  // α-quantile of Beta(n − k, k + 1), solved at α itself: the candidate (coarse near 0, which the search refines).
  const candidate = Math.max(Number.MIN_VALUE, 1 - betaQuantile(alpha, n - k, k + 1));
  if (Math.min(k, n - k) > MAX_CERTIFIED_K) {
    // Beyond the certificate's range: the error-model margin, on the tail 1 − q, plus 2⁻⁴⁹ for the bisection's stop.
    return Math.min(1, nextUp(candidate * (1 + quantileMargin(n)) + 2 ** -49));
  }
  const logChoose = logBinomialUp(n, k);
  const logAlpha = logDown(alpha);
  // P[Bin(n, U) ≤ k] ≤ α certified ⇒ U ≥ the exact bound (the tail falls as U grows).
  return certifiedEdge(candidate, 1, (p) => logLowerTailUp(n, k, p, logChoose) <= logAlpha);
}

/**
 * The certified edge nearest `candidate` (`clopper-pearson.proof.md`). `direction` is where validity lies (−1: lower
 * values hold, for L; +1: higher values hold, for U). From c, points s·2^(i − 30) away (i = 0, 1, …; s = min(c, 1 − c);
 * downward, halvings once past c/2), so a candidate off by any factor is reached: when c does not hold, the first
 * that holds in `direction`; when it does, the first that fails the other way. Then bisection between the two
 * (≤ 64 steps, to 2⁻⁴² relative); every value kept held. Nothing holds: 0 (down) or 1 (up), both valid.
 */
function certifiedEdge(candidate: number, direction: -1 | 1, holds: (p: number) => boolean): number {
  const c = Math.min(Math.max(candidate, Number.MIN_VALUE), 1 - 2 ** -53);
  const limit = direction < 0 ? 0 : 1;
  let good: number;
  let failed: number;
  if (holds(c)) {
    good = c;
    const away = walk(c, direction > 0 ? -1 : 1, (p) => !holds(p));
    if (away === undefined) return good; // holds up to the end of (0, 1): keep c
    failed = away;
  } else {
    failed = c;
    const toward = walk(c, direction, holds);
    if (toward === undefined) return limit;
    good = toward;
  }
  for (let step = 0; step < 64 && Math.abs(failed - good) > 2 ** -42 * Math.min(good, 1 - good); step++) {
    const mid = good + (failed - good) / 2;
    if (mid === good || mid === failed) break;
    if (holds(mid)) good = mid;
    else failed = mid;
  }
  return good;
}

/**
 * The first point away from c in `direction` (steps s·2^(i − 30), s = min(c, 1 − c); downward, halvings once past
 * c/2) where `stop` is true; undefined when the walk leaves (0, 1) first.
 */
function walk(c: number, direction: -1 | 1, stop: (p: number) => boolean): number | undefined {
  const scale = Math.min(c, 1 - c);
  let halvings = 0;
  for (let i = 0; i < 1200; i++) {
    const step = scale * 2 ** (i - 30);
    let p: number;
    if (direction > 0) p = c + step;
    else if (step <= c / 2) p = c - step;
    else p = (c / 2) * 2 ** -++halvings;
    if (!(p > 0 && p < 1)) return undefined;
    if (stop(p)) return p;
  }
  return undefined;
}
