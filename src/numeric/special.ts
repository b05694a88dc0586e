/**
 * The one module of special functions of tsdp — mechanisms, accounting, audit, local DP, stats
 * and the testing kit all call these, so that two parts never price the same event with two
 * different approximations.
 *
 * - erfc, its scaled form and logarithm: W. J. Cody's rational Chebyshev approximations
 *   (Math. Comp. 23 (1969) 631–638), about 1e-16 relative; log erfc stays finite far in the right tail.
 * - Φ, log Φ (accurate in both tails) and Φ⁻¹ (Newton on log Φ, about 1e-15 relative).
 * - log Γ (Lanczos, g = 7, about 1e-15 relative), the regularized upper incomplete gamma Q(a, x),
 *   the regularized incomplete beta I_x(a, b) and its inverse (modified Lentz continued fractions,
 *   Press et al., Numerical Recipes 3rd ed. §6.1–6.4), log |binom(n, k)|.
 *
 * Accuracy is checked against mpmath in `test/numeric/special.test.ts` (fixture
 * `test/numeric/fixtures/special-mpmath.json`, which names its source and version).
 * Browser-safe; imports only `./errors.js`.
 * @module
 */

import { edgeInteger, edgeNumber } from './edge.js';
import { DpError } from './errors.js';

function invalid(parameter: string, expected: string): DpError<'INVALID_PARAMETER'> {
  return new DpError('INVALID_PARAMETER', `${parameter} must be ${expected}`, { parameter, expected });
}

// Cody (1969) coefficients.
const A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315];
const B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
const C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769, 1712.0476126340707, 2051.0783778260716,
  1230.3393547979972, 2.1531153547440383e-8,
];
const D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597, 4362.619090143247, 3439.3676741437216,
  1230.3393548037495,
];
const P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378, 0.016315387137302097,
];
const Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];
const SQRT_PI_INV = 0.5641895835477563;

/** erf(x) for |x| ≤ 0.46875 (rational approximation). */
function erfSmall(x: number): number {
  const y2 = x * x;
  let num = (A[4] as number) * y2;
  let den = y2;
  for (let i = 0; i < 3; i++) {
    num = (num + (A[i] as number)) * y2;
    den = (den + (B[i] as number)) * y2;
  }
  return (x * (num + (A[3] as number))) / (den + (B[3] as number));
}

/** e^{y²} erfc(y) for y > 0.46875. */
function erfcxPositive(y: number): number {
  if (y <= 4) {
    let num = (C[8] as number) * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + (C[i] as number)) * y;
      den = (den + (D[i] as number)) * y;
    }
    return (num + (C[7] as number)) / (den + (D[7] as number));
  }
  if (y >= 6.71e7) return SQRT_PI_INV / y;
  const z = 1 / (y * y);
  let num = (P[5] as number) * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + (P[i] as number)) * z;
    den = (den + (Q[i] as number)) * z;
  }
  const r = (z * (num + (P[4] as number))) / (den + (Q[4] as number));
  return (SQRT_PI_INV - r) / y;
}

/** e^{−y²} computed as e^{−ys²}·e^{−(y−ys)(y+ys)} to keep relative accuracy (Cody's trick). */
function expMinusSquare(y: number): number {
  const ys = Math.trunc(y * 16) / 16;
  const del = (y - ys) * (y + ys);
  return Math.exp(-ys * ys) * Math.exp(-del);
}

/** The complementary error function erfc(x). */
export function erfc(x: number): number {
  edgeNumber(x, 'x');
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const r = y >= 26.543 ? 0 : expMinusSquare(y) * erfcxPositive(y);
  return x < 0 ? 2 - r : r;
}

/**
 * The scaled complementary error function erfcx(x) = e^{x²}·erfc(x), without overflow or loss of
 * accuracy in the right tail (it tends to 1/(x√π)); overflows to +∞ only for x below about −26.6.
 */
export function erfcx(x: number): number {
  edgeNumber(x, 'x');
  if (x <= 0.46875) return Math.exp(x * x) * erfc(x);
  return erfcxPositive(x);
}

/** log erfc(x), accurate far in the right tail. */
export function logErfc(x: number): number {
  edgeNumber(x, 'x');
  if (x <= 0.46875) return Math.log(erfc(x));
  return Math.log(erfcxPositive(x)) - x * x;
}

