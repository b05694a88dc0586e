/**
 * Offline LiRA's score (Carlini et al. 2022, §VI-C, Algorithm 1 without the
 * "in" models): every shadow model was trained WITHOUT the audited records, so
 * for record i the shadows' label confidences φ_{s,i} = log(p_y/(1 − p_y))
 * sample its "out" distribution, modelled as N(μ_i, σ_i²). The target model's
 * φ_i is scored by how far it sits above that distribution,
 * (φ_i − μ_i)/σ_i — the one-sided likelihood test of "out" (a member sits
 * above its own out distribution). Scores are compared across records, so
 * this per-record calibration is what makes LiRA strong at low FPR: a hard
 * record's modest confidence is a strong signal, an easy record's high one is
 * not.
 *
 * σ_i: with few shadows a per-record variance from S draws is itself noisy
 * (its ratio to the truth is χ²_{S−1}/(S−1)), and a record with an
 * underestimated σ_i gives a large score whichever side it is on — the
 * false positives that decide the TPR at 0.1 % FPR. Carlini et al. use one
 * global variance below 64 shadows. 'global' (the default) is that; 'per-record'
 * uses each record's own sample variance, floored at 1 % of the global one;
 * a number κ ≥ 0 shrinks toward the global variance,
 * σ_i² = ((S − 1)·s_i² + κ·σ²)/(S − 1 + κ) (a conjugate prior worth κ
 * degrees of freedom). The global variance σ² is the mean of the per-record
 * sample variances over every scored record, members and non-members alike:
 * it uses no membership label.
 *
 * Cost: one pass over the S × n confidences (Welford per record), O(S·n).
 * @module
 */
import { DpError } from '../../core/index.js';
import { edgeRead } from '../../numeric/edge.js';

/** How offline LiRA estimates each record's out-variance. */
export type LiraVariance = 'global' | 'per-record' | number;

/** The shadows' out statistics per record. */
export interface OutStatistics {
  /** μ_i: the mean of the shadows' confidences on record i. */
  readonly mean: Float64Array;
  /** s_i²: their sample variance (S − 1 in the denominator). */
  readonly variance: Float64Array;
  /** S. */
  readonly shadows: number;
}

/**
 * Per-record mean and sample variance of the shadows' confidences.
 * @param shadows - S ≥ 2 arrays, one per shadow model, each with one confidence per record.
 * @returns μ_i, s_i² and S.
 * @throws DpError INVALID_PARAMETER for fewer than 2 shadows or arrays of different lengths.
 * @privacy not a release.
 * @example
 * outStatistics([Float64Array.of(1, 2), Float64Array.of(3, 2)]).mean; // [2, 2]
 */
export function outStatistics(shadows: readonly ArrayLike<number>[]): OutStatistics {
  // Edge: every row copied once into a Float64Array (a hostile container or value is INVALID_PARAMETER).
  const rows = edgeRead('shadows', () => {
    if (!Array.isArray(shadows) || shadows.length < 2)
      throw new DpError('INVALID_PARAMETER', 'offline LiRA needs at least 2 shadow models', { parameter: 'shadows' });
    return Array.from(shadows, (row) => {
      if (row === null || typeof row !== 'object' || !Number.isSafeInteger(row.length))
        throw new DpError('INVALID_PARAMETER', 'every shadow must be an array of confidences', { parameter: 'shadows' });
      return Float64Array.from(row as ArrayLike<unknown>, (v) => (typeof v === 'number' ? v : Number.NaN));
    });
  });
  const n = (rows[0] as Float64Array).length;
  if (!rows.every((s) => s.length === n))
    throw new DpError('INVALID_PARAMETER', 'every shadow must score the same records', { parameter: 'shadows' });
  shadows = rows;
  const mean = new Float64Array(n);
  const m2 = new Float64Array(n);
  shadows.forEach((row, s) => {
    for (let i = 0; i < n; i++) {
      const v = finiteConfidence(row[i] as number);
      const d = v - (mean[i] as number);
      mean[i] = (mean[i] as number) + d / (s + 1);
      m2[i] = (m2[i] as number) + d * (v - (mean[i] as number));
    }
  });
  const variance = m2.map((v) => v / (shadows.length - 1));
  return { mean, variance, shadows: shadows.length };
}

// A confidence is a log-odds; ±Infinity or NaN (a broken shadow) would poison the mean: clamp to ±1e6.
function finiteConfidence(v: number): number {
  return typeof v === 'number' && !Number.isNaN(v) ? Math.min(1e6, Math.max(-1e6, v)) : -1e6;
}

