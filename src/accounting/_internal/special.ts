/**
 * Special functions for accounting: log-space arithmetic, the scaled
 * complementary error function (W. J. Cody's rational Chebyshev
 * approximations, Math. Comp. 23 (1969) 631–638, ~1e-16 relative), the normal
 * cdf, its logarithm and inverse, and log binomial coefficients. Browser-safe;
 * no dependencies.
 * @module
 */

/** log(e^a + e^b) without overflow. */
export function logAdd(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(e^a − e^b) for a ≥ b (−∞ when equal). */
export function logSub(a: number, b: number): number {
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a <= b) return Number.NEGATIVE_INFINITY;
  return a + Math.log1p(-Math.exp(b - a));
}

/** log Σ w_i e^{a_i} for positive weights w_i. */
export function logSumExp(values: readonly number[], weights?: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const w = weights ? (weights[i] as number) : 1;
    if (w > 0 && (values[i] as number) > max) max = values[i] as number;
  }
  if (max === Number.NEGATIVE_INFINITY) return max;
  if (max === Number.POSITIVE_INFINITY) return max;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights ? (weights[i] as number) : 1;
    if (w > 0) s += w * Math.exp((values[i] as number) - max);
  }
  return max + Math.log(s);
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
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const r = y >= 26.543 ? 0 : expMinusSquare(y) * erfcxPositive(y);
  return x < 0 ? 2 - r : r;
}

/** log erfc(x), accurate far in the right tail. */
export function logErfc(x: number): number {
  if (x <= 0.46875) return Math.log(erfc(x));
  return Math.log(erfcxPositive(x)) - x * x;
}

/** The standard normal cdf Φ(x) = erfc(−x/√2)/2 (as scipy's ndtr). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x === Number.NEGATIVE_INFINITY) return 0;
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** log Φ(x), accurate in both tails. */
export function logNormalCdf(x: number): number {
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  if (x > 0) return Math.log1p(-normalCdf(-x));
  return Math.log(0.5) + logErfc(-x * Math.SQRT1_2);
}

/** Inverse of the standard normal cdf for p ∈ (0, 1), by Newton on log Φ (accurate to ~1e-15 relative). */
export function normalPpf(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  if (p > 0.5) return -normalPpf(1 - p);
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

/** log |binom(n, k)| for real n and integer k ≥ 0, by the product recurrence (exact for integers, stable). */
export function logAbsBinomial(n: number, k: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) {
    const f = (n - j) / (j + 1);
    if (f === 0) return Number.NEGATIVE_INFINITY;
    s += Math.log(Math.abs(f));
  }
  return s;
}
