/**
 * Checkpoints of a DP-SGD run: weights, optimizer state and the event
 * history, as plain JSON. Restoring rebuilds the trainer from the caller's
 * options, checks that the checkpoint was made with the same privacy
 * settings, and restores the history, so `epsilon(δ)` (the accountant)
 * continues from where the run stopped and `maxSteps` counts the old steps.
 * @module
 */
import { parseDpEvent } from '../accounting/index.js';
import { DpError } from '../core/index.js';
import type { OptimizerState } from './optimizers.js';
import { type MakePrivateOptions, makePrivate, PrivateTrainer } from './private-trainer.js';

/** The JSON form of a run in progress. */
export interface TrainerCheckpoint {
  readonly format: 'tsdp-learn-checkpoint/1';
  /** The settings the events were recorded under (restoring checks them). */
  readonly settings: {
    readonly sampleRate: number;
    readonly noiseMultiplier: number;
    readonly maxGradNorm: number;
    readonly expectedBatchSize: number;
    readonly clipping: string;
    readonly accountant: string;
  };
  readonly parameters: { readonly name: string; readonly values: number[] }[];
  readonly optimizer: OptimizerState;
  /** The DpEvent of every step, in order. */
  readonly events: unknown[];
}

function settingsOf(t: PrivateTrainer): TrainerCheckpoint['settings'] {
  return {
    sampleRate: t.sampleRate,
    noiseMultiplier: t.noiseMultiplier,
    maxGradNorm: t.maxGradNorm,
    expectedBatchSize: t.expectedBatchSize,
    clipping: t.clipping,
    accountant: t.accountant,
  };
}

/**
 * A checkpoint of `trainer` (JSON-serialisable).
 * @param trainer - the run.
 * @returns weights, optimizer state, settings and events.
 * @privacy the weights are the released model (post-processing of the noisy steps); the events state its guarantee.
 * @example
 * fs.writeFileSync('run.json', JSON.stringify(checkpointOf(trainer)));
 */
export function checkpointOf(trainer: PrivateTrainer): TrainerCheckpoint {
  if (!(trainer instanceof PrivateTrainer)) {
    throw new DpError('INVALID_PARAMETER', 'trainer must be a PrivateTrainer (from makePrivate)', { parameter: 'trainer' });
  }
  const parameters = trainer.model.parameters;
  return {
    format: 'tsdp-learn-checkpoint/1',
    settings: settingsOf(trainer),
    parameters: parameters.map((p) => ({ name: p.name, values: Array.from(p.value) })),
    optimizer: trainer.optimizer.exportState(parameters),
    events: trainer.events.map((e) => JSON.parse(JSON.stringify(e)) as unknown),
  };
}

/**
 * Rebuilds a trainer from `options` and a checkpoint of the same run.
 * @param checkpoint - from {@link checkpointOf} (possibly parsed from JSON).
 * @param options - the makePrivate options (model and optimizer of the same shape and kind).
 * @returns the trainer, with weights, optimizer state and history restored.
 * @throws DpError INVALID_PARAMETER when the checkpoint is malformed or was made with other settings or another model shape; BUDGET_EXHAUSTED when it has more steps than maxSteps.
 * @privacy the restored history is composed by the accountant like the original run's.
 * @example
 * const trainer = restoreTrainer(JSON.parse(text), options);
 */
export function restoreTrainer(checkpoint: TrainerCheckpoint, options: MakePrivateOptions): PrivateTrainer {
  const bad = (what: string) => new DpError('INVALID_PARAMETER', `the checkpoint ${what}`, { parameter: 'checkpoint' });
  if (typeof checkpoint !== 'object' || checkpoint === null || checkpoint.format !== 'tsdp-learn-checkpoint/1')
    throw bad('is not a tsdp-learn-checkpoint/1');
  const trainer = makePrivate(options);
  const want = settingsOf(trainer);
  const got = checkpoint.settings as Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(want)) {
    if (typeof got !== 'object' || got === null || got[key] !== value) throw bad(`was made with another ${key}`);
  }
  const parameters = trainer.model.parameters;
  const saved = checkpoint.parameters;
  if (!Array.isArray(saved) || saved.length !== parameters.length) throw bad('does not fit this model');
  parameters.forEach((p, i) => {
    const s = saved[i];
    if (
      !s ||
      s.name !== p.name ||
      !Array.isArray(s.values) ||
      s.values.length !== p.value.length ||
      !s.values.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw bad('does not fit this model');
    }
  });
  if (!Array.isArray(checkpoint.events)) throw bad('has no event list');
  // Trained weights never come without their history: a checkpoint whose events were removed
  // would restore a trained model at ε = 0 (review finding). With no events, the weights must be
  // the model's own (untrained) ones. The checkpoint is otherwise the owner's trusted record.
  if (
    checkpoint.events.length === 0 &&
    !parameters.every((p, i) => (saved[i] as { values: number[] }).values.every((x, j) => x === p.value[j]))
  ) {
    throw bad('has trained weights but no step history');
  }
  const events = checkpoint.events.map((e) => parseDpEvent(e));
  const step = JSON.stringify(events.length > 0 ? events[0] : null);
  if (events.length > 0 && (step !== JSON.stringify(trainer.dpStepEvent) || events.some((e) => JSON.stringify(e) !== step)))
    throw bad('has events of other settings');
  // Every check before any state changes: a refused restore leaves the model and optimizer as they were.
  if (events.length > trainer.maxSteps) throw new DpError('BUDGET_EXHAUSTED', `the checkpoint has more than ${trainer.maxSteps} steps`);
  trainer.optimizer.importState(parameters, checkpoint.optimizer);
  parameters.forEach((p, i) => {
    p.value.set((saved[i] as { values: number[] }).values);
  });
  trainer.restoreHistory(events);
  return trainer;
}
