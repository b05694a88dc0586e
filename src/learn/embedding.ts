/**
 * Embedding: each example is a sequence of L token ids (stored as numbers in
 * the input row); the output is the L looked-up rows of a vocab × dim table.
 * A value that is not an integer in [0, vocab) is a value rule, not a refusal:
 * it maps to the zero vector and contributes no gradient (whether a run
 * happens never depends on one example's data).
 *
 * Per-example gradient: sparse, row v gets Σ_{t: x_t = v} δ_t; its squared norm
 * is Σ_v ‖Σ_{t: x_t = v} δ_t‖² (tokens repeated in a sequence are summed first).
 * @module
 */
import { DpError } from '../core/index.js';
import { defaultRandomSource, type RandomSource } from '../random/index.js';
import { describeValue } from './_internal/describe.js';
import { edgeBatch, edgeExample, edgeFloat64, edgeFloatInput } from './_internal/layer-edge.js';
import type { FloatArray } from './kernels.js';
import type { Parameter, TrainableLayer } from './layer.js';
import { checkBatchValues, checkExampleValues, checkParameterCount } from './size-limits.js';

/** Options of {@link embedding}. */
export interface EmbeddingOptions {
  /** Randomness for the N(0, 1)-like initial table (default: the platform CSPRNG). */
  rng?: RandomSource;
  /** Parameter name prefix (default 'embedding'). */
  name?: string;
}

/** An embedding table; build it with {@link embedding}. */
export class Embedding implements TrainableLayer {
  readonly kind = 'embedding';
  readonly weight: Parameter;
  readonly parameters: readonly Parameter[];
  readonly inputSize: number;
  readonly outputSize: number;
  private tokens = new Int32Array(0); // −1 for an invalid value
  private delta: Float64Array = new Float64Array(0);
  private batch = 0;

  constructor(
    readonly vocab: number,
    readonly dim: number,
    readonly length: number,
    options: EmbeddingOptions = {},
  ) {
    for (const [x, n] of [
      [vocab, 'vocab'],
      [dim, 'dim'],
      [length, 'length'],
    ] as const) {
      if (!(typeof x === 'number' && Number.isSafeInteger(x) && x >= 1)) {
        throw new DpError('INVALID_PARAMETER', `${n} must be an integer ≥ 1, got ${describeValue(x)}`, { parameter: n });
      }
    }
    // Size limits (size-limits.ts), before the table is allocated and initialised.
    checkParameterCount(vocab * dim, 'vocab');
    checkExampleValues(length * dim, 'length');
    this.inputSize = length;
    this.outputSize = length * dim;
    const name = options.name ?? 'embedding';
    this.weight = { name: `${name}.weight`, value: new Float64Array(vocab * dim), grad: new Float64Array(vocab * dim) };
    this.parameters = [this.weight];
    const rng = options.rng ?? defaultRandomSource();
    // Irwin–Hall(12) − 6: mean 0, variance 1 (public initialisation).
    for (let j = 0; j < this.weight.value.length; j++) {
      let s = -6;
      for (let r = 0; r < 12; r++) s += rng.nextUint32() / 2 ** 32;
      this.weight.value[j] = s;
    }
  }

  forward(input: FloatArray, batch: number): Float64Array {
    edgeBatch(batch); // S7 edge (_internal/layer-edge.ts): arguments read once, totally, before anything else
    checkBatchValues(batch, this.outputSize);
    input = edgeFloatInput(input, 'input', batch * this.length);
    const tokens = new Int32Array(input.length);
    const out = new Float64Array(batch * this.outputSize);
    for (let j = 0; j < input.length; j++) {
      const v = input[j] as number;
      const ok = Number.isInteger(v) && v >= 0 && v < this.vocab;
      tokens[j] = ok ? v : -1;
      if (ok) out.set(this.weight.value.subarray(v * this.dim, (v + 1) * this.dim), j * this.dim);
    }
    this.tokens = tokens;
    this.batch = batch;
    return out;
  }

  backward(outputGrad: Float64Array, batch: number): Float64Array {
    if (batch !== this.batch) {
      throw new DpError('INVALID_PARAMETER', 'backward shape differs from the last forward', { parameter: 'outputGrad' });
    }
    outputGrad = edgeFloat64(outputGrad, 'outputGrad', batch * this.outputSize); // S7 edge (_internal/layer-edge.ts)
    this.delta = outputGrad;
    return new Float64Array(batch * this.inputSize); // token ids are not differentiable
  }

  /** Example i's sparse gradient: token → Σ δ_t over its positions. */
  private rows(i: number): Map<number, Float64Array> {
    const m = new Map<number, Float64Array>();
    for (let t = 0; t < this.length; t++) {
      const v = this.tokens[i * this.length + t] as number;
      if (v < 0) continue;
      let row = m.get(v);
      if (!row) {
        row = new Float64Array(this.dim);
        m.set(v, row);
      }
      const off = (i * this.length + t) * this.dim;
      for (let d = 0; d < this.dim; d++) row[d] = (row[d] as number) + (this.delta[off + d] as number);
    }
    return m;
  }

  perExampleSquaredNorms(out: Float64Array): void {
    out = edgeFloat64(out, 'out', this.batch); // S7 edge (_internal/layer-edge.ts)
    for (let i = 0; i < this.batch; i++) {
      let s = 0;
      for (const row of this.rows(i).values()) for (const x of row) s += x * x;
      out[i] = s;
    }
  }

  /** At most length·dim squares (one row of dim values per distinct token); the sum is over those rows, f·row[d] (one rounding). */
  get squaredNormRoundings(): number {
    return this.length * this.dim;
  }

  accumulateScaledGradients(scales: Float64Array): void {
    scales = edgeFloat64(scales, 'scales', this.batch); // S7 edge (_internal/layer-edge.ts): one entry per example
    for (let i = 0; i < this.batch; i++) {
      const f = scales[i] as number;
      if (f === 0) continue;
      for (const [v, row] of this.rows(i)) {
        for (let d = 0; d < this.dim; d++)
          this.weight.grad[v * this.dim + d] = (this.weight.grad[v * this.dim + d] as number) + f * (row[d] as number);
      }
    }
  }

  perExampleGradient(i: number, out: Float64Array): void {
    edgeExample(i, this.batch); // S7 edge (_internal/layer-edge.ts)
    out = edgeFloat64(out, 'out', this.vocab * this.dim);
    out.fill(0);
    for (const [v, row] of this.rows(i)) out.set(row, v * this.dim);
  }
}

/**
 * An embedding of `length` token ids per example into `dim` values each.
 * @param vocab - the number of tokens.
 * @param dim - the embedding width.
 * @param length - tokens per example.
 * @param options - randomness and name.
 * @returns the layer (output length·dim per example).
 * @throws DpError INVALID_PARAMETER when a size is not an integer ≥ 1, the table has more than 2²⁵ values or an example's output more than 2²⁴ (the size limits (`LEARN_SIZE_LIMITS`)).
 * @privacy per example; an invalid token id maps to zeros (a value rule, never a refusal).
 * @example
 * new Sequential([embedding(1000, 16, 20), dense(320, 2)], softmaxCrossEntropy(2));
 */
export function embedding(vocab: number, dim: number, length: number, options: EmbeddingOptions = {}): Embedding {
  return new Embedding(vocab, dim, length, options);
}
