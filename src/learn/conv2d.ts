/**
 * 2-D convolution by im2col, with per-example gradients for DP-SGD.
 *
 * Layout: an example is C×H×W values, channel-major (PyTorch's NCHW without
 * N); the weight is stored outC × (C·k·k) (PyTorch's layout, flattened). For
 * example i, im2col gives P_i (T × K: T = OH·OW output positions, K = C·k·k)
 * and the layer computes Z_i = P_i·Wᵀ + b (T × outC), stored channel-major.
 *
 * Per-example gradient: with Δ_i = ∂ℓ_i/∂Z_i (outC × T), g_i = (Δ_i P_i,
 * Σ_t Δ_i[·, t]). Two routes, chosen per layer:
 * - **materialised** (default): the per-example gradients (outC·K + outC each)
 *   are formed once, in the norm pass (T·K·outC per example, the same work as
 *   the batch gradient); their norms are row norms and the clipped sum
 *   Σ_i c_i g_i is then a weighted column sum — nearly free, so a DP step costs
 *   about what a non-private one does;
 * - **ghost** (Li et al. 2022): ‖Δ_i P_i‖²_F = ⟨P_iP_iᵀ, Δ_iᵀΔ_i⟩ from two T × T
 *   Gram matrices (T²·(K + outC) per example) with no outC × K gradient, then
 *   the clipped sum as one more pass. NOT AVAILABLE since review-learn L1: the
 *   identity sums terms of both signs, so a rounded ghost norm can be far below
 *   the norm of what is summed (0 against 7 in the review's example), so the
 *   constructor refuses it (the kernel `convGhostNorms` stays in conv-ops.ts,
 *   tested against the reference, for when an error bound is proven).
 * All batch work runs in `conv-ops.ts` (WebAssembly SIMD: im2col, col2im and
 * the multiplies inside the module, one call per batch; reference kernels
 * otherwise; the forward, input gradient and materialised per-example
 * gradients in binary32 there — conv-ops.ts says why that is safe). Rows of a dropped example (c_i = 0) are removed before any
 * product (0·∞). On Sequential's binary32 path (binary32-path.ts) the layer is a `product`: forward32 gives its
 * output as binary32 (a view of its instance), backward32 takes a binary32 output gradient and gives its input
 * gradient as binary32, and a binary32 input is copied in as it is (the binary64 copies are widened on first use).
 * @module
 */
import { DpError } from '../core/index.js';
import { defaultRandomSource, type RandomSource } from '../random/index.js';
import { Scratch, Scratch32 } from './_internal/buffers.js';
import { describeValue } from './_internal/describe.js';
import { edgeBatch, edgeExample, edgeFloat64, edgeFloatInput } from './_internal/layer-edge.js';
import { kernelBackend } from './backend.js';
import type { Binary32Layer } from './binary32-path.js';
import { type ConvShape, convExampleGrads, convForward, convInputGrad, convScaledGradSum, forEachTap } from './conv-ops.js';
import { ConvResident } from './conv-resident.js';
import { fillUniform } from './init.js';
import type { FloatArray } from './kernels.js';
import type { Parameter, TrainableLayer } from './layer.js';
import { checkBatchValues, checkExampleValues, checkParameterCount } from './size-limits.js';

/** The shape and options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Input channels. */
  inChannels: number;
  /** Input height. */
  height: number;
  /** Input width. */
  width: number;
  /** Output channels. */
  outChannels: number;
  /** Square kernel size k. */
  kernelSize: number;
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding on each side (default 0). */
  padding?: number;
  /** Per-example norm route: 'auto' (default) or 'materialised' — the same; 'ghost' is refused (review-learn L1). */
  normRoute?: 'auto' | 'ghost' | 'materialised';
  /** Randomness for the initial weights (default: the platform CSPRNG). */
  rng?: RandomSource;
  /** A name prefix for the parameters (default 'conv'). */
  name?: string;
}

