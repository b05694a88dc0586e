/**
 * `auditModel`: what a trained model leaks about membership, measured by two
 * black-box attacks on its outputs.
 *
 * - **Loss threshold** (Yeom et al. 2018): score = log p(y | x), the negative
 *   loss; members of an overfitted model have lower loss.
 * - **Offline LiRA** (Carlini et al. 2022, §VI-C "offline"): shadow models
 *   are trained on random subsets of a PUBLIC or held-out set that contains
 *   none of the audited records (so every shadow is an "out" model); for each
 *   audited record, the shadows' confidences φ = log(p_y/(1 − p_y)) give an
 *   "out" Gaussian N(μ, σ²) per record; score = (φ_target − μ)/σ (lira.ts:
 *   one-sided, global σ by default, as Carlini et al. advise for few shadows).
 *
 * Confidences come from the model's logits when it has `predictLogits`
 * (φ = z_y − log Σ_{c≠y} e^{z_c}, exact however confident the model is), else
 * from `predictProba` clamped to [1e-12, 1 − 1e-12] (ties above 1 − 1e-12:
 * a very confident model's members and non-members then look alike at the top,
 * which weakens the low-FPR figures — give logits when you have them).
 *
 * Each attack reports ROC AUC, TPR at 0.1 % and 1 % FPR with a Clopper–Pearson
 * interval and the threshold's FPR upper bound (roc.ts, `lowFprPoint`), and
 * the ε lower bound its ROC implies with Clopper–Pearson confidence
 * (epsilon-bound.ts, with its caveat). An audit is an evaluation on data the
 * caller holds: it charges no budget and releases nothing.
 * @module
 */
import { DpError } from '../../core/index.js';
import { defaultRandomSource, type RandomSource } from '../../random/index.js';
import { checkRandomSource } from '../_internal/validate.js';
import { readLabels, readMatrix } from '../classic/model-input.js';
import { uniformUnit } from '../init.js';
import { membershipEpsilonLowerBound } from './epsilon-bound.js';
import { globalOutVariance, type LiraVariance, offlineLiraScores, outStatistics } from './lira.js';
import { type LabelledRows, labelLogOdds, logProbabilityOfLabel, type ProbabilisticModel } from './model-confidence.js';
import { type LowFprPoint, lowFprPoint, type MembershipRoc, membershipRoc } from './roc.js';

/** One attack's figures. */
export interface AttackReport extends MembershipRoc {
  readonly attack: 'loss' | 'lira-offline';
  /** TPR at 0.1 % and at 1 % FPR with their intervals and the thresholds' true-FPR upper bounds, at the report's confidence. */
  readonly lowFpr: readonly [LowFprPoint, LowFprPoint];
  /** ε refuted at `confidence` from this ROC (see epsilon-bound.ts for its caveat). */
  readonly epsilonLowerBound: number;
}

/** What {@link auditModel} returns. */
export interface ModelAuditReport {
  readonly members: number;
  readonly nonMembers: number;
  readonly confidence: number;
  readonly loss: AttackReport;
  readonly lira?: AttackReport;
  /** The claimed ε, when given, and whether every attack's bound stays at or below it. */
  readonly claimedEpsilon?: number;
  readonly consistent?: boolean;
}

/** Options of {@link auditModel}. */
export interface AuditModelOptions {
  /** The trained model under audit. */
  readonly model: ProbabilisticModel;
  /** Records the model was trained on. */
  readonly members: LabelledRows;
  /** Records from the same distribution it was not trained on. */
  readonly nonMembers: LabelledRows;
  /** Number of classes (default 2). */
  readonly classes?: number;
  /** Offline LiRA: a public / held-out set (disjoint from members and non-members) and how to train a shadow model on part of it. */
  readonly shadow?: {
    readonly data: LabelledRows;
    readonly train: (
      data: { x: { values: Float64Array; rows: number; columns: number }; y: Float64Array },
      rng: RandomSource,
    ) => Promise<ProbabilisticModel> | ProbabilisticModel;
    /** Shadow models (default 8). */
    readonly models?: number;
    /**
     * Rows each shadow trains on: a uniformly random subset of exactly this many pool rows — set it
     * to the target's training-set size, as Carlini et al. do. Default: each pool row with probability ½.
     */
    readonly size?: number;
    /** How each record's out-variance is estimated (lira.ts): 'global' (default), 'per-record', or a shrinkage weight κ ≥ 0. */
    readonly variance?: LiraVariance;
  };
  /** Confidence of the ε bounds (default 0.95). */
  readonly confidence?: number;
  /** δ of the claim (default 0). */
  readonly delta?: number;
  readonly claimedEpsilon?: number;
  /** Randomness for the shadows' subsets (default CSPRNG). */
  readonly rng?: RandomSource;
}

