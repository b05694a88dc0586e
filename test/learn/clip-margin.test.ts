/**
 * The clip margin grows with the public number of roundings (review-learn L2, class 3: a float norm
 * below the true norm of what is summed). Rule (ghost-clipping.proof.md, "The float margin"): each
 * layer declares `squaredNormRoundings` k, the clip divides by norm·(1 + (k + 16)·2⁻⁵²), and the exact
 * norm of every example's clipped contribution is ≤ C — checked here in exact (BigInt) arithmetic on the
 * vector actually added to `grad`, for wide layers whose squares round away (a few inputs of 1 among
 * thousands of tiny ones whose squares are each below half an ulp of the running sum), on both kernel
 * backends (wasm four-lane sums, TypeScript sequential sums, the binary32 conv route), flat and per layer,
 * with C drawn at and around the computed norm, where the margin decides.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { tanh } from '../../src/learn/activations.js';
import { setKernelBackend } from '../../src/learn/backend.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { embedding } from '../../src/learn/embedding.js';
import { accumulateClippedGradients, clipFactor, MIN_CLIP_BOUND, normMargin } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { layerNorm } from '../../src/learn/normalization.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { exactSquaredNormVersus } from './_exact-norm.js';
import { expectDpError, gradVector } from './_helpers.js';

afterEach(() => {
  setKernelBackend('auto');
});

type Arch = 'dense' | 'dense2' | 'conv';

/** A model whose first layer sees `width` inputs (conv: a k×k image with T = 1). */
function build(arch: Arch, width: number, seed: number): Sequential {
  const rng = new SeededRandomSource(`margin-${seed}`);
  let layers: Layer[];
  if (arch === 'dense') layers = [dense(width, 1, { rng })];
  else if (arch === 'dense2') layers = [dense(width, 3, { rng }), tanh(3), dense(3, 1, { rng })];
  else {
    const k = Math.round(Math.sqrt(width));
    layers = [conv2d({ inChannels: 1, height: k, width: k, outChannels: 1, kernelSize: k, rng })];
  }
  const model = new Sequential(layers, logisticLoss());
  // Zero first-layer weights: δ = ±½ exactly, so the rounding comes from the wide sum of squares alone.
  const first = model.trainable[0];
  if (first !== undefined) for (const p of first.parameters) p.value.fill(0);
  return model;
}

const caseArb = fc.record({
  arch: fc.constantFrom<Arch>('dense', 'dense2', 'conv'),
  log2Width: fc.integer({ min: 12, max: 20 }),
  big: fc.integer({ min: 1, max: 8 }),
  tinyExponent: fc.integer({ min: -29, max: -26 }),
  label: fc.constantFrom(0, 1),
  // C relative to the computed norm: at it, within ±2²⁸ of its ulp-scale neighbourhood, or far.
  boundSteps: fc.integer({ min: -(2 ** 28), max: 2 ** 28 }),
  far: fc.constantFrom(0, 0, 0, 0.5, 2),
  mode: fc.constantFrom('flat' as const, 'perLayer' as const),
  backend: fc.constantFrom('wasm' as const, 'reference' as const),
  seed: fc.nat(1000),
});

