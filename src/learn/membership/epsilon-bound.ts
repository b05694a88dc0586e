/**
 * The ε a membership attack refutes. For an (ε, δ)-DP training algorithm and
 * any test that calls "member", TPR ≤ e^ε·FPR + δ and TNR ≤ e^ε·FNR + δ
 * (Kairouz, Oh, Viswanath 2015; used for audits by Jagielski et al. 2020).
 * With Clopper–Pearson bounds — TPR from below, FPR from above — at a set of
 * thresholds fixed before looking (a grid of pooled-score quantiles, with
 * its tails refined geometrically: see thresholdPositions), the
 * confidence is shared by a union bound over thresholds and the two
 * inequalities: ε ≥ max ln((TPR_lo − δ)/FPR_hi), ln((TNR_lo − δ)/FNR_hi).
 *
 * Caveat, stated in every report: one trained model gives trials that are
 * not independent draws of the mechanism on a fixed pair of neighbours
 * (Carlini et al. 2022 use it the same way, as an indication). The rigorous
 * single-run bound is the one-run audit (one-run.ts).
 * @module
 */
import { clopperPearsonLower, clopperPearsonUpper } from '../../audit/clopper-pearson.js';
import { DpError } from '../../core/index.js';

/**
 * The pooled-quantile positions the thresholds sit at, fixed by the grid size and the pooled count
 * alone (never by the labels): `grid` evenly spaced ones, g/(grid + 1), and the tails the even grid
 * misses — 1 − 2^−j and 2^−j while 2^−j·pooled ≥ 1 and 2^−j < 1/(grid + 1). A strong attack at low
 * FPR (LiRA) shows its best ratio TPR/FPR in the top tail: with 5,000 scores and grid 50 the even
 * grid's highest threshold has ~100 scores above it; the tail adds 64, 32, …, 1.
 */
function thresholdPositions(grid: number, pooled: number): number[] {
  const positions: number[] = [];
  for (let g = 1; g <= grid; g++) positions.push(g / (grid + 1));
  for (let tail = 2 ** -Math.ceil(Math.log2(grid + 1.000001)); tail * pooled >= 1; tail /= 2) positions.push(tail, 1 - tail);
  return positions;
}

/**
 * A lower bound on ε from member / non-member scores.
 * @param members - member scores (higher = member).
 * @param nonMembers - non-member scores.
 * @param options - `confidence` (default 0.95), `delta` (default 0), `thresholds` (grid size, default 50).
 * @returns ε ≥ 0 refuted at that confidence (0 when nothing is refuted).
 * @throws DpError INVALID_PARAMETER on empty lists, a confidence outside (0, 1), δ outside [0, 1).
 * @privacy not a release.
 * @see Jagielski, Ullman, Oprea, "Auditing differentially private machine learning", NeurIPS 2020.
 * @example
 * membershipEpsilonLowerBound([5, 6, 7], [0, 1, 2]); // 0 (three of each prove nothing at 95 %)
 */
export function membershipEpsilonLowerBound(
  members: ArrayLike<number>,
  nonMembers: ArrayLike<number>,
  options: { confidence?: number; delta?: number; thresholds?: number } = {},
): number {
  const confidence = options.confidence ?? 0.95;
  const delta = options.delta ?? 0;
  const grid = options.thresholds ?? 50;
  if (!(confidence > 0 && confidence < 1))
    throw new DpError('INVALID_PARAMETER', 'confidence must be in (0, 1)', { parameter: 'confidence' });
  if (!(delta >= 0 && delta < 1)) throw new DpError('INVALID_PARAMETER', 'delta must be in [0, 1)', { parameter: 'delta' });
  if (!(Number.isSafeInteger(grid) && grid >= 1 && grid <= 10_000))
    throw new DpError('INVALID_PARAMETER', 'thresholds must be an integer in [1, 10000]', { parameter: 'thresholds' });
  if (!(members?.length > 0 && nonMembers?.length > 0))
    throw new DpError('INVALID_PARAMETER', 'members and nonMembers must be non-empty', { parameter: 'members' });
  const m = Float64Array.from(members, (v) => (Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v));
  const n = Float64Array.from(nonMembers, (v) => (Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v));
  const pooled = Float64Array.from([...m, ...n]).sort();
  const positions = thresholdPositions(grid, pooled.length);
  // 2 inequalities × 2 rates × every threshold share 1 − confidence.
  const alpha = (1 - confidence) / (4 * positions.length);
  let best = 0;
  for (const q of positions) {
    const t = pooled[Math.min(pooled.length - 1, Math.floor(q * pooled.length))] as number;
    let tp = 0;
    let fp = 0;
    for (const v of m) if (v >= t) tp++;
    for (const v of n) if (v >= t) fp++;
    const tprLo = clopperPearsonLower(tp, m.length, alpha);
    const fprHi = clopperPearsonUpper(fp, n.length, alpha);
    const tnrLo = clopperPearsonLower(n.length - fp, n.length, alpha);
    const fnrHi = clopperPearsonUpper(m.length - tp, m.length, alpha);
    if (tprLo - delta > 0 && fprHi > 0) best = Math.max(best, Math.log((tprLo - delta) / fprHi));
    if (tnrLo - delta > 0 && fnrHi > 0) best = Math.max(best, Math.log((tnrLo - delta) / fnrHi));
  }
  return best;
}
