/**
 * The discrete Gaussian distribution N_Z(0, σ²) as a distribution: its normalising constant,
 * pmf, cdf, survival function and variance — the numbers an engineer needs for confidence
 * intervals, tail bounds and the exact privacy profile (`privacy-profiles.ts`).
 *
 * P[X = x] = e^{−x²/(2σ²)} / Z(σ) for x ∈ ℤ, Z(σ) = Σ_{y∈ℤ} e^{−y²/(2σ²)}.
 *
 * How each quantity is computed (all in log space where a value can under- or overflow):
 * - Z and the variance: the direct series for σ < 0.4 and, for σ ≥ 0.4, the Poisson-summation
 *   (Jacobi theta) form Z = σ√(2π)·(1 + 2Σ_{k≥1} e^{−2π²σ²k²}) and
 *   Var = σ²·(1 + 2Σ(1 − 4π²σ²k²)e^{−2π²σ²k²}) / (1 + 2Σ e^{−2π²σ²k²}) (CKS 2020, Lemma 20):
 *   both series are exact and need at most five terms on their side of the crossover.
 * - Tail sums S(a) = Σ_{y≥a} e^{−y²/(2σ²)} (a ≥ 1): the terms themselves, each evaluated directly
 *   (no recurrence) and added with Neumaier's compensated sum, when at most 2·10⁴ terms reach
 *   e^{−42} of the first; otherwise (σ ≳ 2000 and a ≪ σ²) the Euler–Maclaurin formula about the
 *   midpoint a − ½, S(a) = σ√(π/2)·erfc(u/√2) + e^{−u²/2}·Σ_{k=1}^{4} c_k·He_{2k−1}(u)/σ^{2k−1},
 *   u = (a − ½)/σ, c_k = B_{2k}(½)/(2k)!, whose first omitted term is below 1e-30 relative there.
 *   The left tail and the cdf follow by symmetry, always from the side that does not cancel.
 * Accuracy (checked in `test/mechanisms/discrete-distributions.test.ts` against mpmath at 40 digits
 * and against the CKS reference code, fixture `test/fixtures/accounting/engineer-api.json`):
 * about 1e-14 relative for Z, the pmf, the variance and each tail.
 * @module
 */
import { DpError } from '../core/errors.js';
import { erfcx, logErfc } from '../numeric/special.js';
import { integerArgument } from './_internal/integer-argument.js';
import { positiveNumber } from './_internal/params.js';

const LOG_SQRT_2PI = 0.9189385332046728;
const LOG_SQRT_HALF_PI = 0.22579135264472744;
const SQRT_HALF_PI = 1.2533141373155003;
/** Below this σ the direct series for Z converges faster than the Poisson one (CKS: σ² = 1/2π). */
const POISSON_CROSSOVER = 0.4;
/** Largest number of terms summed directly for a tail. */
const MAX_DIRECT_TERMS = 20_000;
/** e^{−42} ≈ 5.7e-19: terms past this fraction of the first are below double precision. */
const TERM_CUTOFF = 42;
/** B_{2k}(½)/(2k)! for k = 1..4: −1/24, 7/5760, −31/967680, 127/154828800. */
const EM = [-1 / 24, 7 / 5760, -31 / 967680, 127 / 154828800];

/** Neumaier's compensated sum of a decreasing positive series, stopped at e^{−TERM_CUTOFF} of its first term. */
function sumSeries(term: (j: number) => number, first: number): number {
  let sum = 0;
  let comp = 0;
  for (let j = first; ; j++) {
    const t = term(j);
    // A term that is not a number ≥ 0 is a bug; never loop on it.
    if (!(t >= 0) || j > first + 4 * MAX_DIRECT_TERMS) {
      throw new DpError('INTERNAL', 'a discrete Gaussian series did not converge', { routine: 'sumSeries' });
    }
    const s = sum + t;
    comp += Math.abs(sum) >= t ? sum - s + t : t - s + sum;
    sum = s;
    if (t <= sum * 5.7e-19 || t === 0) break;
  }
  return sum + comp;
}

/** Σ_{k≥1} e^{−2π²σ²k²} (the Poisson-side series; < 0.03 for σ ≥ 0.4). */
function thetaTail(sigma: number): number {
  const c = 2 * Math.PI * Math.PI * sigma * sigma;
  return sumSeries((k) => Math.exp(-c * k * k), 1);
}

/** log Z(σ). */
function logNormalizer(sigma: number): number {
  if (sigma < POISSON_CROSSOVER) {
    const c = 1 / (2 * sigma * sigma);
    return Math.log1p(2 * sumSeries((x) => Math.exp(-c * x * x), 1));
  }
  return Math.log(sigma) + LOG_SQRT_2PI + Math.log1p(2 * thetaTail(sigma));
}

/**
 * He_{2k−1}(u)/σ^{2k−1} for k = 1..4, written in w = u/σ and 1/σ² so that nothing overflows
 * when u and σ are both huge (He_n are the probabilists' Hermite polynomials).
 */
