/**
 * `auditModel`: what a trained model leaks about membership, measured by two
 * black-box attacks on its predicted probabilities.
 *
 * - **Loss threshold** (Yeom et al. 2018): score = log p(y | x), the negative
 *   loss; members of an overfitted model have lower loss.
 * - **Offline LiRA** (Carlini et al. 2022, §VI-C "offline"): shadow models
 *   are trained on random halves of a PUBLIC or held-out set that contains
 *   none of the audited records (so every shadow is an "out" model); for each
 *   audited record, the shadows' confidences φ = log(p_y/(1 − p_y)) give an
 *   "out" Gaussian N(μ, σ²) per record; score = (φ_target − μ)/σ (one-sided:
 *   members sit above their own "out" distribution). σ is the per-record
 *   deviation, floored by the global one (Carlini et al.'s advice for few
 *   shadows).
 *
 * Each attack reports ROC AUC, TPR at 0.1 % and 1 % FPR, and the ε lower
 * bound its ROC implies with Clopper–Pearson confidence (epsilon-bound.ts,
 * with its caveat).
 * @module
 */
import { DpError } from '../../core/index.js';
import { defaultRandomSource, type RandomSource } from '../../random/index.js';
import { checkRandomSource } from '../_internal/validate.js';
import { type LabelInput, type ModelInput, readLabels, readMatrix } from '../classic/model-input.js';
import { uniformUnit } from '../init.js';
import { membershipEpsilonLowerBound } from './epsilon-bound.js';
import { type MembershipRoc, membershipRoc } from './roc.js';

/** Anything with class probabilities: P(y = 1) per row (binary) or rows × k. */
export interface ProbabilisticModel {
  predictProba(x: ModelInput): Float64Array;
}

/** Labelled rows (a Matrix or rows of numbers, and labels 0 … k−1). */
export interface LabelledRows {
  readonly x: ModelInput;
  readonly y: LabelInput;
}

/** One attack's figures. */
export interface AttackReport extends MembershipRoc {
  readonly attack: 'loss' | 'lira-offline';
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
  };
  /** Confidence of the ε bounds (default 0.95). */
  readonly confidence?: number;
  /** δ of the claim (default 0). */
  readonly delta?: number;
  readonly claimedEpsilon?: number;
  /** Randomness for the shadows' subsets (default CSPRNG). */
  readonly rng?: RandomSource;
}

/**
 * p_y per row: the model's probability of the row's own label.
 * @param model - the model.
 * @param data - labelled rows.
 * @param classes - k.
 * @returns one probability per row, clamped to [1e-12, 1 − 1e-12].
 * @throws DpError INVALID_PARAMETER when the model's output has the wrong size.
 * @privacy not a release.
 * @example
 * trueClassProbability(model, { x, y }, 2);
 */
export function trueClassProbability(model: ProbabilisticModel, data: LabelledRows, classes = 2): Float64Array {
  if (typeof model !== 'object' || model === null || typeof (model as { predictProba?: unknown }).predictProba !== 'function')
    throw new DpError('INVALID_PARAMETER', 'model must have predictProba', { parameter: 'model' });
  if (typeof data !== 'object' || data === null) throw new DpError('INVALID_PARAMETER', 'data must be { x, y }', { parameter: 'data' });
  if (!(Number.isSafeInteger(classes) && classes >= 2))
    throw new DpError('INVALID_PARAMETER', 'classes must be a whole number ≥ 2', { parameter: 'classes' });
  const m = readMatrix(data.x);
  const labels = readLabels(data.x, data.y, m.rows);
  const proba = model.predictProba({ values: Float64Array.from(m.values), rows: m.rows, columns: m.columns });
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    const y = labels[r] as number;
    let p: number;
    if (proba.length === m.rows) p = y === 1 ? (proba[r] as number) : 1 - (proba[r] as number);
    else if (proba.length === m.rows * classes) p = Number.isInteger(y) && y >= 0 && y < classes ? (proba[r * classes + y] as number) : 0;
    else
      throw new DpError('INVALID_PARAMETER', 'predictProba must return one value per row or one per row and class', { parameter: 'model' });
    out[r] = Math.min(1 - 1e-12, Math.max(1e-12, Number.isFinite(p) ? p : 0));
  }
  return out;
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
    epsilonLowerBound: membershipEpsilonLowerBound(members, nonMembers, { confidence, delta }),
  };
}

