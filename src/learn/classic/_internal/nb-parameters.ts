/**
 * GaussianNB's parameters from its released statistics: post-processing only.
 *
 * Input: the released (noisy, grid) class counts n̂_c, sums Ŝ_cf and sums of
 * squares Q̂_cf, and public parameters — the Laplace scale b_Q of the squares
 * (a function of ε, the row bound L and the shape: `laplaceStatistic`) and each
 * feature's declared bounds. Nothing here reads a row, so whatever it computes
 * costs nothing beyond the fit's charge (post-processing; Dwork–Roth 2014,
 * Prop. 2.1): the privacy map and the charge are those of the three statistics.
 *
 * In u-space a feature lies in the hull H_f = [min(0, lo_f), max(0, hi_f)]
 * (lo_f, hi_f: its declared bounds over m_f; row clipping scales toward 0), of
 * width r_f. Then, for class c and feature f, with n = max(1, n̂_c):
 * - mean μ = clamp(Ŝ/n, H_f); second moment clamp(Q̂/n, [0, max(lo_f², hi_f²)]);
 * - variance v = clamp(second − μ², floor_cf, r_f²/4) (Popoviciu: no variable
 *   in H_f has a larger variance), where
 *
 *       floor_cf = min( (r_f/6)², (a + b_Q) / n ),   a = 3 (PSEUDO_COUNT).
 *
 * Why this floor. Q̂/n carries Laplace noise of scale b_Q/n, so a variance
 * below b_Q/n is not resolved by the release: a rare one-hot feature's noisy
 * variance is as likely 10⁻⁴ as 0 or negative, and a tiny variance makes that
 * one feature dominate the log-likelihood. The pseudo-count a is the variance
 * of a 0/1 feature seen in a of n rows (≈ a/n), which bounds the same effect
 * when the noise is small (ε large): without it even the non-private
 * classifier fails (Adult's tuning split: floor 10⁻⁹/n → 42 % accuracy, 3/n
 * → 84 %). The cap (r_f/6)² — the variance of a feature spanning its
 * range at ±3σ — stops the floor from flattening informative features when
 * the noise is large (ε small). Until this rule the floor was a constant 0.03
 * (u-space), above the true variance of many rare features, so more ε did not
 * help: Adult's accuracy fell from 0.804 at ε = 0.1 to 0.784 at ε = 10 (107
 * features, 20 seeds), below diffprivlib's 0.816.
 *
 * Monotone in ε: b_Q does not grow with ε (the calibrated scale of a larger
 * share), so for the same released count more ε never raises the floor;
 * more rows (a larger n̂) lower it. A constant feature (r_f = 0) gets v = 1 in
 * every class: its term is then the same for every class.
 *
 * The constants a = 3, the noise scale b_Q at weight 1 and the spread 6
 * were chosen on Adult's tuning split (training rows less a held-out fifth;
 * `bench/models/nb-floor-sweep.ts`, 48 rules × 20 seeds: within 0.01 of the
 * best rule at each of ε = 0.1, 1, 10), never on the test split the
 * benchmark reports.
 * @module
 */

/** @internal The pseudo-count a of the floor (a/n̂ ≈ the variance of a 0/1 feature seen in a of n̂ rows). */
export const PSEUDO_COUNT = 3;

/** @internal The floor never exceeds (range/FLOOR_SPREAD)²: a feature spanning its range at ±3σ. */
export const FLOOR_SPREAD = 6;

/**
 * @internal The variance floor of one (class, feature): min((range/6)², (a + b_Q)/max(1, count)); 1 for a
 * constant feature (range 0). `squaresScale` is b_Q (public), `count` the released class count, `range` the
 * feature's public width in u-space.
 */
export function varianceFloor(squaresScale: number, count: number, range: number): number {
  if (!(range > 0)) return 1;
  return Math.min((range / FLOOR_SPREAD) ** 2, (PSEUDO_COUNT + squaresScale) / Math.max(1, count));
}

/** @internal Per feature: the u-space hull [low, high] ∋ 0 and the largest square (public, from the bounds). */
export interface UnitHull {
  readonly low: Float64Array;
  readonly high: Float64Array;
}

/** @internal The hull [min(0, lo/m), max(0, hi/m)] of each feature in u-space. */
export function unitHull(bounds: { readonly lower: readonly number[]; readonly upper: readonly number[] }, scales: Float64Array): UnitHull {
  const low = Float64Array.from(bounds.lower, (lo, f) => Math.min(0, lo / (scales[f] as number)));
  const high = Float64Array.from(bounds.upper, (hi, f) => Math.max(0, hi / (scales[f] as number)));
  return { low, high };
}

/** @internal The released statistics of a GaussianNB fit (k counts, k×d sums and sums of squares). */
export interface NBStatistics {
  readonly counts: readonly number[];
  readonly sums: readonly number[];
  readonly squares: readonly number[];
}

/** @internal Priors, means and variances from the released statistics and public parameters (see the module header). */
export function nbParameters(
  released: NBStatistics,
  hull: UnitHull,
  squaresScale: number,
): { classPrior: Float64Array; means: Float64Array; variances: Float64Array } {
  const k = released.counts.length;
  const d = hull.low.length;
  const classPrior = new Float64Array(k);
  const means = new Float64Array(k * d);
  const variances = new Float64Array(k * d);
  let total = 0;
  for (let c = 0; c < k; c++) total += Math.max(1, released.counts[c] as number);
  for (let c = 0; c < k; c++) {
    const n = Math.max(1, released.counts[c] as number);
    classPrior[c] = n / total;
    for (let f = 0; f < d; f++) {
      const low = hull.low[f] as number;
      const high = hull.high[f] as number;
      const range = high - low;
      const mean = Math.min(high, Math.max(low, (released.sums[c * d + f] as number) / n));
      const second = Math.min(Math.max(low * low, high * high), Math.max(0, (released.squares[c * d + f] as number) / n));
      const floor = varianceFloor(squaresScale, n, range);
      means[c * d + f] = mean;
      variances[c * d + f] = range > 0 ? Math.min((range * range) / 4, Math.max(floor, second - mean * mean)) : floor;
    }
  }
  return { classPrior, means, variances };
}
