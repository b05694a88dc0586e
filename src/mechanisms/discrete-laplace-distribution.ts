/**
 * The discrete Laplace distribution Lap_ℤ(t) (two-sided geometric) as a distribution: its
 * normalising constant, pmf, cdf, survival function and variance, all in closed form.
 *
 * P[X = x] = e^{−|x|/t} / Z(t) for x ∈ ℤ, with q = e^{−1/t}:
 *   Z(t) = (1 + q)/(1 − q) = coth(1/(2t)),  Var[X] = 2q/(1 − q)²,
 *   P[X ≤ x] = q^{−x}/(1 + q) for x < 0 and 1 − q^{x+1}/(1 + q) for x ≥ 0.
 * 1 − q is computed as −expm1(−1/t), so nothing cancels for a large scale t; every formula is
 * evaluated in log space where it can under- or overflow. Accuracy: a few ulps (checked against
 * brute-force mpmath sums and the CKS reference code in `test/mechanisms/discrete-distributions.test.ts`).
 * `t` is the `scale` of `makeDiscreteLaplace` (ε = Δ/t); dp_accounting's `parameter` is 1/t.
 * @module
 */
import { integerArgument } from './_internal/integer-argument.js';
import { positiveNumber } from './_internal/params.js';

/** log(1 − q) = log(−expm1(−1/t)), log(1 + q) = log1p(e^{−1/t}). */
function logs(scale: number): { logOneMinusQ: number; logOnePlusQ: number } {
  const inv = 1 / scale;
  return { logOneMinusQ: Math.log(-Math.expm1(-inv)), logOnePlusQ: Math.log1p(Math.exp(-inv)) };
}

/**
 * The normalising constant Z(t) = Σ_{x∈ℤ} e^{−|x|/t} = (1 + e^{−1/t})/(1 − e^{−1/t}).
 * @param scale - the scale t > 0 (as `makeDiscreteLaplace`'s `scale`).
 * @returns Z(t) (≈ 2t for large t).
 * @throws DpError INVALID_PARAMETER unless t is a finite number ≥ 2⁻¹⁰²².
 * @privacy none by itself: a property of the noise of `makeDiscreteLaplace`.
 * @see Canonne, Kamath, Steinke (2020), "The Discrete Gaussian for Differential Privacy", Definition 3.
 * @example
 * discreteLaplaceNormalizingConstant(1); // 2.163953413738653 (= coth(1/2))
 */
export function discreteLaplaceNormalizingConstant(scale: number): number {
  const { logOneMinusQ, logOnePlusQ } = logs(positiveNumber(scale, 'scale'));
  return Math.exp(logOnePlusQ - logOneMinusQ);
}

/**
 * log P[X = x] for X ~ Lap_ℤ(t).
 * @param x - an integer (a safe-integer number or a bigint).
 * @param scale - t > 0.
 * @returns −|x|/t − log Z(t).
 * @throws DpError INVALID_PARAMETER on a non-integer x or a bad scale.
 * @privacy none by itself.
 * @see Canonne, Kamath, Steinke (2020), Definition 3.
 * @example
 * discreteLaplaceLogPmf(0, 1); // −0.7719…
 */
export function discreteLaplaceLogPmf(x: number | bigint, scale: number): number {
  const v = integerArgument(x, 'x');
  const t = positiveNumber(scale, 'scale');
  const { logOneMinusQ, logOnePlusQ } = logs(t);
  return -Math.abs(v) / t + logOneMinusQ - logOnePlusQ;
}

/**
 * P[X = x] for X ~ Lap_ℤ(t).
 * @param x - an integer (a safe-integer number or a bigint).
 * @param scale - t > 0.
 * @returns (1 − q)/(1 + q)·q^{|x|} with q = e^{−1/t}.
 * @throws DpError INVALID_PARAMETER on a non-integer x or a bad scale.
 * @privacy none by itself.
 * @see Canonne, Kamath, Steinke (2020), Definition 3.
 * @example
 * discreteLaplacePmf(0, 1); // 0.46211715726000974 (= tanh(1/2))
 */
export function discreteLaplacePmf(x: number | bigint, scale: number): number {
  return Math.exp(discreteLaplaceLogPmf(x, scale));
}

/**
 * The cdf P[X ≤ x] for X ~ Lap_ℤ(t); for the right tail use {@link discreteLaplaceSurvival}.
 * @param x - an integer (a safe-integer number or a bigint).
 * @param scale - t > 0.
 * @returns q^{−x}/(1 + q) for x < 0, 1 − q^{x+1}/(1 + q) for x ≥ 0.
 * @throws DpError INVALID_PARAMETER on a non-integer x or a bad scale.
 * @privacy none by itself.
 * @see Canonne, Kamath, Steinke (2020), Definition 3.
 * @example
 * discreteLaplaceCdf(0, 1); // 0.7310585786300049 (= 1/(1 + e^{−1}))
 */
export function discreteLaplaceCdf(x: number | bigint, scale: number): number {
  const v = integerArgument(x, 'x');
  const t = positiveNumber(scale, 'scale');
  const { logOnePlusQ } = logs(t);
  if (v < 0) return Math.exp(v / t - logOnePlusQ);
  return -Math.expm1(-(v + 1) / t - logOnePlusQ);
}

/**
 * The survival function P[X > x] for X ~ Lap_ℤ(t), accurate far into the right tail.
 * @param x - an integer (a safe-integer number or a bigint).
 * @param scale - t > 0.
 * @returns q^{x+1}/(1 + q) for x ≥ 0, 1 − q^{−x}/(1 + q) for x < 0.
 * @throws DpError INVALID_PARAMETER on a non-integer x or a bad scale.
 * @privacy none by itself.
 * @see Canonne, Kamath, Steinke (2020), Definition 3.
 * @example
 * discreteLaplaceSurvival(0, 1); // 0.2689414213699951
 */
export function discreteLaplaceSurvival(x: number | bigint, scale: number): number {
  const v = integerArgument(x, 'x');
  const t = positiveNumber(scale, 'scale');
  const { logOnePlusQ } = logs(t);
  if (v >= 0) return Math.exp(-(v + 1) / t - logOnePlusQ);
  return -Math.expm1(v / t - logOnePlusQ);
}

/**
 * The variance E[X²] = 2q/(1 − q)² of X ~ Lap_ℤ(t), q = e^{−1/t} (the mean is 0); about 2t² − 1/6
 * for a large scale.
 * @param scale - t > 0.
 * @returns Var[X].
 * @throws DpError INVALID_PARAMETER unless t is a finite number ≥ 2⁻¹⁰²².
 * @privacy none by itself; the error of a discrete Laplace release has this variance.
 * @see Canonne, Kamath, Steinke (2020), §5 (the variance of Lap_ℤ(1/ε) is 2e^ε/(e^ε − 1)²).
 * @example
 * discreteLaplaceVariance(1); // 1.8413471884155845 (= 2e/(e − 1)²)
 */
export function discreteLaplaceVariance(scale: number): number {
  const t = positiveNumber(scale, 'scale');
  const { logOneMinusQ } = logs(t);
  return 2 * Math.exp(-1 / t - 2 * logOneMinusQ);
}
