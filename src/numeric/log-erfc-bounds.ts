/**
 * PROVEN bounds of log erfc(x): `logErfcBounds(x)` returns [lo, hi] with lo ≤ log erfc(x) ≤ hi for every double x
 * (proof: `log-erfc-bounds.proof.md`). Used where a caller must not rely on a measured margin (the RDP accountant's
 * fractional-order series); `logErfc` (Cody's approximation, `special.ts`) stays the fast nearest value for others.
 *
 * - |x| < 2: erf(|x|) = (2/√π)·e^{−x²}·Σ_{n≥0} 2ⁿx^{2n+1}/(2n+1)!! (Abramowitz & Stegun 7.1.6), positive terms, summed
 *   with outward rounding until the ratio of terms is ≤ ½ and the tail (≤ the last term) is below 2⁻⁶⁰ of the sum.
 * - |x| ≥ 2: Laplace's continued fraction √π·e^{x²}·erfc(x) = 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) (A&S 7.1.14),
 *   truncated at a depth n with the true tail T_{n+1} ∈ [0, (n+1)/(2x)] (the tails are k·iᵏerfc/i^{k−1}erfc > 0,
 *   from the recurrence of the repeated integrals, A&S 7.2.5): an interval evaluation with outward rounding.
 * Every operation is directed (`directed-libm.ts`); the constants 2/√π, 1/√π, log √π are bracketed one ulp each way.
 * @module
 */
import { addAbove, addBelow, divAbove, divBelow, expDown, expUp, logDown, logUp, mulAbove, mulBelow } from './directed-libm.js';
import { nextDown, nextUp } from './float-bits.js';

/** The nearest doubles of 2/√π, 1/√π and log √π, widened one ulp each way (the exact value is within half an ulp). */
const TWO_OVER_SQRT_PI: readonly [number, number] = [nextDown(1.1283791670955126), nextUp(1.1283791670955126)];
const ONE_OVER_SQRT_PI: readonly [number, number] = [nextDown(0.5641895835477563), nextUp(0.5641895835477563)];
const LOG_SQRT_PI: readonly [number, number] = [nextDown(0.5723649429247001), nextUp(0.5723649429247001)];
/** The three constants' literals (the nearest doubles), exported for the test that checks them. @internal */
export const LOG_ERFC_CONSTANT_LITERALS = {
  twoOverSqrtPi: 1.1283791670955126,
  oneOverSqrtPi: 0.5641895835477563,
  logSqrtPi: 0.5723649429247001,
};
/** Below this |x| the series, from it the continued fraction. */
export const LOG_ERFC_SPLIT = 2;

/** Continued-fraction depth for x ≥ 2: enough for a bracket of about 2⁻⁵⁵ relative (tests check the width). */
function depth(x: number): number {
  return Math.min(400, Math.ceil(200 / (x * x)) + 12);
}

/** An upper bound of γ_k = k·u/(1 − k·u) (u = 2⁻⁵³, k ≤ 2²⁰): (k + 1)·u, exact. */
const gammaUp = (k: number): number => (k + 1) * 2 ** -53;

/** 1/(x + (1/2)/(x + 1/(x + … + (n/2)/(x + t)))) to nearest (the continued fraction at depth n with tail t). */
function continuedFraction(x: number, n: number, t: number): number {
  let tail = t;
  for (let k = n; k >= 1; k--) tail = k / 2 / (x + tail);
  return 1 / (x + tail);
}

/**
 * √π·e^{x²}·erfc(x) for x ≥ 2, bracketed: the exact value lies between the fraction at depth n with tail 0 and with
 * tail t_max ≥ (n+1)/(2x) (proof, "Continued fraction"); each is evaluated to nearest in 2n + 2 roundings, so within a
 * relative γ_{2n+2} of its exact value (proof, "Rounding"), which is added outward.
 */
function scaledErfcBounds(x: number): [number, number] {
  const n = depth(x);
  const tMax = divAbove(n + 1, 2 * x);
  const a = continuedFraction(x, n, 0);
  const b = continuedFraction(x, n, tMax);
  const g = gammaUp(2 * n + 2);
  return [mulBelow(Math.min(a, b), 1 - g), mulAbove(Math.max(a, b), addAbove(1, g))];
}

