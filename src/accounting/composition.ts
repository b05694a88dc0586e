/**
 * Composition theorems for (ε, δ)-DP in closed form: basic, advanced
 * (Dwork–Rothblum–Vadhan), optimal homogeneous (Kairouz–Oh–Viswanath) and
 * heterogeneous (Kairouz–Oh–Viswanath Theorem 3.5).
 * @module
 */

import { DpError } from '../core/errors.js';
import { edgeIterable, edgeRecord } from '../numeric/edge.js';
import { describeParameter } from '../numeric/errors.js';
import { logAdd } from '../numeric/log-space.js';
import { Rational } from '../numeric/rational.js';
import { nonNegativeFinite } from './_internal/filter-helpers.js';

/** An (ε, δ) pair. */
export interface EpsilonDelta {
  readonly epsilon: number;
  readonly delta: number;
}

function checkDel(x: number, name = 'delta', open = false): number {
  if (typeof x !== 'number' || !(open ? x > 0 && x < 1 : x >= 0 && x <= 1)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be in ${open ? '(0, 1)' : '[0, 1]'}, got ${describeParameter(x)}`, {
      parameter: name,
    });
  }
  return x;
}
function checkK(k: number): number {
  if (!Number.isSafeInteger(k) || k < 0)
    throw new DpError('INVALID_PARAMETER', `k must be an integer >= 0, got ${describeParameter(k)}`, { parameter: 'k' });
  return k;
}

/**
 * Basic composition: (Σε_i, Σδ_i) (δ capped at 1). Holds for adaptively chosen mechanisms.
 * @see Dwork, McSherry, Nissim, Smith (2006); Dwork & Roth (2014), Theorem 3.16.
 * @throws DpError INVALID_PARAMETER on a bad pair.
 */
export function basicComposition(losses: readonly EpsilonDelta[]): EpsilonDelta {
  edgeIterable(losses, 'losses');
  // Summed exactly and rounded up once (a float sum could under-charge by ulps).
  let e = Rational.ZERO;
  let d = Rational.ZERO;
  for (const l of losses) {
    edgeRecord(l, 'losses[i]');
    e = e.add(Rational.fromNumber(nonNegativeFinite(l.epsilon, 'epsilon')));
    d = d.add(Rational.fromNumber(checkDel(l.delta)));
  }
  return { epsilon: e.toNumberUp(), delta: Math.min(1, d.toNumberUp()) };
}

/**
 * Advanced composition: k adaptive (ε, δ)-DP mechanisms are
 * (√(2k ln(1/δ′))·ε + k·ε·(e^ε − 1), k·δ + δ′)-DP.
 * @see Dwork, Rothblum, Vadhan (2010), Theorem III.3; Dwork & Roth (2014), Theorem 3.20.
 * @throws DpError INVALID_PARAMETER unless ε ≥ 0, δ ∈ [0, 1], k ≥ 0 an integer, δ′ ∈ (0, 1).
 */
export function advancedComposition(epsilon: number, delta: number, k: number, deltaPrime: number): EpsilonDelta {
  nonNegativeFinite(epsilon, 'epsilon');
  checkDel(delta);
  checkK(k);
  checkDel(deltaPrime, 'deltaPrime', true);
  const e = Math.sqrt(2 * k * Math.log(1 / deltaPrime)) * epsilon + k * epsilon * Math.expm1(epsilon);
  return { epsilon: e, delta: Math.min(1, k * delta + deltaPrime) };
}

/**
 * δ̃(ε̃) of the k-fold composition of ε-randomized response: the tight
 * privacy curve of k-fold ε-DP composition,
 * Σ_l C(k,l)·max(0, e^{(k−l)ε} − e^{ε̃}·e^{lε}) / (1 + e^ε)^k.
 */
function krrDelta(epsilon: number, k: number, epsilonTilde: number): number {
  if (epsilon === 0) return 0;
  const logNorm = k * logAdd(0, epsilon);
  let logPos = Number.NEGATIVE_INFINITY;
  let logNeg = Number.NEGATIVE_INFINITY;
  let logC = 0;
  for (let l = 0; l <= k; l++) {
    if (l > 0) logC += Math.log((k - l + 1) / l);
    // term only where (k − 2l)ε > ε̃
    if ((k - 2 * l) * epsilon <= epsilonTilde) break;
    logPos = logAdd(logPos, logC + (k - l) * epsilon);
    logNeg = logAdd(logNeg, logC + epsilonTilde + l * epsilon);
  }
  if (logPos === Number.NEGATIVE_INFINITY) return 0;
  const diff = logNeg === Number.NEGATIVE_INFINITY ? logPos : logPos + Math.log1p(-Math.exp(logNeg - logPos));
  return Math.max(0, Math.exp(diff - logNorm));
}

/**
 * The optimal (tight) composition of k (ε, δ)-DP mechanisms: for every ε̃ ≥ 0
 * the composition is (ε̃, 1 − (1−δ)^k·(1 − δ̃(ε̃)))-DP, where δ̃ is the privacy
 * curve of k-fold ε-randomized response; no better bound holds for all such mechanisms.
 * @returns δ_total for `epsilonTotal`.
 * @see Kairouz, Oh, Viswanath (2015/2017), Theorem 3.3.
 * @throws DpError INVALID_PARAMETER on bad parameters.
 */
export function optimalCompositionDelta(epsilon: number, delta: number, k: number, epsilonTotal: number): number {
  nonNegativeFinite(epsilon, 'epsilon');
  checkDel(delta);
  checkK(k);
  if (!(epsilonTotal >= 0))
    throw new DpError('INVALID_PARAMETER', `epsilonTotal must be >= 0, got ${describeParameter(epsilonTotal)}`, {
      parameter: 'epsilonTotal',
    });
  const base = -Math.expm1(k * Math.log1p(-delta)); // 1 − (1−δ)^k
  const d = krrDelta(epsilon, k, epsilonTotal);
  return Math.min(1, base + (1 - base) * d);
}

/**
 * The smallest ε_total for which k-fold composition of (ε, δ)-DP mechanisms is
 * (ε_total, targetDelta)-DP by the optimal composition theorem
 * (∞ when targetDelta < 1 − (1−δ)^k).
 * @see Kairouz, Oh, Viswanath (2015/2017), Theorem 3.3.
 * @throws DpError INVALID_PARAMETER on bad parameters.
 * @example optimalComposition(0.1, 0, 100, 1e-6) // ≈ 3.4, tighter than advanced composition
 */
export function optimalComposition(epsilon: number, delta: number, k: number, targetDelta: number): EpsilonDelta {
  nonNegativeFinite(epsilon, 'epsilon');
  checkDel(delta);
  checkK(k);
  checkDel(targetDelta, 'targetDelta');
  const f = (x: number) => optimalCompositionDelta(epsilon, delta, k, x);
  if (f(0) <= targetDelta) return { epsilon: 0, delta: targetDelta };
  let hi = k * epsilon;
  if (f(hi) > targetDelta) return { epsilon: Number.POSITIVE_INFINITY, delta: targetDelta };
  let lo = 0;
  // f is continuous and non-increasing: bisection to full precision.
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, hi); i++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) <= targetDelta) hi = mid;
    else lo = mid;
  }
  return { epsilon: hi, delta: targetDelta };
}

/**
 * Heterogeneous composition of (ε_i, δ_i)-DP mechanisms: for δ̃ ∈ (0, 1) the
 * composition is (ε̃, 1 − (1−δ̃)·Π(1−δ_i))-DP with
 * ε̃ = min{ Σε_i, Σ(e^{ε_i}−1)ε_i/(e^{ε_i}+1) + √(2Σε_i²·ln(e + √(Σε_i²)/δ̃)),
 *          Σ(e^{ε_i}−1)ε_i/(e^{ε_i}+1) + √(2Σε_i²·ln(1/δ̃)) }.
 * @see Kairouz, Oh, Viswanath (2015/2017), Theorem 3.5 (cf. Murtagh & Vadhan 2016 on its optimality gap).
 * @throws DpError INVALID_PARAMETER on bad parameters.
 */
export function heterogeneousComposition(losses: readonly EpsilonDelta[], deltaTilde: number): EpsilonDelta {
  checkDel(deltaTilde, 'deltaTilde', true);
  let sum = 0;
  let sumSq = 0;
  let drift = 0;
  let logKeep = Math.log1p(-deltaTilde);
  for (const l of losses) {
    const e = nonNegativeFinite(l.epsilon, 'epsilon');
    const d = checkDel(l.delta);
    sum += e;
    sumSq += e * e;
    drift += (Math.expm1(e) * e) / (Math.exp(e) + 1);
    logKeep += Math.log1p(-d);
  }
  const b2 = drift + Math.sqrt(2 * sumSq * Math.log(Math.E + Math.sqrt(sumSq) / deltaTilde));
  const b3 = drift + Math.sqrt(2 * sumSq * Math.log(1 / deltaTilde));
  return { epsilon: Math.min(sum, b2, b3), delta: Math.min(1, -Math.expm1(logKeep)) };
}
