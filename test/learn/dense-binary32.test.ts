/**
 * Dense's binary32 route on the wasm kernels (dense-resident.ts; the argument in
 * src/learn/dense-binary32.proof.md). Class: a clip factor that does not bound the vector actually
 * summed once operands are rounded to binary32. Checked here: (1) every example's released clipped
 * contribution has exact (BigInt) norm ≤ C across adversarial scales — inputs from binary32-subnormal
 * (2⁻¹⁴⁹) up past binary32's range (2¹²⁸ and beyond, which round to ∞), tiny and huge hidden weights,
 * C from 2⁻⁴⁰⁰ — flat and per layer; (2) an example's stored rows, hence its gradient, do not depend on
 * the other rows of the batch or its position in it (bit for bit); (3) the route's per-example
 * gradients are within binary32 rounding of the binary64 reference kernels' (the oracle).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { relu, tanh } from '../../src/learn/activations.js';
import { setKernelBackend } from '../../src/learn/backend.js';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { logisticLoss, softmaxCrossEntropy } from '../../src/learn/losses.js';
import { perExampleGradient } from '../../src/learn/per-example-gradients.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { exactSquaredNormVersus } from './_exact-norm.js';
import { example, expectDpError, gradVector, makeBatch, makeNetwork } from './_helpers.js';

afterEach(() => {
  setKernelBackend('auto');
});

/** Dense stack with hidden weights scaled by 2^weightExponent (public), activations between. */
function stack(widths: readonly number[], activation: 'relu' | 'tanh', weightExponent: number, seed: number): Sequential {
  const rng = new SeededRandomSource(`b32-${seed}`);
  const layers: Layer[] = [];
  for (let i = 1; i < widths.length; i++) {
    const w = widths[i] as number;
    const layer = dense(widths[i - 1] as number, w, { rng });
    if (i > 1)
      for (let j = 0; j < layer.weight.value.length; j++) layer.weight.value[j] = (layer.weight.value[j] as number) * 2 ** weightExponent;
    layers.push(layer);
    if (i < widths.length - 1) layers.push(activation === 'relu' ? relu(w) : tanh(w));
  }
  const out = widths[widths.length - 1] as number;
  return new Sequential(layers, out === 1 ? logisticLoss() : softmaxCrossEntropy(out));
}

const adversarialArb = fc.record({
  widths: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 2, maxLength: 4 }),
  activation: fc.constantFrom('relu' as const, 'tanh' as const),
  // binary32 subnormals (−149…−127), ordinary, huge (up to 2¹²⁷) and beyond binary32 (→ ∞ when rounded)
  inputExponents: fc.array(fc.integer({ min: -160, max: 300 }), { minLength: 4, maxLength: 4 }),
  signs: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  weightExponent: fc.integer({ min: -140, max: 60 }),
  label: fc.nat(3),
  boundExponent: fc.integer({ min: -400, max: 20 }),
  mode: fc.constantFrom('flat' as const, 'perLayer' as const),
  seed: fc.nat(1000),
});

