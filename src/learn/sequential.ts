/**
 * A model: a stack of layers and a per-example loss. `forwardBackward` runs a
 * batch through both passes and leaves every trainable layer holding its
 * inputs and per-example output gradients, ready for the clipping engine.
 * @module
 */
import { DpError } from '../core/index.js';
import { edgeRead, edgeTypedArray } from '../numeric/edge.js';
import { Scratch } from './_internal/buffers.js';
import { FLOAT64 } from './_internal/layer-edge.js';
import { kernelBackend } from './backend.js';
import {
  type Binary32Layer,
  type Binary32Segment,
  binary32PathEnabled,
  binary32Segments,
  type ReluFusingLayer,
  reluFusions,
} from './binary32-path.js';
import type { FloatArray } from './kernels.js';
import type { Layer, Parameter, TrainableLayer } from './layer.js';
import { isTrainable } from './layer.js';
import type { Loss } from './losses.js';
import { checkBatchValues, checkExampleValues, checkParameterCount, layerValuesPerExample, maxRowsPerBuffer } from './size-limits.js';

/** A batch of examples: rows of `inputs` (batch × inputSize) and their labels. */
export interface Batch {
  readonly inputs: Float64Array;
  readonly labels: Int32Array;
  readonly size: number;
}

/** A layer stack with a loss; see {@link Sequential.forwardBackward}. */
export class Sequential {
  readonly layers: readonly Layer[];
  readonly loss: Loss;
  /** The layers with parameters, in order (the clipping groups for per-layer clipping). */
  readonly trainable: readonly TrainableLayer[];
  /** The largest buffer one example occupies in any layer (size-limits.ts); a batch allocates at most rows × this per buffer. */
  readonly valuesPerExample: number;
  /** The runs of layers whose activations travel as binary32 on the wasm kernels (binary32-path.ts); from the layers' kinds only. */
  private readonly segments: readonly Binary32Segment[];
  private readonly fusedRelu: readonly boolean[]; // layer i, a ReLU, runs inside the max pooling i + 1 (binary32-path.ts)
  private edges32: boolean[] = []; // edge i (layer i → i + 1) carried binary32 in the last forward
  private readonly gradWide = new Scratch(); // a segment start's input gradient, widened for the layer before it

