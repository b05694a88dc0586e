/**
 * GroupNorm and LayerNorm: normalisation WITHIN one example (never across the
 * batch, unlike BatchNorm, which cannot be built here: see `validate.ts`).
 *
 * An example is C channels × S spatial values (channel-major). GroupNorm with
 * G groups normalises each group of C/G channels over its (C/G)·S values;
 * LayerNorm over F features is the case G = 1, C = F, S = 1 (affine per
 * feature). y = γ_c·x̂ + β_c with x̂ = (x − μ)/√(σ² + ε) (biased variance).
 *
 * Per-example gradients are small (2C values: ∂ℓ_i/∂γ_c = Σ_s δ·x̂,
 * ∂ℓ_i/∂β_c = Σ_s δ), so they are materialised after backward; norms and the
 * clipped sum are computed from them (dropped examples are skipped, never
 * multiplied by 0).
 * @module
 */
import { DpError } from '../core/index.js';
import { describeValue } from './_internal/describe.js';
import { edgeBatch, edgeExample, edgeFloat64, edgeFloatInput } from './_internal/layer-edge.js';
import { checkName } from './_internal/validate.js';
import type { FloatArray } from './kernels.js';
import type { Parameter, TrainableLayer } from './layer.js';
import { checkBatchValues, checkExampleValues } from './size-limits.js';