/** The standard normal cdf Φ(x) = erfc(−x/√2)/2 (as scipy's ndtr). */
export function normalCdf(x: number): number {
  edgeNumber(x, 'x');
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x === Number.NEGATIVE_INFINITY) return 0;
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** log Φ(x), accurate in both tails. */
export function logNormalCdf(x: number): number {
  edgeNumber(x, 'x');
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  if (x > 0) return Math.log1p(-normalCdf(-x));
  return Math.log(0.5) + logErfc(-x * Math.SQRT1_2);
}

/**
 * Φ⁻¹(p), the standard normal quantile, for p ∈ [0, 1] (−∞ at 0, +∞ at 1, NaN outside): Newton on
 * log Φ from the tail asymptote, accurate to about 1e-15 relative over the whole range, tails included.
 */
export function normalQuantile(p: number): number {
  edgeNumber(p, 'p');
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  if (p > 0.5) return -normalQuantile(1 - p);
  const logp = Math.log(p);
  // Start from the tail asymptote, then Newton on g(x) = log Φ(x) − log p.
  let x = p > 0.1 ? (p - 0.5) * 2.5066282746310002 : -Math.sqrt(-2 * logp - Math.log(-2 * logp) - Math.log(2 * Math.PI));
  for (let i = 0; i < 100; i++) {
    const lc = logNormalCdf(x);
    // d/dx log Φ(x) = φ(x)/Φ(x)
    const ratio = Math.exp(-0.5 * x * x - 0.9189385332046728 - lc);
    const step = (lc - logp) / ratio;
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

/** The largest k `logAbsBinomial` takes: its cost is linear in k, so a stated limit keeps every call bounded (≈ 10 ms). */
export const MAX_BINOMIAL_K = 1_000_000;

/**
 * log |binom(n, k)| for real n and integer k ≥ 0, by the product recurrence (exact for integers, stable).
 * @throws DpError INVALID_PARAMETER when n is not a number or k is not an integer in [0, MAX_BINOMIAL_K].
 */
export function logAbsBinomial(n: number, k: number): number {
  edgeNumber(n, 'n');
  edgeInteger(k, 'k', 0, MAX_BINOMIAL_K);
  let s = 0;
  for (let j = 0; j < k; j++) {
    const f = (n - j) / (j + 1);
    if (f === 0) return Number.NEGATIVE_INFINITY;
    s += Math.log(Math.abs(f));
  }
  return s;
}

// ---------------------------------------------------------------------------
// Gamma and beta
// ---------------------------------------------------------------------------

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error ≈ 1e−15). */
export function logGamma(x: number): number {
  edgeNumber(x, 'x');
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a):
 * the series for P when x < a + 1, Lentz's continued fraction for Q otherwise
 * (both to full double precision).
 */
export function regularizedGammaQ(a: number, x: number): number {
  edgeNumber(a, 'a');
  edgeNumber(x, 'x');
  if (!(a > 0) || !(x >= 0)) throw invalid('a, x', 'a > 0 and x ≥ 0');
  if (x === 0) return 1;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 100_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Refuses Beta shapes that are not finite and > 0 (a NaN shape made every bisection step run the continued fraction to its 100 000-step cap: 12 s). */
function checkBetaShape(a: unknown, b: unknown): void {
  if (typeof a !== 'number' || !(a > 0 && Number.isFinite(a))) throw invalid('a', 'a finite number > 0');
  if (typeof b !== 'number' || !(b > 0 && Number.isFinite(b))) throw invalid('b', 'a finite number > 0');
}

/** I_x(a, b), the regularized incomplete beta function, for a, b > 0 and x ∈ [0, 1]. */
export function regularizedBeta(x: number, a: number, b: number): number {
  checkBetaShape(a, b);
  edgeNumber(x, 'x');
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/**
 * The p-quantile of Beta(a, b): the x with I_x(a, b) = p, by bisection (in
 * log space below 1e-3, where binomial bounds on rare events live).
 */
export function betaQuantile(p: number, a: number, b: number): number {
  checkBetaShape(a, b);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw invalid('p', 'a number in [0, 1]');
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // Bisection on u = log(x) for x ∈ [1e-307, 1] (normal doubles) reaches relative precision in ~80 steps.
  let lo = Math.log(1e-307);
  let hi = 0;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    const x = Math.exp(mid);
    const v = regularizedBeta(x, a, b);
    if (v < p) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-13) break;
  }
  // Bisection on x near 1, where log-space resolution is too coarse for 1 − x.
  let xl = Math.exp(lo);
  let xh = Math.exp(hi);
  for (let i = 0; i < 60 && xh - xl > 1e-15 * xh; i++) {
    const mid = (xl + xh) / 2;
    if (regularizedBeta(mid, a, b) < p) xl = mid;
    else xh = mid;
  }
  return (xl + xh) / 2;
}
