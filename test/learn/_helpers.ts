import { DpError } from '../../src/core/index.js';
import { relu, tanh } from '../../src/learn/activations.js';
import { dense } from '../../src/learn/dense.js';
import type { Layer } from '../../src/learn/layer.js';
import { logisticLoss, softmaxCrossEntropy } from '../../src/learn/losses.js';
import { type Batch, Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

/** A small random network: widths[0] inputs, hidden layers, last width = classes (1 → logistic). */
export function makeNetwork(seed: number, widths: readonly number[], activation: 'relu' | 'tanh'): Sequential {
  const rng = new SeededRandomSource(`net-${seed}`);
  const layers: Layer[] = [];
  for (let i = 1; i < widths.length; i++) {
    const w = widths[i] as number;
    layers.push(dense(widths[i - 1] as number, w, { rng, name: `dense${i}` }));
    if (i < widths.length - 1) layers.push(activation === 'relu' ? relu(w) : tanh(w));
  }
  const out = widths[widths.length - 1] as number;
  return new Sequential(layers, out === 1 ? logisticLoss() : softmaxCrossEntropy(out));
}

/** A random batch for `model` from a seed (inputs in [−2, 2], labels uniform). */
export function makeBatch(seed: number, model: Sequential, size: number): Batch {
  const rng = new SeededRandomSource(`batch-${seed}`);
  const inputs = new Float64Array(size * model.inputSize);
  for (let i = 0; i < inputs.length; i++) inputs[i] = (rng.nextUint32() / 2 ** 32) * 4 - 2;
  const classes = Math.max(2, model.loss.inputSize);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) labels[i] = rng.nextUint32() % classes;
  return { inputs, labels, size };
}

/** One example of a batch as a batch of one. */
export function example(batch: Batch, i: number, inputSize: number): Batch {
  return { inputs: batch.inputs.slice(i * inputSize, (i + 1) * inputSize), labels: batch.labels.slice(i, i + 1), size: 1 };
}

/** Central finite differences of example i's loss with respect to every parameter (flattened in model order). */
export function finiteDifferenceGradient(model: Sequential, one: Batch, h = 1e-6): Float64Array {
  const out = new Float64Array(model.parameterCount);
  let k = 0;
  for (const p of model.parameters) {
    for (let j = 0; j < p.value.length; j++) {
      const w = p.value[j] as number;
      p.value[j] = w + h;
      const up = model.meanLoss(one);
      p.value[j] = w - h;
      const down = model.meanLoss(one);
      p.value[j] = w;
      out[k++] = (up - down) / (2 * h);
    }
  }
  return out;
}

/** Expects `f` to throw a DpError with `code`. */
export function expectDpError(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    if (e instanceof DpError && e.code === code) return;
    throw new Error(`expected DpError ${code}, got ${String(e)}`);
  }
  throw new Error(`expected DpError ${code}, nothing thrown`);
}

/** Flattened grads of all parameters, in model order. */
export function gradVector(model: Sequential): Float64Array {
  const out = new Float64Array(model.parameterCount);
  let k = 0;
  for (const p of model.parameters) {
    out.set(p.grad, k);
    k += p.grad.length;
  }
  return out;
}

/** A cheap deterministic filler (xorshift of i and the seed), values in [−4, 4): shapes come from fast-check. */
export function filler(len: number, seed: number): Float64Array {
  const out = new Float64Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 2 ** 32) * 8 - 4;
  }
  return out;
}
