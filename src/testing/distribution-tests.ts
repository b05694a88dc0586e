/**
 * Goodness-of-fit tests for statistical tests of samplers: the one-sample
 * Kolmogorov–Smirnov test and Pearson's χ² test, with p-values computed from
 * the exact null distributions (not tables, not asymptotics), so that a test
 * run at level `alpha` fails falsely with probability at most `alpha`.
 * @module
 */
import { DpError } from '../core/errors.js';
import { logGamma, regularizedGammaQ } from '../numeric/special.js';

export { logGamma, regularizedGammaQ } from '../numeric/special.js';

/** The outcome of a goodness-of-fit test. */
export interface GoodnessOfFitResult {
  /** The test statistic (D for KS, X² for χ²). */
  readonly statistic: number;
  /** P(statistic ≥ observed) under the null hypothesis. */
  readonly pValue: number;
  /** `pValue < alpha`. */
  readonly reject: boolean;
  /** χ² only: degrees of freedom after pooling. */
  readonly degreesOfFreedom?: number;
  /** χ² only: the number of cells after pooling. */
  readonly cells?: number;
}

function invalid(parameter: string, expected: string): DpError<'INVALID_PARAMETER'> {
  return new DpError('INVALID_PARAMETER', `${parameter} must be ${expected}`, { parameter, expected });
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw invalid('alpha', 'in (0, 1)');
}

// ---------------------------------------------------------------------------
// Special functions
// ---------------------------------------------------------------------------

/** P(χ²_df ≥ x). */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  return regularizedGammaQ(degreesOfFreedom / 2, x / 2);
}

// ---------------------------------------------------------------------------
// Kolmogorov distribution
// ---------------------------------------------------------------------------

/** Matrix product for the Marsaglia–Tsang–Wang recursion. */
function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] as number;
      if (aik === 0) continue;
      const row = k * m;
      const out = i * m;
      for (let j = 0; j < m; j++) c[out + j] = (c[out + j] as number) + aik * (b[row + j] as number);
    }
  }
  return c;
}

function matPower(h: Float64Array, m: number, n: number): { v: Float64Array; e: number } {
  if (n === 1) return { v: h, e: 0 };
  const half = matPower(h, m, Math.floor(n / 2));
  let v = matMul(half.v, half.v, m);
  let e = 2 * half.e;
  if (n % 2 === 1) v = matMul(h, v, m);
  const mid = Math.floor(m / 2);
  if ((v[mid * m + mid] as number) > 1e140) {
    for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * 1e-140;
    e += 140;
  }
  return { v, e };
}

/**
 * P(D_n < d) exactly (Marsaglia, Tsang, Wang 2003, "Evaluating Kolmogorov's
 * distribution", J. Stat. Softw. 8(18)), without their large-s shortcut.
 */
export function kolmogorovCdfExact(n: number, d: number): number {
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 < 0 ? 0 : 1;
  for (let i = 0; i < m; i++) {
    H[i * m] = (H[i * m] as number) - h ** (i + 1);
    H[(m - 1) * m + i] = (H[(m - 1) * m + i] as number) - h ** (m - i);
  }
  H[(m - 1) * m] = (H[(m - 1) * m] as number) + (2 * h - 1 > 0 ? (2 * h - 1) ** m : 0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i - j + 1 > 0) for (let g = 1; g <= i - j + 1; g++) H[i * m + j] = (H[i * m + j] as number) / g;
    }
  }
  const { v, e } = matPower(H, m, n);
  let s = v[(k - 1) * m + k - 1] as number;
  let eQ = e;
  for (let i = 1; i <= n; i++) {
    s = (s * i) / n;
    if (s < 1e-140) {
      s *= 1e140;
      eQ -= 140;
    }
  }
  return s * 10 ** eQ;
}

/**
 * P(D⁺_n ≥ d) exactly, by Smirnov's (Birnbaum–Tingey) finite sum of positive
 * terms: d·Σ_{j=0}^{⌊n(1−d)⌋} C(n, j)(1 − d − j/n)^{n−j}(d + j/n)^{j−1},
 * summed in log space.
 */