// Edge: an OutStatistics read once into a checked copy (what outStatistics returns, or an equivalent).
function checkStatistics(stats: unknown, name: string): OutStatistics {
  return edgeRead(name, () => {
    const s = stats as Partial<OutStatistics> | null;
    if (s === null || typeof s !== 'object')
      throw new DpError('INVALID_PARAMETER', `${name} must be out statistics ({ mean, variance, shadows })`, { parameter: name });
    const { mean, variance, shadows } = s;
    if (
      !(mean instanceof Float64Array && variance instanceof Float64Array && mean.length === variance.length) ||
      !(typeof shadows === 'number' && Number.isSafeInteger(shadows) && shadows >= 2)
    )
      throw new DpError('INVALID_PARAMETER', `${name} must be out statistics ({ mean, variance, shadows })`, { parameter: name });
    return { mean: Float64Array.from(mean), variance: Float64Array.from(variance, (v) => (v >= 0 ? v : 0)), shadows };
  });
}

/**
 * The global out-variance: the mean of the per-record sample variances of the given records.
 * @param stats - out statistics, one or several sets (e.g. members' and non-members').
 * @returns σ² ≥ 1e-150 (1 when the variances are all 0 or below that: only ranks matter in 'global' mode, and 1 % of it must stay a normal number for the per-record floor).
 * @throws DpError INVALID_PARAMETER when no record is given.
 * @privacy not a release.
 * @example
 * globalOutVariance([outStatistics(shadows)]);
 */
export function globalOutVariance(stats: readonly OutStatistics[]): number {
  const checked = edgeRead('stats', () => {
    if (!Array.isArray(stats)) throw new DpError('INVALID_PARAMETER', 'stats must be an array of out statistics', { parameter: 'stats' });
    return Array.from(stats, (s) => checkStatistics(s, 'stats'));
  });
  let sum = 0;
  let count = 0;
  for (const s of checked)
    for (const v of s.variance) {
      sum += v;
      count++;
    }
  if (count === 0) throw new DpError('INVALID_PARAMETER', 'no record to estimate the global variance from', { parameter: 'stats' });
  const g = sum / count;
  return g >= 1e-150 && Number.isFinite(g) ? g : 1;
}

/**
 * Offline LiRA scores: (φ_i − μ_i)/σ_i, higher = more likely a member.
 * @param target - the target model's confidence φ_i per record.
 * @param stats - the shadows' out statistics for the same records.
 * @param globalVariance - σ², from {@link globalOutVariance} over every audited record.
 * @param variance - 'global' (default), 'per-record', or a shrinkage weight κ ≥ 0.
 * @returns one score per record.
 * @throws DpError INVALID_PARAMETER on mismatched lengths, σ² ≤ 0 or a bad variance mode.
 * @privacy not a release.
 * @see Carlini et al., "Membership Inference Attacks From First Principles", IEEE S&P 2022, §VI-C.
 * @example
 * const stats = outStatistics(shadowConfidences);
 * offlineLiraScores(targetConfidences, stats, globalOutVariance([stats]));
 */
export function offlineLiraScores(
  target: ArrayLike<number>,
  stats: OutStatistics,
  globalVariance: number,
  variance: LiraVariance = 'global',
): Float64Array {
  stats = checkStatistics(stats, 'stats');
  const phi = edgeRead('target', () => {
    if (target === null || typeof target !== 'object' || !Number.isSafeInteger(target.length))
      throw new DpError('INVALID_PARAMETER', 'target must be an array of confidences', { parameter: 'target' });
    return Float64Array.from(target as ArrayLike<unknown>, (v) => (typeof v === 'number' ? v : Number.NaN));
  });
  if (phi.length !== stats.mean.length)
    throw new DpError('INVALID_PARAMETER', 'target must have one confidence per record the shadows scored', { parameter: 'target' });
  if (!(typeof globalVariance === 'number' && globalVariance >= 1e-150 && Number.isFinite(globalVariance)))
    throw new DpError('INVALID_PARAMETER', 'globalVariance must be a finite number ≥ 1e-150', { parameter: 'globalVariance' });
  const kappa = variance === 'global' ? Number.POSITIVE_INFINITY : variance === 'per-record' ? 0 : variance;
  if (!(typeof kappa === 'number' && kappa >= 0))
    throw new DpError('INVALID_PARAMETER', "variance must be 'global', 'per-record' or a number ≥ 0", { parameter: 'variance' });
  const dof = stats.shadows - 1;
  const floor = 0.01 * globalVariance;
  const out = new Float64Array(phi.length);
  for (let i = 0; i < out.length; i++) {
    const own = stats.variance[i] as number;
    const v = kappa === Number.POSITIVE_INFINITY ? globalVariance : (dof * own + kappa * globalVariance) / (dof + kappa);
    out[i] = (finiteConfidence(phi[i] as number) - (stats.mean[i] as number)) / Math.sqrt(Math.max(v, floor));
  }
  return out;
}
