/**
 * The layer contract of `tsdp/learn`. A layer maps a batch (rows = examples)
 * to a batch; `backward` receives the per-example gradients of each example's
 * own loss with respect to the layer's output (never a batch mean), which is
 * what makes per-example clipping possible: every row stays one example's.
 *
 * Layers that mix examples (BatchNorm) cannot exist here: a row's output must
 * depend on that row only, or per-example gradients are not per example.
 * @module
 */
import { checkObject } from './_internal/validate.js';
import type { FloatArray } from './kernels.js';

/** A trainable tensor: its values and the gradient the trainer fills. */
export interface Parameter {
  /** A name for reports, e.g. 'dense0.weight'. */
  readonly name: string;
  /** The values (row-major). */
  readonly value: Float64Array;
  /** The gradient, same length; written by the trainer before an optimizer step. */
  readonly grad: Float64Array;
}

/** One layer: forward and backward on a batch. */
export interface Layer {
  /** A short kind, e.g. 'dense', 'relu'. */
  readonly kind: string;
  /** Width of one example's input. */
  readonly inputSize: number;
  /** Width of one example's output. */
  readonly outputSize: number;
  /**
   * The most values one example occupies in any one buffer of this layer (e.g. Conv2d's
   * im2col patch matrix); omitted: max(inputSize, outputSize). Bounded by the size
   * limits (size-limits.ts): Sequential and the trainer size their batches by it.
   */
  readonly valuesPerExample?: number;
  /** True for a layer whose rows depend on other rows (BatchNorm): Sequential refuses it. */
  readonly mixesExamples?: boolean;
  /** The trainable parameters (empty for activations). */
  readonly parameters: readonly Parameter[];
  /**
   * Runs the layer on `batch` rows of `input` (batch × inputSize); keeps what backward needs.
   * The returned array belongs to the layer: it is valid until the layer's next forward
   * (a layer may reuse it; copy it to keep it). Likewise backward's result until the next backward.
   */
  forward(input: FloatArray, batch: number): Float64Array;
  /**
   * Given per-example output gradients (batch × outputSize) of the last
   * forward, returns the per-example input gradients and keeps what the
   * clipping needs. `needInputGrad` false (the first layer) lets a layer skip
   * computing the input gradient (its result is then unspecified).
   */
  backward(outputGrad: Float64Array, batch: number, needInputGrad?: boolean): Float64Array;
}

/**
 * A layer whose per-example parameter gradients the clipping engine can
 * handle: their squared norms (ghost norms) and their scaled sum.
 */
export interface TrainableLayer extends Layer {
  /**
   * out[i] = ‖g_i‖² of this layer's parameters for each example of the last
   * forward/backward pair.
   */
  perExampleSquaredNorms(out: Float64Array): void;
  /**
   * k: a public count, from the layer's shape only, such that for every example the exact squared
   * norm of the vector `accumulateScaledGradients` scales and sums for it is
   * ≤ (ŝ + k·2⁻¹⁰⁷⁵)·(1 − 2⁻⁵³)^(−k), ŝ being what `perExampleSquaredNorms` reports, and each
   * coordinate of s·g is formed with at most two roundings. For a plain sum of n squares of the
   * summed values, in any order, k = n. An integer in [0, 2³⁶] (so that a model's total, L + max k_l + 1, stays within the margin's
   * range 2⁴⁰); Sequential refuses a layer without
   * one. The clip margin grows with it (ghost-clipping.proof.md, "The float margin").
   */
  readonly squaredNormRoundings: number;
  /** Adds Σ_i s_i · g_i (the per-example gradients scaled by `scales`) to the parameters' grad arrays. */
  accumulateScaledGradients(scales: Float64Array): void;
  /** Writes example i's gradient, flattened in `parameters` order, into `out` (the reference oracle). */
  perExampleGradient(i: number, out: Float64Array): void;
}

/**
 * True when `layer` has parameters handled by the clipping engine.
 * @param layer - any layer.
 * @returns whether it implements {@link TrainableLayer}.
 * @example
 * model.layers.filter(isTrainable);
 */
export function isTrainable(layer: Layer): layer is TrainableLayer {
  checkObject(layer, 'layer');
  return (
    Array.isArray(layer.parameters) &&
    layer.parameters.length > 0 &&
    typeof (layer as Partial<TrainableLayer>).perExampleSquaredNorms === 'function'
  );
}
