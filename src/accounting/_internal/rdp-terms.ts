/**
 * The RDP terms the RDP accountant adds, each computed as an UPPER BOUND of its exact value (issue 10 class 9,
 * "float sums rounded outward"; rule and error bounds: `src/accounting/float-sums.proof.md`, "Terms").
 *
 * Every operation is directed: sums and products by `addAbove`/`mulAbove` … (`numeric/directed-libm.ts`),
 * exp/log/log1p/expm1 widened by two steps (fdlibm's "< 1 ulp", sourced there), log erfc by its proven bounds
 * (`numeric/log-erfc-bounds.ts`). Where a quantity enters with both signs it is carried as an interval `[lo, hi]` and the
 * end that makes the term larger is used. Series are summed only where their remainder has a proven bound that is
 * added (the fractional-order subsampled Gaussian); the constants √2 and log ½ are bracketed, never taken as exact.
 * @internal
 */
import {
  addAbove,
  addBelow,
  divAbove,
  divBelow,
  expm1Up,
  log1pDown,
  log1pUp,
  logAddDown,
  logAddUp,
  logDown,
  logSubUp,
  logUp,
  mulAbove,
  mulBelow,
} from '../../numeric/directed-libm.js';
import { logErfcBounds } from '../../numeric/log-erfc-bounds.js';

/** A closed interval [lo, hi] of reals holding an exact value. */
type Iv = readonly [number, number];
const pt = (x: number): Iv => [x, x];
const iAdd = (a: Iv, b: Iv): Iv => [addBelow(a[0], b[0]), addAbove(a[1], b[1])];
const iNeg = (a: Iv): Iv => [-a[1], -a[0]];
function iMul(a: Iv, b: Iv): Iv {
  const lo = Math.min(mulBelow(a[0], b[0]), mulBelow(a[0], b[1]), mulBelow(a[1], b[0]), mulBelow(a[1], b[1]));
  const hi = Math.max(mulAbove(a[0], b[0]), mulAbove(a[0], b[1]), mulAbove(a[1], b[0]), mulAbove(a[1], b[1]));
  return [lo, hi];
}
/**
 * log erfc(x) to nearest from its PROVEN bounds (`numeric/log-erfc-bounds.ts`, proof beside it): the midpoint of
 * [lo, hi], and the error of that midpoint, (hi − lo)/2 + 2⁻⁵²·(|lo| + |hi|) (the midpoint's own rounding).
 */
function logErfcWithError(x: number): [value: number, error: number] {
  const [lo, hi] = logErfcBounds(x);
  if (lo === Number.NEGATIVE_INFINITY) return [hi, Number.POSITIVE_INFINITY];
  return [0.5 * lo + 0.5 * hi, 0.5 * (hi - lo) + 2 ** -52 * (Math.abs(lo) + Math.abs(hi))];
}
/**
 * The error of log erfc(x) caused by an error of x itself when x was computed with ≤ 5 roundings (|Δx| ≤ 2⁻⁵⁰·|x|):
 * |d/dx log erfc(x)| ≤ 2/√π for x ≤ 0 and ≤ 2x + 2/√π for x > 0 (erfcx(x) ≥ 1/(x + √(x² + 2))·2/√π).
 */
function erfcArgumentError(x: number): number {
  return x <= 0 ? 2 ** -49 * (Math.abs(x) + 1) : 2 ** -47 * (x * x + x + 1);
}
/** Upper bound of log A_α at an integer order α ≥ 1: the finite binomial sum (Mironov–Talwar–Zhang 2019), every step up. */
function logAIntUp(alpha: number, logq: number, log1mq: number, twoSigma2: number): number {
  let logA = Number.NEGATIVE_INFINITY;
  let logCoef = 0; // ≥ log binom(α, i)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logCoef = addAbove(logCoef, logUp(divAbove(alpha - i + 1, i)));
    const s = addAbove(addAbove(addAbove(logCoef, mulAbove(i, logq)), mulAbove(alpha - i, log1mq)), divAbove(i * i - i, twoSigma2));
    logA = logAddUp(logA, s);
  }
  return logA;
}

/** The most terms of the fractional-order series summed before falling back to the (looser, proven) interpolation. */
const MAX_FRACTIONAL_TERMS = 20_000;
/** Relative error allowance of one term's nearest-arithmetic log (≈ 10 operations of ≤ 1 ulp each; 128 units of 2⁻⁵³). */
const TERM_REL = 2 ** -46;

