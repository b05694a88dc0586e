/**
 * The regularized incomplete beta function and its inverse, for exact
 * binomial (Clopper–Pearson) bounds. Log-gamma by Lanczos (`logGamma` of src/testing);
 * the continued fraction by modified Lentz.
 * @see Press et al., Numerical Recipes (3rd ed.), §6.1 and §6.4.
 * @module
 */
import { logGamma } from '../../testing/distribution-tests.js';

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

/** I_x(a, b), the regularized incomplete beta function, for a, b > 0 and x ∈ [0, 1]. */
export function regularizedBeta(x: number, a: number, b: number): number {
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
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // Bisection on u = log(x) for x ∈ [1e-300, 1] reaches relative precision in ~80 steps.
  let lo = Math.log(1e-300);
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