function report(
  attack: AttackReport['attack'],
  members: Float64Array,
  nonMembers: Float64Array,
  confidence: number,
  delta: number,
): AttackReport {
  return {
    attack,
    ...membershipRoc(members, nonMembers),
    lowFpr: [lowFprPoint(members, nonMembers, 0.001, confidence), lowFprPoint(members, nonMembers, 0.01, confidence)],
    epsilonLowerBound: membershipEpsilonLowerBound(members, nonMembers, { confidence, delta }),
  };
}

interface CheckedOptions {
  readonly classes: number;
  readonly confidence: number;
  readonly delta: number;
  readonly rng: RandomSource;
  readonly shadows: number;
  readonly shadowSize: number | undefined;
  readonly variance: LiraVariance;
}

// Every public option is checked before any model is queried or shadow trained.
function checkOptions(options: AuditModelOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null)
    throw new DpError('INVALID_PARAMETER', 'options must be an object', { parameter: 'options' });
  if (typeof options.model?.predictProba !== 'function')
    throw new DpError('INVALID_PARAMETER', 'model must have predictProba', { parameter: 'model' });
  const classes = options.classes ?? 2;
  const confidence = options.confidence ?? 0.95;
  const delta = options.delta ?? 0;
  if (!(typeof confidence === 'number' && confidence > 0 && confidence < 1))
    throw new DpError('INVALID_PARAMETER', 'confidence must be in (0, 1)', { parameter: 'confidence' });
  if (!(typeof delta === 'number' && delta >= 0 && delta < 1))
    throw new DpError('INVALID_PARAMETER', 'delta must be in [0, 1)', { parameter: 'delta' });
  if (!(options.claimedEpsilon === undefined || (typeof options.claimedEpsilon === 'number' && options.claimedEpsilon >= 0)))
    throw new DpError('INVALID_PARAMETER', 'claimedEpsilon must be a number ≥ 0', { parameter: 'claimedEpsilon' });
  const rng = options.rng ?? defaultRandomSource();
  checkRandomSource(rng, 'rng');
  const shadow = options.shadow;
  const shadows = shadow?.models ?? 8;
  if (shadow !== undefined) {
    if (typeof shadow !== 'object' || shadow === null || typeof shadow.train !== 'function')
      throw new DpError('INVALID_PARAMETER', 'shadow must be { data, train, models? }', { parameter: 'shadow' });
    if (!(Number.isSafeInteger(shadows) && shadows >= 2))
      throw new DpError('INVALID_PARAMETER', 'shadow.models must be an integer ≥ 2', { parameter: 'shadow.models' });
    if (!(shadow.size === undefined || (Number.isSafeInteger(shadow.size) && shadow.size >= 1)))
      throw new DpError('INVALID_PARAMETER', 'shadow.size must be an integer ≥ 1', { parameter: 'shadow.size' });
    const v = shadow.variance ?? 'global';
    if (!(v === 'global' || v === 'per-record' || (typeof v === 'number' && v >= 0 && v <= Number.MAX_VALUE)))
      throw new DpError('INVALID_PARAMETER', "shadow.variance must be 'global', 'per-record' or a finite number ≥ 0", {
        parameter: 'shadow.variance',
      });
  }
  return { classes, confidence, delta, rng, shadows, shadowSize: shadow?.size, variance: shadow?.variance ?? 'global' };
}