describe('Dense on wasm in binary32 (dense-binary32.proof.md)', () => {
  it('every example’s released clipped contribution has exact norm ≤ C across adversarial scales (generative, flat and per layer)', () => {
    setKernelBackend('wasm');
    fc.assert(
      fc.property(adversarialArb, ({ widths, activation, inputExponents, signs, weightExponent, label, boundExponent, mode, seed }) => {
        const model = stack(widths, activation, weightExponent, seed);
        const inputs = new Float64Array(model.inputSize).map(
          (_, j) => (signs[j % 4] ? -1 : 1) * 2 ** (inputExponents[j % 4] as number) * (1 + 0.1234567891 * (j + 1)),
        );
        const classes = Math.max(2, model.loss.inputSize);
        for (const p of model.parameters) p.grad.fill(0);
        model.forwardBackward({ inputs, labels: Int32Array.from([label % classes]), size: 1 });
        const bound = 2 ** boundExponent;
        accumulateClippedGradients(model, 1, bound, mode);
        // Alone in its batch, the contribution is exactly what was added to the zeroed grads.
        const grads = gradVector(model);
        expect(grads.every(Number.isFinite)).toBe(true);
        const exact = exactSquaredNormVersus(grads, bound);
        expect(exact.sign, `excess ${exact.excess}`).toBeLessThanOrEqual(0);
      }),
      { numRuns: 300, seed: 20261207 },
    );
  });

  it('regression: an example clipped at its own computed norm stays ≤ C exactly (binary32 rows, wide first layer)', () => {
    setKernelBackend('wasm');
    const model = stack([4100, 3, 1], 'tanh', 0, 5);
    const inputs = new Float64Array(4100).fill(2 ** -13);
    inputs.fill(1.000001, 0, 4);
    model.forwardBackward({ inputs, labels: Int32Array.from([1]), size: 1 });
    const computed = accumulateClippedGradients(model, 1, 1e300, 'flat').gradientNorms[0] as number;
    for (const p of model.parameters) p.grad.fill(0);
    accumulateClippedGradients(model, 1, computed, 'flat');
    expect(exactSquaredNormVersus(gradVector(model), computed).sign).toBeLessThanOrEqual(0);
  });

  it('an example’s gradient does not depend on the rest of its batch nor its position (bit for bit)', () => {
    setKernelBackend('wasm');
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 11 }),
        (seed, widths, size) => {
          const model = makeNetwork(seed, widths, 'tanh');
          const batch = makeBatch(seed, model, size);
          model.forwardBackward(batch);
          const inBatch = Array.from({ length: size }, (_, i) => perExampleGradient(model, i));
          for (let i = 0; i < size; i++) {
            model.forwardBackward(example(batch, i, model.inputSize));
            expect(Array.from(perExampleGradient(model, 0))).toEqual(Array.from(inBatch[i] as Float64Array));
          }
        },
      ),
      { numRuns: 40, seed: 20261207 },
    );
  });

  it('regression (reviewml 22:02, M18): the route is binary32 whatever the batch — no batch changes it or is refused for memory', () => {
    setKernelBackend('wasm');
    const layer = dense(3, 2, { rng: new SeededRandomSource('route') });
    for (const batch of [1, 2, 1025, 3000]) {
      const inputs = Float64Array.from({ length: 3 * batch }, (_, j) => 0.1 + j / 7);
      const out = layer.forward(inputs, batch);
      expect(Array.from(out).every((v) => Math.fround(v) === v)).toBe(true); // binary32 values, widened
    }
  });

  it('per-example gradients are within binary32 rounding of the binary64 reference kernels’', () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 6 }),
        (seed, widths, size) => {
          const model = makeNetwork(seed, widths, 'tanh');
          const batch = makeBatch(seed, model, size);
          const run = (backend: 'wasm' | 'reference'): Float64Array[] => {
            setKernelBackend(backend);
            model.forwardBackward(batch);
            return Array.from({ length: size }, (_, i) => perExampleGradient(model, i));
          };
          const got = run('wasm');
          const want = run('reference');
          // Tolerance: inputs, weights, Δ and the products are rounded to binary32 (2⁻²⁴ relative each); with
          // ≤ 24-wide sums of terms ≤ 2 in magnitude through ≤ 3 layers, 1e-4·(1 + max|g|) leaves a wide margin
          // while a binary64-vs-wrong-kernel difference (a transposed or mis-strided W) is of order 1.
          for (let i = 0; i < size; i++) {
            const g = got[i] as Float64Array;
            const w = want[i] as Float64Array;
            const scale = 1 + w.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
            for (let j = 0; j < w.length; j++) expect(Math.abs((g[j] as number) - (w[j] as number))).toBeLessThanOrEqual(1e-4 * scale);
          }
        },
      ),
      { numRuns: 60, seed: 20261207 },
    );
  });
});