/**
 * Audits a trained model with the loss-threshold attack and, when shadows are given, offline LiRA.
 * @param options - model, members, non-members, optional shadow set and trainer.
 * @returns AUC, TPR at 0.1 % / 1 % FPR and the implied ε lower bound per attack.
 * @throws DpError INVALID_PARAMETER on bad options.
 * @privacy an evaluation on data the caller holds; it is not a DP release.
 * @see Yeom et al., CSF 2018; Carlini et al., "Membership Inference Attacks From First Principles", IEEE S&P 2022.
 * @example
 * const r = await auditModel({ model, members: { x: train, y: trainLabels }, nonMembers: { x: test, y: testLabels } });
 * r.loss.auc;
 */
export async function auditModel(options: AuditModelOptions): Promise<ModelAuditReport> {
  if (typeof options !== 'object' || options === null)
    throw new DpError('INVALID_PARAMETER', 'options must be an object', { parameter: 'options' });
  if (typeof options.model?.predictProba !== 'function')
    throw new DpError('INVALID_PARAMETER', 'model must have predictProba', { parameter: 'model' });
  const classes = options.classes ?? 2;
  const confidence = options.confidence ?? 0.95;
  const delta = options.delta ?? 0;
  const rng = options.rng ?? defaultRandomSource();
  checkRandomSource(rng, 'rng');
  const pIn = trueClassProbability(options.model, options.members, classes);
  const pOut = trueClassProbability(options.model, options.nonMembers, classes);
  const loss = report('loss', pIn.map(Math.log), pOut.map(Math.log), confidence, delta);
  let lira: AttackReport | undefined;
  if (options.shadow) {
    const shadow = options.shadow;
    const count = shadow.models ?? 8;
    if (!(Number.isSafeInteger(count) && count >= 2))
      throw new DpError('INVALID_PARAMETER', 'shadow.models must be an integer ≥ 2', { parameter: 'shadow.models' });
    const pool = readMatrix(shadow.data.x);
    const poolLabels = readLabels(shadow.data.x, shadow.data.y, pool.rows);
    const logit = (p: number) => Math.log(p) - Math.log1p(-p);
    const phiIn: number[][] = [];
    const phiOut: number[][] = [];
    for (let s = 0; s < count; s++) {
      const keep: number[] = [];
      for (let r = 0; r < pool.rows; r++) if (uniformUnit(rng) < 0.5) keep.push(r);
      const values = new Float64Array(keep.length * pool.columns);
      keep.forEach((r, i) => {
        values.set(pool.values.subarray(r * pool.columns, (r + 1) * pool.columns), i * pool.columns);
      });
      const model = await shadow.train(
        { x: { values, rows: keep.length, columns: pool.columns }, y: Float64Array.from(keep, (r) => poolLabels[r] as number) },
        rng,
      );
      phiIn.push(Array.from(trueClassProbability(model, options.members, classes), logit));
      phiOut.push(Array.from(trueClassProbability(model, options.nonMembers, classes), logit));
    }
    const all = [...phiIn.flat(), ...phiOut.flat()];
    const globalMean = all.reduce((a, b) => a + b, 0) / all.length;
    const globalSd = Math.sqrt(all.reduce((a, b) => a + (b - globalMean) ** 2, 0) / all.length) || 1;
    const score = (target: Float64Array, shadows: number[][]) =>
      Float64Array.from(target, (p, i) => {
        const xs = shadows.map((row) => row[i] as number);
        const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
        const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (xs.length - 1));
        return (logit(p) - mu) / Math.max(sd, 0.1 * globalSd, 1e-6);
      });
    lira = report('lira-offline', score(pIn, phiIn), score(pOut, phiOut), confidence, delta);
  }
  const base: ModelAuditReport = { members: pIn.length, nonMembers: pOut.length, confidence, loss, ...(lira ? { lira } : {}) };
  if (options.claimedEpsilon === undefined) return base;
  const worst = Math.max(loss.epsilonLowerBound, lira?.epsilonLowerBound ?? 0);
  return { ...base, claimedEpsilon: options.claimedEpsilon, consistent: worst <= options.claimedEpsilon };
}
