/**
 * A certified upper bound on ln b(k) = ln P[Bin(n, p) = k] at any size, for the Clopper–Pearson certificate beyond
 * the reach of the summed ln C(n, k) (`../clopper-pearson.proof.md`, "Beyond 10⁶", review ML M14). Exact identity
 * (Stirling with Robbins' remainder, and the binomial deviance as in Loader's dbinom):
 *
 *   ln b(k) = ½·ln(n/(2π·k·m)) + (r_n − r_k − r_m) − bd0(k, n·p) − bd0(m, n·(1 − p)),   m = n − k,
 *   ln x! = x·ln x − x + ½·ln(2πx) + r_x,   1/(12x + 1) < r_x < 1/(12x)   (x ≥ 1; Robbins 1955),
 *   bd0(x, M) = x·ln(x/M) + M − x = x·h((x − M)/x),   h(t) = −ln(1 − t) − t ≥ 0 (t < 1).
 *
 * The n-sized terms of ln C(n, k) + k·ln p + (n − k)·ln(1 − p) cancel inside the identity, so nothing here is larger
 * than the deviance itself (≈ z²/2 at z standard deviations): the rounding error is of order u·z², not u·n. Every
 * operation is outward-rounded (`../../numeric/directed-libm.ts`), so the result is ≥ the exact ln b(k).
 * @module
 */
import { addAbove, addBelow, divAbove, divBelow, log1pUp, logDown, logUp, mulAbove, mulBelow } from '../../numeric/directed-libm.js';

/** Below this |t|, h(t) is summed as its series (its two leading terms would cancel in −ln(1 − t) − t). */
const SERIES_LIMIT = 1 / 16;

/** The series h(t) = Σ_{j ≥ 2} t^j/j is cut after this power (odd: for t < 0 the cut sum is below h). */
const SERIES_LAST = 9;

/**
 * A lower bound on h(t) = −ln(1 − t) − t at a double t < 1.
 * - |t| ≤ 1/16: the series Σ_{j=2}^{9} t^j/j, each term rounded toward −∞. For t ≥ 0 every term is positive, so the
 *   cut sum is below h; for t < 0 the terms alternate in sign with falling magnitudes (|t|^{j+1}/(j + 1) < |t|^j/j),
 *   and a sum cut after a negative (odd-power) term is below h. The cut is below t^10/10, ≤ 2⁻³⁴ of h.
 * - otherwise −ln(1 − t) rounded down, minus t: the cancellation is at most 1/16 relative there.
 */
function hBelow(t: number): number {
  if (Math.abs(t) > SERIES_LIMIT) return Math.max(0, addBelow(-log1pUp(-t), -t));
  const a = Math.abs(t);
  let powLow = a; // ≤ |t|^j
  let powHigh = a; // ≥ |t|^j
  let sum = 0;
  for (let j = 2; j <= SERIES_LAST; j++) {
    powLow = mulBelow(powLow, a);
    powHigh = mulAbove(powHigh, a);
    const negative = t < 0 && j % 2 === 1;
    sum = addBelow(sum, negative ? -divAbove(powHigh, j) : divBelow(powLow, j));
  }
  return Math.max(0, sum);
}

/**
 * A lower bound on bd0(x, M) = x·h(d/x) over every d = x − M in [dLow, dHigh] (x ≥ 1 an integer). h is convex with
 * its minimum 0 at 0, so the minimum over the bracket is 0 when the bracket holds 0, else at the end nearer to 0;
 * that end's quotient by x is rounded toward 0 (h falls toward 0 on either side).
 */
function deviationBelow(x: number, dLow: number, dHigh: number): number {
  if (dLow <= 0 && dHigh >= 0) return 0;
  const t = dLow > 0 ? divBelow(dLow, x) : divAbove(dHigh, x);
  return Math.max(0, mulBelow(x, hBelow(t)));
}

/**
 * An upper bound on ln P[Bin(n, p) = k] for integers 1 ≤ k ≤ n − 1, n ≤ 2⁵³, and p ∈ (0, 1), in O(1).
 * @param n - trials.
 * @param k - the count.
 * @param p - the success probability.
 * @returns a double ≥ the exact ln b(k).
 */
export function logPmfStirlingUp(n: number, k: number, p: number): number {
  const m = n - k;
  // d = k − n·p, bracketed by n·p ∈ [mulBelow(n, p), mulAbove(n, p)]; then m − n·(1 − p) = −d exactly.
  const dLow = addBelow(k, -mulAbove(n, p));
  const dHigh = addAbove(k, -mulBelow(n, p));
  const deviance = addBelow(deviationBelow(k, dLow, dHigh), deviationBelow(m, -dHigh, -dLow));
  // ½·(ln n − ln 2π − ln k − ln m): 2·Math.PI < 2π, so its logarithm rounded down is below ln 2π.
  const logs = addAbove(addAbove(addAbove(logUp(n), -logDown(2 * Math.PI)), -logDown(k)), -logDown(m));
  const front = 0.5 * logs;
  // r_n − r_k − r_m < 1/(12n) − 1/(12k + 1) − 1/(12m + 1).
  const inverse = (x: number) => divBelow(1, addAbove(mulAbove(12, x), 1));
  const robbins = addAbove(addAbove(divAbove(1, mulBelow(12, n)), -inverse(k)), -inverse(m));
  return addAbove(addAbove(front, robbins), -deviance);
}
