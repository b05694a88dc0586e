import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { tanh } from '../../src/learn/activations.js';
import { setKernelBackend } from '../../src/learn/backend.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { embedding } from '../../src/learn/embedding.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { groupNorm, layerNorm } from '../../src/learn/normalization.js';
import { perExampleGradient } from '../../src/learn/per-example-gradients.js';
import { avgPool2d, maxPool2d } from '../../src/learn/pool2d.js';
import { type Batch, Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { example, expectDpError, finiteDifferenceGradient, gradVector } from './_helpers.js';

afterEach(() => {
  setKernelBackend('auto');
});

const convArb = fc.record({
  seed: fc.nat(1_000_000),
  inC: fc.integer({ min: 1, max: 2 }),
  size: fc.integer({ min: 4, max: 6 }),
  outC: fc.integer({ min: 1, max: 3 }),
  k: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }),
  padding: fc.integer({ min: 0, max: 1 }),
  route: fc.constantFrom('materialised' as const, 'auto' as const),
  pool: fc.constantFrom('max' as const, 'avg' as const, 'none' as const),
  norm: fc.boolean(),
  batch: fc.integer({ min: 0, max: 4 }),
});

type ConvCase = typeof convArb extends fc.Arbitrary<infer T> ? T : never;

/** The case's convolution layer. */
function convOf(c: ConvCase, route: ConvCase['route'] | undefined, rng: SeededRandomSource) {
  const shape = {
    inChannels: c.inC,
    height: c.size,
    width: c.size,
    outChannels: c.outC,
    kernelSize: c.k,
    stride: c.stride,
    padding: c.padding,
  };
  return conv2d({ ...shape, ...(route ? { normRoute: route } : {}), rng });
}

/** conv → tanh → [pool] → [groupNorm] → dense(→3) with softmax: every new layer in one network. */
function convNet(c: ConvCase, route = c.route): Sequential {
  const rng = new SeededRandomSource(`conv-${c.seed}`);
  const conv = convOf(c, route, rng);
  const layers: Layer[] = [conv, tanh(conv.outputSize)];
  let [ch, h, w] = [c.outC, conv.outHeight, conv.outWidth];
  if (c.pool !== 'none' && h >= 2 && w >= 2) {
    const p = (c.pool === 'max' ? maxPool2d : avgPool2d)({ channels: ch, height: h, width: w, kernelSize: 2, stride: 1 });
    layers.push(p);
    [h, w] = [p.outHeight, p.outWidth];
  }
  if (c.norm) layers.push(groupNorm(ch, ch, h * w));
  layers.push(dense(ch * h * w, 3, { rng }));
  // Perturb the norm's affine parameters away from (1, 0) so their gradients are generic.
  for (const l of layers)
    if (l.kind === 'groupNorm') for (const p of l.parameters) for (let j = 0; j < p.value.length; j++) p.value[j] = 0.5 + 0.1 * j;
  return new Sequential(layers, softmaxCrossEntropy(3));
}

function batchFor(model: Sequential, size: number, seed: number): Batch {
  const rng = new SeededRandomSource(`data-${seed}`);
  const inputs = Float64Array.from({ length: size * model.inputSize }, () => (rng.nextUint32() / 2 ** 32) * 2 - 1);
  const labels = Int32Array.from({ length: size }, () => rng.nextUint32() % 3);
  return { inputs, labels, size };
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += (v[j] as number) ** 2;
  return Math.sqrt(s);
}

