/**
 * The grid form of the optimal homogeneous composition theorem of Kairouz, Oh & Viswanath (2015/2017,
 * Theorem 3.3): k adaptive (ε, δ)-DP mechanisms are, for each i = 0, 1, …, ⌊k/2⌋,
 *   ((k − 2i)ε,  1 − (1 − δ)^k·(1 − δ_i))-DP,
 *   δ_i = Σ_{l=0}^{i−1} C(k, l)·(e^{(k−l)ε} − e^{(k−2i+l)ε}) / (1 + e^ε)^k,
 * and no better pair holds for every such k-fold composition (the grid points are exactly attained
 * by k-fold randomized response). `optimalCompositionDelta` in `composition.ts` is the same curve
 * between the grid points; this file gives the grid itself, evaluated without cancellation.
 *
 * How: with w_l = C(k, l)e^{(k−l)ε}/(1 + e^ε)^k (a binomial pmf, so no overflow) and
 * f_j = 1 − e^{−2jε}, δ_i = Σ_{l<i} w_l·f_{i−l}: every term is ≥ 0, so the sum loses nothing to
 * cancellation (the differences-of-sums form loses up to a factor 1/(1 − e^{−2ε}) of precision).
 * Terms with i − l ≥ 20/ε have f = 1 to double precision and are taken from a prefix sum of w;
 * below the mode the sum stops once w_l < 1e-18 of the partial sum and adds the rest at full weight
 * (an upper bound); above the mode, weights below e^{−80} of the largest are dropped — their total,
 * at most k·e^{−80} of the mode's weight, is far below the slack, since then δ_i ≥ (1 − e^{−2ε})·w_mode.
 * Cost about O(k·min(k, 20/ε, c√k)) for the grid, O(k) for one ε; each δ_i is rounded up by a relative (1e-12 + k·1e-15), far above
 * the evaluation error (the w_l come from log C(k, l) by a running sum of k logarithms).
 * Agreement: mpmath's exact evaluation of the formula at 50 digits, dp_accounting's
 * `accountant.advanced_composition` and the CKS reference code `plots.optcomp` (for δ = 0), in
 * `test/accounting/kov-composition.test.ts`.
 * @module
 */
import { DpError } from '../core/errors.js';
import { closedUnit, countUpTo, nonNegativeFiniteNumber } from './_internal/argument-checks.js';
import type { EpsilonDelta } from './composition.js';

/** Largest k for the whole grid (its ⌊k/2⌋ + 1 points are returned). */
export const KOV_GRID_MAX_K = 1 << 17;
/** Largest k for {@link kovCompositionEpsilon} (one array of ⌊k/2⌋ doubles). */
const KOV_SEARCH_MAX_K = 1 << 24;

/** The grid's weights w_l (l = 0..⌊k/2⌋), their prefix sums, the mode, the cut-off above it, and f_j. */
interface Weights {
  readonly w: Float64Array;
  readonly prefix: Float64Array;
  readonly mode: number;
  readonly highest: number;
  readonly flatFrom: number;
  readonly f: Float64Array;
}

function weights(epsilon: number, k: number): Weights {
  const half = Math.floor(k / 2);
  const w = new Float64Array(half + 1);
  const logs = new Float64Array(half + 1);
  const logNorm = k * (epsilon + Math.log1p(Math.exp(-epsilon))); // k·log(1 + e^ε)
  let logC = 0;
  let mode = 0;
  for (let l = 0; l <= half; l++) {
    if (l > 0) logC += Math.log((k - l + 1) / l);
    const lw = logC + (k - l) * epsilon - logNorm;
    logs[l] = lw;
    if (lw > (logs[mode] as number)) mode = l;
    w[l] = Math.exp(lw);
  }
  // Above the mode, the weights below e^{−80} of the largest are dropped (see the module header).
  let highest = half;
  while (highest > mode && (logs[highest] as number) < (logs[mode] as number) - 80) highest--;
  const prefix = new Float64Array(half + 2);
  for (let l = 0; l <= half; l++) prefix[l + 1] = (prefix[l] as number) + (w[l] as number);
  const flatFrom = Math.min(half + 1, Math.ceil(20 / epsilon) + 1);
  const f = new Float64Array(flatFrom + 1);
  for (let j = 1; j <= flatFrom; j++) f[j] = -Math.expm1(-2 * j * epsilon);
  return { w, prefix, mode, highest, flatFrom, f };
}