function positiveInt(x: unknown, name: string, min = 1): number {
  if (!(typeof x === 'number' && Number.isSafeInteger(x) && x >= min)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an integer ≥ ${min}, got ${describeValue(x)}`, { parameter: name });
  }
  return x;
}

/** A convolution layer; build it with {@link conv2d}. */
export class Conv2d implements TrainableLayer, Binary32Layer {
  readonly kind = 'conv2d';
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly parameters: readonly Parameter[];
  readonly inputSize: number;
  readonly outputSize: number;
  /**
   * The largest per-example buffer: the im2col patch matrix T·K, the T·outC positions, a width, or
   * the materialised per-example gradient row outC·K + outC (review-learn L5: the norm pass keeps
   * rows × that many values, so the trainer's chunking must count it).
   */
  readonly valuesPerExample: number;
  /** Output height and width. */
  readonly outHeight: number;
  readonly outWidth: number;
  /** The norm route this layer uses. */
  readonly normRoute: 'materialised';
  private readonly inC: number;
  private readonly outC: number;
  private readonly positions: number; // T
  private readonly patch: number; // K
  private readonly shape: ConvShape;
  private inputRows: Float64Array = new Float64Array(0); // B × C·H·W (the last forward's); see input()
  private deltaRows: Float64Array = new Float64Array(0); // B × outC·T (the last backward's); see delta()
  // A binary32 input or output gradient (Sequential's binary32 path) is kept only in the resident instance; its
  // binary64 copy, read by the non-private sum and the oracle only, is widened from there on first use.
  private inputStale = false;
  private deltaStale = false;
  private readonly inputWideScratch = new Scratch();
  private readonly deltaWideScratch = new Scratch();
  private grads: FloatArray | null = null; // B × (outC·K + outC), materialised route, this batch
  private readonly gradsBufferScratch = new Scratch();
  private readonly grads32Scratch = new Scratch32(); // the same, binary32, when the wasm kernels run
  private readonly outScratch = new Scratch();
  private readonly inputGradScratch = new Scratch();
  private batch = 0;
  // This layer's own kernel instance (conv-resident.ts): undefined until the first wasm forward, null if unavailable.
  private resident: ConvResident | null | undefined;
  private gradsResident = false; // the last norm pass left the per-example gradients in the resident instance

  constructor(options: Conv2dOptions) {
    if (typeof options !== 'object' || options === null)
      throw new DpError('INVALID_PARAMETER', 'conv2d needs options', { parameter: 'options' });
    const inC = positiveInt(options.inChannels, 'inChannels');
    const h = positiveInt(options.height, 'height');
    const w = positiveInt(options.width, 'width');
    const outC = positiveInt(options.outChannels, 'outChannels');
    const k = positiveInt(options.kernelSize, 'kernelSize');
    const s = positiveInt(options.stride ?? 1, 'stride');
    const p = positiveInt(options.padding ?? 0, 'padding', 0);
    if (h + 2 * p < k || w + 2 * p < k) {
      throw new DpError('INVALID_PARAMETER', 'the kernel is larger than the padded input', { parameter: 'kernelSize' });
    }
    const oh = Math.floor((h + 2 * p - k) / s) + 1;
    const ow = Math.floor((w + 2 * p - k) / s) + 1;
    // Size limits (size-limits.ts), before any allocation or loop: the widths, the im2col
    // patch matrix T·K and the T·outC output positions of one example, the parameters.
    checkExampleValues(inC * h * w, 'height');
    checkExampleValues(outC * oh * ow, 'outChannels');
    checkExampleValues(oh * ow * inC * k * k, 'kernelSize');
    checkParameterCount(outC * inC * k * k + outC, 'outChannels');
    checkExampleValues(outC * inC * k * k + outC, 'outChannels'); // the materialised per-example gradient row (review-learn L5)
    const route = options.normRoute ?? 'auto';
    if (route !== 'auto' && route !== 'ghost' && route !== 'materialised') {
      throw new DpError('INVALID_PARAMETER', "normRoute must be 'auto', 'ghost' or 'materialised'", { parameter: 'normRoute' });
    }
    // The ghost route is refused (review-learn L1): its norm ⟨PPᵀ, ΔᵀΔ⟩ sums terms of both signs, so its rounding
    // error scales with the terms, not with the norm — patches (2³⁰, 7) and (2³⁰, −7) gave a computed norm of 0 and a
    // contribution of norm 7 with C = 1. No error bound is proven for it, so the clip factor always comes from a sum
    // of squares over exactly the values that are summed (the materialised route); 'auto' means 'materialised'.
    if (route === 'ghost') {
      throw new DpError(
        'INVALID_PARAMETER',
        "normRoute 'ghost' is not available for Conv2d (its norm can cancel; use 'materialised' or 'auto')",
        {
          parameter: 'normRoute',
        },
      );
    }
    this.inC = inC;
    this.outC = outC;
    this.outHeight = oh;
    this.outWidth = ow;
    this.positions = oh * ow;
    this.patch = inC * k * k;
    this.inputSize = inC * h * w;
    this.outputSize = outC * oh * ow;
    const T = this.positions;
    const K = this.patch;
    this.valuesPerExample = Math.max(T * K, T * outC, this.inputSize, this.outputSize, outC * K + outC);
    this.shape = { C: inC, H: h, W: w, k, s, p, oh, ow, outC };
    this.normRoute = 'materialised';
    const name = options.name ?? 'conv';
    this.weight = { name: `${name}.weight`, value: new Float64Array(outC * K), grad: new Float64Array(outC * K) };
    this.bias = { name: `${name}.bias`, value: new Float64Array(outC), grad: new Float64Array(outC) };
    this.parameters = [this.weight, this.bias];
    const rng = options.rng ?? defaultRandomSource();
    const bound = 1 / Math.sqrt(K);
    fillUniform(this.weight.value, bound, rng);
    fillUniform(this.bias.value, bound, rng);
  }

  forward(input: FloatArray, batch: number): Float64Array {
    const ran = this.forwardKept(input, batch); // the edge checks first
    const out = this.outScratch.take(batch * this.outputSize);
    if (ran) out.set(ran);
    else convForward(this.shape, this.input(), this.weight.value, this.bias.value, out, batch);
    return out;
  }

  /** Conv2d is a `product` layer of Sequential's binary32 path (binary32-path.ts): binary32 output and input gradient. */
  readonly binary32Role = 'product' as const;

  forward32(input: FloatArray, batch: number): Float32Array | null {
    return this.forwardKept(input, batch);
  }

  /**
   * The forward's checks and state, and the resident kernel when the wasm kernels run: its binary32 output (a view),
   * or null (then the caller runs the shared path on input()).
   */
  private forwardKept(input: FloatArray, batch: number): Float32Array | null {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts): arguments read once, totally, before anything else
    checkBatchValues(batch, this.valuesPerExample);
    input = edgeFloatInput(input, 'input', batch * this.inputSize);
    this.batch = batch;
    this.grads = null;
    this.gradsResident = false;
    this.deltaStale = false;
    const r = this.residentKernels();
    if (r?.forward(this.shape, input, this.weight.value, this.bias.value, batch)) {
      this.inputStale = !(input instanceof Float64Array);
      if (input instanceof Float64Array) this.inputRows = input;
      return r.output(batch * this.outputSize);
    }
    r?.invalidate();
    this.inputStale = false;
    this.inputRows = input instanceof Float64Array ? input : Float64Array.from(input);
    return null;
  }

  /** The last forward's input as binary64 (widened from the resident binary32 copy on first use after a binary32 input). */
  private input(): Float64Array {
    if (this.inputStale) {
      const x = this.inputWideScratch.take(this.batch * this.inputSize);
      this.resident?.inputValues(x);
      this.inputRows = x;
      this.inputStale = false;
    }
    return this.inputRows;
  }

  /** The last backward's output gradient as binary64 (likewise). */
  private delta(): Float64Array {
    if (this.deltaStale) {
      const d = this.deltaWideScratch.take(this.batch * this.outputSize);
      this.resident?.deltaValues(d);
      this.deltaRows = d;
      this.deltaStale = false;
    }
    return this.deltaRows;
  }

  backward(outputGrad: Float64Array, batch: number, needInputGrad = true): Float64Array {
    if (batch !== this.batch) {
      throw new DpError('INVALID_PARAMETER', 'backward shape differs from the last forward', { parameter: 'outputGrad' });
    }
    outputGrad = edgeFloat64(outputGrad, 'outputGrad', batch * this.outputSize); // S7 edge (_internal/layer-edge.ts)
    const inputGrad = this.inputGradScratch.take(batch * this.inputSize);
    if (this.backwardKept(outputGrad, batch, needInputGrad)) {
      if (needInputGrad) inputGrad.set(this.resident?.output(inputGrad.length) as Float32Array);
    } else if (needInputGrad) convInputGrad(this.shape, outputGrad, this.weight.value, inputGrad, batch);
    return inputGrad;
  }

  backward32(outputGrad: FloatArray, batch: number, needInputGrad = true): Float32Array {
    if (batch !== this.batch) {
      throw new DpError('INVALID_PARAMETER', 'backward shape differs from the last forward', { parameter: 'outputGrad' });
    }
    outputGrad = edgeFloatInput(outputGrad, 'outputGrad', batch * this.outputSize); // S7 edge (_internal/layer-edge.ts)
    const n = batch * this.inputSize;
    if (this.backwardKept(outputGrad, batch, needInputGrad)) {
      return needInputGrad ? (this.resident?.output(n) as Float32Array) : new Float32Array(0);
    }
    // The shared path (the resident instance could not run): its input gradient is binary32 values, widened.
    if (outputGrad instanceof Float32Array) this.deltaRows = Float64Array.from(outputGrad);
    const inputGrad = this.inputGradScratch.take(n);
    if (needInputGrad) convInputGrad(this.shape, this.deltaRows, this.weight.value, inputGrad, batch);
    return needInputGrad ? Float32Array.from(inputGrad) : new Float32Array(0);
  }

  /** The backward's state, and the resident kernel when it can run (true: Δ and the input gradient are there). */
  private backwardKept(outputGrad: FloatArray, batch: number, needInputGrad: boolean): boolean {
    this.grads = null;
    this.gradsResident = false;
    this.deltaStale = false;
    if (outputGrad instanceof Float64Array) this.deltaRows = outputGrad;
    const r = this.residentKernels();
    if (r?.backward(this.shape, outputGrad, this.weight.value, needInputGrad, batch)) {
      this.deltaStale = !(outputGrad instanceof Float64Array);
      return true;
    }
    r?.invalidate();
    return false;
  }

  perExampleSquaredNorms(out: Float64Array): void {
    out = edgeFloat64(out, 'out', this.batch); // S7 edge (_internal/layer-edge.ts)
    this.grads = null;
    this.gradsResident = false;
    const r = this.residentKernels();
    if (r?.exampleGrads(this.shape, out, this.batch)) {
      this.gradsResident = true; // kept in the layer's kernel instance, read there by accumulateScaledGradients
      return;
    }
    r?.invalidate();
    const width = this.outC * this.patch + this.outC;
    // With wasm the gradients are binary32: kept as such (a Float32Array, no widening copy); the norms are over
    // exactly these stored values and accumulateScaledGradients sums c_i times the same values (conv-ops.ts).
    const n = this.batch * width;
    const grads = kernelBackend() === 'wasm' ? this.grads32Scratch.take(n) : this.gradsBufferScratch.take(n);
    convExampleGrads(this.shape, this.input(), this.delta(), grads, out, this.batch);
    this.grads = grads;
  }

  /**
   * A sum of the outC·K + outC squares of the stored gradient (binary32 values in wasm: each square
   * exact; binary64 in the reference kernel), in any order; the sum is over those same values, one
   * rounding each (c·g).
   */
  get squaredNormRoundings(): number {
    return this.outC * this.patch + this.outC;
  }

  accumulateScaledGradients(scales: Float64Array): void {
    scales = edgeFloat64(scales, 'scales', this.batch); // S7 edge (_internal/layer-edge.ts): one entry per example
    if (this.gradsResident && this.resident?.gradsReady(this.batch)) {
      // Materialised, resident: the same weighted sum of the stored rows, in SIMD (conv-resident.ts).
      this.resident.accumulate(this.shape, scales, this.weight.grad, this.bias.grad, this.batch);
      return;
    }
    const grads = this.grads;
    if (grads === null) {
      // No norm pass (a non-private step): one pass over the batch.
      convScaledGradSum(this.shape, this.input(), this.delta(), scales, this.weight.grad, this.bias.grad, this.batch);
      return;
    }
    // Materialised: Σ_i c_i g_i is a weighted sum of rows; a dropped row (c_i = 0) is skipped, never ×0.
    const wn = this.outC * this.patch;
    const width = wn + this.outC;
    const kept: number[] = [];
    for (let i = 0; i < this.batch; i++) if ((scales[i] as number) !== 0) kept.push(i);
    addScaledRows(grads, width, kept, scales, 0, wn, this.weight.grad);
    addScaledRows(grads, width, kept, scales, wn, this.outC, this.bias.grad);
  }

  /** The resident kernel instance when the wasm kernels are in use (made on first use), else null. */
  private residentKernels(): ConvResident | null {
    if (kernelBackend() !== 'wasm') {
      this.resident?.invalidate(); // what it holds is older than this call
      return null;
    }
    if (this.resident === undefined) this.resident = ConvResident.create();
    return this.resident;
  }

  perExampleGradient(i: number, out: Float64Array): void {
    // The oracle: the convolution's gradient written out from its definition (the taps), no im2col, no product kernel.
    const K = this.patch;
    const outC = this.outC;
    edgeExample(i, this.batch); // S7 edge (_internal/layer-edge.ts)
    out = edgeFloat64(out, 'out', outC * K + outC);
    const T = this.positions;
    const x = this.input().subarray(i * this.inputSize, (i + 1) * this.inputSize);
    const d = this.delta().subarray(i * this.outputSize, (i + 1) * this.outputSize);
    out.fill(0);
    for (let o = 0; o < outC; o++) {
      for (let t = 0; t < T; t++) out[outC * K + o] = (out[outC * K + o] as number) + (d[o * T + t] as number);
      forEachTap(this.shape, (t, j, pixel) => {
        out[o * K + j] = (out[o * K + j] as number) + (d[o * T + t] as number) * (x[pixel] as number);
      });
    }
  }

  /** Input channels (for building models). */
  get inChannels(): number {
    return this.inC;
  }

  /** Output channels. */
  get outChannels(): number {
    return this.outC;
  }
}

/**
 * out[j] += Σ_{i ∈ rows} scales[i]·grads[i·width + from + j] for j < count, four rows per pass
 * over out (a quarter of the loads and stores of out; binary64 arithmetic on the stored values, binary32
 * ones widened exactly).
 */
function addScaledRows(
  grads: FloatArray,
  width: number,
  rows: readonly number[],
  scales: Float64Array,
  from: number,
  count: number,
  out: Float64Array,
): void {
  let r = 0;
  for (; r + 4 <= rows.length; r += 4) {
    const i0 = rows[r] as number;
    const i1 = rows[r + 1] as number;
    const i2 = rows[r + 2] as number;
    const i3 = rows[r + 3] as number;
    const c0 = scales[i0] as number;
    const c1 = scales[i1] as number;
    const c2 = scales[i2] as number;
    const c3 = scales[i3] as number;
    const a0 = i0 * width + from;
    const a1 = i1 * width + from;
    const a2 = i2 * width + from;
    const a3 = i3 * width + from;
    for (let j = 0; j < count; j++) {
      out[j] =
        (out[j] as number) +
        c0 * (grads[a0 + j] as number) +
        c1 * (grads[a1 + j] as number) +
        c2 * (grads[a2 + j] as number) +
        c3 * (grads[a3 + j] as number);
    }
  }
  for (; r < rows.length; r++) {
    const i = rows[r] as number;
    const c = scales[i] as number;
    const a = i * width + from;
    for (let j = 0; j < count; j++) out[j] = (out[j] as number) + c * (grads[a + j] as number);
  }
}

/**
 * A 2-D convolution with PyTorch's default initialisation U(±1/√(C·k·k)).
 * @param options - shape (channels, height, width, kernel, stride, padding), norm route, randomness, name.
 * @returns the layer; its output is outChannels × outHeight × outWidth per example.
 * @throws DpError INVALID_PARAMETER on a non-integer or non-positive size, a kernel larger than the padded input, or a shape beyond
 * the size limits (`LEARN_SIZE_LIMITS`): a width or the im2col patch matrix T·K above 2²⁴ values, more than 2²⁵ parameters (before allocating).
 * @privacy acts on each example alone; per-example gradient norms by the cheaper of the ghost and materialised routes.
 * @see Li et al., ICLR 2022 (ghost norms for convolutions); Opacus grad samplers.
 * @example
 * const c = conv2d({ inChannels: 1, height: 28, width: 28, outChannels: 16, kernelSize: 8, stride: 2, padding: 3 });
 */
export function conv2d(options: Conv2dOptions): Conv2d {
  return new Conv2d(options);
}