/**
 * Upper bound of log A_α at a fractional order α > 1, from the two-sided series of Mironov–Talwar–Zhang (2019, §3.3)
 * with the signs of the generalised binomial coefficients (float-sums.proof.md, "The fractional series"):
 * - the integral is split at z_lo ≤ z₀ ≤ z_hi (z₀ = σ²·log((1−q)/q) + ½ bracketed, so each binomial expansion
 *   converges on its side) and the sliver [z_lo, z_hi] is bounded directly;
 * - each term's log is computed to nearest with the stated error bound TERM_REL·(Σ|parts| + 1) + the proven error of
 *   log erfc (`logErfcWithError`),
 *   positive terms taken at the top of their bracket, negative ones at the bottom;
 * - the remainder: from i ≥ i₀ = max(⌊α⌋+1, α, z_lo, α − z_hi) the terms alternate in sign and decrease in
 *   magnitude (each side's ratio is ≤ (i−α)/(i+1) < 1: log-concavity of erfc), so the remainder after stopping
 *   lies between 0 and the first omitted term — added when that term is positive, dropped when negative.
 * Returns null when no stop is reached within MAX_FRACTIONAL_TERMS terms.
 */
function logAFracUp(q: number, sigma: number, alpha: number, logq: Iv, log1mq: Iv, sigma2: Iv): number | null {
  const z0 = iAdd(iMul(sigma2, iAdd(log1mq, iNeg(logq))), pt(0.5));
  const [zlo, zhi] = z0;
  const floorAlpha = Math.floor(alpha);
  const i0 = Math.max(floorAlpha + 1, Math.ceil(alpha), Math.ceil(zlo), Math.ceil(alpha - zhi) + 1);
  // The sliver [z_lo, z_hi]: width·(2(1−q))^α·e^{α·width/σ²}·max μ₀ over it (μ₀(z) = e^{−z²/(2σ²)}/(σ√(2π))), nearest
  // arithmetic plus 10⁻⁶ in log (its own rounding is far below that; the sliver is ≲ 10⁻¹⁵ of A).
  const width = addAbove(zhi, -zlo);
  const zmin = zlo <= 0 && zhi >= 0 ? 0 : Math.min(Math.abs(zlo), Math.abs(zhi));
  const logSliver =
    Math.log(width) +
    alpha * (Math.LN2 + Math.log1p(-q)) +
    (alpha * width) / sigma2[0] -
    (zmin * zmin) / (2 * sigma2[1]) -
    Math.log(sigma) -
    0.5 * Math.log(2 * Math.PI) +
    1e-6;
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  const tws = 2 * sigma * sigma;
  const rts = Math.SQRT2 * sigma;
  let pos = Number.NEGATIVE_INFINITY; // ≥ log Σ positive terms
  let neg = Number.NEGATIVE_INFINITY; // ≤ log Σ |negative terms|
  let coef = 0; // log |binom(α, i)|, to nearest …
  let coefErr = 0; // … within this
  for (let i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
    const j = alpha - i;
    if (i > 0) {
      const lr = Math.log(Math.abs((j + 1) / i));
      coef += lr;
      coefErr += 2 ** -49 * (Math.abs(lr) + Math.abs(coef));
    }
    const negative = Math.max(0, i - 1 - floorAlpha) % 2 === 1;
    const x0 = (i - zlo) / rts;
    const x1 = (zhi - j) / rts;
    const a0 = i * lq;
    const b0 = j * l1q;
    const c0 = (i * i - i) / tws;
    const [le0, le0Err] = logErfcWithError(x0);
    const e0 = le0 - Math.LN2;
    const a1 = j * lq;
    const b1 = i * l1q;
    const c1 = (j * j - j) / tws;
    const [le1, le1Err] = logErfcWithError(x1);
    const e1 = le1 - Math.LN2;
    const s0 = coef + a0 + b0 + c0 + e0;
    const s1 = coef + a1 + b1 + c1 + e1;
    const err0 =
      coefErr + TERM_REL * (Math.abs(coef) + Math.abs(a0) + Math.abs(b0) + c0 + Math.abs(e0) + 1) + le0Err + erfcArgumentError(x0);
    const err1 =
      coefErr +
      TERM_REL * (Math.abs(coef) + Math.abs(a1) + Math.abs(b1) + Math.abs(c1) + Math.abs(e1) + 1) +
      le1Err +
      erfcArgumentError(x1);
    const up = logAddUp(addAbove(s0, err0), addAbove(s1, err1)); // ≥ log |term i|
    if (i >= i0 && up < logAddDown(pos, neg) - 30) {
      // Stop: term i is the first omitted one; the remainder lies between 0 and it (alternating, decreasing).
      const signed = logSubUp(pos, neg);
      return logAddUp(negative ? signed : logAddUp(signed, up), logSliver);
    }
    if (negative) neg = logAddDown(logAddDown(neg, addBelow(s0, -err0)), addBelow(s1, -err1));
    else pos = logAddUp(pos, up);
  }
  return null;
}