/** δ_i (before the (1 − δ)^k factor), rounded up. */
function deltaTilde(ws: Weights, i: number, k: number): number {
  if (i === 0) return 0;
  // l < split have f_{i−l} = 1 to double precision: their weights come from the prefix sum.
  const split = Math.max(0, i - ws.flatFrom + 1);
  let sum = ws.prefix[split] as number;
  let l = Math.min(i - 1, ws.highest);
  for (; l >= split; l--) {
    sum += (ws.w[l] as number) * (ws.f[i - l] as number);
    // Below the mode the weights decrease as l does: stop once they no longer count.
    if (l < ws.mode && (ws.w[l] as number) <= 1e-18 * sum) {
      l--;
      break;
    }
  }
  // The terms split ≤ l' ≤ l not visited: added at their full weight (f ≤ 1), an upper bound.
  if (l >= split) sum += (ws.prefix[l + 1] as number) - (ws.prefix[split] as number);
  return Math.min(1, sum * (1 + 1e-12 + k * 1e-15) + Number.MIN_VALUE);
}

function checkArguments(epsilon: number, delta: number, k: number, maxK: number): void {
  nonNegativeFiniteNumber(epsilon, 'epsilon');
  closedUnit(delta, 'delta');
  countUpTo(k, maxK, 'k');
}

function combine(base: number, dt: number): number {
  return Math.min(1, base + (1 - base) * dt);
}

/**
 * The grid of the optimal composition of k (ε, δ)-DP mechanisms: the pairs
 * ((k − 2i)ε, 1 − (1 − δ)^k(1 − δ_i)) for i = 0, …, ⌊k/2⌋, by decreasing ε.
 * @param epsilon - the per-mechanism ε ≥ 0.
 * @param delta - the per-mechanism δ in [0, 1].
 * @param k - the number of mechanisms, an integer in [0, 131072].
 * @returns the grid, ⌊k/2⌋ + 1 pairs (one pair (0, 1 − (1 − δ)^k) when ε = 0 or k = 0); each δ rounded up.
 * @throws DpError INVALID_PARAMETER on a bad argument or k above 131072 (use {@link kovCompositionEpsilon}).
 * @privacy the k-fold adaptive composition is (ε_i, δ_i)-DP for every returned pair; the pairs are optimal.
 * @see Kairouz, Oh, Viswanath (2017), "The Composition Theorem for Differential Privacy", IEEE Trans. Inf.
 *   Theory 63(6), Theorem 3.3; dp_accounting `pld.accountant.advanced_composition`.
 * @example
 * kovCompositionGrid(1, 0, 2); // [{ epsilon: 2, delta: 0 }, { epsilon: 0, delta: ≈ 0.4621 }] (= (e − 1)/(e + 1))
 */
export function kovCompositionGrid(epsilon: number, delta: number, k: number): EpsilonDelta[] {
  checkArguments(epsilon, delta, k, KOV_GRID_MAX_K);
  const base = -Math.expm1(k * Math.log1p(-delta));
  if (epsilon === 0 || k === 0) return [{ epsilon: 0, delta: base }];
  const ws = weights(epsilon, k);
  const out: EpsilonDelta[] = [];
  for (let i = 0; i <= Math.floor(k / 2); i++) {
    out.push({ epsilon: (k - 2 * i) * epsilon, delta: combine(base, deltaTilde(ws, i, k)) });
  }
  return out;
}

/**
 * The smallest grid ε of the optimal composition with δ_total ≤ targetDelta — what dp_accounting's
 * `advanced_composition` returns (a grid point, so at most 2ε above the continuous optimum of
 * `optimalComposition`); +∞ when targetDelta < 1 − (1 − δ)^k.
 * @param epsilon - per-mechanism ε ≥ 0.
 * @param delta - per-mechanism δ in [0, 1].
 * @param k - the number of mechanisms, an integer in [0, 2²⁴].
 * @param targetDelta - the total δ in [0, 1].
 * @returns (k − 2i)ε for the largest i with δ_i ≤ targetDelta, or +∞.
 * @throws DpError INVALID_PARAMETER on a bad argument.
 * @privacy the k-fold composition is (returned ε, targetDelta)-DP.
 * @see Kairouz, Oh, Viswanath (2017), Theorem 3.3.
 * @example
 * kovCompositionEpsilon(0.1, 0, 100, 1e-6); // 4.8 (advanced composition: 6.3)
 */
export function kovCompositionEpsilon(epsilon: number, delta: number, k: number, targetDelta: number): number {
  checkArguments(epsilon, delta, k, KOV_SEARCH_MAX_K);
  closedUnit(targetDelta, 'targetDelta');
  const base = -Math.expm1(k * Math.log1p(-delta));
  if (base > targetDelta) return Number.POSITIVE_INFINITY;
  if (epsilon === 0 || k === 0) return 0;
  const ws = weights(epsilon, k);
  // δ_i grows with i: find the largest i with combine(base, δ_i) ≤ target (i = 0 always fits).
  let lo = 0;
  let hi = Math.floor(k / 2) + 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (combine(base, deltaTilde(ws, mid, k)) <= targetDelta) lo = mid;
    else hi = mid;
  }
  const result = (k - 2 * lo) * epsilon;
  if (!Number.isFinite(result)) throw new DpError('NUMERICAL_ERROR', 'k·epsilon overflows', { routine: 'kovCompositionEpsilon' });
  return result;
}
