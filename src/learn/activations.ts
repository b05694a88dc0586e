/**
 * Elementwise activations (ReLU, tanh): parameter-free layers that act on
 * each example's row alone.
 * @module
 */
import { DpError } from '../core/index.js';
import { Scratch } from './_internal/buffers.js';
import { describeValue } from './_internal/describe.js';
import { edgeBatch, edgeFloat64, edgeFloatInput } from './_internal/layer-edge.js';
import { kernelBackend, reluBwd, reluFwd } from './backend.js';
import type { Binary32Layer, Binary32Role } from './binary32-path.js';
import type { FloatArray } from './kernels.js';
import { ReluResident } from './relu-resident.js';
import { checkBatchValues, checkExampleValues } from './size-limits.js';

type Kind = 'relu' | 'tanh';

/** An elementwise activation layer; build it with {@link relu} or {@link tanh}. */
export class Activation implements Binary32Layer {
  readonly parameters = [] as const;
  readonly outputSize: number;
  private output: Float64Array = new Float64Array(0);
  // ReLU on Sequential's binary32 path (binary32-path.ts): its own kernel instance, made on first use (null: none).
  private resident: ReluResident | null | undefined;
  private output32Length = -1; // the values of the last forward32's output; −1: the last forward was forward
  private readonly outputScratch = new Scratch();
  private readonly inputGradScratch = new Scratch();

  constructor(
    readonly kind: Kind,
    readonly inputSize: number,
  ) {
    if (!Number.isSafeInteger(inputSize) || inputSize < 1) {
      throw new DpError('INVALID_PARAMETER', `size must be an integer ≥ 1, got ${describeValue(inputSize)}`, { parameter: 'size' });
    }
    checkExampleValues(inputSize, 'size'); // size-limits.ts
    this.outputSize = inputSize;
  }

  forward(input: FloatArray, batch: number): Float64Array {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts): arguments read once, totally, before anything else
    checkBatchValues(batch, this.inputSize);
    input = edgeFloatInput(input, 'input', batch * this.inputSize);
    if (input.length !== batch * this.inputSize) {
      throw new DpError('INVALID_PARAMETER', `input must have batch × ${this.inputSize} values`, { parameter: 'input' });
    }
    this.output32Length = -1;
    this.resident?.invalidate();
    const out = this.outputScratch.take(batch * this.inputSize);
    if (this.kind === 'relu') reluFwd(input, out);
    else for (let i = 0; i < out.length; i++) out[i] = Math.tanh(input[i] as number);
    this.output = out;
    return out;
  }

  backward(outputGrad: Float64Array, batch: number): Float64Array {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts)
    if (this.output32Length >= 0)
      throw new DpError('INVALID_PARAMETER', 'the last forward was forward32: use backward32', { parameter: 'outputGrad' });
    if (batch * this.inputSize !== this.output.length)
      throw new DpError('INVALID_PARAMETER', 'backward shape differs from the last forward', { parameter: 'batch' });
    outputGrad = edgeFloat64(outputGrad, 'outputGrad', this.output.length);
    const n = batch * this.inputSize;
    if (outputGrad.length !== n || this.output.length !== n) {
      throw new DpError('INVALID_PARAMETER', 'backward shape differs from the last forward', { parameter: 'outputGrad' });
    }
    const g = this.inputGradScratch.take(n);
    const y = this.output;
    if (this.kind === 'relu') reluBwd(y, outputGrad, g);
    else
      for (let i = 0; i < n; i++) {
        const t = y[i] as number;
        g[i] = (1 - t * t) * (outputGrad[i] as number);
      }
    return g;
  }

  /** ReLU is a `select` layer of the binary32 path (binary32-path.ts); tanh has no part (its values are not binary32). */
  get binary32Role(): Binary32Role | undefined {
    return this.kind === 'relu' ? 'select' : undefined;
  }

  forward32(input: FloatArray, batch: number): Float32Array | null {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts)
    checkBatchValues(batch, this.inputSize);
    input = edgeFloatInput(input, 'input', batch * this.inputSize);
    this.output32Length = -1;
    if (this.kind !== 'relu' || kernelBackend() !== 'wasm') return null;
    if (this.resident === undefined) this.resident = ReluResident.create();
    const y = this.resident?.forward(input) ?? null;
    if (y) this.output32Length = y.length;
    return y;
  }

  backward32(outputGrad: FloatArray, batch: number): Float32Array {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts)
    outputGrad = edgeFloatInput(outputGrad, 'outputGrad', batch * this.inputSize);
    if (this.output32Length !== outputGrad.length)
      throw new DpError('INVALID_PARAMETER', 'backward32 shape differs from the last forward32', { parameter: 'batch' });
    const g = this.resident?.backward(outputGrad);
    if (!g) throw new Error('internal: the ReLU output was lost'); // held since forward32 of this length: a bug, not a fallback
    return g;
  }
}

/**
 * ReLU, max(0, x), on rows of `size` values.
 * @param size - the row width, an integer ≥ 1.
 * @returns the layer.
 * @throws DpError INVALID_PARAMETER when size is not an integer in [1, 2²⁴] (the size limits (`LEARN_SIZE_LIMITS`)).
 * @privacy acts on each example alone.
 * @example
 * new Sequential([dense(4, 8), relu(8), dense(8, 2)], softmaxCrossEntropy(2));
 */
export function relu(size: number): Activation {
  return new Activation('relu', size);
}

/**
 * tanh on rows of `size` values.
 * @param size - the row width, an integer ≥ 1.
 * @returns the layer.
 * @throws DpError INVALID_PARAMETER when size is not an integer in [1, 2²⁴] (the size limits (`LEARN_SIZE_LIMITS`)).
 * @privacy acts on each example alone.
 * @example
 * new Sequential([dense(4, 8), tanh(8), dense(8, 1)], logisticLoss());
 */
export function tanh(size: number): Activation {
  return new Activation('tanh', size);
}