/**
 * Upper bound of the RDP of the Poisson-subsampled Gaussian (rate q, noise multiplier σ) at order α (Mironov, Talwar,
 * Zhang 2019): integer orders by the finite sum; fractional orders by the series with its proven remainder, or, when
 * that does not converge fast, by convexity of (α−1)·D_α in α (interpolating the neighbouring integer orders).
 */
export function subsampledGaussianRdpUp(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (!Number.isFinite(alpha) || sigma === 0) return Number.POSITIVE_INFINITY;
  const sigma2: Iv = [mulBelow(sigma, sigma), mulAbove(sigma, sigma)];
  if (sigma2[0] === 0 || !Number.isFinite(sigma2[1])) return sigma2[0] === 0 ? Number.POSITIVE_INFINITY : 0;
  if (q === 1) return divAbove(alpha, 2 * sigma2[0]);
  const logq: Iv = [logDown(q), logUp(q)];
  const log1mq: Iv = [log1pDown(-q), log1pUp(-q)];
  const intUp = (a: number) => (a === 1 ? 0 : logAIntUp(a, logq[1], log1mq[1], 2 * sigma2[0]));
  let logA: number;
  if (Number.isInteger(alpha)) logA = intUp(alpha);
  else {
    const lo = Math.floor(alpha);
    const t = alpha - lo; // exact (Sterbenz)
    const interpolated = addAbove(mulAbove(addAbove(1, -t), intUp(lo)), mulAbove(t, intUp(lo + 1)));
    const series = logAFracUp(q, sigma, alpha, logq, log1mq, sigma2);
    logA = series === null ? interpolated : Math.min(series, interpolated);
  }
  return Math.max(0, divAbove(logA, alpha - 1)); // α − 1 exact for 1 < α < 2⁵³; D_α ≥ 0
}

/**
 * Upper bound of the RDP of the Laplace mechanism with pure ε at order α ≥ 1 (Mironov 2017, Proposition 6):
 * ε + log1p((α−1)·expm1(ε(1−2α))/(2α−1))/(α−1); at α = 1 the KL divergence ε + expm1(−ε).
 */
export function laplaceRdpUp(epsilon: number, alpha: number): number {
  if (epsilon === 0) return 0;
  if (!Number.isFinite(epsilon)) return Number.POSITIVE_INFINITY;
  if (alpha === 1) return Math.max(0, addAbove(epsilon, expm1Up(-epsilon)));
  // 1 − 2α and 2α − 1 are exact for α < 2⁵²; log1p increases, so every step takes its upper end.
  const e = expm1Up(mulAbove(epsilon, 1 - 2 * alpha)); // in (−1, 0]
  const x = divAbove(mulAbove(alpha - 1, e), 2 * alpha - 1);
  const v = addAbove(epsilon, divAbove(log1pUp(x), alpha - 1));
  return Math.min(Math.max(0, v), epsilon);
}

/**
 * Upper bound of the RDP at order α of an (ε, 0) event (the pure part of an (ε, δ) event):
 * (εα + log(1 + e^{ε(1−2α)}) − log(1 + e^ε))/(α−1), never above ε.
 */
export function pureEpsilonRdpUp(epsilon: number, alpha: number): number {
  if (epsilon === 0) return 0;
  if (!Number.isFinite(epsilon)) return Number.POSITIVE_INFINITY;
  const num = addAbove(addAbove(mulAbove(epsilon, alpha), logAddUp(0, mulAbove(epsilon, 1 - 2 * alpha))), -logAddDown(0, epsilon));
  return Math.min(Math.max(0, divAbove(num, alpha - 1)), epsilon);
}