function scaledHermiteOdd(w: number, invSigma2: number): [number, number, number, number] {
  const w2 = w * w;
  const s = invSigma2;
  return [w, w * (w2 - 3 * s), w * (w2 * w2 - s * (10 * w2 - 15 * s)), w * (w2 * w2 * w2 - s * (21 * w2 * w2 - s * (105 * w2 - 105 * s)))];
}

/** log S(a) = log Σ_{y≥a} e^{−y²/(2σ²)} for an integer a ≥ 1 (a may be any double-sized integer). */
function logUpperTailSum(a: number, sigma: number): number {
  const r = a / sigma;
  if (!Number.isFinite(r * r)) return Number.NEGATIVE_INFINITY;
  // Number of terms until e^{−j(2a+j)/(2σ²)} < e^{−42}: the root of j² + 2aj − 84σ² = 0,
  // written 84σ/(√(r² + 84) + r) to avoid cancellation.
  const terms = (2 * TERM_CUTOFF * sigma) / (Math.sqrt(r * r + 2 * TERM_CUTOFF) + r);
  if (terms <= MAX_DIRECT_TERMS) {
    // e^{−j(2a+j)/(2σ²)} written in j/σ and r = a/σ: 2σ² overflows for σ > 1e154.
    const s = sumSeries((j) => Math.exp(-0.5 * (j / sigma) * (2 * r + j / sigma)), 0);
    return -0.5 * r * r + Math.log(s);
  }
  // Euler–Maclaurin about t = a − ½ (see the module header); here (a − ½)/σ² < 5e-3 and σ > 2000.
  const u = (a - 0.5) / sigma;
  const z = u * Math.SQRT1_2;
  const logErfcZ = logErfc(z);
  if (logErfcZ === Number.NEGATIVE_INFINITY) return logErfcZ;
  const h = scaledHermiteOdd(u / sigma, 1 / (sigma * sigma));
  let corr = 0;
  for (let k = 0; k < 4; k++) corr += (EM[k] as number) * (h[k] as number);
  // e^{−u²/2}/(σ√(π/2)·erfc(u/√2)) = 1/(σ√(π/2)·erfcx(u/√2)).
  const ratio = corr / (sigma * SQRT_HALF_PI * erfcx(z));
  return Math.log(sigma) + LOG_SQRT_HALF_PI + logErfcZ + Math.log1p(ratio);
}

/** log P[X ≥ a] for any integer a (as a double). */
function logProbAtLeast(a: number, sigma: number, logZ: number): number {
  if (a >= 1) return logUpperTailSum(a, sigma) - logZ;
  // P[X ≥ a] = 1 − P[X ≤ a − 1] = 1 − P[X ≥ 1 − a], with 1 − a ≥ 1 and P[X ≥ 1 − a] ≤ ½.
  return Math.log1p(-Math.exp(logUpperTailSum(1 - a, sigma) - logZ));
}

/**
 * The normalising constant Z(σ) = Σ_{x∈ℤ} e^{−x²/(2σ²)} of the discrete Gaussian.
 * @param sigma - the parameter σ > 0 (not the standard deviation: see {@link discreteGaussianVariance}).
 * @returns Z(σ) (≈ σ√(2π) for σ ≥ 1; +∞ only when σ√(2π) overflows, use the log form then).
 * @throws DpError INVALID_PARAMETER unless σ is a finite number ≥ 2⁻¹⁰²².
 * @privacy none by itself: a property of the noise distribution of `makeDiscreteGaussian`.
 * @see Canonne, Kamath, Steinke (2020), "The Discrete Gaussian for Differential Privacy", Definition 1 and Lemma 20 (Poisson summation).
 * @example
 * discreteGaussianNormalizingConstant(1); // 2.5066282880429056 (= √(2π)·(1 + 2e^{−2π²} + …))
 */
export function discreteGaussianNormalizingConstant(sigma: number): number {
  return Math.exp(logNormalizer(positiveNumber(sigma, 'sigma')));
}

/**
 * log Z(σ), finite for every valid σ.
 * @param sigma - σ > 0.
 * @returns log Σ_{x∈ℤ} e^{−x²/(2σ²)}.
 * @throws DpError INVALID_PARAMETER unless σ is a finite number ≥ 2⁻¹⁰²².
 * @privacy none by itself.
 * @see Canonne, Kamath, Steinke (2020), Lemma 20.
 * @example
 * discreteGaussianLogNormalizingConstant(1e300); // ≈ 691.7
 */
export function discreteGaussianLogNormalizingConstant(sigma: number): number {
  return logNormalizer(positiveNumber(sigma, 'sigma'));
}

/**
 * log P[X = x] for X ~ N_Z(0, σ²).
 * @param x - an integer (a safe-integer number or a bigint).
 * @param sigma - σ > 0.
 * @returns −x²/(2σ²) − log Z(σ).
 * @throws DpError INVALID_PARAMETER on a non-integer x or a bad σ.
 * @privacy none by itself.
 * @see Canonne, Kamath, Steinke (2020), Definition 1.
 * @example
 * discreteGaussianLogPmf(0, 1); // −0.9189385385552488
 */
