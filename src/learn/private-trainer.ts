/**
 * DP-SGD with Opacus's shape: `makePrivate({ model, optimizer, data, … })`
 * returns a {@link PrivateTrainer} whose `step()` runs one logical step:
 *
 * 1. Poisson-sample the examples at q = expectedBatchSize / N, where N is the
 *    DECLARED public `datasetSize` (the engine computes q from it; nobody
 *    passes q to the accountant; an empty batch is a legal step). q never
 *    depends on the private data: under add/remove neighbours the data's own
 *    size is private, so both neighbours are sampled at the same declared q,
 *    which is what poissonSampled(q, ·) prices, and nothing the trainer
 *    exposes (q, epoch length, checkpoint settings, ε) is a function of it;
 * 2. run them in physical chunks of at most `physicalBatchSize` rows, clipping
 *    per example by ghost norms (flat or per layer) and summing;
 * 3. round the clipped sum to the noise's grid G (noise-grid.ts: otherwise
 *    its residue modulo G survives the grid noise), add ONE draw of
 *    N(0, (σC)²) per coordinate for the logical batch (the bulk Gaussian, see
 *    its floating-point stance), divide by the *expected* batch size (the
 *    actual size is private), and let the optimizer step; the rounding widens
 *    the sensitivity to C + G√d, so the step is priced at σ_eff ≤ σ;
 * 4. record the step's event poissonSampled(q, gaussian(σ_eff)) and report the
 *    step to the trace hook (q, clip norm, σ, the clipped contribution norms).
 *
 * Order of a step (reviewml M5, M6; class: everything public is checked before anything private is
 * read, and a failure leaves nothing private behind): the trainer keeps only checkBatch's snapshot of
 * the data (the caller's object is never read again; the snapshot's lengths are re-checked before each
 * sample, since a resizable buffer can shrink under a view); the noise source's public state (open,
 * capacity ≥ the parameter count) is checked at makePrivate and at the top of each step; the noise is
 * drawn before sampling; any failure after that zeroes every `grad`, so no un-noised clipped sum is left
 * in the model. Tests: test/learn/trainer-public-checks.test.ts.
 *
 * Threat model: the adversary sees every intermediate model (the events
 * compose over all steps), the model, the options and the declared N; it
 * does not see the data's actual size, the sampled indices, the batch sizes
 * or the noise. Errors never carry data values. Shape checks (public: the
 * model's widths) run before the first step; an example whose label is out of
 * range or whose values are not finite is not refused but dropped (its
 * contribution is 0), so whether a run happens never depends on one example.
 * @module
 */
import type { DpEvent } from '../core/index.js';
import { checkDeltaForSize, DpError, traceNoise } from '../core/index.js';
import { edgeRead } from '../numeric/edge.js';
import { defaultRandomSource, fillBulkGaussian, isSecureSource, type RandomSource } from '../random/index.js';
import { Scratch } from './_internal/buffers.js';
import { describeValue } from './_internal/describe.js';
import { checkObject } from './_internal/validate.js';
import { accountHistory, dpSgdStepEvent, type LearnAccountant } from './dp-sgd-accounting.js';
import { accumulateClippedGradients, type ClippingMode, checkClipBound } from './ghost-clipping.js';
import { effectiveNoiseMultiplier, noiseGrid, roundToGridUnchecked } from './noise-grid.js';
import { isGenuineNoiseSource, type NoiseSource } from './noise-source.js';
import type { Optimizer } from './optimizers.js';
import { poissonSample, samplingRate } from './poisson-sampler.js';
import { runPublicPass } from './public-pass.js';
import { type Batch, checkBatch, Sequential } from './sequential.js';
import { checkBatchValues, maxRowsPerBuffer } from './size-limits.js';

