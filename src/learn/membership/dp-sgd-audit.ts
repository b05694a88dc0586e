/**
 * A one-run audit of DP-SGD (Steinke, Nasr, Jagielski 2023, black box):
 * canaries — records the caller chooses to be easy to memorise (e.g. with a
 * flipped or rare label) — are each added to the base training data with
 * probability ½; the trainer the caller builds runs ONCE on the result; each
 * canary is scored by the final model's confidence in its own label;
 * the one-run theorem turns the guesses into an ε lower bound, which must
 * stay at or below the ε the trainer claims. A trainer with no noise, or with
 * clipping switched off, lets the canaries be recognised far beyond that.
 * @module
 */
import { DpError } from '../../core/index.js';
import type { RandomSource } from '../../random/index.js';
import type { PrivateTrainer } from '../private-trainer.js';
import type { Batch, Sequential } from '../sequential.js';
import { type OneRunAuditOptions, type OneRunAuditResult, oneRunAudit } from './one-run.js';

/** Options of {@link dpSgdAuditSubject}. */
export interface DpSgdAuditOptions {
  /** Records always trained on. */
  readonly base: Batch;
  /** The m canaries, each included with probability ½. */
  readonly canaries: Batch;
  /** Builds the DP-SGD trainer on the given data (makePrivate / makePrivateWithEpsilon), as it would be used. */
  readonly makeTrainer: (data: Batch) => PrivateTrainer;
  /** Steps to run (default: the trainer's maxSteps, which must then be finite). */
  readonly steps?: number;
  /** The ε the training run claims at `delta` (the intended configuration's, not a buggy run's own report). */
  readonly claimedEpsilon: number;
  readonly delta: number;
  readonly confidence?: number;
  readonly guessFractions?: readonly number[];
  readonly rng?: RandomSource;
}

function rowsOf(batch: Batch, rows: readonly number[], width: number): Batch {
  const inputs = new Float64Array(rows.length * width);
  rows.forEach((r, i) => {
    inputs.set(batch.inputs.subarray(r * width, (r + 1) * width), i * width);
  });
  return { inputs, labels: Int32Array.from(rows, (r) => batch.labels[r] as number), size: rows.length };
}

/**
 * The confidence φ = log p(y | x) − log(1 − p(y | x)) of each row's own label under a model
 * (one logit z: φ = ±z; several: z_y − log Σ_{c≠y} e^{z_c}). Unlike log p it does not saturate
 * near p = 1, so members stay ordered (Carlini et al. 2022 use it for the same reason).
 * @param model - the model.
 * @param batch - labelled rows.
 * @returns one φ per row.
 * @throws DpError INVALID_PARAMETER on a shape mismatch.
 * @privacy not a release.
 * @example
 * labelConfidences(trainer.model, canaries);
 */
export function labelConfidences(model: Sequential, batch: Batch): Float64Array {
  if (typeof model !== 'object' || model === null || typeof (model as { predict?: unknown }).predict !== 'function')
    throw new DpError('INVALID_PARAMETER', 'model must be a Sequential', { parameter: 'model' });
  const b = batch as Partial<Batch> | null | undefined;
  if (
    typeof b !== 'object' ||
    b === null ||
    !Number.isSafeInteger(b.size) ||
    (b.size as number) < 0 ||
    typeof b.inputs !== 'object' ||
    b.inputs === null ||
    typeof b.labels !== 'object' ||
    b.labels === null ||
    (b.labels as ArrayLike<number>).length !== b.size
  )
    throw new DpError('INVALID_PARAMETER', 'batch must be { inputs, labels, size } with one label per row', { parameter: 'batch' });
  const out = model.predict(batch.inputs, batch.size);
  const k = out.length / Math.max(1, batch.size);
  const scores = new Float64Array(batch.size);
  for (let r = 0; r < batch.size; r++) {
    const y = batch.labels[r] as number;
    if (k === 1) {
      scores[r] = y === 1 ? (out[r] as number) : -(out[r] as number);
    } else {
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) if (c !== y) max = Math.max(max, out[r * k + c] as number);
      let z = 0;
      for (let c = 0; c < k; c++) if (c !== y) z += Math.exp((out[r * k + c] as number) - max);
      scores[r] = (out[r * k + y] as number) - max - Math.log(z);
    }
  }
  return scores;
}