  /**
   * @param layers - the stack; each layer's inputSize must equal the previous outputSize.
   * @param loss - the per-example loss on the last layer's output.
   * @throws DpError INVALID_PARAMETER on an empty stack, mismatched widths, a model beyond the size limits (`LEARN_SIZE_LIMITS`: more than 2²⁵ parameters, a per-example buffer above 2²⁴), a layer that mixes examples (BatchNorm, or one declaring `mixesExamples`), or a parameterised layer the clipping engine cannot handle (no per-example gradients, or no `squaredNormRoundings` in [0, 2³⁶]).
   */
  constructor(layers: readonly Layer[], loss: Loss) {
    if (layers.length === 0) throw new DpError('INVALID_PARAMETER', 'a model needs at least one layer', { parameter: 'layers' });
    for (let i = 1; i < layers.length; i++) {
      const prev = layers[i - 1] as Layer;
      const cur = layers[i] as Layer;
      if (prev.outputSize !== cur.inputSize) {
        throw new DpError(
          'INVALID_PARAMETER',
          `layer ${i} (${cur.kind}) takes ${cur.inputSize} inputs but layer ${i - 1} gives ${prev.outputSize}`,
          {
            parameter: 'layers',
          },
        );
      }
    }
    const last = layers[layers.length - 1] as Layer;
    if (last.outputSize !== loss.inputSize) {
      throw new DpError('INVALID_PARAMETER', `the loss takes ${loss.inputSize} values but the last layer gives ${last.outputSize}`, {
        parameter: 'loss',
      });
    }
    for (const l of layers) {
      // Opacus's ModuleValidator rule: a layer that mixes examples (BatchNorm) breaks
      // per-example gradients, so it is refused, whoever wrote it.
      if (/batch.?norm/i.test(String(l.kind)) || (l as { mixesExamples?: unknown }).mixesExamples === true) {
        throw new DpError('INVALID_PARAMETER', `layer kind ${String(l.kind)} mixes examples (use groupNorm or layerNorm)`, {
          parameter: 'layers',
        });
      }
      if (l.parameters.length > 0 && !isTrainable(l)) {
        throw new DpError('INVALID_PARAMETER', `layer kind ${l.kind} has parameters but no per-example gradients`, { parameter: 'layers' });
      }
      // The clip margin grows with each layer's public rounding count (review-learn L2; ghost-clipping.proof.md).
      const k = isTrainable(l) ? l.squaredNormRoundings : 0;
      if (!(Number.isSafeInteger(k) && k >= 0 && k <= 2 ** 36)) {
        throw new DpError('INVALID_PARAMETER', `layer kind ${l.kind} declares no squaredNormRoundings in [0, 2^36]`, {
          parameter: 'layers',
        });
      }
    }
    checkNothingShared(layers); // review-learn L4
    // Size limits (size-limits.ts): every layer's per-example buffers, and the model's parameters.
    let perExample = Number.isSafeInteger(loss.inputSize) ? loss.inputSize : Number.POSITIVE_INFINITY;
    let count = 0;
    for (const l of layers) {
      const v = layerValuesPerExample(l);
      checkExampleValues(Number.isSafeInteger(v) && v >= 1 ? v : Number.POSITIVE_INFINITY, 'layers');
      perExample = Math.max(perExample, v);
      for (const p of l.parameters) count += p.value.length;
    }
    checkExampleValues(perExample, 'loss');
    checkParameterCount(count, 'layers');
    this.layers = layers;
    this.loss = loss;
    this.trainable = layers.filter(isTrainable);
    this.valuesPerExample = perExample;
    this.segments = binary32Segments(layers);
    this.fusedRelu = reluFusions(layers, this.segments);
  }

  /** Width of an input row. */
  get inputSize(): number {
    return (this.layers[0] as Layer).inputSize;
  }

  /** All parameters, in layer order. */
  get parameters(): Parameter[] {
    return this.layers.flatMap((l) => [...l.parameters]);
  }

  /** Total number of scalar parameters. */
  get parameterCount(): number {
    return this.parameters.reduce((s, p) => s + p.value.length, 0);
  }

  /**
   * Runs the forward pass only.
   * @param inputs - batch × inputSize values.
   * @param batch - the number of rows.
   * @returns the output rows (batch × loss.inputSize), a new array.
   */
  predict(inputs: Float64Array, batch: number): Float64Array {
    inputs = edgeTypedArray(inputs, 'inputs', FLOAT64); // S7 edge (_internal/layer-edge.ts): a clean view, read once
    if (!(Number.isSafeInteger(batch) && batch >= 0 && inputs.length === batch * this.inputSize)) {
      throw new DpError('INVALID_PARAMETER', `inputs must have batch × ${this.inputSize} values`, { parameter: 'batch' });
    }
    // Forward only: run in chunks that keep every buffer within the size limits (size-limits.ts).
    const chunk = maxRowsPerBuffer(this.valuesPerExample);
    if (batch <= chunk) return this.forwardRows(inputs, batch).slice(); // the layer's buffer is reused by its next forward
    const width = this.loss.inputSize;
    const out = new Float64Array(batch * width);
    for (let start = 0; start < batch; start += chunk) {
      const rows = Math.min(chunk, batch - start);
      const part = this.forwardRows(inputs.subarray(start * this.inputSize, (start + rows) * this.inputSize), rows);
      out.set(part, start * width);
    }
    return out;
  }