function positiveInt(x: unknown, name: string): number {
  if (!(typeof x === 'number' && Number.isSafeInteger(x) && x >= 1)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an integer ≥ 1, got ${describeValue(x)}`, { parameter: name });
  }
  return x;
}

/** A normalisation layer; build it with {@link groupNorm} or {@link layerNorm}. */
export class Normalization implements TrainableLayer {
  readonly gamma: Parameter;
  readonly beta: Parameter;
  readonly parameters: readonly Parameter[];
  readonly inputSize: number;
  readonly outputSize: number;
  /** The largest per-example buffer: the input, or the 2C per-example gradient. */
  readonly valuesPerExample: number;
  private xhat = new Float64Array(0);
  private invStd = new Float64Array(0); // per (example, group)
  private grads = new Float64Array(0); // B × 2C per-example gradients
  private batch = 0;

  constructor(
    readonly kind: 'groupNorm' | 'layerNorm',
    readonly groups: number,
    readonly channels: number,
    readonly spatial: number,
    readonly epsilon: number,
    name: string,
  ) {
    positiveInt(groups, 'groups');
    positiveInt(channels, 'channels');
    positiveInt(spatial, 'spatial');
    if (channels % groups !== 0) throw new DpError('INVALID_PARAMETER', 'channels must be a multiple of groups', { parameter: 'groups' });
    if (!(typeof epsilon === 'number' && Number.isFinite(epsilon) && epsilon > 0)) {
      throw new DpError('INVALID_PARAMETER', `epsilon must be a finite number > 0, got ${describeValue(epsilon)}`, {
        parameter: 'epsilon',
      });
    }
    checkName(name);
    // Size limits (size-limits.ts): an example's C·S values and its 2C per-example gradient.
    checkExampleValues(channels * spatial, 'spatial');
    checkExampleValues(2 * channels, 'channels');
    this.inputSize = channels * spatial;
    this.outputSize = this.inputSize;
    this.valuesPerExample = Math.max(this.inputSize, 2 * channels);
    this.gamma = { name: `${name}.weight`, value: new Float64Array(channels).fill(1), grad: new Float64Array(channels) };
    this.beta = { name: `${name}.bias`, value: new Float64Array(channels), grad: new Float64Array(channels) };
    this.parameters = [this.gamma, this.beta];
  }

  private get groupSize(): number {
    return (this.channels / this.groups) * this.spatial;
  }

  forward(input: FloatArray, batch: number): Float64Array {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts): arguments read once, totally, before anything else
    checkBatchValues(batch, this.valuesPerExample);
    input = edgeFloatInput(input, 'input', batch * this.inputSize);
    const n = this.groupSize;
    const out = new Float64Array(input.length);
    const xhat = new Float64Array(input.length);
    const invStd = new Float64Array(batch * this.groups);
    for (let i = 0; i < batch; i++)
      for (let g = 0; g < this.groups; g++) {
        const start = i * this.inputSize + g * n;
        let mean = 0;
        for (let j = 0; j < n; j++) mean += input[start + j] as number;
        mean /= n;
        let v = 0;
        for (let j = 0; j < n; j++) v += ((input[start + j] as number) - mean) ** 2;
        const r = 1 / Math.sqrt(v / n + this.epsilon);
        invStd[i * this.groups + g] = r;
        for (let j = 0; j < n; j++) xhat[start + j] = ((input[start + j] as number) - mean) * r;
      }
    for (let i = 0; i < batch; i++)
      for (let c = 0; c < this.channels; c++) {
        const gm = this.gamma.value[c] as number;
        const bt = this.beta.value[c] as number;
        const start = i * this.inputSize + c * this.spatial;
        for (let s = 0; s < this.spatial; s++) out[start + s] = gm * (xhat[start + s] as number) + bt;
      }
    this.xhat = xhat;
    this.invStd = invStd;
    this.batch = batch;
    return out;
  }

  backward(outputGrad: Float64Array, batch: number): Float64Array {
    if (batch !== this.batch) {
      throw new DpError('INVALID_PARAMETER', 'backward shape differs from the last forward', { parameter: 'outputGrad' });
    }
    outputGrad = edgeFloat64(outputGrad, 'outputGrad', batch * this.inputSize); // S7 edge (_internal/layer-edge.ts)
    const C = this.channels;
    const S = this.spatial;
    const n = this.groupSize;
    const grads = new Float64Array(batch * 2 * C);
    const dxhat = new Float64Array(outputGrad.length);
    for (let i = 0; i < batch; i++)
      for (let c = 0; c < C; c++) {
        let dg = 0;
        let db = 0;
        const gm = this.gamma.value[c] as number;
        const start = i * this.inputSize + c * S;
        for (let s = 0; s < S; s++) {
          const d = outputGrad[start + s] as number;
          dg += d * (this.xhat[start + s] as number);
          db += d;
          dxhat[start + s] = d * gm;
        }
        grads[i * 2 * C + c] = dg;
        grads[i * 2 * C + C + c] = db;
      }
    this.grads = grads;
    const dx = new Float64Array(outputGrad.length);
    for (let i = 0; i < batch; i++)
      for (let g = 0; g < this.groups; g++) {
        const start = i * this.inputSize + g * n;
        let m1 = 0;
        let m2 = 0;
        for (let j = 0; j < n; j++) {
          m1 += dxhat[start + j] as number;
          m2 += (dxhat[start + j] as number) * (this.xhat[start + j] as number);
        }
        m1 /= n;
        m2 /= n;
        const r = this.invStd[i * this.groups + g] as number;
        for (let j = 0; j < n; j++) dx[start + j] = r * ((dxhat[start + j] as number) - m1 - (this.xhat[start + j] as number) * m2);
      }
    return dx;
  }

  perExampleSquaredNorms(out: Float64Array): void {
    out = edgeFloat64(out, 'out', this.batch); // S7 edge (_internal/layer-edge.ts)
    const w = 2 * this.channels;
    for (let i = 0; i < this.batch; i++) {
      let s = 0;
      for (let j = 0; j < w; j++) s += (this.grads[i * w + j] as number) ** 2;
      out[i] = s;
    }
  }

  /** 2·channels squares of the stored per-example (γ, β) gradient; the sum is over those values, f·g (one rounding). */
  get squaredNormRoundings(): number {
    return 2 * this.channels;
  }

  accumulateScaledGradients(scales: Float64Array): void {
    scales = edgeFloat64(scales, 'scales', this.batch); // S7 edge (_internal/layer-edge.ts): one entry per example
    const C = this.channels;
    for (let i = 0; i < this.batch; i++) {
      const f = scales[i] as number;
      if (f === 0) continue; // dropped: never 0·∞
      for (let c = 0; c < C; c++) {
        this.gamma.grad[c] = (this.gamma.grad[c] as number) + f * (this.grads[i * 2 * C + c] as number);
        this.beta.grad[c] = (this.beta.grad[c] as number) + f * (this.grads[i * 2 * C + C + c] as number);
      }
    }
  }

  perExampleGradient(i: number, out: Float64Array): void {
    const w = 2 * this.channels;
    edgeExample(i, this.batch); // S7 edge (_internal/layer-edge.ts)
    out = edgeFloat64(out, 'out', w);
    out.set(this.grads.subarray(i * w, (i + 1) * w));
  }
}

/**
 * GroupNorm over C channels × S spatial values per example, in G groups (γ = 1, β = 0 initially).
 * @param groups - G, dividing channels.
 * @param channels - C.
 * @param spatial - S, values per channel (H·W); 1 for flat features.
 * @param epsilon - ε added to the variance (default 1e-5).
 * @param name - parameter name prefix (default 'groupNorm').
 * @returns the layer.
 * @throws DpError INVALID_PARAMETER on bad sizes or ε, or more than 2²⁴ values per example (the size limits (`LEARN_SIZE_LIMITS`)).
 * @privacy normalises within one example: no example affects another's output.
 * @example
 * groupNorm(4, 16, 13 * 13);
 */
export function groupNorm(groups: number, channels: number, spatial: number, epsilon = 1e-5, name = 'groupNorm'): Normalization {
  return new Normalization('groupNorm', groups, channels, spatial, epsilon, name);
}

/**
 * LayerNorm over the F features of each example (per-feature γ, β).
 * @param features - F.
 * @param epsilon - ε (default 1e-5).
 * @param name - parameter name prefix (default 'layerNorm').
 * @returns the layer.
 * @throws DpError INVALID_PARAMETER on bad sizes or ε, or more than 2²⁴ values per example (the size limits (`LEARN_SIZE_LIMITS`)).
 * @privacy normalises within one example.
 * @example
 * layerNorm(64);
 */
export function layerNorm(features: number, epsilon = 1e-5, name = 'layerNorm'): Normalization {
  return new Normalization('layerNorm', 1, features, 1, epsilon, name);
}
