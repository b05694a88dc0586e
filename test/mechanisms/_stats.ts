/**
 * Rigorous, distribution-free bounds for the statistical tests of mechanisms.
 * Each returns the deviation that is exceeded with probability at most `alpha`.
 */

/** DKW (Massart 1990): P(sup |F_n − F| > t) ≤ 2e^{−2nt²}; also valid for discrete F. */
export function dkwThreshold(n: number, alpha: number): number {
  return Math.sqrt(Math.log(2 / alpha) / (2 * n));
}

/** Hoeffding with a union bound over `count` frequencies: P(any |p̂ − p| > t) ≤ count·2e^{−2nt²}. */
export function frequencyThreshold(n: number, alpha: number, count = 1): number {
  return Math.sqrt(Math.log((2 * count) / alpha) / (2 * n));
}

/** The largest |F_n(x) − F(x)| over the sample points (both one-sided limits), F given on integers or reals. */
export function ksDistance(samples: readonly number[], cdf: (x: number) => number, cdfBelow: (x: number) => number = cdf): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const x = sorted[i] as number;
    if (i + 1 < n && sorted[i + 1] === x) continue;
    const upper = (i + 1) / n; // F_n(x)
    let j = i;
    while (j > 0 && sorted[j - 1] === x) j--;
    const lower = j / n; // F_n(x⁻)
    worst = Math.max(worst, Math.abs(upper - cdf(x)), Math.abs(lower - cdfBelow(x)));
  }
  return worst;
}
