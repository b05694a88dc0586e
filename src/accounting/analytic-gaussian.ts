/**
 * The analytic Gaussian mechanism (Balle & Wang 2018): the exact privacy curve
 * of Gaussian noise, and the ε or σ it implies, solved to full precision.
 * @module
 */
import { DpError } from '../core/errors.js';
import { logNormalCdf } from './_internal/special.js';

function check(x: number, name: string, min: number, strict: boolean): number {
  if (typeof x !== 'number' || Number.isNaN(x) || (strict ? !(x > min) : !(x >= min))) {
    throw new DpError('INVALID_PARAMETER', `${name} must be ${strict ? '>' : '>='} ${min}, got ${String(x)}`, { parameter: name });
  }
  return x;
}

/** log δ(ε) of the Gaussian mechanism (−∞ when δ = 0). */
function logDelta(sigma: number, epsilon: number, sensitivity: number): number {
  const a = sensitivity / (2 * sigma) - (epsilon * sigma) / sensitivity;
  const b = -sensitivity / (2 * sigma) - (epsilon * sigma) / sensitivity;
  const x = logNormalCdf(a);
  const y = epsilon + logNormalCdf(b);
  return y < x ? x + Math.log1p(-Math.exp(y - x)) : Number.NEGATIVE_INFINITY;
}

/**
 * δ(ε) of the Gaussian mechanism with standard deviation σ and L2 sensitivity Δ:
 * Φ(Δ/(2σ) − εσ/Δ) − e^ε·Φ(−Δ/(2σ) − εσ/Δ) (exact, tight).
 * @see Balle & Wang (2018), "Improving the Gaussian Mechanism for Differential Privacy", Theorem 8.
 * @throws DpError INVALID_PARAMETER unless σ > 0, ε ≥ 0, Δ > 0.
 * @example analyticGaussianDelta(1, 1) // 0.1269…
 */
export function analyticGaussianDelta(sigma: number, epsilon: number, sensitivity = 1): number {
  check(sigma, 'sigma', 0, true);
  check(epsilon, 'epsilon', 0, false);
  check(sensitivity, 'sensitivity', 0, true);
  if (epsilon === Number.POSITIVE_INFINITY) return 0;
  return Math.exp(logDelta(sigma, epsilon, sensitivity));
}

/**
 * Bisection on a non-increasing g to the last floating-point step; returns the
 * smallest x in [lo, hi] (the upper end of the final bracket) with g(x) ≤ 0.
 */
function smallestFeasible(g: (x: number) => number, lo0: number, hi0: number): number {
  let lo = lo0;
  let hi = hi0;
  while (g(hi) > 0) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return Number.POSITIVE_INFINITY;
  }
  for (let i = 0; i < 2000; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (g(mid) <= 0) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The smallest ε ≥ 0 for which the Gaussian mechanism (σ, Δ) is (ε, δ)-DP.
 * @see Balle & Wang (2018), Theorem 8.
 * @throws DpError INVALID_PARAMETER unless σ > 0, δ ∈ [0, 1], Δ > 0.
 */
export function analyticGaussianEpsilon(sigma: number, delta: number, sensitivity = 1): number {
  check(sigma, 'sigma', 0, true);
  check(sensitivity, 'sensitivity', 0, true);
  if (!(delta >= 0 && delta <= 1)) throw new DpError('INVALID_PARAMETER', `delta must be in [0, 1], got ${delta}`, { parameter: 'delta' });
  if (delta === 1) return 0;
  if (delta === 0) return Number.POSITIVE_INFINITY;
  const logTarget = Math.log(delta);
  const g = (e: number) => logDelta(sigma, e, sensitivity) - logTarget;
  if (g(0) <= 0) return 0;
  return smallestFeasible(g, 0, 1);
}

/**
 * The smallest σ for which the Gaussian mechanism with sensitivity Δ is (ε, δ)-DP.
 * @see Balle & Wang (2018), Algorithm 1 (solved here by bisection to full precision).
 * @throws DpError INVALID_PARAMETER unless ε ≥ 0, δ ∈ (0, 1], Δ > 0.
 * @example analyticGaussianSigma(1, 1e-5) // 3.73…
 */
export function analyticGaussianSigma(epsilon: number, delta: number, sensitivity = 1): number {
  check(epsilon, 'epsilon', 0, false);
  check(sensitivity, 'sensitivity', 0, true);
  if (!(delta > 0 && delta <= 1)) throw new DpError('INVALID_PARAMETER', `delta must be in (0, 1], got ${delta}`, { parameter: 'delta' });
  if (delta === 1 || epsilon === Number.POSITIVE_INFINITY) return 0;
  const logTarget = Math.log(delta);
  const g = (s: number) => logDelta(s, epsilon, sensitivity) - logTarget;
  let lo = 1e-3 * sensitivity;
  while (g(lo) <= 0 && lo > 1e-300) lo /= 10;
  return smallestFeasible(g, lo, Math.max(lo * 2, sensitivity));
}