describe('the clip margin grows with the number of squares summed (review-learn L2)', () => {
  it('every example’s clipped contribution has exact norm ≤ C, for wide layers whose squares round away (generative, both backends, flat and per layer)', () => {
    fc.assert(
      fc.property(caseArb, ({ arch, log2Width, big, tinyExponent, label, boundSteps, far, mode, backend, seed }) => {
        setKernelBackend(backend);
        const width = arch === 'conv' ? Math.round(Math.sqrt(2 ** log2Width)) ** 2 : 2 ** log2Width + big;
        const model = build(arch, width, seed);
        const inputs = new Float64Array(width).fill(2 ** tinyExponent);
        inputs.fill(1, 0, Math.min(big, width));
        const batch = { inputs, labels: Int32Array.from([label]), size: 1 };
        for (const p of model.parameters) p.grad.fill(0);
        model.forwardBackward(batch);
        const computed = accumulateClippedGradients(model, 1, 1e300, mode).gradientNorms[0] as number;
        const bound = far === 0 ? computed * (1 + boundSteps * 2 ** -52) : computed * far;
        for (const p of model.parameters) p.grad.fill(0);
        accumulateClippedGradients(model, 1, bound, mode);
        const exact = exactSquaredNormVersus(gradVector(model), bound);
        expect(exact.sign, `excess ${exact.excess}`).toBeLessThanOrEqual(0);
      }),
      { numRuns: 40, seed: 20261206 },
    );
  });

  it('regression: a Dense(2¹⁶ + 4, 1) example clipped at its own computed norm stays ≤ C exactly (wasm and reference)', () => {
    for (const backend of ['wasm', 'reference'] as const) {
      setKernelBackend(backend);
      const model = build('dense', 2 ** 16 + 4, 1);
      const inputs = new Float64Array(2 ** 16 + 4).fill(2 ** -26);
      inputs.fill(1, 0, 4);
      model.forwardBackward({ inputs, labels: Int32Array.from([1]), size: 1 });
      const computed = accumulateClippedGradients(model, 1, 1e300, 'flat').gradientNorms[0] as number;
      for (const p of model.parameters) p.grad.fill(0);
      accumulateClippedGradients(model, 1, computed, 'flat');
      expect(exactSquaredNormVersus(gradVector(model), computed).sign).toBeLessThanOrEqual(0);
    }
  });

  it('the margin is 1 + (k + 16)·2⁻⁵² for the public count k, refuses counts outside [0, 2⁴⁰], and C below 2⁻⁴⁰⁰ is refused', () => {
    expect(normMargin(0)).toBe(1 + 16 * 2 ** -52);
    expect(normMargin(2 ** 20)).toBe(1 + (2 ** 20 + 16) * 2 ** -52);
    expect(clipFactor(2, 1, 2 ** 20)).toBeLessThan(clipFactor(2, 1, 0));
    for (const bad of [-1, 0.5, 2 ** 40 + 1, Number.NaN]) expectDpError(() => normMargin(bad), 'INVALID_PARAMETER');
    const model = build('dense', 4, 0);
    model.forwardBackward({ inputs: Float64Array.from([1, 2, 3, 4]), labels: Int32Array.from([1]), size: 1 });
    expectDpError(() => accumulateClippedGradients(model, 1, MIN_CLIP_BOUND / 2, 'flat'), 'INVALID_PARAMETER');
    expect(() => accumulateClippedGradients(model, 1, MIN_CLIP_BOUND, 'flat')).not.toThrow();
  });

  it('Sequential refuses a trainable layer that declares no valid squaredNormRoundings', () => {
    for (const bad of [undefined, -1, 1.5, 2 ** 36 + 1, Number.POSITIVE_INFINITY]) {
      const layer = dense(2, 1, { rng: new SeededRandomSource('rounding') });
      const doctored = Object.create(layer, { squaredNormRoundings: { value: bad } }) as Layer;
      expectDpError(() => new Sequential([doctored], logisticLoss()), 'INVALID_PARAMETER');
    }
  });
});

type Chain = 'dense' | 'conv' | 'layerNorm' | 'embedding';

/**
 * A first layer of kind `chain`, then Dense(·, 1) with public weights ±2^e (e down to −700) and bias b: the
 * hidden δ can be far below 2⁻⁵³⁷ (its squares underflow) while the first layer's inputs are up to 2¹⁰⁰⁰.
 */
