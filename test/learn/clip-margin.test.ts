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
import { accumulateClippedGradients, clipFactor, MIN_CLIP_BOUND, normMargin } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { logisticLoss } from '../../src/learn/losses.js';
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
    for (const bad of [undefined, -1, 1.5, 2 ** 41, Number.POSITIVE_INFINITY]) {
      const layer = dense(2, 1, { rng: new SeededRandomSource('rounding') });
      const doctored = Object.create(layer, { squaredNormRoundings: { value: bad } }) as Layer;
      expectDpError(() => new Sequential([doctored], logisticLoss()), 'INVALID_PARAMETER');
    }
  });
});
