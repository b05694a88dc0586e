/**
 * 2-D convolution by im2col, with per-example gradients for DP-SGD.
 *
 * Layout: an example is C×H×W values, channel-major (PyTorch's NCHW without
 * N); the weight is stored outC × (C·k·k) (PyTorch's layout, flattened). For
 * example i, im2col gives P_i (T × K: T = OH·OW output positions, K = C·k·k)
 * and the layer computes Z_i = P_i·Wᵀ + b (T × outC), stored channel-major.
 *
 * Per-example gradient: with Δ_i = ∂ℓ_i/∂Z_i (T × outC), g_i = (Δ_iᵀ P_i,
 * Σ_t Δ_i[t]). Its squared norm has two routes, chosen per layer by cost:
 * - **materialised**: form Δ_iᵀP_i (outC × K) and sum squares — T·K·outC per example;
 * - **ghost**: ‖Δ_iᵀP_i‖²_F = ⟨P_iP_iᵀ, Δ_iΔ_iᵀ⟩ (two T × T Gram matrices) —
 *   T²·(K + outC) per example;
 * the cheaper one runs (`normRoute`, or forced by the option). The clipped sum
 * Σ_i c_i g_i is ONE product over the stacked rows: (Δ with row (i, t) scaled
 * by c_i)ᵀ·P, so the materialised gradients are never summed one by one.
 * Rows of a dropped example (c_i = 0) are removed before the product (0·∞).
 * @module
 */