export function smirnovSurvival(n: number, d: number): number {
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  const jMax = Math.floor(n * (1 - d));
  const logN1 = logGamma(n + 1);
  let maxLog = Number.NEGATIVE_INFINITY;
  const logs = new Float64Array(jMax + 1);
  for (let j = 0; j <= jMax; j++) {
    const a = 1 - d - j / n;
    const lt =
      logN1 - logGamma(j + 1) - logGamma(n - j + 1) + (n - j > 0 ? (n - j) * Math.log(Math.max(a, 0)) : 0) + (j - 1) * Math.log(d + j / n);
    logs[j] = lt;
    if (lt > maxLog) maxLog = lt;
  }
  let sum = 0;
  for (let j = 0; j <= jMax; j++) sum += Math.exp((logs[j] as number) - maxLog);
  return Math.min(1, d * sum * Math.exp(maxLog));
}

const MAX_EXACT_MATRIX = 161;

/**
 * P(D_n ≥ d) for the two-sided one-sample KS statistic. Exact (MTW 2003) when
 * its matrix is small (2⌊nd⌋ + 1 ≤ 161); otherwise the union bound
 * 2·P(D⁺_n ≥ d) with the exact Smirnov sum, which is never below the exact
 * p-value and exceeds it only by P(D⁺ ≥ d and D⁻ ≥ d) — negligible (≪ p²
 * scale) in the tail where tests decide. Either way a test at level α rejects
 * a true null with probability ≤ α.
 */
export function ksPValue(n: number, d: number): number {
  if (!Number.isInteger(n) || n < 1) throw invalid('n', 'an integer ≥ 1');
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  const m = 2 * (Math.floor(n * d) + 1) - 1;
  if (m <= MAX_EXACT_MATRIX) return Math.min(1, Math.max(0, 1 - kolmogorovCdfExact(n, d)));
  return Math.min(1, 2 * smirnovSurvival(n, d));
}

/** Options of {@link ksTest}. */
export interface KsTestOptions {
  /** The level: the test rejects when pValue < alpha. Default 1e−6. */
  readonly alpha?: number;
}

/**
 * One-sample Kolmogorov–Smirnov test of `samples` against a continuous cdf,
 * with the p-value from the exact distribution of D_n (see {@link ksPValue}).
 *
 * For a cdf with jumps (e.g. a continuous law observed on a fine grid), pass
 * the cdf evaluated so that the test stays valid: the test is conservative
 * for discrete laws when `cdf` is the true (right-continuous) cdf.
 *
 * @param samples - the observations.
 * @param cdf - the hypothesised cdf.
 * @param options - `{ alpha }` (default 1e−6).
 * @returns `{ statistic: D_n, pValue, reject }`.
 * @throws DpError INVALID_PARAMETER for no samples, NaN samples or alpha outside (0, 1).
 * @example
 * const r = ksTest(xs, (x) => 1 - Math.exp(-x), { alpha: 1e-6 });
 * expect(r.reject).toBe(false);
 */
export function ksTest(samples: ArrayLike<number>, cdf: (x: number) => number, options: KsTestOptions = {}): GoodnessOfFitResult {
  const alpha = options.alpha ?? 1e-6;
  checkAlpha(alpha);
  const n = samples.length;
  if (n < 1) throw invalid('samples', 'non-empty');
  const sorted = Float64Array.from(samples);
  if (sorted.some(Number.isNaN)) throw invalid('samples', 'free of NaN');
  sorted.sort();
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i] as number);
    // Ties: the empirical cdf jumps by the whole run at once.
    let j = i;
    while (j + 1 < n && sorted[j + 1] === sorted[i]) j++;
    d = Math.max(d, (j + 1) / n - f, f - i / n);
    i = j;
  }
  const pValue = ksPValue(n, d);
  return { statistic: d, pValue, reject: pValue < alpha };
}