  /**
   * The forward pass; the edges inside a binary32 segment (binary32-path.ts) carry binary32 arrays, when the wasm
   * kernels run. A layer that cannot run its binary32 forward makes its segment rerun from the start on the binary64
   * path (the same bits). Records which edges carried binary32, for the backward.
   */
  private forwardRows(inputs: Float64Array, batch: number): Float64Array {
    const n = this.layers.length;
    const edges = new Array<boolean>(n).fill(false);
    if (this.segments.length > 0 && binary32PathEnabled() && kernelBackend() === 'wasm') {
      for (const s of this.segments) for (let e = s.start; e < s.end; e++) edges[e] = true;
    }
    const taken: FloatArray[] = new Array(n); // each layer's input in this pass
    let x: FloatArray = inputs;
    for (let i = 0; i < n; i++) {
      taken[i] = x;
      const layer = this.layers[i] as Layer;
      if (edges[i]) {
        const fuse = this.fusedRelu[i] === true; // the pooling i + 1 applies this ReLU (edges[i + 1] is in the segment)
        const y: Float32Array | null = fuse
          ? (this.layers[i + 1] as ReluFusingLayer).forward32AfterRelu(x, batch)
          : (layer as Binary32Layer).forward32(x, batch);
        if (y) {
          x = y;
          if (fuse) i++;
          continue;
        }
        const s = this.segments.find((t) => t.start <= i && i < t.end) as Binary32Segment;
        for (let e = s.start; e < s.end; e++) edges[e] = false;
        i = s.start;
        x = taken[i] as FloatArray;
      }
      x = (this.layers[i] as Layer).forward(x, batch);
    }
    this.edges32 = edges;
    return x as Float64Array; // the last layer's output edge is never binary32
  }

  /** The backward pass over the edges the last forward used; returns nothing (each layer keeps what clipping needs). */
  private backwardRows(lossGrad: Float64Array, batch: number): void {
    const edges = this.edges32;
    let g: FloatArray = lossGrad;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i] as Layer;
      const need = i > 0;
      const in32 = i > 0 && edges[i - 1] === true;
      if (edges[i] === true || in32) {
        const d = (layer as Binary32Layer).backward32(g, batch, need);
        if (this.fusedRelu[i - 1] === true && in32) {
          g = d; // the gradient with respect to the fused ReLU's input: the ReLU layer i − 1 is skipped
          i--;
          continue;
        }
        if (in32 || !need) g = d;
        else {
          const wide = this.gradWide.take(d.length); // a segment's start: its binary32 input gradient, widened exactly
          wide.set(d);
          g = wide;
        }
      } else g = layer.backward(g as Float64Array, batch, need);
    }
  }

  /**
   * Forward, per-example losses, and backward with per-example loss
   * gradients; afterwards each trainable layer can report per-example norms
   * and scaled gradient sums for this batch.
   * @param batch - the examples.
   * @returns the per-example losses.
   * @throws DpError INVALID_PARAMETER when the shapes disagree or a label is out of range.
   */
  forwardBackward(batch: Batch): Float64Array {
    batch = checkBatch(batch, this.inputSize); // S7 edge: the batch read once, totally; only the snapshot is used
    checkBatchValues(batch.size, this.valuesPerExample);
    const logits = this.forwardRows(batch.inputs, batch.size);
    const losses = new Float64Array(batch.size);
    this.loss.forward(logits, batch.labels, batch.size, losses);
    this.backwardRows(this.loss.backward(logits, batch.labels, batch.size), batch.size);
    return losses;
  }

  /**
   * The mean loss over a batch, without gradients. NOT private: for tests and
   * public evaluation data.
   * @param batch - the examples.
   * @returns the mean loss (NaN for an empty batch).
   */
  meanLoss(batch: Batch): number {
    batch = checkBatch(batch, this.inputSize); // S7 edge: the batch read once, totally; only the snapshot is used
    const logits = this.predict(batch.inputs, batch.size);
    const losses = new Float64Array(batch.size);
    this.loss.forward(logits, batch.labels, batch.size, losses);
    let s = 0;
    for (const x of losses) s += x;
    return s / batch.size;
  }
}

