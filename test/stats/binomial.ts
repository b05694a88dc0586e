/** Exact binomial tail bounds for statistical tests (log-space pmf). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

/** P(X = k) for X ~ Bin(n, p). */
export function binomialPmf(n: number, p: number, k: number): number {
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** The largest k with P(X < k) ≤ alpha: observing fewer than k successes has probability ≤ alpha. */
export function binomialLowerLimit(n: number, p: number, alpha: number): number {
  let cdf = 0;
  for (let k = 0; k <= n; k++) {
    const next = cdf + binomialPmf(n, p, k);
    if (next > alpha) return k;
    cdf = next;
  }
  return n;
}

/** The smallest k with P(X > k) ≤ alpha. */
export function binomialUpperLimit(n: number, p: number, alpha: number): number {
  return n - binomialLowerLimit(n, 1 - p, alpha);
}
