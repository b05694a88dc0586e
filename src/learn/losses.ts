/**
 * Losses for classification, per example: softmax cross-entropy over C
 * classes and the logistic loss for two classes. `backward` returns each
 * example's own gradient ∂ℓ_i/∂z_i (not divided by the batch size) — the
 * clipping engine needs per-example gradients; the trainer divides by the
 * expected batch size after clipping and noise.
 * @module
 */
import { DpError } from '../core/index.js';
import { describeValue } from './_internal/describe.js';
import { checkExampleValues } from './size-limits.js';

/** A per-example loss on the model's output rows. */
export interface Loss {
  /** 'softmaxCrossEntropy' or 'logistic'. */
  readonly kind: string;
  /** The width of the model output it expects (C, or 1 for logistic). */
  readonly inputSize: number;
  /** out[i] = ℓ(z_i, y_i). */
  forward(logits: Float64Array, labels: Int32Array, batch: number, out: Float64Array): void;
  /** Returns ∂ℓ_i/∂z_i for each example (batch × inputSize). */
  backward(logits: Float64Array, labels: Int32Array, batch: number): Float64Array;
}

/** The smallest normal binary32 value: the convolution's wasm kernels run in binary32. */
const MIN_NORMAL = 2 ** -126;

/**
 * Gradients below binary32's smallest normal (2⁻¹²⁶ ≈ 1.2e-38) become 0.
 * WebAssembly has no flush-to-zero mode and a subnormal operand slows a
 * multiply (bench/learn/kernels.ts); the loss gradient is where they arise (a
 * softmax probability below 2⁻¹²⁶ when logits differ by more than ~87), and the
 * convolution kernels take their operands as binary32 (conv-ops.ts), where such
 * values would be subnormal, so they are flushed here, at the source: the change
 * is below 1.2e-38 per coordinate. Privacy is unaffected: the gradient of each
 * example is still a function of that example alone, and clipping bounds
 * whatever gradient is computed.
 */
function flushSubnormal(x: number): number {
  return Math.abs(x) < MIN_NORMAL ? 0 : x;
}

function checkLabel(y: number, classes: number): void {
  if (!(Number.isInteger(y) && y >= 0 && y < classes)) {
    // The label is data: the message names the rule, never the value.
    throw new DpError('INVALID_PARAMETER', `labels must be integers in [0, ${classes})`, { parameter: 'labels' });
  }
}

class SoftmaxCrossEntropy implements Loss {
  readonly kind = 'softmaxCrossEntropy';
  constructor(readonly inputSize: number) {}

  forward(logits: Float64Array, labels: Int32Array, batch: number, out: Float64Array): void {
    const c = this.inputSize;
    for (let i = 0; i < batch; i++) {
      const y = labels[i] as number;
      checkLabel(y, c);
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < c; j++) max = Math.max(max, logits[i * c + j] as number);
      let s = 0;
      for (let j = 0; j < c; j++) s += Math.exp((logits[i * c + j] as number) - max);
      out[i] = max + Math.log(s) - (logits[i * c + y] as number);
    }
  }

  backward(logits: Float64Array, labels: Int32Array, batch: number): Float64Array {
    const c = this.inputSize;
    const g = new Float64Array(batch * c);
    for (let i = 0; i < batch; i++) {
      const y = labels[i] as number;
      checkLabel(y, c);
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < c; j++) max = Math.max(max, logits[i * c + j] as number);
      let s = 0;
      for (let j = 0; j < c; j++) {
        const e = Math.exp((logits[i * c + j] as number) - max);
        g[i * c + j] = e;
        s += e;
      }
      for (let j = 0; j < c; j++) g[i * c + j] = flushSubnormal((g[i * c + j] as number) / s);
      g[i * c + y] = (g[i * c + y] as number) - 1;
    }
    return g;
  }
}

class Logistic implements Loss {
  readonly kind = 'logistic';
  readonly inputSize = 1;

  forward(logits: Float64Array, labels: Int32Array, batch: number, out: Float64Array): void {
    for (let i = 0; i < batch; i++) {
      const y = labels[i] as number;
      checkLabel(y, 2);
      const z = logits[i] as number;
      // softplus(z) − y·z, computed stably.
      const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      out[i] = softplus - y * z;
    }
  }

  backward(logits: Float64Array, labels: Int32Array, batch: number): Float64Array {
    const g = new Float64Array(batch);
    for (let i = 0; i < batch; i++) {
      const y = labels[i] as number;
      checkLabel(y, 2);
      const z = logits[i] as number;
      const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      g[i] = flushSubnormal(p - y);
    }
    return g;
  }
}

/**
 * Softmax cross-entropy over `classes` classes; labels are integers in [0, classes).
 * @param classes - the number of classes, an integer ≥ 2.
 * @returns the loss.
 * @throws DpError INVALID_PARAMETER when classes is not an integer in [2, 2²⁴] (and, at use, on a label out of range).
 * @privacy per example: example i's loss depends on its row only.
 * @example
 * new Sequential([dense(784, 10)], softmaxCrossEntropy(10));
 */
export function softmaxCrossEntropy(classes: number): Loss {
  if (!Number.isSafeInteger(classes) || classes < 2) {
    throw new DpError('INVALID_PARAMETER', `classes must be an integer ≥ 2, got ${describeValue(classes)}`, { parameter: 'classes' });
  }
  checkExampleValues(classes, 'classes'); // size-limits.ts
  return new SoftmaxCrossEntropy(classes);
}

/**
 * The logistic loss log(1 + e^z) − y·z on one logit; labels are 0 or 1.
 * @returns the loss.
 * @throws DpError INVALID_PARAMETER at use, on a label other than 0 or 1.
 * @privacy per example: example i's loss depends on its row only.
 * @example
 * new Sequential([dense(14, 1)], logisticLoss());
 */
export function logisticLoss(): Loss {
  return new Logistic();
}