/** Options of {@link chiSquareTest}. */
export interface ChiSquareTestOptions {
  /** The level: the test rejects when pValue < alpha. Default 1e−6. */
  readonly alpha?: number;
  /** Adjacent cells are pooled until each expected count is at least this. Default 5. */
  readonly minExpected?: number;
}

/**
 * Pearson's χ² goodness-of-fit test of counts against cell probabilities, with
 * the p-value from the exact χ² survival function (regularized incomplete gamma).
 * Cells are pooled in order: adjacent cells are merged until each group's
 * expected count reaches `minExpected`; a short last group joins the one before.
 * Put tails in their own cells so that the probabilities sum to 1.
 *
 * @param observedCounts - counts per cell.
 * @param expectedProbabilities - the null probability of each cell (sum 1 within 1e−9).
 * @param options - `{ alpha, minExpected }`.
 * @returns `{ statistic: X², pValue, reject, degreesOfFreedom, cells }`.
 * @throws DpError INVALID_PARAMETER when the arrays differ in length, counts are not non-negative integers,
 *   probabilities are negative or do not sum to 1, or fewer than 2 cells remain after pooling.
 */
export function chiSquareTest(
  observedCounts: ArrayLike<number>,
  expectedProbabilities: ArrayLike<number>,
  options: ChiSquareTestOptions = {},
): GoodnessOfFitResult {
  const alpha = options.alpha ?? 1e-6;
  const minExpected = options.minExpected ?? 5;
  checkAlpha(alpha);
  if (!(minExpected >= 0)) throw invalid('minExpected', '≥ 0');
  if (observedCounts.length !== expectedProbabilities.length) throw invalid('expectedProbabilities', 'as long as observedCounts');
  let total = 0;
  let probabilitySum = 0;
  for (let i = 0; i < observedCounts.length; i++) {
    const o = observedCounts[i] as number;
    const p = expectedProbabilities[i] as number;
    if (!Number.isInteger(o) || o < 0) throw invalid('observedCounts', 'non-negative integers');
    if (!(p >= 0)) throw invalid('expectedProbabilities', 'non-negative');
    total += o;
    probabilitySum += p;
  }
  if (Math.abs(probabilitySum - 1) > 1e-9) throw invalid('expectedProbabilities', 'summing to 1');
  if (total === 0) throw invalid('observedCounts', 'not all zero');
  const groupsO: number[] = [];
  const groupsE: number[] = [];
  let accO = 0;
  let accE = 0;
  for (let i = 0; i < observedCounts.length; i++) {
    accO += observedCounts[i] as number;
    accE += (expectedProbabilities[i] as number) * total;
    if (accE >= minExpected && accE > 0) {
      groupsO.push(accO);
      groupsE.push(accE);
      accO = 0;
      accE = 0;
    }
  }
  if (accE > 0 || accO > 0) {
    if (groupsE.length === 0) {
      groupsO.push(accO);
      groupsE.push(accE);
    } else {
      const last = groupsE.length - 1;
      groupsO[last] = (groupsO[last] as number) + accO;
      groupsE[last] = (groupsE[last] as number) + accE;
    }
  }
  if (groupsE.length < 2) throw invalid('expectedProbabilities', 'spread over at least 2 cells after pooling');
  let statistic = 0;
  for (let i = 0; i < groupsE.length; i++) {
    const e = groupsE[i] as number;
    const o = groupsO[i] as number;
    if (e === 0) {
      if (o > 0)
        return {
          statistic: Number.POSITIVE_INFINITY,
          pValue: 0,
          reject: true,
          degreesOfFreedom: groupsE.length - 1,
          cells: groupsE.length,
        };
      continue;
    }
    statistic += ((o - e) * (o - e)) / e;
  }
  const degreesOfFreedom = groupsE.length - 1;
  const pValue = chiSquareSurvival(statistic, degreesOfFreedom);
  return { statistic, pValue, reject: pValue < alpha, degreesOfFreedom, cells: groupsE.length };
}