import { DpError } from '../core/index.js';
import { defaultRandomSource, type RandomSource } from '../random/index.js';
import { describeValue } from './_internal/describe.js';
import { addBias, colSums, gemmNN, gemmNT, gemmTN, gemmTNScaled } from './backend.js';
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
  /** Per-example norm route: 'auto' (default, the cheaper), 'ghost' or 'materialised'. */
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
export class Conv2d implements TrainableLayer {
  readonly kind = 'conv2d';
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly parameters: readonly Parameter[];
  readonly inputSize: number;
  readonly outputSize: number;
  /** The largest per-example buffer: the im2col patch matrix T·K, the T·outC positions, or a width. */
  readonly valuesPerExample: number;
  /** Output height and width. */
  readonly outHeight: number;
  readonly outWidth: number;
  /** The norm route this layer uses. */
  readonly normRoute: 'ghost' | 'materialised';
  private readonly inC: number;
  private readonly outC: number;
  private readonly positions: number; // T
  private readonly patch: number; // K
  private readonly index: Int32Array; // T·K source offsets in an example, −1 for padding
  private cols = new Float64Array(0); // (B·T) × K
  private delta = new Float64Array(0); // (B·T) × outC
  private batch = 0;

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
    const route = options.normRoute ?? 'auto';
    if (route !== 'auto' && route !== 'ghost' && route !== 'materialised') {
      throw new DpError('INVALID_PARAMETER', "normRoute must be 'auto', 'ghost' or 'materialised'", { parameter: 'normRoute' });
    }
    // The ghost route holds two T × T Gram matrices ('auto' picks it only when T² < K·outC).
    if (route === 'ghost') checkExampleValues(oh * ow * oh * ow, 'normRoute');
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
    this.valuesPerExample = Math.max(T * K, T * outC, this.inputSize, this.outputSize);
    this.index = new Int32Array(T * K);
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const t = oy * ow + ox;
        for (let c = 0; c < inC; c++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * s - p + ky;
              const ix = ox * s - p + kx;
              const j = (c * k + ky) * k + kx;
              this.index[t * K + j] = iy >= 0 && iy < h && ix >= 0 && ix < w ? (c * h + iy) * w + ix : -1;
            }
      }
    this.normRoute = route === 'auto' ? (T * (K + outC) < K * outC ? 'ghost' : 'materialised') : route;
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
    checkBatchValues(batch, this.valuesPerExample);
    if (input.length !== batch * this.inputSize) {
      throw new DpError('INVALID_PARAMETER', `input must have batch × ${this.inputSize} values`, { parameter: 'input' });
    }
    const T = this.positions;
    const K = this.patch;
    const outC = this.outC;
    const cols = new Float64Array(batch * T * K);
    const idx = this.index;
    for (let i = 0; i < batch; i++) {
      const base = i * this.inputSize;
      const row = i * T * K;
      for (let j = 0; j < T * K; j++) {
        const src = idx[j] as number;
        cols[row + j] = src >= 0 ? (input[base + src] as number) : 0;
      }
    }
    const z = new Float64Array(batch * T * outC);
    gemmNT(cols, this.weight.value, z, batch * T, K, outC);
    addBias(z, this.bias.value, batch * T, outC);
    const out = new Float64Array(batch * this.outputSize);
    for (let i = 0; i < batch; i++)
      for (let t = 0; t < T; t++) for (let o = 0; o < outC; o++) out[i * this.outputSize + o * T + t] = z[(i * T + t) * outC + o] as number;
    this.cols = cols;
    this.batch = batch;
    return out;
  }

  backward(outputGrad: Float64Array, batch: number, needInputGrad = true): Float64Array {
    if (batch !== this.batch || outputGrad.length !== batch * this.outputSize) {
      throw new DpError('INVALID_PARAMETER', 'backward shape differs from the last forward', { parameter: 'outputGrad' });
    }
    const T = this.positions;
    const K = this.patch;
    const outC = this.outC;
    const delta = new Float64Array(batch * T * outC);
    for (let i = 0; i < batch; i++)
      for (let o = 0; o < outC; o++)
        for (let t = 0; t < T; t++) delta[(i * T + t) * outC + o] = outputGrad[i * this.outputSize + o * T + t] as number;
    this.delta = delta;
    const inputGrad = new Float64Array(batch * this.inputSize);
    if (!needInputGrad) return inputGrad;
    const dcols = new Float64Array(batch * T * K);
    gemmNN(delta, this.weight.value, dcols, batch * T, outC, K);
    const idx = this.index;
    for (let i = 0; i < batch; i++) {
      const base = i * this.inputSize;
      const row = i * T * K;
      for (let j = 0; j < T * K; j++) {
        const dst = idx[j] as number;
        if (dst >= 0) inputGrad[base + dst] = (inputGrad[base + dst] as number) + (dcols[row + j] as number);
      }
    }
    return inputGrad;
  }

  perExampleSquaredNorms(out: Float64Array): void {
    const T = this.positions;
    const K = this.patch;
    const outC = this.outC;
    const gram = this.normRoute === 'ghost';
    const g1 = new Float64Array(gram ? T * T : outC * K);
    const g2 = new Float64Array(gram ? T * T : 0);
    for (let i = 0; i < this.batch; i++) {
      const p = this.cols.subarray(i * T * K, (i + 1) * T * K);
      const d = this.delta.subarray(i * T * outC, (i + 1) * T * outC);
      let s = 0;
      if (gram) {
        gemmNT(p, p, g1, T, K, T);
        gemmNT(d, d, g2, T, outC, T);
        for (let j = 0; j < T * T; j++) s += (g1[j] as number) * (g2[j] as number);
      } else {
        gemmTN(d, p, g1, outC, T, K);
        for (const x of g1) s += x * x;
      }
      for (let o = 0; o < outC; o++) {
        let b = 0;
        for (let t = 0; t < T; t++) b += d[t * outC + o] as number;
        s += b * b;
      }
      out[i] = s;
    }
  }

  accumulateScaledGradients(scales: Float64Array): void {
    if (scales.length !== this.batch)
      throw new DpError('INVALID_PARAMETER', 'scales must have one entry per example', { parameter: 'scales' });
    const T = this.positions;
    const K = this.patch;
    const outC = this.outC;
    const keep: number[] = [];
    for (let i = 0; i < this.batch; i++) if (scales[i] !== 0) keep.push(i);
    if (keep.length === 0) return;
    let cols = this.cols;
    let delta = this.delta;
    if (keep.length !== this.batch) {
      cols = new Float64Array(keep.length * T * K);
      delta = new Float64Array(keep.length * T * outC);
      keep.forEach((i, r) => {
        cols.set(this.cols.subarray(i * T * K, (i + 1) * T * K), r * T * K);
        delta.set(this.delta.subarray(i * T * outC, (i + 1) * T * outC), r * T * outC);
      });
    }
    const rows = keep.length * T;
    const s = new Float64Array(rows);
    keep.forEach((i, r) => {
      s.fill(scales[i] as number, r * T, (r + 1) * T);
    });
    gemmTNScaled(delta, cols, s, this.weight.grad, outC, rows, K, true);
    colSums(delta, rows, outC, this.bias.grad, s, true);
  }

  perExampleGradient(i: number, out: Float64Array): void {
    const T = this.positions;
    const K = this.patch;
    const outC = this.outC;
    if (out.length !== outC * K + outC)
      throw new DpError('INVALID_PARAMETER', `out must have length ${outC * K + outC}`, { parameter: 'out' });
    const p = this.cols.subarray(i * T * K, (i + 1) * T * K);
    const d = this.delta.subarray(i * T * outC, (i + 1) * T * outC);
    const w = out.subarray(0, outC * K);
    gemmTN(d, p, w, outC, T, K);
    for (let o = 0; o < outC; o++) {
      let b = 0;
      for (let t = 0; t < T; t++) b += d[t * outC + o] as number;
      out[outC * K + o] = b;
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
