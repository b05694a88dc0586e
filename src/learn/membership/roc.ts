/**
 * The ROC of a membership score: members should score higher than
 * non-members. AUC (the probability that a random member outscores a random
 * non-member, ties counting ½) and the TPR at a fixed FPR — the figure
 * Carlini et al. (2022) argue matters, since an attack that is confident on a
 * few records is a real leak even at AUC ≈ ½.
 * @module
 */
import { clopperPearsonLower, clopperPearsonUpper } from '../../audit/clopper-pearson.js';
import { DpError } from '../../core/index.js';

/** AUC and TPR at low FPR of one score. */
export interface MembershipRoc {
  /** Area under the ROC curve, in [0, 1]; ½ is chance. */
  readonly auc: number;
  /** TPR at FPR ≤ 0.1 %. */
  readonly tprAt0_1: number;
  /** TPR at FPR ≤ 1 %. */
  readonly tprAt1: number;
}

function checkScores(x: ArrayLike<number>, name: string): Float64Array {
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number' || x.length === 0) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a non-empty array of numbers`, { parameter: name });
  }
  // A non-finite score is the weakest possible claim of membership.
  return Float64Array.from(x, (v) => (typeof v === 'number' && !Number.isNaN(v) ? v : Number.NEGATIVE_INFINITY));
}

/**
 * The largest TPR at which the FPR is at most `fpr`: the threshold is the
 * smallest t with #{non-members ≥ t} ≤ fpr·n (members strictly above the
 * highest non-member score are counted when the allowed count is 0).
 * @param members - member scores.
 * @param nonMembers - non-member scores.
 * @param fpr - the FPR cap in [0, 1].
 * @returns the TPR.
 * @throws DpError INVALID_PARAMETER on empty score lists or fpr outside [0, 1].
 * @privacy not a release: evaluates an attack.
 * @example
 * tprAtFpr([3, 2], [1, 0], 0); // 1
 */
export function tprAtFpr(members: ArrayLike<number>, nonMembers: ArrayLike<number>, fpr: number): number {
  const m = checkScores(members, 'members');
  const n = checkScores(nonMembers, 'nonMembers').sort().reverse();
  if (!(fpr >= 0 && fpr <= 1)) throw new DpError('INVALID_PARAMETER', 'fpr must be in [0, 1]', { parameter: 'fpr' });
  const allowed = Math.floor(fpr * n.length + 1e-9);
  // Members must score strictly above the (allowed+1)-th highest non-member score.
  const bar = allowed >= n.length ? Number.NEGATIVE_INFINITY : (n[allowed] as number);
  let tp = 0;
  for (const v of m) if (v > bar) tp++;
  return tp / m.length;
}

/**
 * AUC and TPR at 0.1 % and 1 % FPR.
 * @param members - member scores (higher = "was in the training set").
 * @param nonMembers - non-member scores.
 * @returns the ROC summary.
 * @throws DpError INVALID_PARAMETER on empty score lists.
 * @privacy not a release.
 * @example
 * membershipRoc([2, 3], [0, 1]).auc; // 1
 */
export function membershipRoc(members: ArrayLike<number>, nonMembers: ArrayLike<number>): MembershipRoc {
  const m = checkScores(members, 'members');
  const n = checkScores(nonMembers, 'nonMembers');
  // AUC by ranks (Mann–Whitney U), ties counting ½.
  const all = [...Array.from(m, (v) => [v, 1] as const), ...Array.from(n, (v) => [v, 0] as const)].sort((a, b) => a[0] - b[0] || 0);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && (all[j] as readonly [number, number])[0] === (all[i] as readonly [number, number])[0]) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if ((all[k] as readonly [number, number])[1] === 1) rankSum += rank;
    i = j;
  }
  const auc = (rankSum - (m.length * (m.length + 1)) / 2) / (m.length * n.length);
  return { auc, tprAt0_1: tprAtFpr(m, n, 0.001), tprAt1: tprAtFpr(m, n, 0.01) };
}

/** The TPR of an attack at a capped FPR, with what the sample sizes let one say about it. */
export interface LowFprPoint {
  /** The FPR cap asked for, in [0, 1]. */
  readonly fpr: number;
  /** Members scoring strictly above the threshold, over all members (the point estimate). */
  readonly tpr: number;
  /** Members above the threshold. */
  readonly truePositives: number;
  /** Non-members above the threshold: at most ⌊fpr·n⌋. */
  readonly falsePositives: number;
  /** Two-sided Clopper–Pearson interval for the TPR at this threshold, at the asked confidence (½ of 1 − confidence on each side). */
  readonly tprInterval: readonly [number, number];
  /**
   * One-sided upper confidence bound on the threshold's TRUE FPR. The threshold is the (k+1)-th
   * highest of n non-member scores (k = ⌊fpr·n⌋), so the probability mass above it is the
   * (k+1)-th smallest of n uniforms, Beta(k + 1, n − k)-distributed (ties only lower it): its
   * upper quantile is the Clopper–Pearson upper bound of k in n. With n = 1,000 and fpr = 0.1 %
   * it is ≈ 0.47 % at 95 %: the "0.1 % FPR" figure of a small audit is really "below ½ %".
   */
  readonly fprUpper: number;
}

/**
 * {@link tprAtFpr} with its uncertainty: a Clopper–Pearson interval on the TPR over the members
 * and an upper confidence bound on the true FPR of the threshold chosen from the non-members.
 * Both treat the scores as independent draws given the model (see epsilon-bound.ts's caveat).
 * @param members - member scores (higher = member).
 * @param nonMembers - non-member scores.
 * @param fpr - the FPR cap in [0, 1].
 * @param confidence - the level of each bound, in (0, 1) (default 0.95).
 * @returns the TPR, its counts, its interval and the threshold's FPR upper bound.
 * @throws DpError INVALID_PARAMETER on empty score lists, fpr outside [0, 1] or a confidence outside (0, 1).
 * @privacy not a release: evaluates an attack.
 * @see Clopper & Pearson (1934); David & Nagaraja, Order Statistics (2003), §2.2 (uniform order statistics are Beta).
 * @example
 * lowFprPoint(members, nonMembers, 0.001).tprInterval; // [lo, hi]
 */
export function lowFprPoint(members: ArrayLike<number>, nonMembers: ArrayLike<number>, fpr: number, confidence = 0.95): LowFprPoint {
  if (!(typeof confidence === 'number' && confidence > 0 && confidence < 1))
    throw new DpError('INVALID_PARAMETER', 'confidence must be in (0, 1)', { parameter: 'confidence' });
  const m = checkScores(members, 'members');
  const n = checkScores(nonMembers, 'nonMembers').sort().reverse();
  if (!(fpr >= 0 && fpr <= 1)) throw new DpError('INVALID_PARAMETER', 'fpr must be in [0, 1]', { parameter: 'fpr' });
  const allowed = Math.min(n.length, Math.floor(fpr * n.length + 1e-9));
  const bar = allowed >= n.length ? Number.NEGATIVE_INFINITY : (n[allowed] as number);
  let truePositives = 0;
  for (const v of m) if (v > bar) truePositives++;
  let falsePositives = 0;
  for (const v of n) if (v > bar) falsePositives++;
  const alpha = 1 - confidence;
  return {
    fpr,
    tpr: truePositives / m.length,
    truePositives,
    falsePositives,
    tprInterval: [clopperPearsonLower(truePositives, m.length, alpha / 2), clopperPearsonUpper(truePositives, m.length, alpha / 2)],
    fprUpper: allowed >= n.length ? 1 : clopperPearsonUpper(allowed, n.length, alpha),
  };
}
