/**
 * Exact (Clopper–Pearson) confidence bounds for a binomial proportion: the
 * rigorous intervals the auditor certifies its events with.
 * @module
 */
import { DpError } from '../core/errors.js';
import { logDown } from '../numeric/directed-libm.js';
import { betaQuantile } from '../numeric/special.js';
import { logPmfStirlingUp } from './_internal/binomial-pmf-stirling.js';
import {
  blockSumUp,
  type LogPmfUp,
  logBinomialUp,
  logLowerTailUp,
  logUpperTailUp,
  MAX_CERTIFIED_K,
  type RatioSumUp,
  summedLogPmfUp,
  termSumUp,
} from './_internal/binomial-tail.js';

/**
 * The certificate's pmf bound for (n, k), 0 ≤ k ≤ n: the summed ln C(n, k) up to min(k, n − k) = MAX_CERTIFIED_K
 * (unchanged since stop 18, summed term by term), Stirling's series with Robbins' remainder and the deviance
 * beyond it (its tails summed in blocks).
 */
function pmfBound(n: number, k: number): { logPmf: LogPmfUp; sumUp: RatioSumUp } {
  if (Math.min(k, n - k) <= MAX_CERTIFIED_K) return { logPmf: summedLogPmfUp(n, k, logBinomialUp(n, k)), sumUp: termSumUp };
  return { logPmf: (p) => logPmfStirlingUp(n, k, p), sumUp: blockSumUp };
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
  const { logPmf, sumUp } = pmfBound(n, k);
  const logAlpha = logDown(alpha);
  // P[Bin(n, L) ≥ k] ≤ α certified ⇒ L ≤ the exact bound (the tail grows with L).
  return certifiedEdge(candidate, -1, (p) => logUpperTailUp(n, k, p, logPmf, sumUp) <= logAlpha);
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
  const { logPmf, sumUp } = pmfBound(n, k);
  const logAlpha = logDown(alpha);
  // P[Bin(n, U) ≤ k] ≤ α certified ⇒ U ≥ the exact bound (the tail falls as U grows).
  return certifiedEdge(candidate, 1, (p) => logLowerTailUp(n, k, p, logPmf, sumUp) <= logAlpha);
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
