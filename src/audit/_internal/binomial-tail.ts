/**
 * A certified upper bound on a binomial upper tail, P[Bin(n, p) ≥ k], in outward-rounded arithmetic
 * (`../../numeric/directed-libm.ts`): the certificate behind the Clopper–Pearson bounds (`../clopper-pearson.proof.md`,
 * review ML M14). No log-gamma, no cancellation: ln C(n, k) is the sum of min(k, n − k) logarithms, each rounded
 * up; the tail is the pmf at k times a sum of ratios, each rounded up, closed by a geometric remainder.
 * @module
 */
import { addAbove, addBelow, divAbove, log1pUp, logUp, mulAbove } from '../../numeric/directed-libm.js';

/** The largest min(k, n − k) certified: ln C(n, k) costs that many logarithms (≈ 40 ms at 10⁶). */
export const MAX_CERTIFIED_K = 1_000_000;

/** The most tail terms summed explicitly before the geometric remainder closes the sum. */
const MAX_TERMS = 1_000_000;

/** The remainder is accepted once it is below this fraction of the sum so far (it is added, never dropped). */
const REMAINDER_FRACTION = 2 ** -40;

/**
 * An upper bound on ln C(n, k) for integers 0 ≤ k ≤ n ≤ 2⁵³ with min(k, n − k) ≤ MAX_CERTIFIED_K:
 * Σ_{j < m} ln((n − j)/(j + 1)), m = min(k, n − k), every quotient, logarithm and sum rounded up.
 */
export function logBinomialUp(n: number, k: number): number {
  const m = Math.min(k, n - k);
  let sum = 0;
  for (let j = 0; j < m; j++) sum = addAbove(sum, logUp(divAbove(n - j, j + 1)));
  return sum;
}

/** An upper bound on ln b(k) = ln C(n, k) + k·ln p + (n − k)·ln(1 − p), given `logChoose` ≥ ln C(n, k). */
function logPmfUp(n: number, k: number, p: number, logChoose: number): number {
  return addAbove(addAbove(logChoose, mulAbove(k, logUp(p))), mulAbove(n - k, log1pUp(-p)));
}

/**
 * Σ_{i ≥ 0} t_i with t_0 = 1, t_{i+1} = t_i·r_i, where `ratio(i)` ≥ r_i and the exact r_i decrease in i, for
 * `count` terms after the first (r_i = 0 beyond). Every partial sum and product is rounded up, and once a ratio is
 * below 1 the rest is at most t_i·r/(1 − r) (a geometric series): an upper bound of the exact sum. While the ratios
 * are ≥ 1 (the terms rise toward the mode) every term is summed; +∞ (an upper bound too) when they still rise after
 * MAX_TERMS terms, or the sum overflows.
 */
function ratioSumUp(count: number, ratio: (i: number) => number): number {
  let t = 1;
  let sum = 1;
  for (let i = 0; i < count; i++) {
    const r = ratio(i);
    if (r < 1) {
      const remainder = divAbove(mulAbove(t, r), addBelow(1, -r));
      if (remainder <= sum * REMAINDER_FRACTION || i >= MAX_TERMS) return addAbove(sum, remainder);
    } else if (i >= MAX_TERMS) {
      return Number.POSITIVE_INFINITY; // still rising after MAX_TERMS terms: no cheap certificate
    }
    t = mulAbove(t, r);
    sum = addAbove(sum, t);
  }
  return sum;
}

/**
 * An upper bound on ln P[Bin(n, p) ≥ k] for integers 0 ≤ k ≤ n and p ∈ (0, 1), given `logChoose` ≥ ln C(n, k)
 * (from `logBinomialUp`): b(k)·Σ_{j ≥ k} b(j)/b(k), the ratios b(j + 1)/b(j) = (n − j)/(j + 1)·p/(1 − p) falling in
 * j.
 */
export function logUpperTailUp(n: number, k: number, p: number, logChoose: number): number {
  const odds = divAbove(p, addBelow(1, -p)); // ≥ p/(1 − p): the denominator rounded down
  const sum = ratioSumUp(n - k, (i) => mulAbove(divAbove(n - k - i, k + i + 1), odds));
  return addAbove(logPmfUp(n, k, p, logChoose), logUp(sum));
}

/**
 * An upper bound on ln P[Bin(n, p) ≤ k], likewise: b(k)·Σ_{j ≤ k} b(j)/b(k), the ratios b(j − 1)/b(j) =
 * j/(n − j + 1)·(1 − p)/p falling as j falls. Computed with p itself (never 1 − p rounded), so a tiny p keeps its
 * precision.
 */
export function logLowerTailUp(n: number, k: number, p: number, logChoose: number): number {
  const odds = divAbove(addAbove(1, -p), p); // ≥ (1 − p)/p
  const sum = ratioSumUp(k, (i) => mulAbove(divAbove(k - i, n - k + i + 1), odds));
  return addAbove(logPmfUp(n, k, p, logChoose), logUp(sum));
}