/**
 * erf(x) for 0 ≤ x < 2, bracketed (clamped to [0, 1]): the series Σ bₙ, b₀ = x, bₙ = b_{n−1}·2x²/(2n+1), summed to
 * nearest (positive terms: the sum of N + 1 terms, each within 3n roundings, is within γ_{4N+4} relative), stopped
 * once the ratio 2x²/(2n+3) ≤ ½ (then the tail after term N is ≤ b_N) and b_N ≤ 2⁻⁶⁰ of the sum.
 */
function erfBounds(x: number): [number, number] {
  if (x === 0) return [0, 0];
  const x2lo = mulBelow(x, x);
  const x2hi = mulAbove(x, x);
  const twoX2 = 2 * (x * x);
  let b = x;
  let sum = x;
  let n = 1;
  for (; ; n++) {
    b = (b * twoX2) / (2 * n + 1);
    sum += b;
    if (2 * x2hi <= (2 * n + 3) / 2 && (b <= sum * 2 ** -60 || b <= 2 ** -1000)) break;
  }
  const g = gammaUp(4 * n + 4);
  const sLo = mulBelow(sum, 1 - g);
  const sHi = mulAbove(addAbove(sum, b), addAbove(1, g));
  const lo = mulBelow(mulBelow(TWO_OVER_SQRT_PI[0], expDown(-x2hi)), sLo);
  const hi = mulAbove(mulAbove(TWO_OVER_SQRT_PI[1], expUp(-x2lo)), sHi);
  return [Math.max(0, lo), Math.min(1, hi)];
}

/** erfc(x) for x ≥ 2 bracketed (may underflow to 0 at the lower end). */
function erfcTailBounds(x: number): [number, number] {
  const [kLo, kHi] = scaledErfcBounds(x);
  const x2lo = mulBelow(x, x);
  const x2hi = mulAbove(x, x);
  return [mulBelow(mulBelow(kLo, ONE_OVER_SQRT_PI[0]), expDown(-x2hi)), mulAbove(mulAbove(kHi, ONE_OVER_SQRT_PI[1]), expUp(-x2lo))];
}

/**
 * Proven bounds of log erfc(x).
 * @param x - a number (NaN gives [NaN, NaN]).
 * @returns [lo, hi] with lo ≤ log erfc(x) ≤ hi (−∞ ≤ lo; hi finite where x is finite).
 * @example const [lo, hi] = logErfcBounds(1); // lo ≤ −1.8496055099332… ≤ hi
 */
export function logErfcBounds(x: number): [number, number] {
  if (Number.isNaN(x)) return [Number.NaN, Number.NaN];
  if (x === Number.POSITIVE_INFINITY) return [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  if (x === Number.NEGATIVE_INFINITY) return [logDown(2), logUp(2)];
  const y = Math.abs(x);
  if (y < LOG_ERFC_SPLIT) {
    const [eLo, eHi] = erfBounds(y);
    if (x >= 0) return [logDown(Math.max(0, addBelow(1, -eHi))), logUp(addAbove(1, -eLo))];
    return [logDown(addBelow(1, eLo)), logUp(Math.min(2, addAbove(1, eHi)))];
  }
  if (x < 0) {
    const [eLo, eHi] = erfcTailBounds(y);
    return [logDown(addBelow(2, -eHi)), logUp(Math.min(2, addAbove(2, -eLo)))];
  }
  // log erfc(x) = log(√π e^{x²} erfc x) − x² − log √π.
  const [kLo, kHi] = scaledErfcBounds(x);
  const x2hi = mulAbove(x, x);
  const x2lo = mulBelow(x, x);
  const lo = x2hi === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : addBelow(addBelow(logDown(kLo), -x2hi), -LOG_SQRT_PI[1]);
  const hi = x2lo === Number.POSITIVE_INFINITY ? -Number.MAX_VALUE : addAbove(addAbove(logUp(kHi), -x2lo), -LOG_SQRT_PI[0]);
  return [lo, hi];
}