/**
 * Checks that a batch's arrays match its size and the model's input width, reading the batch once, totally
 * (S7 edge, `_internal/layer-edge.ts`): its three fields are read one time each (a throwing getter or Proxy trap is
 * INVALID_PARAMETER), the arrays become clean views of the caller's memory, and the caller uses only the returned
 * snapshot — a getter cannot hand back a different array after the check.
 * @param batch - the batch.
 * @param inputSize - the expected row width.
 * @returns the snapshot `{ inputs, labels, size }` the checks passed on.
 * @throws DpError INVALID_PARAMETER on a mismatch or an unreadable batch.
 */
export function checkBatch(batch: Batch, inputSize: number): Batch {
  const shapeError = () =>
    new DpError('INVALID_PARAMETER', 'data must be { inputs: Float64Array, labels: Int32Array, size }', { parameter: 'data' });
  if (typeof batch !== 'object' || batch === null) throw shapeError();
  const read = edgeRead('data', () => ({ inputs: batch.inputs as unknown, labels: batch.labels as unknown, size: batch.size as unknown }));
  let inputs: Float64Array;
  let labels: Int32Array;
  try {
    inputs = edgeTypedArray(read.inputs, 'inputs', FLOAT64);
    labels = edgeTypedArray(read.labels, 'labels', ['Int32Array']);
  } catch {
    throw shapeError();
  }
  batch = { inputs, labels, size: read.size as number };
  if (!Number.isSafeInteger(batch.size) || batch.size < 0) {
    throw new DpError('INVALID_PARAMETER', 'batch size must be a non-negative integer', { parameter: 'size' });
  }
  if (batch.inputs.length !== batch.size * inputSize || batch.labels.length !== batch.size) {
    throw new DpError('INVALID_PARAMETER', `inputs must have size × ${inputSize} values and labels size values`, { parameter: 'inputs' });
  }
  return batch;
}

/**
 * One use per layer and per parameter memory (review-learn L4): clipping treats each layer's parameters as their own
 * block of the per-example gradient, so a layer used twice (weight tying) or two parameter arrays whose memory
 * overlaps would add two clipped blocks into one gradient (√2·C accounted as C).
 * @throws DpError INVALID_PARAMETER on a repeated layer, a malformed parameter, or overlapping parameter memory.
 */
function checkNothingShared(layers: readonly Layer[]): void {
  const seenLayers = new Set<Layer>();
  const ranges: { buffer: ArrayBufferLike; start: number; end: number; name: string }[] = [];
  for (const l of layers) {
    if (seenLayers.has(l))
      throw new DpError('INVALID_PARAMETER', `layer ${l.kind} appears twice (shared layers are not supported)`, { parameter: 'layers' });
    seenLayers.add(l);
    for (const p of l.parameters) {
      if (!(p?.value instanceof Float64Array && p.grad instanceof Float64Array && p.grad.length === p.value.length)) {
        throw new DpError('INVALID_PARAMETER', `layer ${l.kind} has a parameter whose value and grad are not Float64Arrays of one length`, {
          parameter: 'layers',
        });
      }
      for (const a of [p.value, p.grad])
        ranges.push({ buffer: a.buffer, start: a.byteOffset, end: a.byteOffset + a.byteLength, name: p.name });
    }
  }
  // Memory held twice: any two value/grad arrays of the model that overlap (views of one buffer may sit side by side).
  ranges.sort((a, b) => a.start - b.start);
  for (let i = 0; i < ranges.length; i++) {
    const a = ranges[i] as (typeof ranges)[number];
    for (let j = i + 1; j < ranges.length && (ranges[j] as (typeof ranges)[number]).start < a.end; j++) {
      const b = ranges[j] as (typeof ranges)[number];
      if (b.buffer === a.buffer && b.end > b.start && a.end > a.start) {
        throw new DpError('INVALID_PARAMETER', `parameters ${a.name} and ${b.name} share memory (not supported)`, {
          parameter: 'layers',
        });
      }
    }
  }
}
