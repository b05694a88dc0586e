import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setKernelBackend } from '../../src/learn/backend.js';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss, softmaxCrossEntropy } from '../../src/learn/losses.js';
import { adam, sgd } from '../../src/learn/optimizers.js';
import { perExampleGradient } from '../../src/learn/per-example-gradients.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { example, expectDpError, finiteDifferenceGradient, makeBatch, makeNetwork } from './_helpers.js';

const widthsArb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(1, 2, 3));

function expectClose(got: Float64Array, want: Float64Array, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let j = 0; j < got.length; j++)
    expect(Math.abs((got[j] as number) - (want[j] as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(want[j] as number)));
}

describe('layers and losses', () => {
  // Finite differences need the binary64 reference kernels: on wasm, Dense's forward and input gradient are
  // binary32 (dense-binary32.proof.md), whose rounding (~2⁻²⁴ relative) a step of 1e-6 cannot resolve; the
  // wasm route is checked against these reference gradients in dense-binary32.test.ts.
  beforeEach(() => {
    setKernelBackend('reference');
  });
  afterEach(() => {
    setKernelBackend('auto');
  });
  it('per-example gradients of tanh MLPs equal finite differences of that example’s loss', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), widthsArb, fc.integer({ min: 1, max: 4 }), (seed, [d, h, c], size) => {
        const model = makeNetwork(seed, [d, h, c], 'tanh');
        const batch = makeBatch(seed, model, size);
        model.forwardBackward(batch);
        const grads = Array.from({ length: size }, (_, i) => perExampleGradient(model, i));
        for (let i = 0; i < size; i++) expectClose(grads[i] as Float64Array, finiteDifferenceGradient(model, example(batch, i, d)), 1e-6);
      }),
      { numRuns: 40 },
    );
  });

  it('per-example gradients of a ReLU network equal finite differences (fixed seed, away from kinks)', () => {
    const model = makeNetwork(7, [3, 5, 4, 3], 'relu');
    const batch = makeBatch(7, model, 4);
    model.forwardBackward(batch);
    const grads = [0, 1, 2, 3].map((i) => perExampleGradient(model, i)); // before finite differences overwrite the pass's state
    for (let i = 0; i < 4; i++) expectClose(grads[i] as Float64Array, finiteDifferenceGradient(model, example(batch, i, 3)), 1e-6);
  });

  it('losses match their closed forms', () => {
    const ce = softmaxCrossEntropy(3);
    const out = new Float64Array(1);
    ce.forward(Float64Array.of(1, 2, 3), Int32Array.of(0), 1, out);
    expect(out[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 1, 12);
    const lg = logisticLoss();
    lg.forward(Float64Array.of(800), Int32Array.of(0), 1, out);
    expect(out[0]).toBe(800); // stable softplus: no overflow to Infinity
    lg.forward(Float64Array.of(-800), Int32Array.of(1), 1, out);
    expect(out[0]).toBe(800);
    expect(lg.backward(Float64Array.of(0), Int32Array.of(1), 1)[0]).toBe(-0.5);
  });

  it('refuses bad labels, widths and shapes with INVALID_PARAMETER', () => {
    const model = makeNetwork(1, [2, 3], 'relu');
    expectDpError(() => model.forwardBackward({ inputs: new Float64Array(2), labels: Int32Array.of(3), size: 1 }), 'INVALID_PARAMETER');
    expectDpError(() => model.forwardBackward({ inputs: new Float64Array(3), labels: Int32Array.of(0), size: 1 }), 'INVALID_PARAMETER');
    expectDpError(() => new Sequential([dense(2, 3)], softmaxCrossEntropy(2)), 'INVALID_PARAMETER');
    expectDpError(() => dense(0, 3), 'INVALID_PARAMETER');
    expectDpError(() => softmaxCrossEntropy(1), 'INVALID_PARAMETER');
    expectDpError(() => sgd({ learningRate: -1 }), 'INVALID_PARAMETER');
    expectDpError(() => adam({ learningRate: 0.1, beta1: 1 }), 'INVALID_PARAMETER');
  });

  it('initialisation is reproducible from a seed and within ±1/√fanIn', () => {
    const a = dense(16, 4, { rng: new SeededRandomSource('init') });
    const b = dense(16, 4, { rng: new SeededRandomSource('init') });
    expect(Array.from(a.weight.value)).toEqual(Array.from(b.weight.value));
    for (const w of a.weight.value) expect(Math.abs(w)).toBeLessThanOrEqual(0.25);
    expect(new Set(a.weight.value).size).toBe(64);
  });

  it('SGD, momentum and Adam make their textbook updates', () => {
    const p = { name: 'p', value: Float64Array.of(1, -1), grad: Float64Array.of(0.5, -2) };
    sgd({ learningRate: 0.1 }).step([p]);
    expectClose(p.value, Float64Array.of(0.95, -0.8), 1e-15);
    const m = sgd({ learningRate: 0.1, momentum: 0.5 });
    m.step([p]);
    m.step([p]); // v = g then 1.5·g
    expectClose(p.value, Float64Array.of(0.95 - 0.25 * 0.5, -0.8 + 0.25 * 2), 1e-15);
    const q = { name: 'q', value: Float64Array.of(0, 0), grad: Float64Array.of(3, -0.001) };
    adam({ learningRate: 0.01 }).step([q]); // first step moves by ≈ η·sign(g)
    expectClose(q.value, Float64Array.of(-0.01, 0.01), 1e-4);
  });
});