export function discreteGaussianLogPmf(x: number | bigint, sigma: number): number {
  const v = integerArgument(x, 'x');
  const s = positiveNumber(sigma, 'sigma');
  const r = v / s;
  return -0.5 * r * r - logNormalizer(s);
}

/**
 * P[X = x] for X ~ N_Z(0, σ²).
 * @param x - an integer (a safe-integer number or a bigint).
 * @param sigma - σ > 0.
 * @returns the probability mass at x.
 * @throws DpError INVALID_PARAMETER on a non-integer x or a bad σ.
 * @privacy none by itself.
 * @see Canonne, Kamath, Steinke (2020), Definition 1.
 * @example
 * discreteGaussianPmf(0, 1); // 0.3989422782668617 (= 1/Z(1))
 */
export function discreteGaussianPmf(x: number | bigint, sigma: number): number {
  return Math.exp(discreteGaussianLogPmf(x, sigma));
}

/**
 * The cdf P[X ≤ x] for X ~ N_Z(0, σ²), accurate in the left tail (for the right tail use
 * {@link discreteGaussianSurvival}, which does not round to 1).
 * @param x - an integer (a safe-integer number or a bigint).
 * @param sigma - σ > 0.
 * @returns P[X ≤ x] in [0, 1].
 * @throws DpError INVALID_PARAMETER on a non-integer x or a bad σ.
 * @privacy none by itself.
 * @see Canonne, Kamath, Steinke (2020), Definition 1.
 * @example
 * discreteGaussianCdf(-1, 1); // 0.30052886086656916
 */
export function discreteGaussianCdf(x: number | bigint, sigma: number): number {
  const v = integerArgument(x, 'x');
  const s = positiveNumber(sigma, 'sigma');
  // P[X ≤ x] = P[X ≥ −x] by symmetry.
  return Math.exp(logProbAtLeast(-v, s, logNormalizer(s)));
}

/**
 * The survival function P[X > x] for X ~ N_Z(0, σ²), accurate far into the right tail.
 * @param x - an integer (a safe-integer number or a bigint).
 * @param sigma - σ > 0.
 * @returns P[X > x] in [0, 1].
 * @throws DpError INVALID_PARAMETER on a non-integer x or a bad σ.
 * @privacy none by itself; the exact (ε, δ) profile of the discrete Gaussian is built from it.
 * @see Canonne, Kamath, Steinke (2020), Theorem 7 (where these tails give δ(ε)).
 * @example
 * discreteGaussianSurvival(4, 1); // ≈ 1.4928e-6 (at 40 it underflows to 0: use discreteGaussianLogSurvival)
 */
export function discreteGaussianSurvival(x: number | bigint, sigma: number): number {
  return Math.exp(discreteGaussianLogSurvival(x, sigma));
}

/**
 * log P[X > x] for X ~ N_Z(0, σ²), finite however far the tail.
 * @param x - an integer (a safe-integer number or a bigint).
 * @param sigma - σ > 0.
 * @returns log P[X > x].
 * @throws DpError INVALID_PARAMETER on a non-integer x or a bad σ.
 * @privacy none by itself.
 * @see Canonne, Kamath, Steinke (2020), Theorem 7.
 * @example
 * discreteGaussianLogSurvival(40, 1); // ≈ −841.419
 */
export function discreteGaussianLogSurvival(x: number | bigint, sigma: number): number {
  const v = integerArgument(x, 'x');
  const s = positiveNumber(sigma, 'sigma');
  return logProbAtLeast(v + 1, s, logNormalizer(s));
}

/**
 * The variance E[X²] of X ~ N_Z(0, σ²) (its mean is 0); always below σ², and equal to σ² up to a
 * relative 8π²σ²e^{−2π²σ²} for σ ≥ 1.
 * @param sigma - σ > 0.
 * @returns Var[X].
 * @throws DpError INVALID_PARAMETER unless σ is a finite number ≥ 2⁻¹⁰²².
 * @privacy none by itself; the error of a discrete Gaussian release has this variance.
 * @see Canonne, Kamath, Steinke (2020), Corollary 9 (Var < σ²) and Lemma 20 (the Poisson form).
 * @example
 * discreteGaussianVariance(1); // 0.9999997887677281
 */
export function discreteGaussianVariance(sigma: number): number {
  const s = positiveNumber(sigma, 'sigma');
  if (s < POISSON_CROSSOVER) {
    const c = 1 / (2 * s * s);
    const second = 2 * sumSeries((x) => x * x * Math.exp(-c * x * x), 1);
    return second / Math.exp(logNormalizer(s));
  }
  const c = 2 * Math.PI * Math.PI * s * s;
  // Beyond c = 1500 the correction 8π²σ²e^{−2π²σ²} is below 1e-600: Var = σ² (+∞ once σ² overflows).
  if (c > 1500) return s * s;
  const theta = thetaTail(s);
  // Σ_{k≥1} (1 − 4π²σ²k²) e^{−2π²σ²k²}: the k-th term is negative, computed as −(2ck² − 1)e^{−ck²}.
  const weighted = sumSeries((k) => (2 * c * k * k - 1) * Math.exp(-c * k * k), 1);
  return (s * s * (1 - 2 * weighted)) / (1 + 2 * theta);
}