/**
 * The one-run audit of a DP-SGD configuration as {@link oneRunAudit} options (also what the
 * `toResistMembershipInference` matcher receives).
 * @param options - base data, canaries, the trainer factory and the claim.
 * @returns the options of a one-run audit whose `train` runs DP-SGD once.
 * @throws DpError INVALID_PARAMETER on bad options (checked when the audit runs).
 * @privacy an audit; it releases nothing about real data.
 * @example
 * const result = await oneRunAudit(dpSgdAuditSubject({ base, canaries, makeTrainer, claimedEpsilon: 2, delta: 1e-5 }));
 */
export function dpSgdAuditSubject(options: DpSgdAuditOptions): OneRunAuditOptions {
  if (typeof options !== 'object' || options === null)
    throw new DpError('INVALID_PARAMETER', 'options must be an object', { parameter: 'options' });
  const { base, canaries } = options;
  if (typeof options.makeTrainer !== 'function')
    throw new DpError('INVALID_PARAMETER', 'makeTrainer must be a function', { parameter: 'makeTrainer' });
  const width = canaries.size > 0 ? canaries.inputs.length / canaries.size : 0;
  if (!(base.size >= 0 && canaries.size >= 2 && Number.isInteger(width) && base.inputs.length === base.size * width)) {
    throw new DpError('INVALID_PARAMETER', 'base and canaries must be batches of the same width, with at least 2 canaries', {
      parameter: 'canaries',
    });
  }
  return {
    canaries: canaries.size,
    claimedEpsilon: options.claimedEpsilon,
    delta: options.delta,
    ...(options.confidence === undefined ? {} : { confidence: options.confidence }),
    ...(options.guessFractions === undefined ? {} : { guessFractions: options.guessFractions }),
    ...(options.rng === undefined ? {} : { rng: options.rng }),
    train: (included: Uint8Array) => {
      const chosen: number[] = [];
      included.forEach((v, i) => {
        if (v) chosen.push(i);
      });
      const extra = rowsOf(canaries, chosen, width);
      const inputs = new Float64Array(base.inputs.length + extra.inputs.length);
      inputs.set(base.inputs);
      inputs.set(extra.inputs, base.inputs.length);
      const labels = new Int32Array(base.size + extra.size);
      labels.set(base.labels);
      labels.set(extra.labels, base.size);
      const trainer = options.makeTrainer({ inputs, labels, size: base.size + extra.size });
      const steps = options.steps ?? trainer.maxSteps;
      if (!(Number.isSafeInteger(steps) && steps >= 1)) {
        throw new DpError('INVALID_PARAMETER', 'steps must be given when the trainer has no finite maxSteps', { parameter: 'steps' });
      }
      for (let s = 0; s < steps; s++) trainer.step();
      return labelConfidences(trainer.model, canaries);
    },
  };
}

/**
 * Runs the one-run audit of a DP-SGD configuration.
 * @param options - as {@link dpSgdAuditSubject}.
 * @returns the ε lower bound, the counts and whether it stays at or below the claim.
 * @throws DpError INVALID_PARAMETER on bad options.
 * @privacy an audit.
 * @see Steinke, Nasr, Jagielski, NeurIPS 2023.
 * @example
 * (await auditDpSgdOneRun({ base, canaries, makeTrainer, claimedEpsilon: 2, delta: 1e-5 })).consistent; // true
 */
export function auditDpSgdOneRun(options: DpSgdAuditOptions): Promise<OneRunAuditResult> {
  return oneRunAudit(dpSgdAuditSubject(options));
}
