/**
 * What an audit reads from a model: its confidence in each row's own label.
 * `labelLogOdds` gives φ = log(p_y/(1 − p_y)) — from the logits when the model
 * has `predictLogits` (φ = z_y − log Σ_{c≠y} e^{z_c}, computed with the max
 * subtracted: exact at any confidence), else from `predictProba` clamped to
 * [1e-12, 1 − 1e-12]. φ is the LiRA statistic (Carlini et al. 2022, §IV-C: it
 * is close to Gaussian across models, where p_y is not), and log p_y =
 * −log(1 + e^{−φ}) is the loss attack's score: a monotone function of φ,
 * computed from φ so that it does not round to 0 for confident members.
 * @module
 */
import { DpError } from '../../core/index.js';
import { type LabelInput, type Matrix, type ModelInput, readLabels, readMatrix } from '../classic/model-input.js';

/** Anything with class probabilities: P(y = 1) per row (binary) or rows × k. */
export interface ProbabilisticModel {
  predictProba(x: ModelInput): Float64Array;
  /**
   * Optional raw scores: one logit of P(y = 1) per row (binary) or rows × k logits. When present,
   * the audit's confidences come from it, exactly (no clamping of probabilities near 0 or 1).
   */
  predictLogits?(x: ModelInput): Float64Array;
}

/** Labelled rows (a Matrix or rows of numbers, and labels 0 … k−1). */
export interface LabelledRows {
  readonly x: ModelInput;
  readonly y: LabelInput;
}

// Confidences live in [−1e6, 1e6]; NaN (a broken model, a label out of range) is the weakest claim.
const PHI_LIMIT = 1e6;
function clampPhi(v: number): number {
  return Number.isNaN(v) ? -PHI_LIMIT : Math.min(PHI_LIMIT, Math.max(-PHI_LIMIT, v));
}

function checkArgs(model: ProbabilisticModel, data: LabelledRows, classes: number): { m: Matrix; labels: Float64Array } {
  if (typeof model !== 'object' || model === null || typeof (model as { predictProba?: unknown }).predictProba !== 'function')
    throw new DpError('INVALID_PARAMETER', 'model must have predictProba', { parameter: 'model' });
  if (typeof data !== 'object' || data === null) throw new DpError('INVALID_PARAMETER', 'data must be { x, y }', { parameter: 'data' });
  if (!(Number.isSafeInteger(classes) && classes >= 2))
    throw new DpError('INVALID_PARAMETER', 'classes must be a whole number ≥ 2', { parameter: 'classes' });
  const m = readMatrix(data.x);
  return { m, labels: Float64Array.from(readLabels(data.x, data.y, m.rows)) };
}

function modelOutput(f: (x: ModelInput) => Float64Array, self: ProbabilisticModel, m: Matrix, classes: number, what: string): Float64Array {
  const out = f.call(self, { values: Float64Array.from(m.values), rows: m.rows, columns: m.columns }) as unknown;
  if (
    !(ArrayBuffer.isView(out) || Array.isArray(out)) ||
    !((out as ArrayLike<number>).length === m.rows || (out as ArrayLike<number>).length === m.rows * classes)
  )
    throw new DpError('INVALID_PARAMETER', `${what} must return one value per row or one per row and class`, { parameter: 'model' });
  return Float64Array.from(out as ArrayLike<number>);
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
  const { m, labels } = checkArgs(model, data, classes);
  return probabilities(model, m, labels, classes);
}

function probabilities(model: ProbabilisticModel, m: Matrix, labels: Float64Array, classes: number): Float64Array {
  const proba = modelOutput(model.predictProba, model, m, classes, 'predictProba');
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    const y = labels[r] as number;
    let p: number;
    // One output per row: P(y = 1); any other label is class 0 (the binary models' own convention in fit).
    if (proba.length === m.rows) p = y === 1 ? (proba[r] as number) : 1 - (proba[r] as number);
    else p = Number.isInteger(y) && y >= 0 && y < classes ? (proba[r * classes + y] as number) : 0;
    out[r] = Math.min(1 - 1e-12, Math.max(1e-12, Number.isFinite(p) ? p : 0));
  }
  return out;
}

/**
 * φ = log(p_y/(1 − p_y)) per row: the model's confidence in the row's own label, from its logits
 * when it has `predictLogits`, else from its clamped probabilities (±27.6 at most).
 * @param model - the model.
 * @param data - labelled rows.
 * @param classes - k.
 * @returns one confidence per row, in [−1e6, 1e6] (with k outputs per row, a label outside 0 … k−1 or a NaN output: −1e6; with one output per row, any label but 1 is class 0).
 * @throws DpError INVALID_PARAMETER when the model's output has the wrong size.
 * @privacy not a release.
 * @see Carlini et al., IEEE S&P 2022, §IV-C (the logit scaling).
 * @example
 * labelLogOdds(model, { x, y }, 10);
 */
export function labelLogOdds(model: ProbabilisticModel, data: LabelledRows, classes = 2): Float64Array {
  const { m, labels } = checkArgs(model, data, classes);
  const predictLogits = (model as { predictLogits?: unknown }).predictLogits;
  if (typeof predictLogits !== 'function') return probabilities(model, m, labels, classes).map((p) => Math.log(p) - Math.log1p(-p));
  const z = modelOutput(predictLogits as (x: ModelInput) => Float64Array, model, m, classes, 'predictLogits');
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    const y = labels[r] as number;
    if (z.length === m.rows) {
      out[r] = clampPhi(y === 1 ? (z[r] as number) : -(z[r] as number)); // as for probabilities: not 1 is class 0
      continue;
    }
    if (!(Number.isInteger(y) && y >= 0 && y < classes)) {
      out[r] = -PHI_LIMIT;
      continue;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) if (c !== y) max = Math.max(max, z[r * classes + c] as number);
    if (max === Number.NEGATIVE_INFINITY) {
      out[r] = clampPhi((z[r * classes + y] as number) === Number.NEGATIVE_INFINITY ? Number.NaN : PHI_LIMIT);
      continue;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) if (c !== y) sum += Math.exp((z[r * classes + c] as number) - max);
    out[r] = clampPhi((z[r * classes + y] as number) - max - Math.log(sum));
  }
  return out;
}

/**
 * log p_y from φ: −log(1 + e^{−φ}), computed without rounding a confident row's loss to 0.
 * @param phi - a confidence φ.
 * @returns log p_y ≤ 0.
 * @throws DpError INVALID_PARAMETER when phi is not a number or is NaN.
 * @privacy not a release.
 * @example
 * logProbabilityOfLabel(0); // −log 2
 */
export function logProbabilityOfLabel(phi: number): number {
  if (typeof phi !== 'number' || Number.isNaN(phi))
    throw new DpError('INVALID_PARAMETER', 'phi must be a number (not NaN)', { parameter: 'phi' });
  return phi >= 0 ? -Math.log1p(Math.exp(-phi)) : phi - Math.log1p(Math.exp(phi));
}
