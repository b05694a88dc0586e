/**
 * 2-D max and average pooling on C×H×W examples (channel-major), without
 * padding: parameter-free layers that act on each example alone. Max pooling
 * sends the gradient to the first maximum of each window (PyTorch's rule).
 * @module
 */
import { DpError } from '../core/index.js';
import { Scratch } from './_internal/buffers.js';
import { describeValue } from './_internal/describe.js';
import { edgeBatch, edgeFloat64, edgeFloatInput } from './_internal/layer-edge.js';
import { kernelBackend } from './backend.js';
import type { Binary32Layer, Binary32Role } from './binary32-path.js';
import { type PoolShape, poolBackward, poolForward } from './conv-ops.js';
import type { FloatArray } from './kernels.js';
import { PoolResident } from './pool-resident.js';
import { checkBatchValues, checkExampleValues } from './size-limits.js';

/** The shape of {@link maxPool2d} and {@link avgPool2d}. */
export interface Pool2dOptions {
  channels: number;
  height: number;
  width: number;
  /** Square window k. */
  kernelSize: number;
  /** Stride (default: kernelSize). */
  stride?: number;
}

function positiveInt(x: unknown, name: string): number {
  if (!(typeof x === 'number' && Number.isSafeInteger(x) && x >= 1)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an integer ≥ 1, got ${describeValue(x)}`, { parameter: name });
  }
  return x;
}

/** A pooling layer; build it with {@link maxPool2d} or {@link avgPool2d}. */
export class Pool2d implements Binary32Layer {
  readonly parameters = [] as const;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly outHeight: number;
  readonly outWidth: number;
  private readonly c: number;
  private readonly h: number;
  private readonly w: number;
  private readonly k: number;
  private readonly s: number;
  private argmax: Float64Array = new Float64Array(0); // flat input index of each window's maximum (max pooling)
  private readonly argmaxScratch = new Scratch();
  private readonly outScratch = new Scratch();
  private readonly inputGradScratch = new Scratch();
  private batch = 0;
  // Max pooling on the wasm kernels: the winners stay in this layer's own instance (pool-resident.ts).
  private resident: PoolResident | null | undefined;
  private winnersResident = false; // the last forward left its winners there (this.argmax is then unused)
  private ran32 = false; // the last forward was forward32 (its backward is backward32)

  constructor(
    readonly kind: 'maxPool2d' | 'avgPool2d',
    options: Pool2dOptions,
  ) {
    if (typeof options !== 'object' || options === null)
      throw new DpError('INVALID_PARAMETER', 'pooling needs options', { parameter: 'options' });
    this.c = positiveInt(options.channels, 'channels');
    this.h = positiveInt(options.height, 'height');
    this.w = positiveInt(options.width, 'width');
    this.k = positiveInt(options.kernelSize, 'kernelSize');
    this.s = positiveInt(options.stride ?? options.kernelSize, 'stride');
    if (this.k > this.h || this.k > this.w)
      throw new DpError('INVALID_PARAMETER', 'the window is larger than the input', { parameter: 'kernelSize' });
    this.outHeight = Math.floor((this.h - this.k) / this.s) + 1;
    this.outWidth = Math.floor((this.w - this.k) / this.s) + 1;
    checkExampleValues(this.c * this.h * this.w, 'height'); // size-limits.ts
    this.inputSize = this.c * this.h * this.w;
    this.outputSize = this.c * this.outHeight * this.outWidth;
  }

  forward(input: FloatArray, batch: number): Float64Array {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts): arguments read once, totally, before anything else
    checkBatchValues(batch, this.inputSize);
    input = edgeFloatInput(input, 'input', batch * this.inputSize);
    const out = this.outScratch.take(batch * this.outputSize);
    const max = this.kind === 'maxPool2d';
    this.batch = batch;
    this.winnersResident = false;
    this.ran32 = false;
    if (max && kernelBackend() === 'wasm' && input instanceof Float64Array) {
      if (this.resident === undefined) this.resident = PoolResident.create();
      if (this.resident?.forward(this.geometry(batch), input, out)) {
        this.winnersResident = true;
        return out;
      }
    }
    this.resident?.invalidate();
    if (max) this.argmax = this.argmaxScratch.take(out.length);
    poolForward(this.geometry(batch), max, input, out, this.argmax);
    return out;
  }

  backward(outputGrad: Float64Array, batch: number): Float64Array {
    if (batch !== this.batch) {
      throw new DpError('INVALID_PARAMETER', 'backward shape differs from the last forward', { parameter: 'outputGrad' });
    }
    outputGrad = edgeFloat64(outputGrad, 'outputGrad', batch * this.outputSize); // S7 edge (_internal/layer-edge.ts)
    if (this.ran32) throw new DpError('INVALID_PARAMETER', 'the last forward was forward32: use backward32', { parameter: 'outputGrad' });
    const g = this.inputGradScratch.take(batch * this.inputSize);
    if (this.winnersResident) {
      // Same shape as the forward, so the regions exist: it cannot fail; a failure would be a bug, not a fallback.
      if (!this.resident?.backward(this.geometry(batch), outputGrad, g)) throw new Error('internal: pooling winners lost');
      return g;
    }
    poolBackward(this.geometry(batch), this.kind === 'maxPool2d', outputGrad, this.argmax, g);
    return g;
  }

  /** Max pooling is the `route` layer of the binary32 path (binary32-path.ts); average pooling has no part (its values are not binary32). */
  get binary32Role(): Binary32Role | undefined {
    return this.kind === 'maxPool2d' ? 'route' : undefined;
  }

  forward32(input: FloatArray, batch: number): Float32Array | null {
    return this.pool32(input, batch, false);
  }

  /**
   * forward32 of max(0, input): a ReLU before this max pooling, fused into it (binary32-path.ts, `reluFusions`); its
   * backward32 then gives the gradient with respect to the ReLU's input. Null where forward32 would be null.
   */
  forward32AfterRelu(input: FloatArray, batch: number): Float32Array | null {
    return this.pool32(input, batch, true);
  }

  private pool32(input: FloatArray, batch: number, relu: boolean): Float32Array | null {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts)
    checkBatchValues(batch, this.inputSize);
    input = edgeFloatInput(input, 'input', batch * this.inputSize);
    this.batch = batch;
    this.winnersResident = false;
    this.ran32 = false;
    if (this.kind !== 'maxPool2d' || kernelBackend() !== 'wasm') return null;
    if (this.resident === undefined) this.resident = PoolResident.create();
    const out = this.resident?.forward32(this.geometry(batch), input, relu) ?? null;
    this.ran32 = out !== null;
    return out;
  }

  backward32(outputGrad: FloatArray, batch: number): Float32Array {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts)
    if (!(this.ran32 && batch === this.batch))
      throw new DpError('INVALID_PARAMETER', 'backward32 shape differs from the last forward32', { parameter: 'outputGrad' });
    outputGrad = edgeFloatInput(outputGrad, 'outputGrad', batch * this.outputSize);
    const g = this.resident?.backward32(this.geometry(batch), outputGrad);
    if (!g) throw new Error('internal: pooling winners lost'); // held since forward32 of this shape: a bug, not a fallback
    return g;
  }

  private geometry(batch: number): PoolShape {
    return { rows: batch * this.c, H: this.h, W: this.w, k: this.k, s: this.s, oh: this.outHeight, ow: this.outWidth };
  }
}

/**
 * Max pooling over k×k windows.
 * @param options - channels, height, width, kernelSize, stride (default kernelSize).
 * @returns the layer.
 * @throws DpError INVALID_PARAMETER on a bad size, a window larger than the input, or an input above 2²⁴ values (the size limits (`LEARN_SIZE_LIMITS`)).
 * @privacy acts on each example alone.
 * @example
 * maxPool2d({ channels: 16, height: 14, width: 14, kernelSize: 2, stride: 1 });
 */
export function maxPool2d(options: Pool2dOptions): Pool2d {
  return new Pool2d('maxPool2d', options);
}

/**
 * Average pooling over k×k windows.
 * @param options - channels, height, width, kernelSize, stride (default kernelSize).
 * @returns the layer.
 * @throws DpError INVALID_PARAMETER on a bad size, a window larger than the input, or an input above 2²⁴ values (the size limits (`LEARN_SIZE_LIMITS`)).
 * @privacy acts on each example alone.
 * @example
 * avgPool2d({ channels: 16, height: 14, width: 14, kernelSize: 2 });
 */
export function avgPool2d(options: Pool2dOptions): Pool2d {
  return new Pool2d('avgPool2d', options);
}
