/**
 * Exact binomial limits for statistical tests of DP code (how often a mechanism's output falls in an
 * event, compared with the probability the mechanism's law gives it). Part of the one published
 * statistical kit, `tsdp/testing`, with `ksTest`, `chiSquareTest` and the Clopper–Pearson bounds
 * (re-exported from `tsdp/audit`, which uses them for its ε lower bounds).
 * @module
 */
import { DpError } from '../core/errors.js';

function check(n: number, p: number, alpha: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new DpError('INVALID_PARAMETER', 'n must be a whole number >= 0', { parameter: 'n' });
  if (!(p >= 0 && p <= 1)) throw new DpError('INVALID_PARAMETER', 'p must be in [0, 1]', { parameter: 'p' });
  if (!(alpha > 0 && alpha < 1)) throw new DpError('INVALID_PARAMETER', 'alpha must be in (0, 1)', { parameter: 'alpha' });
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

/**
 * P(X = k) for X ~ Bin(n, p), computed in log space.
 * @param n - trials.
 * @param p - success probability.
 * @param k - successes.
 * @returns the probability.
 * @throws DpError INVALID_PARAMETER on n not a whole number ≥ 0 or p outside [0, 1].
 * @example
 * binomialPmf(10, 0.5, 5); // 0.246…
 */
export function binomialPmf(n: number, p: number, k: number): number {
  check(n, p, 0.5);
  if (!Number.isSafeInteger(k) || k < 0 || k > n) return 0;
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/**
 * The largest k with P(X < k) ≤ alpha for X ~ Bin(n, p): seeing fewer than k successes has probability ≤ alpha.
 * A test that fails when the count is below this limit fails with probability ≤ alpha when the law is right.
 * @param n - trials.
 * @param p - success probability.
 * @param alpha - the failure probability allowed (e.g. 1e-6).
 * @returns the limit.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @example
 * binomialLowerLimit(10_000, 0.5, 1e-6); // ≈ 4755
 */
export function binomialLowerLimit(n: number, p: number, alpha: number): number {
  check(n, p, alpha);
  let cdf = 0;
  for (let k = 0; k <= n; k++) {
    const next = cdf + binomialPmf(n, p, k);
    if (next > alpha) return k;
    cdf = next;
  }
  return n;
}

/**
 * The smallest k with P(X > k) ≤ alpha for X ~ Bin(n, p).
 * @param n - trials.
 * @param p - success probability.
 * @param alpha - the failure probability allowed.
 * @returns the limit.
 * @throws DpError INVALID_PARAMETER on bad arguments.
 * @example
 * binomialUpperLimit(10_000, 0.5, 1e-6); // ≈ 5245
 */
export function binomialUpperLimit(n: number, p: number, alpha: number): number {
  return n - binomialLowerLimit(n, 1 - p, alpha);
}
