/**
 * `makePrivateWithEpsilon`: DP-SGD for a target (ε, δ) and a number of
 * epochs. It finds the noise multiplier σ **conservatively** — the composed
 * ε of all planned steps at σ is ≤ the target, always (the calibration
 * returns the upper end of its bracket, and the result is re-priced here with
 * the trainer's own accounting and refused with INTERNAL if it overshoots) —
 * and caps the trainer at the planned number of steps, so the run can never
 * exceed the target.
 * @module
 */
import { calibrateNoiseMultiplier } from '../accounting/index.js';
import { checkDeltaForSize, DpError } from '../core/index.js';
import { describeValue } from './_internal/describe.js';
import { checkObject } from './_internal/validate.js';
import { accountHistory, dpSgdStepEvent } from './dp-sgd-accounting.js';
import { checkClipBound } from './ghost-clipping.js';
import { effectiveNoiseMultiplier } from './noise-grid.js';
import { samplingRate } from './poisson-sampler.js';
import { type MakePrivateOptions, makePrivate, type PrivateTrainer } from './private-trainer.js';
import { checkBatch, Sequential } from './sequential.js';

/** Options of {@link makePrivateWithEpsilon}: those of makePrivate without σ, plus the target. */
export interface MakePrivateWithEpsilonOptions extends Omit<MakePrivateOptions, 'noiseMultiplier' | 'maxSteps'> {
  /** ε not to exceed, a finite number > 0. */
  targetEpsilon: number;
  /** δ at which ε is measured, in (0, 1/datasetSize) (δ ≥ 1/N is refused: SECURITY §4). */
  targetDelta: number;
  /** Epochs to plan for, an integer ≥ 1; each epoch is ⌈1/q⌉ steps. */
  epochs: number;
}

/**
 * Makes a DP-SGD trainer whose planned run meets (targetEpsilon, targetDelta).
 * @param options - the makePrivate options without noiseMultiplier, and the target.
 * @returns the trainer, limited to epochs·⌈1/q⌉ steps.
 * @throws DpError INVALID_PARAMETER on a bad target or epochs, or targetDelta ≥ 1/datasetSize (and as makePrivate); INTERNAL if the calibrated σ failed the re-check.
 * @privacy (ε, δ)-DP with ε ≤ targetEpsilon at δ = targetDelta for all planned steps, by the chosen accountant.
 * @see Opacus `make_private_with_epsilon` (whose search could overshoot the target).
 * @example
 * const trainer = makePrivateWithEpsilon({ model, optimizer, data, expectedBatchSize: 256,
 *   maxGradNorm: 1, targetEpsilon: 3, targetDelta: 1e-5, epochs: 30 });
 */
export function makePrivateWithEpsilon(options: MakePrivateWithEpsilonOptions): PrivateTrainer {
  checkObject(options, 'options');
  const { targetEpsilon, targetDelta, epochs } = options;
  if (!(Number.isFinite(targetEpsilon) && targetEpsilon > 0)) {
    throw new DpError('INVALID_PARAMETER', `targetEpsilon must be a finite number > 0, got ${describeValue(targetEpsilon)}`, {
      parameter: 'targetEpsilon',
    });
  }
  if (!(typeof targetDelta === 'number' && targetDelta > 0 && targetDelta < 1)) {
    throw new DpError('INVALID_PARAMETER', `targetDelta must be in (0, 1), got ${describeValue(targetDelta)}`, {
      parameter: 'targetDelta',
    });
  }
  if (!Number.isSafeInteger(epochs) || epochs < 1) {
    throw new DpError('INVALID_PARAMETER', `epochs must be an integer ≥ 1, got ${describeValue(epochs)}`, { parameter: 'epochs' });
  }
  if (!(options.model instanceof Sequential)) throw new DpError('INVALID_PARAMETER', 'model must be a Sequential', { parameter: 'model' });
  checkBatch(options.data, options.model.inputSize);
  const accountant = options.accountant === undefined ? 'pld' : options.accountant;
  if (accountant !== 'pld' && accountant !== 'rdp') {
    throw new DpError('INVALID_PARAMETER', "accountant must be 'pld' or 'rdp'", { parameter: 'accountant' });
  }
  if (!(typeof options.datasetSize === 'number' && Number.isSafeInteger(options.datasetSize) && options.datasetSize >= 1)) {
    throw new DpError(
      'INVALID_PARAMETER',
      `datasetSize (the declared public N) must be an integer ≥ 1, got ${describeValue(options.datasetSize)}`,
      {
        parameter: 'datasetSize',
      },
    );
  }
  // δ ≥ 1/N would allow releasing an example outright (SECURITY §4; review-learn L3): refused with the declared N.
  checkDeltaForSize(targetDelta, options.datasetSize);
  const q = samplingRate(options.datasetSize, options.expectedBatchSize);
  const steps = epochs * Math.ceil(1 / q);
  checkClipBound(options.maxGradNorm);
  const dimension = options.model.parameterCount;
  const effective = (s: number) => effectiveNoiseMultiplier(s, options.maxGradNorm, dimension);
  const sigma = calibrateNoiseMultiplier({
    targetEpsilon,
    delta: targetDelta,
    accountant,
    // The trainer prices each step at σ_eff (its grid rounding widens the sensitivity): calibrate that.
    makeEvent: (s) => ({ type: 'selfComposed', event: dpSgdStepEvent(q, effective(s)), count: steps }),
  });
  // Re-price exactly as the trainer will after its last step (one run of equal events).
  const check = accountHistory([], accountant)
    .compose(dpSgdStepEvent(q, effective(sigma)), steps)
    .epsilon(targetDelta);
  if (!(check <= targetEpsilon)) {
    throw new DpError('INTERNAL', 'the calibrated noise multiplier does not meet the target on re-check');
  }
  const { targetEpsilon: _epsilon, targetDelta: _delta, epochs: _epochs, ...rest } = options;
  const trainer = makePrivate({ ...rest, noiseMultiplier: sigma, maxSteps: steps });
  // The trainer's own step event is what it charges: re-check with it.
  if (!(accountHistory([], accountant).compose(trainer.dpStepEvent, steps).epsilon(targetDelta) <= targetEpsilon)) {
    throw new DpError('INTERNAL', 'the calibrated noise multiplier does not meet the target on re-check');
  }
  return trainer;
}
