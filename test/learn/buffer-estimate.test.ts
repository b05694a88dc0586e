/**
 * Every layer's buffer estimate covers what its step allocates (review-learn L5, class 9/12: whether a
 * step runs must not depend on the private batch size). Rule (size-limits.ts, rule 2): a layer's
 * `valuesPerExample` is at least the per-example size of EVERY per-batch buffer its forward, backward,
 * perExampleSquaredNorms and accumulateScaledGradients allocate, so the trainer's chunks of
 * ⌊maxBatchValues / valuesPerExample⌋ rows bound them all; buffers that do not grow with the batch are
 * parameter-sized (bounded by maxParameters). Checked here by recording every typed array the step
 * allocates (a Proxy on the global constructors: the arrays made are genuine) for random shapes of every
 * layer kind and random batch sizes, on both kernel backends (the wasm regions are copies of these same
 * JS buffers or of the shapes passed with them).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { relu, tanh } from '../../src/learn/activations.js';
import { setKernelBackend } from '../../src/learn/backend.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { embedding } from '../../src/learn/embedding.js';
import { isTrainable, type Layer } from '../../src/learn/layer.js';
import { groupNorm, layerNorm } from '../../src/learn/normalization.js';
import { avgPool2d, maxPool2d } from '../../src/learn/pool2d.js';
import { layerValuesPerExample } from '../../src/learn/size-limits.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { filler } from './_helpers.js';

afterEach(() => {
  setKernelBackend('auto');
});

type Ctor = Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor;
const NAMES = ['Float64Array', 'Float32Array', 'Int32Array'] as const;

/** Runs `f` with every typed-array allocation of the three kinds recorded (its element count). */
function recordAllocations(f: () => void): number[] {
  const sizes: number[] = [];
  const g = globalThis as unknown as Record<string, Ctor>;
  const originals = NAMES.map((n) => g[n] as Ctor);
  NAMES.forEach((n, i) => {
    g[n] = new Proxy(originals[i] as Ctor, {
      construct(target, args, newTarget) {
        const first = args[0] as unknown;
        if (typeof first === 'number') sizes.push(first);
        else if (first !== undefined && !(first instanceof ArrayBuffer) && !(first instanceof SharedArrayBuffer)) {
          sizes.push((first as ArrayLike<unknown>).length ?? 0);
        }
        return Reflect.construct(target, args, newTarget === g[n] ? target : newTarget);
      },
    });
  });
  try {
    f();
  } finally {
    NAMES.forEach((n, i) => {
      g[n] = originals[i] as Ctor;
    });
  }
  return sizes;
}

const rng = () => new SeededRandomSource('buffers');

const layerArb: fc.Arbitrary<() => Layer> = fc.oneof(
  fc.record({ i: fc.integer({ min: 1, max: 40 }), o: fc.integer({ min: 1, max: 40 }) }).map(
    ({ i, o }) =>
      () =>
        dense(i, o, { rng: rng() }),
  ),
  fc
    .record({
      c: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 9 }),
      o: fc.integer({ min: 1, max: 12 }),
      k: fc.integer({ min: 1, max: 9 }),
      s: fc.integer({ min: 1, max: 3 }),
      p: fc.integer({ min: 0, max: 2 }),
    })
    .filter(({ h, k, p }) => h + 2 * p >= k)
    .map(
      ({ c, h, o, k, s, p }) =>
        () =>
          conv2d({ inChannels: c, height: h, width: h, outChannels: o, kernelSize: k, stride: s, padding: p, rng: rng() }),
    ),
  fc
    .record({ c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 8 }), k: fc.integer({ min: 1, max: 3 }), max: fc.boolean() })
    .filter(({ h, k }) => h >= k)
    .map(
      ({ c, h, k, max }) =>
        () =>
          (max ? maxPool2d : avgPool2d)({ channels: c, height: h, width: h, kernelSize: k }),
    ),
  fc.integer({ min: 1, max: 30 }).map((n) => () => relu(n)),
  fc.integer({ min: 1, max: 30 }).map((n) => () => tanh(n)),
  fc.record({ g: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 6 }) }).map(
    ({ g, m, s }) =>
      () =>
        groupNorm(g, g * m, s),
  ),
  fc.integer({ min: 1, max: 20 }).map((f) => () => layerNorm(f)),
  fc.record({ v: fc.integer({ min: 1, max: 30 }), d: fc.integer({ min: 1, max: 8 }), l: fc.integer({ min: 1, max: 6 }) }).map(
    ({ v, d, l }) =>
      () =>
        embedding(v, d, l, { rng: rng() }),
  ),
);

/** One step of a layer on `batch` rows: forward, backward and, for a trainable layer, norms and a clipped sum. */
function step(layer: Layer, batch: number, seed: number): void {
  const input = filler(batch * layer.inputSize, seed).map((x) => (layer.kind === 'embedding' ? Math.floor(Math.abs(x) * 4) : x));
  layer.forward(input, batch);
  layer.backward(filler(batch * layer.outputSize, seed + 1), batch, true);
  if (!isTrainable(layer)) return;
  const norms = new Float64Array(batch);
  layer.perExampleSquaredNorms(norms);
  const scales = filler(batch, seed + 2).map((x, i) => (i % 3 === 1 ? 0 : Math.abs(x) / 4));
  layer.accumulateScaledGradients(scales);
}

describe('every layer’s valuesPerExample covers the buffers its step allocates (review-learn L5)', () => {
  it('no per-batch buffer exceeds rows × valuesPerExample; the rest are parameter-sized (generative: every layer kind, both backends)', () => {
    fc.assert(
      fc.property(
        layerArb,
        fc.integer({ min: 2, max: 6 }),
        fc.constantFrom('wasm' as const, 'reference' as const),
        fc.nat(1000),
        (make, batch, backend, seed) => {
          setKernelBackend(backend);
          const layer = make(); // built (parameters allocated) before recording
          const perExample = layerValuesPerExample(layer);
          const params = layer.parameters.reduce((s, p) => s + p.value.length, 0);
          const sizes = recordAllocations(() => step(layer, batch, seed));
          expect(sizes.length).toBeGreaterThan(0); // the recorder sees the step's allocations
          const largest = Math.max(...sizes);
          expect(
            largest,
            `${layer.kind}: largest ${largest}, rows × valuesPerExample ${batch * perExample}, parameters ${params}`,
          ).toBeLessThanOrEqual(Math.max(batch * perExample, params));
        },
      ),
      { numRuns: 300, seed: 20261206 },
    );
  });

  it('regression: a materialised conv with few positions and a wide gradient row counts that row (conv 1×28×28, k 28, 512 channels)', () => {
    const c = conv2d({ inChannels: 1, height: 28, width: 28, outChannels: 512, kernelSize: 28, rng: rng() });
    expect(c.valuesPerExample).toBe(512 * 784 + 512);
    const sizes = recordAllocations(() => step(c, 3, 1));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3 * c.valuesPerExample);
  });
});