/** Options of {@link makePrivate}. */
export interface MakePrivateOptions {
  /** The model (layers + per-example loss); trained in place. */
  model: Sequential;
  /** The optimizer; it sees only the noisy clipped mean. */
  optimizer: Optimizer;
  /** The private training data (its size is private: it is never read for q). */
  data: Batch;
  /**
   * N: the PUBLIC number of examples the sampling rate is computed from, declared by
   * the caller (a published or DP-released count), never read from `data`. An integer ≥ 1.
   */
  datasetSize: number;
  /** Expected logical batch size; q = expectedBatchSize / datasetSize. */
  expectedBatchSize: number;
  /** σ: the noise standard deviation is σ·maxGradNorm. A finite number > 0. */
  noiseMultiplier: number;
  /** C: the per-example clip bound, a finite number > 0. */
  maxGradNorm: number;
  /** Only 'poisson' (the sampling the accountants price). Default 'poisson'. */
  sampling?: 'poisson';
  /** 'flat' (default) or 'perLayer' (C/√L per trainable layer). */
  clipping?: ClippingMode;
  /**
   * Rows per forward/backward chunk (memory bound), an integer ≥ 1 whose buffers fit the size
   * limits (`LEARN_SIZE_LIMITS`); default (Infinity): all sampled rows at once, in chunks of the
   * most rows the size limits allow.
   */
  physicalBatchSize?: number;
  /** 'pld' (default) or 'rdp'. */
  accountant?: LearnAccountant;
  /** Randomness for sampling and noise (default: the platform CSPRNG). A seeded source is for tests only. */
  rng?: RandomSource;
  /**
   * Where the noise is drawn (default: here, synchronously, from `rng`). `createNoisePool()`
   * of `tsdp/node` draws the next step's noise in a worker thread while this step's gradient
   * is computed. A source tsdp did not build makes the run notForRelease.
   */
  noise?: NoiseSource;
  /** The most steps this trainer may take (default unlimited); a further step is refused with BUDGET_EXHAUSTED before it samples. */
  maxSteps?: number;
}

/** What `step()` returns: public values only (never the batch size or a loss). */
export interface StepReport {
  /** 1-based index of the step just taken. */
  readonly step: number;
  /** The event recorded for it. */
  readonly event: DpEvent;
}

/** A noise source's public state: open, and large enough for `count` coordinates when it declares a capacity. */
function checkNoiseSource(noise: NoiseSource, count: number): void {
  const { capacity, closed } = edgeRead('noise', () => ({ capacity: noise.capacity as unknown, closed: noise.closed as unknown }));
  if (closed === true) throw new DpError('INVALID_PARAMETER', 'the noise source is closed', { parameter: 'noise' });
  if (capacity !== undefined && !(typeof capacity === 'number' && capacity >= count)) {
    throw new DpError(
      'INVALID_PARAMETER',
      `the noise source serves at most ${describeValue(capacity)} values; the model has ${count} parameters`,
      {
        parameter: 'noise',
      },
    );
  }
}

