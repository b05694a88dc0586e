/**
 * Ready models: logistic regression, an MLP, and the CNN of Opacus's MNIST
 * example (Conv2d(1,16,8,2,p3) → ReLU → MaxPool(2,1) → Conv2d(16,32,4,2) →
 * ReLU → MaxPool(2,1) → Linear(512,32) → ReLU → Linear(32,10)).
 * @module
 */
import { DpError } from '../core/index.js';
import type { RandomSource } from '../random/index.js';
import { describeValue } from './_internal/describe.js';
import { checkRandomSource } from './_internal/validate.js';
import { relu, tanh } from './activations.js';
import { conv2d } from './conv2d.js';
import { dense } from './dense.js';
import type { Layer } from './layer.js';
import { logisticLoss, softmaxCrossEntropy } from './losses.js';
import { maxPool2d } from './pool2d.js';
import { Sequential } from './sequential.js';
import { checkParameterCount } from './size-limits.js';

/**
 * Logistic regression: one dense layer to one logit, logistic loss (2 classes).
 * @param features - input width.
 * @param rng - initialisation randomness (default: the platform CSPRNG).
 * @returns the model.
 * @throws DpError INVALID_PARAMETER on a bad width.
 * @privacy per example.
 * @example
 * logisticRegression(105);
 */
export function logisticRegression(features: number, rng?: RandomSource): Sequential {
  return new Sequential([dense(features, 1, rng ? { rng } : {})], logisticLoss());
}

/**
 * A ReLU MLP with softmax cross-entropy.
 * @param widths - [input, hidden…, classes], at least two entries.
 * @param rng - initialisation randomness.
 * @returns the model.
 * @throws DpError INVALID_PARAMETER on fewer than two widths, a bad width, or more than 2²⁵ parameters in all (the size limits, `LEARN_SIZE_LIMITS`), before allocating.
 * @privacy per example.
 * @example
 * mlp([784, 512, 256, 10]);
 */
export function mlp(widths: readonly number[], rng?: RandomSource): Sequential {
  if (!Array.isArray(widths) || widths.length < 2)
    throw new DpError('INVALID_PARAMETER', 'an MLP needs at least two widths', { parameter: 'widths' });
  // The whole model's parameter count is checked before any layer allocates (size-limits.ts).
  let count = 0;
  widths.forEach((w, i) => {
    if (!(typeof w === 'number' && Number.isSafeInteger(w) && w >= 1)) {
      throw new DpError('INVALID_PARAMETER', `widths[${i}] must be an integer ≥ 1, got ${describeValue(w)}`, { parameter: 'widths' });
    }
    if (i > 0) count += (widths[i - 1] as number) * w + w;
  });
  checkParameterCount(count, 'widths');
  const layers: Layer[] = [];
  for (let i = 1; i < widths.length; i++) {
    layers.push(dense(widths[i - 1] as number, widths[i] as number, { ...(rng ? { rng } : {}), name: `dense${i - 1}` }));
    if (i < widths.length - 1) layers.push(relu(widths[i] as number));
  }
  return new Sequential(layers, softmaxCrossEntropy(widths[widths.length - 1] as number));
}

/** Options of {@link mnistCnn}. */
export interface MnistCnnOptions {
  /** The hidden activation: 'relu' (Opacus's example, the default) or 'tanh' (bounded; Tramèr & Boneh 2021 found it better under DP-SGD). */
  activation?: 'relu' | 'tanh';
}

/**
 * The CNN of Opacus's MNIST example, for 1×28×28 inputs and 10 classes (26 010 parameters).
 * @param rng - initialisation randomness.
 * @param options - the hidden activation (default ReLU, as Opacus's example).
 * @returns the model.
 * @throws DpError INVALID_PARAMETER for an unknown activation.
 * @privacy per example; both convolutions materialise per-example gradients (binary32 in wasm, norms in binary64 over the stored values: conv-ops.ts).
 * @see https://github.com/pytorch/opacus/blob/main/examples/mnist.py
 * @example
 * const model = mnistCnn();
 */
export function mnistCnn(rng?: RandomSource, options: MnistCnnOptions = {}): Sequential {
  if (rng !== undefined) checkRandomSource(rng, 'rng');
  const kind = options?.activation ?? 'relu';
  if (kind !== 'relu' && kind !== 'tanh')
    throw new DpError('INVALID_PARAMETER', `activation must be 'relu' or 'tanh', got ${describeValue(kind)}`, { parameter: 'activation' });
  const act = kind === 'tanh' ? tanh : relu;
  const r = rng ? { rng } : {};
  const c1 = conv2d({ inChannels: 1, height: 28, width: 28, outChannels: 16, kernelSize: 8, stride: 2, padding: 3, name: 'conv1', ...r });
  const p1 = maxPool2d({ channels: 16, height: c1.outHeight, width: c1.outWidth, kernelSize: 2, stride: 1 });
  const c2 = conv2d({
    inChannels: 16,
    height: p1.outHeight,
    width: p1.outWidth,
    outChannels: 32,
    kernelSize: 4,
    stride: 2,
    name: 'conv2',
    ...r,
  });
  const p2 = maxPool2d({ channels: 32, height: c2.outHeight, width: c2.outWidth, kernelSize: 2, stride: 1 });
  return new Sequential(
    [
      c1,
      act(c1.outputSize),
      p1,
      c2,
      act(c2.outputSize),
      p2,
      dense(p2.outputSize, 32, { name: 'fc1', ...r }),
      act(32),
      dense(32, 10, { name: 'fc2', ...r }),
    ],
    softmaxCrossEntropy(10),
  );
}
