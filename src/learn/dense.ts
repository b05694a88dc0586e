/**
 * The dense (fully connected) layer z = a·W + b, with W stored
 * inputSize × outputSize, and its per-example gradient algebra.
 *
 * Example i's gradient is rank one: ∂ℓ_i/∂W = a_iᵀ δ_i and ∂ℓ_i/∂b = δ_i,
 * where a_i is its input row and δ_i = ∂ℓ_i/∂z_i. Hence, without forming any
 * per-example gradient (ghost norms, Goodfellow 2015; Li et al. 2022):
 * ‖g_i‖² = ‖a_i‖²·‖δ_i‖² + ‖δ_i‖² = (‖a_i‖² + 1)·‖δ_i‖², and a weighted sum
 * Σ_i s_i g_i = (Aᵀ (s ⊙ Δ), Σ_i s_i δ_i) is one transposed matmul.
 *
 * Two routes, chosen per pass at forward: on the WebAssembly SIMD kernels the
 * forward product and the input gradient run in binary32, with a_i and δ_i
 * stored as binary32 in the layer's own module instance (dense-resident.ts);
 * the norms and the clipped sum are binary64 over exactly those stored values
 * (dense-binary32.proof.md). With the reference kernels everything is binary64
 * (the test oracle).
 *
 * On Sequential's binary32 path (binary32-path.ts) Dense is a `product`, as Conv2d: on the wasm route its
 * output fl32(a)·fl32(W) + fl32(b) and its input gradient fl32(Δ)·fl32(W)ᵀ are binary32 values, and it rounds
 * what it takes (a, Δ) to binary32 before any use — so forward32/backward32 give those as binary32 arrays
 * and take binary32 arrays as they are, computing the same values as forward/backward (the stored a_i and
 * δ_i, hence the norms and the clipped sum, are unchanged). In the MNIST CNN this puts conv2 → ReLU →
 * pool 2 → fc1 and fc1 → ReLU → fc2 on the path; in the MLP, each Dense → ReLU → Dense.
 * @module
 */
import { DpError } from '../core/index.js';
import { defaultRandomSource, type RandomSource } from '../random/index.js';
import { Scratch, Scratch32 } from './_internal/buffers.js';
import { describeValue } from './_internal/describe.js';
import { edgeBatch, edgeExample, edgeFloat64, edgeFloatInput } from './_internal/layer-edge.js';
import { SQUARED_NORM_FLOOR } from './_internal/norm-floor.js';
import { checkName, checkObject } from './_internal/validate.js';
import { addBias, colSums, gemmNN, gemmNT, gemmTNScaled, kernelBackend, rowNorms2 } from './backend.js';
import { DenseResident } from './dense-resident.js';
import { fillUniform } from './init.js';
import type { FloatArray } from './kernels.js';
import type { Parameter, TrainableLayer } from './layer.js';
import { checkBatchValues, checkExampleValues, checkParameterCount } from './size-limits.js';

/** Options of {@link dense}. */
export interface DenseOptions {
  /** Randomness for the initial weights (default: the platform CSPRNG). */
  rng?: RandomSource;
  /** A name prefix for the parameters (default 'dense'). */
  name?: string;
}