function checkPositiveFinite(x: number, name: string): void {
  if (!(typeof x === 'number' && Number.isFinite(x) && x > 0)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a finite number > 0, got ${describeValue(x)}`, { parameter: name });
  }
}

/** A DP-SGD training run; build it with {@link makePrivate}. */
export class PrivateTrainer {
  readonly model: Sequential;
  readonly optimizer: Optimizer;
  /** The declared public N. */
  readonly datasetSize: number;
  /** q, computed from the declared N and the expected batch size. */
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
  readonly maxGradNorm: number;
  readonly expectedBatchSize: number;
  readonly clipping: ClippingMode;
  readonly physicalBatchSize: number;
  readonly accountant: LearnAccountant;
  /** True unless the randomness is the platform CSPRNG (`isSecureSource`) and the noise source, if any, is one tsdp built on it: then the run is NOT for release (seeded runs are reproducible by whoever knows the seed). */
  readonly notForRelease: boolean;
  /** The step limit (Infinity when none). */
  readonly maxSteps: number;
  private readonly data: Batch;
  private readonly rng: RandomSource;
  private readonly history: DpEvent[] = [];
  private readonly stepEvent: DpEvent;
  private readonly noiseGrid: number;
  private readonly noise: NoiseSource | undefined;
  private readonly chunkRows: number;
  private readonly inputScratch = new Scratch();
  private readonly noiseScratch = new Scratch();

  /** The event each step records: poissonSampled(q, gaussian(σ_eff)), σ_eff = σC/(C + G√d) (noise-grid.ts). */
  get dpStepEvent(): DpEvent {
    return this.stepEvent;
  }

  /** @internal Use {@link makePrivate}. */
  constructor(options: MakePrivateOptions) {
    checkObject(options, 'options');
    const { model, data } = options;
    if (!(model instanceof Sequential)) throw new DpError('INVALID_PARAMETER', 'model must be a Sequential', { parameter: 'model' });
    // Only the checked snapshot is kept (review ML M5): its arrays and size are fixed here; step() re-checks their
    // lengths (a resizable buffer can shrink under a view) before it samples.
    const snapshot = Object.freeze(checkBatch(data, model.inputSize));
    checkPositiveFinite(options.noiseMultiplier, 'noiseMultiplier');
    checkPositiveFinite(options.maxGradNorm, 'maxGradNorm');
    checkClipBound(options.maxGradNorm);
    if ((options.sampling === undefined ? 'poisson' : options.sampling) !== 'poisson') {
      throw new DpError('INVALID_PARAMETER', "sampling must be 'poisson'", { parameter: 'sampling' });
    }
    const clipping = options.clipping === undefined ? 'flat' : options.clipping;
    if (clipping !== 'flat' && clipping !== 'perLayer') {
      throw new DpError('INVALID_PARAMETER', "clipping must be 'flat' or 'perLayer'", { parameter: 'clipping' });
    }
    const accountant = options.accountant === undefined ? 'pld' : options.accountant;
    if (accountant !== 'pld' && accountant !== 'rdp') {
      throw new DpError('INVALID_PARAMETER', "accountant must be 'pld' or 'rdp'", { parameter: 'accountant' });
    }
    const physical = options.physicalBatchSize === undefined ? Number.POSITIVE_INFINITY : options.physicalBatchSize;
    if (!(physical === Number.POSITIVE_INFINITY || (Number.isSafeInteger(physical) && physical >= 1))) {
      throw new DpError('INVALID_PARAMETER', `physicalBatchSize must be an integer ≥ 1, got ${describeValue(physical)}`, {
        parameter: 'physicalBatchSize',
      });
    }
    if (typeof options.optimizer?.step !== 'function')
      throw new DpError('INVALID_PARAMETER', 'optimizer must have a step method', { parameter: 'optimizer' });
    const maxSteps = options.maxSteps === undefined ? Number.POSITIVE_INFINITY : options.maxSteps;
    if (!(maxSteps === Number.POSITIVE_INFINITY || (Number.isSafeInteger(maxSteps) && maxSteps >= 0))) {
      throw new DpError('INVALID_PARAMETER', `maxSteps must be an integer ≥ 0, got ${describeValue(maxSteps)}`, { parameter: 'maxSteps' });
    }
    // Size limits (size-limits.ts), from public values only: a chunk's buffers stay within
    // maxBatchValues; without physicalBatchSize the sampled rows run in chunks of that size,
    // so a step never refuses because of the private size of a Poisson sample.
    if (physical !== Number.POSITIVE_INFINITY) checkBatchValues(physical, model.valuesPerExample, 'physicalBatchSize');
    this.chunkRows = physical === Number.POSITIVE_INFINITY ? maxRowsPerBuffer(model.valuesPerExample) : physical;
    this.maxSteps = maxSteps;
    this.datasetSize = checkDatasetSize(options.datasetSize);
    this.sampleRate = samplingRate(this.datasetSize, options.expectedBatchSize);
    this.model = model;
    this.optimizer = options.optimizer;
    this.data = snapshot;
    this.expectedBatchSize = options.expectedBatchSize;
    this.noiseMultiplier = options.noiseMultiplier;
    this.maxGradNorm = options.maxGradNorm;
    this.clipping = clipping;
    this.physicalBatchSize = physical;
    this.accountant = accountant;
    this.rng = options.rng ?? defaultRandomSource();
    if (options.noise !== undefined && typeof (options.noise as Partial<NoiseSource> | null)?.fill !== 'function') {
      throw new DpError('INVALID_PARAMETER', 'noise must have a fill method', { parameter: 'noise' });
    }
    this.noise = options.noise;
    if (this.noise !== undefined) checkNoiseSource(this.noise, model.parameterCount);
    this.notForRelease = !isSecureSource(this.rng) || (this.noise !== undefined && !isGenuineNoiseSource(this.noise));
    this.noiseGrid = noiseGrid(this.noiseMultiplier * this.maxGradNorm);
    this.stepEvent = dpSgdStepEvent(
      this.sampleRate,
      effectiveNoiseMultiplier(this.noiseMultiplier, this.maxGradNorm, model.parameterCount),
    );
    // The public pass (public-pass.ts, review ML M18/M19): every memory refusal a shape can meet is raised here,
    // before any data is read or sampled; a step's route and refusals never depend on the sample's size.
    runPublicPass(model, clipping);
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.history.length;
  }

  /** The DpEvent of every step taken, in order. */
  get events(): readonly DpEvent[] {
    return this.history;
  }

  /**
   * @internal Restores the step history of a checkpoint into a fresh trainer
   * (used by restoreTrainer, which checks the events are this trainer's).
   */
  restoreHistory(events: readonly DpEvent[]): void {
    if (this.history.length !== 0)
      throw new DpError('INVALID_PARAMETER', 'history can only be restored into a fresh trainer', { parameter: 'events' });
    if (events.length > this.maxSteps) throw new DpError('BUDGET_EXHAUSTED', `the checkpoint has more than ${this.maxSteps} steps`);
    this.history.push(...events);
  }

  /** The whole history as one event: composed(events). */
  dpEvent(): DpEvent {
    return { type: 'composed', events: [...this.history] };
  }

  /**
   * Runs one logical DP-SGD step.
   * @returns the step's index and event.
   * @throws DpError BUDGET_EXHAUSTED when maxSteps steps were taken (nothing is sampled or spent).
   * @privacy one poissonSampled(q, gaussian(σ)) event under add/remove one example; recorded once the update is applied.
   */
  step(): StepReport {
    if (this.history.length >= this.maxSteps) {
      throw new DpError('BUDGET_EXHAUSTED', `this trainer may take at most ${this.maxSteps} steps`);
    }
    const { model, data } = this;
    const parameters = model.parameters;
    const width = model.inputSize;
    // Everything public is checked before anything private is read (review ML M5, M6): the data snapshot's lengths
    // and the noise source; then the noise is drawn FIRST (it does not depend on the data), so a source that
    // fails leaves nothing behind, and any later failure zeroes the grads (no un-noised clipped sum is left there).
    if (data.inputs.length !== data.size * width || data.labels.length !== data.size) {
      throw new DpError('INVALID_PARAMETER', 'the training data changed size since makePrivate (a resized buffer)', { parameter: 'data' });
    }
    const total = parameters.reduce((s, p) => s + p.value.length, 0);
    const noise = this.noiseScratch.take(total);
    const scale = this.noiseMultiplier * this.maxGradNorm;
    if (this.noise) {
      checkNoiseSource(this.noise, total);
      this.noise.fill(noise, scale);
    } else fillBulkGaussian(noise, scale, this.rng);
    try {
      return this.privateStep(noise, scale);
    } catch (e) {
      for (const p of parameters) p.grad.fill(0);
      throw e;
    }
  }

  /** The data-dependent part of step(), after the public checks and the noise draw. */
  private privateStep(noise: Float64Array, scale: number): StepReport {
    const { model, data } = this;
    const parameters = model.parameters;
    for (const p of parameters) p.grad.fill(0);
    const indices = poissonSample(data.size, this.sampleRate, this.rng);
    const contributionNorms = new Float64Array(indices.length);
    const width = model.inputSize;
    const classes = Math.max(2, model.loss.inputSize);
    for (let start = 0; start < indices.length; start += this.chunkRows) {
      const rows = indices.subarray(start, Math.min(indices.length, start + this.chunkRows));
      const inputs = this.inputScratch.take(rows.length * width);
      const labels = new Int32Array(rows.length);
      const keep = new Uint8Array(rows.length);
      rows.forEach((row, r) => {
        inputs.set(data.inputs.subarray(row * width, (row + 1) * width), r * width);
        const y = data.labels[row] as number;
        // An out-of-range label is a value rule, not a refusal: the example is dropped (contribution 0).
        keep[r] = y >= 0 && y < classes ? 1 : 0;
        labels[r] = keep[r] ? y : 0;
      });
      model.forwardBackward({ inputs, labels, size: rows.length });
      const clipped = accumulateClippedGradients(model, rows.length, this.maxGradNorm, this.clipping, keep);
      contributionNorms.set(clipped.contributionNorms, start);
    }
    let sumSquares = 0;
    let offset = 0;
    const grid = this.noiseGrid;
    for (const p of parameters) {
      for (let j = 0; j < p.grad.length; j++) {
        const g = roundToGridUnchecked(p.grad[j] as number, grid);
        sumSquares += g * g;
        p.grad[j] = (g + (noise[offset + j] as number)) / this.expectedBatchSize;
      }
      offset += p.grad.length;
    }
    traceNoise({
      primitive: 'dp-sgd-gaussian',
      value: Math.sqrt(sumSquares),
      sensitivity: this.maxGradNorm,
      scale,
      extra: {
        sampleRate: this.sampleRate,
        clipNorm: this.maxGradNorm,
        noiseMultiplier: this.noiseMultiplier,
        clipping: this.clipping,
        batchSize: indices.length,
        contributionNorms,
      },
    });
    this.optimizer.step(parameters);
    this.history.push(this.stepEvent);
    return { step: this.history.length, event: this.stepEvent };
  }

  /**
   * Runs ⌈1/q⌉ steps (q from the declared N): one epoch in expectation.
   * @returns the reports of those steps.
   * @privacy ⌈1/q⌉ step events.
   */
  epoch(): StepReport[] {
    const n = Math.ceil(1 / this.sampleRate);
    const out: StepReport[] = [];
    for (let i = 0; i < n; i++) out.push(this.step());
    return out;
  }

  /**
   * ε at `delta` for every step taken, from the trainer's accountant.
   * @param delta - δ ∈ [0, 1/datasetSize) (δ ≥ 1/N is refused, SECURITY §4: it would allow releasing an example outright).
   * @returns ε (0 before the first step).
   * @throws DpError INVALID_PARAMETER on a bad δ, or δ ≥ 1/datasetSize.
   * @privacy the (ε, δ) guarantee of the model after these steps.
   */
  epsilon(delta: number): number {
    checkDeltaForSize(delta, this.datasetSize); // review-learn L3: every learning entry that takes δ and knows N
    return accountHistory(this.history, this.accountant).epsilon(delta);
  }
}

function checkDatasetSize(n: number): number {
  if (!(typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n < 2 ** 31)) {
    throw new DpError('INVALID_PARAMETER', `datasetSize (the declared public N) must be an integer in [1, 2³¹), got ${describeValue(n)}`, {
      parameter: 'datasetSize',
    });
  }
  return n;
}

/**
 * Makes a model's training differentially private (DP-SGD), like Opacus's
 * `PrivacyEngine.make_private`, with typed options.
 * @param options - model, optimizer, data and the privacy settings.
 * @returns the trainer.
 * @throws DpError INVALID_PARAMETER on bad shapes or settings (before any step); never for one example's values or label.
 * @privacy each step is poissonSampled(q, gaussian(σ_eff)) (σ_eff = σC/(C + G√d) ≤ σ, the grid rounding priced) with q = expectedBatchSize/datasetSize (the declared N) under add/remove one example; `epsilon(δ)` composes the recorded steps.
 * @see Abadi et al., "Deep Learning with Differential Privacy", CCS 2016; Opacus `make_private`.
 * @example
 * const trainer = makePrivate({ model, optimizer: sgd({ learningRate: 0.5 }), data,
 *   datasetSize: 60_000, expectedBatchSize: 64, noiseMultiplier: 1.1, maxGradNorm: 1 });
 * trainer.epoch();
 * trainer.epsilon(1e-5);
 */
export function makePrivate(options: MakePrivateOptions): PrivateTrainer {
  return new PrivateTrainer(options);
}