/**
 * Upper bound of the RDP at order α of the exponential mechanism with ε (bounded range, Cesar & Rogers 2021):
 * min(ξ + (ε²/8)·α, ε) with ξ = r − 1 − log r − ε²/8, r = ε/expm1(ε). f(r) = r − 1 − log r decreases on (0, 1], so r
 * is taken at its lower end.
 */
export function exponentialRdpUp(epsilon: number, alpha: number): number {
  if (epsilon === 0) return 0;
  if (!Number.isFinite(epsilon)) return Number.POSITIVE_INFINITY;
  const r = Math.min(1, divBelow(epsilon, expm1Up(epsilon)));
  const eps2over8: Iv = [mulBelow(mulBelow(epsilon, epsilon), 0.125), mulAbove(mulAbove(epsilon, epsilon), 0.125)];
  const xi = addAbove(addAbove(addAbove(r, -1), -logDown(r)), -eps2over8[0]);
  return Math.min(Math.max(0, addAbove(xi, mulAbove(eps2over8[1], alpha))), epsilon);
}

/** log Σ w_i e^{a_i} (w_i ≥ 0), upper bound, from upper bounds of the a_i and of the weights. */
function logSumExpUp(values: readonly number[], weights: readonly number[]): number {
  let s = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const w = weights[i] as number;
    if (w > 0) s = logAddUp(s, addAbove(values[i] as number, logUp(w)));
  }
  return s;
}

/**
 * Upper bound of the RDP of k-ary randomized response (keep with probability 1 − p, else uniform over k) under
 * replace-with-special, at order α (as `dp_accounting`): max(b₁, b₂)/(α−1) with
 * b₁ = log(w₁e^{α·l₁} + w₂e^{α·l₂}), b₂ = log(w₁e^{(1−α)l₁} + w₂e^{(1−α)l₂}), l₁ = log(k(1−p)+p), l₂ = log p,
 * w = (1/k, 1 − 1/k). l₁ and l₂ are bracketed and each exponent takes the end that makes it larger.
 */
export function rrReplaceSpecialRdpUp(p: number, k: number, alpha: number): number {
  if (k === 1 || p === 1) return 0;
  if (p === 0) return Number.POSITIVE_INFINITY;
  const inner = addAbove(mulAbove(k, addAbove(1, -p)), p);
  const innerLo = addBelow(mulBelow(k, addBelow(1, -p)), p);
  const l1: Iv = [logDown(innerLo), logUp(inner)];
  const l2: Iv = [logDown(p), logUp(p)];
  const w = [divAbove(1, k), addAbove(1, -divBelow(1, k))];
  const b1 = logSumExpUp([mulAbove(alpha, l1[1]), mulAbove(alpha, l2[1])], w);
  const b2 = logSumExpUp([mulAbove(1 - alpha, l1[0]), mulAbove(1 - alpha, l2[0])], w);
  return Math.max(0, divAbove(Math.max(b1, b2), alpha - 1));
}

/**
 * Upper bound of the RDP of k-ary randomized response under replace-one, at order α (as `dp_accounting`):
 * log(w₁e^{α·l} + w₂e^{−α·l} + w₃)/(α−1) with l = log(k/p − k + 1) ≥ 0, w = (p/k, 1 − p + p/k, (1 − 2/k)·p).
 */
export function rrReplaceOneRdpUp(p: number, k: number, alpha: number): number {
  if (k === 1 || p === 1) return 0;
  if (p === 0) return Number.POSITIVE_INFINITY;
  const l: Iv = [logDown(addBelow(addBelow(divBelow(k, p), -k), 1)), logUp(addAbove(addAbove(divAbove(k, p), -k), 1))];
  const pk = divAbove(p, k);
  const w = [pk, addAbove(addAbove(1, -p), pk), mulAbove(addAbove(1, -divBelow(2, k)), p)];
  const s = logSumExpUp([mulAbove(alpha, l[1]), -mulBelow(alpha, Math.max(0, l[0])), 0], w);
  return Math.max(0, divAbove(s, alpha - 1));
}