function checkWidth(x: number, name: string): void {
  if (!Number.isSafeInteger(x) || x < 1) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an integer ≥ 1, got ${describeValue(x)}`, { parameter: name });
  }
  checkExampleValues(x, name);
}

const EMPTY = new Float64Array(0);

/** A dense layer; build it with {@link dense}. */
export class Dense implements TrainableLayer {
  readonly kind = 'dense';
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly parameters: readonly Parameter[];
  private input: Float64Array = new Float64Array(0);
  private delta: Float64Array = new Float64Array(0);
  private batch = 0;
  private readonly outScratch = new Scratch();
  private readonly inputGradScratch = new Scratch();
  private readonly out32 = new Scratch32();
  private readonly inputGrad32 = new Scratch32();
  /** On Sequential's binary32 path: a `product` (see the module's text). */
  readonly binary32Role = 'product' as const;
  /** The binary32 route's module instance (made on the first forward on the wasm kernels). */
  private resident: DenseResident | null | undefined;
  /** Which route the current pass took (set by forward, kept by backward). */
  private binary32 = false;

  constructor(
    readonly inputSize: number,
    readonly outputSize: number,
    options: DenseOptions = {},
  ) {
    checkWidth(inputSize, 'inputSize');
    checkWidth(outputSize, 'outputSize');
    checkParameterCount(inputSize * outputSize + outputSize, 'outputSize'); // before any allocation (size-limits.ts)
    checkObject(options, 'options');
    checkName(options.name);
    const name = options.name ?? 'dense';
    this.weight = {
      name: `${name}.weight`,
      value: new Float64Array(inputSize * outputSize),
      grad: new Float64Array(inputSize * outputSize),
    };
    this.bias = { name: `${name}.bias`, value: new Float64Array(outputSize), grad: new Float64Array(outputSize) };
    this.parameters = [this.weight, this.bias];
    const rng = options.rng ?? defaultRandomSource();
    const bound = 1 / Math.sqrt(inputSize);
    fillUniform(this.weight.value, bound, rng);
    fillUniform(this.bias.value, bound, rng);
  }

  forward(input: FloatArray, batch: number): Float64Array {
    input = this.forwardChecks(input, batch);
    const out = this.outScratch.take(batch * this.outputSize);
    if (this.#forwardResident(input, batch, out)) return out;
    this.input = input instanceof Float64Array ? input : Float64Array.from(input);
    gemmNN(this.input, this.weight.value, out, batch, this.inputSize, this.outputSize);
    addBias(out, this.bias.value, batch, this.outputSize);
    return out;
  }

  /** As forward, the output given as binary32 (a view owned by the layer); null off the wasm kernels (never on the path). */
  forward32(input: FloatArray, batch: number): Float32Array | null {
    input = this.forwardChecks(input, batch);
    if (kernelBackend() !== 'wasm') return null;
    const out = this.out32.take(batch * this.outputSize);
    this.#forwardResident(input, batch, out);
    return out;
  }

  /** The forward's edge checks (S7, _internal/layer-edge.ts: arguments read once, totally, before anything else). */
  private forwardChecks(input: FloatArray, batch: number): FloatArray {
    edgeBatch(batch);
    checkBatchValues(batch, Math.max(this.inputSize, this.outputSize));
    input = edgeFloatInput(input, 'input', batch * this.inputSize);
    this.batch = batch;
    return input;
  }

  /**
   * The binary32 route (the input copied in as binary32: a Float32Array as it is, a Float64Array rounded) when the
   * wasm kernels run; false otherwise. The route is a function of public choices only (the kernel backend, and
   * whether this layer's module instance and its working set of DENSE_BLOCK_ROWS rows could be made — a function
   * of the shape, refused INTERNAL otherwise, and made by the trainer's public pass at makePrivate): never of the
   * batch, which runs in blocks of that public size whatever memory is left (review ML M18/M19,
   * dense-binary32.proof.md).
   */
  #forwardResident(input: FloatArray, batch: number, out: FloatArray): boolean {
    this.binary32 = false;
    if (kernelBackend() !== 'wasm') return false;
    if (this.resident === undefined) this.resident = DenseResident.create(this.inputSize, this.outputSize);
    // No instance although the kernels are loaded: refused (not the shared binary64 wasm products, whose
    // arena may fail for one batch size and not another).
    if (!this.resident) throw new DpError('INTERNAL', 'Dense: a WebAssembly instance for this layer could not be made');
    this.resident.forward(input, this.weight.value, this.bias.value, out, batch);
    this.input = EMPTY; // the route reads the stored binary32 rows only
    this.binary32 = true;
    return true;
  }

  backward(outputGrad: Float64Array, batch: number, needInputGrad = true): Float64Array {
    if (batch !== this.batch)
      throw new DpError('INVALID_PARAMETER', 'backward batch differs from the last forward', { parameter: 'batch' });
    outputGrad = edgeFloat64(outputGrad, 'outputGrad', batch * this.outputSize); // S7 edge (_internal/layer-edge.ts)
    const inputGrad = this.inputGradScratch.take(batch * this.inputSize);
    if (this.binary32) {
      this.backwardResident(outputGrad, batch, needInputGrad ? inputGrad : null);
      return inputGrad;
    }
    this.delta = outputGrad;
    // The first layer's input gradient is not needed (the data are not trained): skipped.
    if (needInputGrad) gemmNT(outputGrad, this.weight.value, inputGrad, batch, this.outputSize, this.inputSize);
    return inputGrad;
  }

  /**
   * As backward after a binary32-route forward of this batch: the output gradient given as binary32 or binary64, the
   * input gradient as binary32 (a view owned by the layer; empty when needInputGrad is false).
   */
  backward32(outputGrad: FloatArray, batch: number, needInputGrad = true): Float32Array {
    if (batch !== this.batch)
      throw new DpError('INVALID_PARAMETER', 'backward batch differs from the last forward', { parameter: 'batch' });
    outputGrad = edgeFloatInput(outputGrad, 'outputGrad', batch * this.outputSize); // S7 edge (_internal/layer-edge.ts)
    if (!this.binary32) throw new DpError('INTERNAL', 'Dense: backward32 without a binary32 forward of this batch');
    const inputGrad = needInputGrad ? this.inputGrad32.take(batch * this.inputSize) : new Float32Array(0);
    this.backwardResident(outputGrad, batch, needInputGrad ? inputGrad : null);
    return inputGrad;
  }

  private backwardResident(outputGrad: FloatArray, batch: number, inputGrad: FloatArray | null): void {
    this.delta = EMPTY; // the route reads the stored binary32 rows only
    if (!this.resident?.backward(outputGrad, this.weight.value, inputGrad, batch))
      throw new DpError('INTERNAL', 'Dense: backward without the forward of this batch');
  }

  perExampleSquaredNorms(out: Float64Array): void {
    out = edgeFloat64(out, 'out', this.batch); // S7 edge (_internal/layer-edge.ts)
    const a2 = new Float64Array(this.batch);
    if (this.binary32 && this.resident) this.resident.squaredNorms(a2, out, this.batch);
    else {
      rowNorms2(this.input, this.batch, this.inputSize, a2);
      rowNorms2(this.delta, this.batch, this.outputSize, out);
    }
    // ‖δ‖² is raised to 2⁻⁹⁶⁸ first: its squares may underflow (absolute error ≤ n·2⁻¹⁰⁷⁵), and the
    // product with ‖a‖² + 1 (up to 2¹⁰²⁴) would scale that error out of any relative margin.
    for (let i = 0; i < this.batch; i++) {
      const d2 = out[i] as number;
      out[i] = ((a2[i] as number) + 1) * Math.max(d2, SQUARED_NORM_FLOOR);
    }
  }

  /**
   * ‖a‖² + 1: n_in + 2 roundings (its squares' underflow is ≤ u·1); the floored ‖δ‖²: n_out + 1; their
   * product: 1. The summed vector is the exact a_iᵀδ_i, each coordinate fl(a·fl(c·δ)) (two roundings).
   */
  get squaredNormRoundings(): number {
    return this.inputSize + this.outputSize + 4;
  }

  accumulateScaledGradients(scales: Float64Array): void {
    scales = edgeFloat64(scales, 'scales', this.batch); // S7 edge (_internal/layer-edge.ts): one entry per example
    // Rows with scale 0 are left out entirely (not multiplied by 0): a dropped
    // example may hold non-finite values, and 0·∞ would poison the sum.
    if (this.binary32 && this.resident) {
      this.resident.accumulate(scales, this.weight.grad, this.bias.grad, this.batch);
      return;
    }
    let input = this.input;
    let delta = this.delta;
    let kept = scales;
    let rows = this.batch;
    if (scales.some((s) => s === 0)) {
      const keep: number[] = [];
      for (let i = 0; i < this.batch; i++) if (scales[i] !== 0) keep.push(i);
      rows = keep.length;
      input = new Float64Array(rows * this.inputSize);
      delta = new Float64Array(rows * this.outputSize);
      kept = new Float64Array(rows);
      keep.forEach((i, r) => {
        input.set(this.input.subarray(i * this.inputSize, (i + 1) * this.inputSize), r * this.inputSize);
        delta.set(this.delta.subarray(i * this.outputSize, (i + 1) * this.outputSize), r * this.outputSize);
        kept[r] = scales[i] as number;
      });
    }
    gemmTNScaled(input, delta, kept, this.weight.grad, this.inputSize, rows, this.outputSize, true);
    colSums(delta, rows, this.outputSize, this.bias.grad, kept, true);
  }

  perExampleGradient(i: number, out: Float64Array): void {
    const n = this.outputSize;
    const m = this.inputSize;
    edgeExample(i, this.batch); // S7 edge (_internal/layer-edge.ts)
    out = edgeFloat64(out, 'out', m * n + n);
    // The gradient of this pass's route: on the binary32 route, of the stored binary32 rows (products exact).
    const rows = this.binary32 && this.resident ? this.resident.rows(i, this.batch) : null;
    const input = rows ? rows.a : this.input.subarray(i * m, (i + 1) * m);
    const delta = rows ? rows.d : this.delta.subarray(i * n, (i + 1) * n);
    for (let r = 0; r < m; r++) {
      const a = input[r] as number;
      for (let c = 0; c < n; c++) out[r * n + c] = a * (delta[c] as number);
    }
    for (let c = 0; c < n; c++) out[m * n + c] = delta[c] as number;
  }
}

/**
 * A dense layer with PyTorch's default initialisation U(±1/√inputSize).
 * @param inputSize - width of an input row, an integer ≥ 1.
 * @param outputSize - width of an output row, an integer ≥ 1.
 * @param options - randomness and name.
 * @returns the layer.
 * @throws DpError INVALID_PARAMETER when a width is not an integer ≥ 1, or the layer exceeds
 * the size limits (`LEARN_SIZE_LIMITS`: a width above 2²⁴, more than 2²⁵ parameters), before allocating.
 * @privacy data-independent initialisation; the gradients it exposes are per example.
 * @see Goodfellow, "Efficient per-example gradient computations" (2015).
 * @example
 * const layer = dense(784, 512);
 */
export function dense(inputSize: number, outputSize: number, options: DenseOptions = {}): Dense {
  return new Dense(inputSize, outputSize, options);
}
