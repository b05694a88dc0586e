/**
 * Size limits of `tsdp/learn`: every size a caller's numbers determine is
 * bounded at the edge, before any allocation or loop.
 *
 * The class (Trust finding, issue 10 class 12 extended to sizes): a layer
 * width, a kernel or a vocabulary is a safe integer, so `dense(1e6, 1e6)` was
 * "valid" and either died in the allocator with a RangeError deep inside, or
 * allocated gigabytes and looped for minutes initialising them (a hang). A
 * size refusal must be a typed DpError INVALID_PARAMETER naming the
 * parameter, raised by a constructor or an entry function before it allocates
 * anything that size determines.
 *
 * The rule, for every layer (Dense, Conv2d, pooling, GroupNorm/LayerNorm,
 * Embedding, activations), the losses, Sequential and the trainer:
 * 1. **parameters**: one layer's, and one model's total, scalar parameters
 *    ≤ {@link LEARN_SIZE_LIMITS}.maxParameters (2²⁵ ≈ 33.5 M binary64 values:
 *    256 MiB per copy; value, gradient, noise and two Adam moments ≈ 1.3 GiB);
 * 2. **one example**: each buffer one example occupies in a layer (its input
 *    and output widths, Conv2d's im2col patch matrix T·K, its T·outC output
 *    positions and its materialised per-example gradient row outC·K + outC,
 *    GroupNorm's 2C gradient) holds ≤ maxExampleValues (2²⁴) values; a layer
 *    declares the largest as `valuesPerExample` (default: max(inputSize,
 *    outputSize)). EVERY per-batch buffer a layer's forward, backward, norm
 *    and clipped-sum passes allocate must be counted (review-learn L5: the
 *    conv gradient row was not, so the chunking did not bound it);
 *    test/learn/buffer-estimate.test.ts records every typed array a step
 *    allocates, for random shapes of every layer kind;
 * 3. **one batch**: rows × valuesPerExample ≤ maxBatchValues (2²⁷ values,
 *    1 GiB of binary64) for every buffer a forward/backward pass allocates.
 *    Layer.forward and Sequential.forwardBackward/predict check it before
 *    they allocate. The private trainer checks it ONCE at construction from
 *    public values only (the model's widths and `physicalBatchSize`); with no
 *    `physicalBatchSize` it runs the sampled rows in chunks of
 *    ⌊maxBatchValues / valuesPerExample⌋, so a step never refuses because of
 *    the (private) size of a Poisson sample.
 * Products are computed in binary64: the factors are safe integers, so a
 * product at or below a limit (< 2⁵³) is exact and one above it stays above
 * (rounding is monotone) — the comparison is exact.
 *
 * test/learn/size-limits.test.ts: the regression (dense(1e6, 1e6) and
 * friends refused at once) and a generative test over random shapes of every
 * layer (either built with the parameter count the shape implies, within the
 * limits, or refused with INVALID_PARAMETER, never another error).
 * @module
 */
import { DpError } from '../core/index.js';

/**
 * The size limits of `tsdp/learn` (see the module header for what each bounds).
 * @example
 * dense(4096, 4096).weight.value.length <= LEARN_SIZE_LIMITS.maxParameters; // true
 */
export const LEARN_SIZE_LIMITS: Readonly<{ maxParameters: number; maxExampleValues: number; maxBatchValues: number }> = Object.freeze({
  /** Scalar parameters of one layer, and of one model in total: 2²⁵. */
  maxParameters: 2 ** 25,
  /** Values one example occupies in any one buffer of a layer: 2²⁴. */
  maxExampleValues: 2 ** 24,
  /** Values of any one buffer of a batch (rows × values per example): 2²⁷ (1 GiB of binary64). */
  maxBatchValues: 2 ** 27,
});

/** @internal Refuses `count` (a product of safe integers) scalar parameters above the limit. */
export function checkParameterCount(count: number, parameter: string): void {
  if (!(count <= LEARN_SIZE_LIMITS.maxParameters)) {
    throw new DpError(
      'INVALID_PARAMETER',
      `this shape needs ${count} parameters; tsdp/learn allows at most ${LEARN_SIZE_LIMITS.maxParameters} per layer and per model`,
      { parameter },
    );
  }
}

/** @internal Refuses a per-example buffer of `count` values above the limit. */
export function checkExampleValues(count: number, parameter: string): void {
  if (!(count <= LEARN_SIZE_LIMITS.maxExampleValues)) {
    throw new DpError(
      'INVALID_PARAMETER',
      `this shape needs ${count} values per example in one buffer; tsdp/learn allows at most ${LEARN_SIZE_LIMITS.maxExampleValues}`,
      { parameter },
    );
  }
}

/** @internal Refuses a batch whose buffers would hold more than the limit (rows × perExample values). */
export function checkBatchValues(rows: number, perExample: number, parameter = 'batch'): void {
  if (!(rows * perExample <= LEARN_SIZE_LIMITS.maxBatchValues)) {
    throw new DpError(
      'INVALID_PARAMETER',
      `a batch of ${rows} rows needs ${rows * perExample} values in one buffer; tsdp/learn allows at most ${LEARN_SIZE_LIMITS.maxBatchValues} (use a smaller batch or physicalBatchSize)`,
      { parameter },
    );
  }
}

/** @internal The most rows one buffer of `perExample` values per row may hold (≥ 1 for perExample within the limits). */
export function maxRowsPerBuffer(perExample: number): number {
  return Math.max(1, Math.floor(LEARN_SIZE_LIMITS.maxBatchValues / Math.max(1, perExample)));
}

/** @internal The largest one-example buffer of a layer: its declared `valuesPerExample`, else max(inputSize, outputSize). */
export function layerValuesPerExample(layer: { inputSize: number; outputSize: number; valuesPerExample?: number }): number {
  const declared = layer.valuesPerExample;
  const widths = Math.max(layer.inputSize, layer.outputSize);
  return typeof declared === 'number' && declared > widths ? declared : widths;
}