describe('Conv2d, pooling, GroupNorm/LayerNorm, Embedding', () => {
  it('conv2d forward equals the direct convolution (random shapes, strides, padding)', () => {
    fc.assert(
      fc.property(convArb, (c) => {
        const conv = convOf(c, undefined, new SeededRandomSource(c.seed));
        const x = Float64Array.from({ length: conv.inputSize }, (_, j) => Math.sin(j + c.seed));
        const y = conv.forward(x, 1);
        const W = conv.weight.value;
        for (let o = 0; o < c.outC; o++)
          for (let oy = 0; oy < conv.outHeight; oy++)
            for (let ox = 0; ox < conv.outWidth; ox++) {
              let s = conv.bias.value[o] as number;
              let scale = Math.abs(s);
              for (let ch = 0; ch < c.inC; ch++)
                for (let ky = 0; ky < c.k; ky++)
                  for (let kx = 0; kx < c.k; kx++) {
                    const iy = oy * c.stride - c.padding + ky;
                    const ix = ox * c.stride - c.padding + kx;
                    if (iy < 0 || ix < 0 || iy >= c.size || ix >= c.size) continue;
                    const term = (W[((o * c.inC + ch) * c.k + ky) * c.k + kx] as number) * (x[(ch * c.size + iy) * c.size + ix] as number);
                    s += term;
                    scale += Math.abs(term);
                  }
              // The wasm forward runs in binary32: |error| ≤ (K + 2)·2⁻²⁴·Σ|w||x| (conv-ops.test.ts's bound).
              const got = y[(o * conv.outHeight + oy) * conv.outWidth + ox] as number;
              expect(Math.abs(got - s)).toBeLessThanOrEqual((c.inC * c.k * c.k + 2) * 2 ** -24 * 1.01 * scale + 1e-30);
            }
      }),
      { numRuns: 40 },
    );
  });

  it('per-example gradients of conv → tanh → pool → groupNorm → dense equal finite differences of that example’s loss', () => {
    // binary64 throughout (finite differences need it); the wasm kernels, whose convolution runs in
    // binary32, are checked against these reference kernels in conv-ops.test.ts and below.
    setKernelBackend('reference');
    fc.assert(
      fc.property(convArb, (c) => {
        const model = convNet(c);
        const data = batchFor(model, 2, c.seed);
        model.forwardBackward(data);
        const g = perExampleGradient(model, 1);
        const fd = finiteDifferenceGradient(model, example(data, 1, model.inputSize));
        for (let j = 0; j < g.length; j++)
          expect(Math.abs((g[j] as number) - (fd[j] as number))).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(fd[j] as number)));
      }),
      { numRuns: 12 },
    );
    setKernelBackend('auto');
  });

  it('clipped sums equal the sum of explicitly clipped per-example gradients, and the materialised and auto routes agree (reference and wasm kernels)', () => {
    fc.assert(
      fc.property(
        convArb,
        fc.constantFrom(0.01, 0.5, 100),
        fc.constantFrom('flat' as const, 'perLayer' as const),
        fc.constantFrom('reference' as const, 'wasm' as const),
        (c, bound, mode, backend) => {
          setKernelBackend(backend);
          // wasm: the materialised per-example gradients are binary32 (relative ~2⁻²⁴ per product,
          // a few dozen products here); the explicit oracle is binary64. reference: reassociation only.
          const tolerance = backend === 'wasm' ? 1e-5 : 1e-9;
          const results = (['materialised', 'auto'] as const).map((route) => {
            const model = convNet(c, route);
            const data = batchFor(model, c.batch, c.seed);
            for (const p of model.parameters) p.grad.fill(0);
            model.forwardBackward(data);
            const clipped = accumulateClippedGradients(model, data.size, bound, mode);
            const want = new Float64Array(model.parameterCount);
            const sizes = model.trainable.map((l) => l.parameters.reduce((s, p) => s + p.value.length, 0));
            for (let i = 0; i < data.size; i++) {
              const gi = perExampleGradient(model, i);
              let off = 0;
              const segments = mode === 'flat' ? [gi.length] : sizes;
              const b = mode === 'flat' ? bound : bound / Math.sqrt(sizes.length);
              for (const len of segments) {
                const seg = gi.subarray(off, off + len);
                const f = Math.min(1, b / norm(seg));
                for (let j = 0; j < len; j++) want[off + j] = (want[off + j] as number) + f * (seg[j] as number);
                off += len;
              }
            }
            const got = gradVector(model);
            for (let j = 0; j < got.length; j++)
              expect(Math.abs((got[j] as number) - (want[j] as number))).toBeLessThanOrEqual(tolerance * (1 + Math.abs(want[j] as number)));
            for (const n of clipped.contributionNorms) expect(n).toBeLessThanOrEqual(bound);
            return clipped.gradientNorms;
          });
          const [ghost, materialised] = results as [Float64Array, Float64Array];
          for (let i = 0; i < ghost.length; i++)
            expect(Math.abs((ghost[i] as number) - (materialised[i] as number))).toBeLessThanOrEqual(
              tolerance * (1 + (materialised[i] as number)),
            );
          setKernelBackend('auto');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('embedding → layerNorm → dense: per-example gradients equal finite differences, clipped sums equal the explicit ones; an invalid token id gives zeros, not a refusal', () => {
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        (seed, vocab, dim, length) => {
          const rng = new SeededRandomSource(`emb-${seed}`);
          const emb = embedding(vocab, dim, length, { rng });
          const ln = layerNorm(length * dim);
          for (let j = 0; j < ln.gamma.value.length; j++) ln.gamma.value[j] = 1 + 0.1 * j;
          const model = new Sequential([emb, ln, dense(length * dim, 3, { rng })], softmaxCrossEntropy(3));
          const tokens = Float64Array.from({ length: 3 * length }, (_, j) => (j * 7 + seed) % vocab);
          tokens[length] = vocab + 5; // invalid in example 1: a value rule
          tokens[length + (length > 1 ? 1 : 0)] = Number.NaN;
          const data: Batch = { inputs: tokens, labels: Int32Array.from([0, 1, 2]), size: 3 };
          // Finite differences on the binary64 reference kernels: on wasm, Dense's forward and input gradient
          // are binary32 (dense-binary32.proof.md), whose rounding (~2⁻²⁴ relative) is far above what a
          // step of 1e-6 can resolve; dense-binary32.test.ts checks the wasm route against this oracle.
          setKernelBackend('reference');
          model.forwardBackward(data);
          const perExample = [0, 1, 2].map((i) => perExampleGradient(model, i)); // before any other forward pass
          for (const x of perExample[1] as Float64Array) expect(Number.isFinite(x)).toBe(true);
          for (const i of [0, 2]) {
            const g = perExample[i] as Float64Array;
            const fd = finiteDifferenceGradient(model, example(data, i, model.inputSize));
            for (let j = 0; j < g.length; j++)
              expect(Math.abs((g[j] as number) - (fd[j] as number))).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(fd[j] as number)));
          }
          setKernelBackend('auto');
          for (const p of model.parameters) p.grad.fill(0);
          model.forwardBackward(data);
          const summed = [0, 1, 2].map((i) => perExampleGradient(model, i)); // this (wasm) pass's gradients
          accumulateClippedGradients(model, 3, 0.3, 'flat');
          const want = new Float64Array(model.parameterCount);
          for (let i = 0; i < 3; i++) {
            const gi = summed[i] as Float64Array;
            const f = Math.min(1, 0.3 / norm(gi));
            for (let j = 0; j < gi.length; j++) want[j] = (want[j] as number) + f * (gi[j] as number);
          }
          const got = gradVector(model);
          for (let j = 0; j < got.length; j++)
            expect(Math.abs((got[j] as number) - (want[j] as number))).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(want[j] as number)));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('the validator refuses BatchNorm (by kind, any spelling) and any layer declaring mixesExamples', () => {
    for (const kind of ['batchNorm', 'BatchNorm2d', 'batch_norm', 'batchnorm1d']) {
      const layer = {
        kind,
        inputSize: 2,
        outputSize: 2,
        parameters: [],
        forward: (x: Float64Array) => x,
        backward: (g: Float64Array) => g,
      } as unknown as Layer;
      expectDpError(() => new Sequential([layer, dense(2, 2)], softmaxCrossEntropy(2)), 'INVALID_PARAMETER');
    }
    const mixer = {
      kind: 'custom',
      mixesExamples: true,
      inputSize: 2,
      outputSize: 2,
      parameters: [],
      forward: (x: Float64Array) => x,
      backward: (g: Float64Array) => g,
    } as unknown as Layer;
    expectDpError(() => new Sequential([mixer, dense(2, 2)], softmaxCrossEntropy(2)), 'INVALID_PARAMETER');
  });

  it('bad shapes are typed DpErrors', () => {
    expectDpError(() => conv2d({ inChannels: 1, height: 2, width: 2, outChannels: 1, kernelSize: 5 }), 'INVALID_PARAMETER');
    expectDpError(() => conv2d({ inChannels: 0, height: 4, width: 4, outChannels: 1, kernelSize: 2 }), 'INVALID_PARAMETER');
    expectDpError(
      () => conv2d({ inChannels: 1, height: 4, width: 4, outChannels: 1, kernelSize: 2, normRoute: 'x' as 'ghost' }),
      'INVALID_PARAMETER',
    );
    expectDpError(() => maxPool2d({ channels: 1, height: 2, width: 2, kernelSize: 3 }), 'INVALID_PARAMETER');
    expectDpError(() => groupNorm(3, 4, 1), 'INVALID_PARAMETER');
    expectDpError(() => layerNorm(4, 0), 'INVALID_PARAMETER');
    expectDpError(() => embedding(0, 2, 2), 'INVALID_PARAMETER');
    expectDpError(
      () => conv2d({ inChannels: 1, height: 4, width: 4, outChannels: 1, kernelSize: 2 }).forward(new Float64Array(3), 1),
      'INVALID_PARAMETER',
    );
  });

  it("auto route: always materialised; 'ghost' is refused for Conv2d (review-learn L1: its norm can cancel)", () => {
    expectDpError(
      () => conv2d({ inChannels: 1, height: 4, width: 4, outChannels: 1, kernelSize: 2, normRoute: 'ghost' }),
      'INVALID_PARAMETER',
    );
    expect(conv2d({ inChannels: 1, height: 28, width: 28, outChannels: 16, kernelSize: 8, stride: 2, padding: 3 }).normRoute).toBe(
      'materialised',
    );
    expect(conv2d({ inChannels: 16, height: 13, width: 13, outChannels: 32, kernelSize: 4, stride: 2 }).normRoute).toBe('materialised');
    // T = 4 positions, K = 576, outC = 128: the ghost norms would be 4× cheaper, but they are not used (L1).
    expect(conv2d({ inChannels: 64, height: 4, width: 4, outChannels: 128, kernelSize: 3 }).normRoute).toBe('materialised');
  });
});