function chainModel(chain: Chain, width: number, exponent: number, bias: number, seed: number): Sequential {
  const rng = new SeededRandomSource(`chain-${seed}`);
  let first: Layer[];
  if (chain === 'dense') first = [dense(width, 2, { rng })];
  else if (chain === 'conv') first = [conv2d({ inChannels: 1, height: 2, width: 2, outChannels: 2, kernelSize: 2, rng })];
  else if (chain === 'layerNorm') first = [dense(width, 3, { rng }), layerNorm(3)];
  else first = [embedding(5, 2, width, { rng })];
  const last = first[first.length - 1] as Layer;
  const head = dense(last.outputSize, 1, { rng });
  head.weight.value.forEach((_, j) => {
    head.weight.value[j] = (j % 2 ? -1 : 1) * 2 ** exponent;
  });
  head.bias.value[0] = bias;
  return new Sequential([...first, head], logisticLoss());
}

const chainArb = fc.record({
  chain: fc.constantFrom<Chain>('dense', 'conv', 'layerNorm', 'embedding'),
  width: fc.integer({ min: 1, max: 4 }),
  inputExponents: fc.array(fc.integer({ min: -1074, max: 1000 }), { minLength: 4, maxLength: 4 }),
  signs: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  weightExponent: fc.integer({ min: -700, max: 0 }),
  bias: fc.integer({ min: -100, max: 100 }),
  label: fc.constantFrom(0, 1),
  boundExponent: fc.integer({ min: -400, max: 10 }),
  mode: fc.constantFrom('flat' as const, 'perLayer' as const),
  backend: fc.constantFrom('wasm' as const, 'reference' as const),
  seed: fc.nat(1000),
});

describe('the clip bound holds across the whole binary64 range: underflowing squares (reviewml M3)', () => {
  it('every example’s clipped contribution has exact norm ≤ C when hidden gradients underflow and inputs are huge (generative over exponents, every trainable layer kind, both backends)', () => {
    fc.assert(
      fc.property(chainArb, ({ chain, width, inputExponents, signs, weightExponent, bias, label, boundExponent, mode, backend, seed }) => {
        setKernelBackend(backend);
        const model = chainModel(chain, width, weightExponent, bias, seed);
        const inputs = new Float64Array(model.inputSize).map((_, j) =>
          chain === 'embedding' ? j % 5 : (signs[j % 4] ? -1 : 1) * 2 ** (inputExponents[j % 4] as number),
        );
        for (const p of model.parameters) p.grad.fill(0);
        model.forwardBackward({ inputs, labels: Int32Array.from([label]), size: 1 });
        const bound = 2 ** boundExponent;
        accumulateClippedGradients(model, 1, bound, mode);
        const grads = gradVector(model);
        expect(grads.every(Number.isFinite)).toBe(true);
        const exact = exactSquaredNormVersus(grads, bound);
        expect(exact.sign, `excess ${exact.excess}`).toBeLessThanOrEqual(0);
      }),
      { numRuns: 400, seed: 20261206 },
    );
  });

  it('regression (reviewml M3): Dense(1,1) → Dense(1,1), w₂ = 1e-130, b₂ = −80, a = 1e154, C = 1e-12: the contribution stays ≤ C (both backends)', () => {
    for (const backend of ['wasm', 'reference'] as const) {
      setKernelBackend(backend);
      const first = dense(1, 1, { rng: new SeededRandomSource('m3a') });
      const second = dense(1, 1, { rng: new SeededRandomSource('m3b') });
      const model = new Sequential([first, second], logisticLoss());
      first.weight.value.fill(0);
      first.bias.value.fill(0);
      second.weight.value.fill(1e-130);
      second.bias.value.fill(-80);
      for (const p of model.parameters) p.grad.fill(0);
      model.forwardBackward({ inputs: Float64Array.from([1e154]), labels: Int32Array.from([0]), size: 1 });
      accumulateClippedGradients(model, 1, 1e-12, 'flat');
      expect(exactSquaredNormVersus(gradVector(model), 1e-12).sign).toBeLessThanOrEqual(0);
    }
  });
});