// The rows a shadow trains on: exactly `size` distinct pool rows (a partial Fisher–Yates shuffle), or each row with probability ½.
function shadowRows(poolRows: number, size: number | undefined, rng: RandomSource): number[] {
  if (size === undefined) {
    const keep: number[] = [];
    for (let r = 0; r < poolRows; r++) if (uniformUnit(rng) < 0.5) keep.push(r);
    return keep;
  }
  if (size > poolRows)
    throw new DpError('INVALID_PARAMETER', 'shadow.size must be at most the number of shadow pool rows', { parameter: 'shadow.size' });
  const order = Array.from({ length: poolRows }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.min(poolRows - i - 1, Math.floor(uniformUnit(rng) * (poolRows - i)));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order.slice(0, size).sort((a, b) => a - b);
}

function snapshotRows(rows: LabelledRows, name: string): LabelledRows {
  if (typeof rows !== 'object' || rows === null) throw new DpError('INVALID_PARAMETER', `${name} must be { x, y }`, { parameter: name });
  const x = readMatrix(rows.x);
  return {
    x: { values: Float64Array.from(x.values), rows: x.rows, columns: x.columns },
    y: Float64Array.from(readLabels(rows.x, rows.y, x.rows)),
  };
}

/**
 * Audits a trained model with the loss-threshold attack and, when shadows are given, offline LiRA.
 * @param options - model, members, non-members, optional shadow set and trainer.
 * @returns per attack: AUC, TPR at 0.1 % / 1 % FPR (with Clopper–Pearson intervals and the thresholds' FPR upper bounds) and the implied ε lower bound.
 * @throws DpError INVALID_PARAMETER on bad options (all checked before any model is queried or trained).
 * @privacy an evaluation on data the caller holds: it charges no budget and is not a DP release.
 * @see Yeom et al., CSF 2018; Carlini et al., "Membership Inference Attacks From First Principles", IEEE S&P 2022.
 * @example
 * const r = await auditModel({ model, members: { x: train, y: trainLabels }, nonMembers: { x: test, y: testLabels } });
 * r.loss.auc;
 */
export async function auditModel(options: AuditModelOptions): Promise<ModelAuditReport> {
  const { classes, confidence, delta, rng, shadows, shadowSize, variance } = checkOptions(options);
  // The audited rows are read once, here; the target and every shadow score the same snapshot.
  const members = snapshotRows(options.members, 'members');
  const nonMembers = snapshotRows(options.nonMembers, 'nonMembers');
  const phiIn = labelLogOdds(options.model, members, classes);
  const phiOut = labelLogOdds(options.model, nonMembers, classes);
  const loss = report('loss', phiIn.map(logProbabilityOfLabel), phiOut.map(logProbabilityOfLabel), confidence, delta);
  let lira: AttackReport | undefined;
  if (options.shadow) {
    const shadow = options.shadow;
    const pool = readMatrix(shadow.data.x);
    const poolLabels = readLabels(shadow.data.x, shadow.data.y, pool.rows);
    const shadowIn: Float64Array[] = [];
    const shadowOut: Float64Array[] = [];
    for (let s = 0; s < shadows; s++) {
      const keep = shadowRows(pool.rows, shadowSize, rng);
      const values = new Float64Array(keep.length * pool.columns);
      keep.forEach((r, i) => {
        values.set(pool.values.subarray(r * pool.columns, (r + 1) * pool.columns), i * pool.columns);
      });
      const model = await shadow.train(
        { x: { values, rows: keep.length, columns: pool.columns }, y: Float64Array.from(keep, (r) => poolLabels[r] as number) },
        rng,
      );
      shadowIn.push(labelLogOdds(model, members, classes));
      shadowOut.push(labelLogOdds(model, nonMembers, classes));
    }
    const statsIn = outStatistics(shadowIn);
    const statsOut = outStatistics(shadowOut);
    const globalVariance = globalOutVariance([statsIn, statsOut]);
    lira = report(
      'lira-offline',
      offlineLiraScores(phiIn, statsIn, globalVariance, variance),
      offlineLiraScores(phiOut, statsOut, globalVariance, variance),
      confidence,
      delta,
    );
  }
  const base: ModelAuditReport = { members: phiIn.length, nonMembers: phiOut.length, confidence, loss, ...(lira ? { lira } : {}) };
  if (options.claimedEpsilon === undefined) return base;
  const worst = Math.max(loss.epsilonLowerBound, lira?.epsilonLowerBound ?? 0);
  return { ...base, claimedEpsilon: options.claimedEpsilon, consistent: worst <= options.claimedEpsilon };
}
