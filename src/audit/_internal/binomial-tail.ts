/**
 * A certified upper bound on a binomial upper tail, P[Bin(n, p) ≥ k], in outward-rounded arithmetic
 * (`../../numeric/directed-libm.ts`): the certificate behind the Clopper–Pearson bounds (`../clopper-pearson.proof.md`,
 * review ML M14). No log-gamma, no cancellation: ln C(n, k) is the sum of min(k, n − k) logarithms, each rounded
 * up; the tail is the pmf at k times a sum of ratios, each rounded up, closed by a geometric remainder.
 * @module
 */
import { addAbove, addBelow, divAbove, expUp, log1pUp, logUp, mulAbove } from '../../numeric/directed-libm.js';

/** The largest min(k, n − k) certified: ln C(n, k) costs that many logarithms (≈ 40 ms at 10⁶). */
export const MAX_CERTIFIED_K = 1_000_000;

/** The most tail terms summed explicitly before the geometric remainder closes the sum. */
const MAX_TERMS = 1_000_000;

/** `blockSumUp`: the rising terms summed one by one at most, and the falling blocks at most. */
const MAX_RISING_TERMS = 4096;
const MAX_BLOCKS = 1 << 15;

/** `blockSumUp`: a falling block is about this many e-folds of its first ratio long (its sum's looseness). */
const BLOCK_DECAY = 1 / 128;

/**
 * An upper bound on Σ_{i ≥ 0} t_i with t_0 = 1, t_{i+1} = t_i·r_i, given `ratio(i)` ≥ r_i, the exact r_i falling in i,
 * for `count` terms after the first (r_i = 0 beyond).
 */
export type RatioSumUp = (count: number, ratio: (i: number) => number) => number;

/** An upper bound on ln b(k) = ln P[Bin(n, p) = k] as a function of p (n and k fixed). */
export type LogPmfUp = (p: number) => number;

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
export function summedLogPmfUp(n: number, k: number, logChoose: number): LogPmfUp {
  return (p) => addAbove(addAbove(logChoose, mulAbove(k, logUp(p))), mulAbove(n - k, log1pUp(-p)));
}

/**
 * Σ_{i ≥ 0} t_i with t_0 = 1, t_{i+1} = t_i·r_i, where `ratio(i)` ≥ r_i and the exact r_i decrease in i, for
 * `count` terms after the first (r_i = 0 beyond). Every partial sum and product is rounded up, and once a ratio is
 * below 1 the rest is at most t_i·r/(1 − r) (a geometric series): an upper bound of the exact sum. While the ratios
 * are ≥ 1 (the terms rise toward the mode) every term is summed; +∞ (an upper bound too) when they still rise after
 * MAX_TERMS terms, or the sum overflows.
 */
export const termSumUp: RatioSumUp = (count, ratio) => {
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
};

/**
 * The same sum in blocks, for tails with ~10⁷ terms (beyond MAX_CERTIFIED_K; `../clopper-pearson.proof.md`). Rising
 * terms (ratio ≥ 1) one by one, at most MAX_RISING_TERMS (then +∞). From the first i with r = ratio(i) < 1, every
 * later exact ratio is ≤ r, so (t ≥ t_i):
 * - a block of L terms from i sums to at most L·t (the terms fall), and t·r^L ≥ t_{i+L};
 * - everything from i on sums to at most t/(1 − r) (geometric), added when it is below 2⁻⁴⁰ of the sum so far, when
 *   the blocks run out (MAX_BLOCKS), or never needed once i reaches `count`.
 * The block length (`blockLength`) only sets how tight the sum is; any L ≥ 1 keeps it an upper bound. Every product,
 * power and sum is rounded up.
 */
/**
 * A block's length from i (r = ratio(i) < 1): L = ⌊BLOCK_DECAY/(1 − r)⌋ so that r^L ≈ e^(−1/128), halved while the
 * ratios fall so fast across it (near the mode) that L·(ln r − ln ratio(i + L)) > 2·BLOCK_DECAY; at least 1, at most
 * the terms left. Either way the terms fall by only about 1/128 over the block, so L·t is within about that of its
 * exact sum. (Plain floats: the length is a choice, not a bound.)
 */
function blockLength(count: number, i: number, r: number, ratio: (i: number) => number): number {
  let length = Math.min(count - i, Math.max(1, Math.floor(BLOCK_DECAY / (1 - r))));
  while (length > 1 && length * (Math.log(r) - Math.log(ratio(Math.min(i + length, count - 1)))) > 2 * BLOCK_DECAY) {
    length = Math.floor(length / 2);
  }
  return length;
}

export const blockSumUp: RatioSumUp = (count, ratio) => {
  let t = 1; // ≥ t_i
  let sum = 0; // ≥ Σ_{j < i} t_j
  let i = 0;
  let r = 0;
  for (; i < count; i++) {
    r = ratio(i);
    if (r < 1) break;
    if (i >= MAX_RISING_TERMS) return Number.POSITIVE_INFINITY;
    sum = addAbove(sum, t);
    t = mulAbove(t, r);
  }
  for (let block = 0; i < count; block++) {
    r = ratio(i);
    const rest = divAbove(t, addBelow(1, -r));
    if (rest <= sum * REMAINDER_FRACTION || block >= MAX_BLOCKS) return addAbove(sum, rest);
    const length = blockLength(count, i, r, ratio);
    sum = addAbove(sum, mulAbove(length, t));
    t = mulAbove(t, expUp(mulAbove(length, logUp(r))));
    i += length;
  }
  return addAbove(sum, t); // i = count: t ≥ t_count, the last term
};

/**
 * An upper bound on ln P[Bin(n, p) ≥ k] for integers 0 ≤ k ≤ n and p ∈ (0, 1), given `logPmf` ≥ ln b(k)
 * (`summedLogPmfUp`, or `logPmfStirlingUp` at any size): b(k)·Σ_{j ≥ k} b(j)/b(k), the ratios
 * b(j + 1)/b(j) = (n − j)/(j + 1)·p/(1 − p) falling in j, summed by `sumUp` (term by term, or in blocks).
 */
export function logUpperTailUp(n: number, k: number, p: number, logPmf: LogPmfUp, sumUp: RatioSumUp = termSumUp): number {
  const odds = divAbove(p, addBelow(1, -p)); // ≥ p/(1 − p): the denominator rounded down
  const sum = sumUp(n - k, (i) => mulAbove(divAbove(n - k - i, k + i + 1), odds));
  return addAbove(logPmf(p), logUp(sum));
}

/**
 * An upper bound on ln P[Bin(n, p) ≤ k], likewise: b(k)·Σ_{j ≤ k} b(j)/b(k), the ratios b(j − 1)/b(j) =
 * j/(n − j + 1)·(1 − p)/p falling as j falls. Computed with p itself (never 1 − p rounded), so a tiny p keeps its
 * precision.
 */
export function logLowerTailUp(n: number, k: number, p: number, logPmf: LogPmfUp, sumUp: RatioSumUp = termSumUp): number {
  const odds = divAbove(addAbove(1, -p), p); // ≥ (1 − p)/p
  const sum = sumUp(k, (i) => mulAbove(divAbove(k - i, n - k + i + 1), odds));
  return addAbove(logPmf(p), logUp(sum));
}
