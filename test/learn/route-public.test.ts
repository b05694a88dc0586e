/**
 * Review ML M18/M19 (one class): in DP-SGD, which numeric route a pass takes, or whether it is refused, is never a
 * function of the private (Poisson) batch or chunk size — e.g. of whether a wasm memory can grow for THIS batch.
 * Rule: src/learn/public-pass.ts (route public; blocked runs bit-identical, backend.ts runWasmBlocks; Dense's
 * public block working set, dense-resident.ts; the remaining refusals raised by makePrivate's public pass).
 *
 * A memory limit is simulated in-process: every module instance's `alloc` — the shared arena's and each layer's
 * own (Dense, Conv2d, pooling; newWasmKernelInstance is wrapped) — refuses a layout beyond a random number of
 * doubles, as a memory that cannot grow does; the review tests run the real thing under --wasm-max-mem-pages=18
 * (test/review/ml-dense-binary32-route.test.ts, ml-conv-binary32-route.test.ts).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { relu } from '../../src/learn/activations.js';
import { setKernelBackend } from '../../src/learn/backend.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { DENSE_BLOCK_ROWS } from '../../src/learn/dense-resident.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { sgd } from '../../src/learn/optimizers.js';
import { maxPool2d } from '../../src/learn/pool2d.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { runPublicPass } from '../../src/learn/public-pass.js';
import { Sequential } from '../../src/learn/sequential.js';
import { loadWasmKernels, type WasmKernels } from '../../src/learn/wasm/wasm-kernels.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { expectDpError, makeBatch } from './_helpers.js';

const limit = vi.hoisted(() => ({ doubles: Number.POSITIVE_INFINITY }));
/** Makes `k.alloc` refuse (as Memory.grow does at its maximum) a layout of more than limit.doubles doubles. */
const wrapped = vi.hoisted(() => (k: WasmKernels): WasmKernels => {
  const real = k.alloc.bind(k);
  k.alloc = (...lengths: number[]): number[] => {
    const need = lengths.reduce((s, n) => s + Math.ceil(n / 2) * 2, 0);
    if (need > limit.doubles) throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    return real(...lengths);
  };
  return k;
});
vi.mock('../../src/learn/wasm/wasm-kernels.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../src/learn/wasm/wasm-kernels.js')>();
  return {
    ...mod,
    newWasmKernelInstance: (): WasmKernels | null => {
      const k = mod.newWasmKernelInstance();
      return k ? wrapped(k) : null;
    },
  };
});

const arena = loadWasmKernels();
if (arena) wrapped(arena);

/** Limits every module instance to `doubles` doubles per layout (Infinity: no limit). */
function limitArena(doubles: number): void {
  limit.doubles = doubles;
}

afterEach(() => {
  limitArena(Number.POSITIVE_INFINITY);
  setKernelBackend('auto');
});

/** Conv2d → ReLU → max pool → Dense, or Dense → ReLU → Dense, from a seed. */
function makeModel(seed: number, convolutional: boolean, width: number): Sequential {
  const rng = new SeededRandomSource(`route-${seed}`);
  const layers: Layer[] = convolutional
    ? [
        conv2d({ inChannels: 2, height: 8, width: 8, outChannels: width, kernelSize: 3, padding: 1, rng, name: 'c' }),
        relu(width * 64),
        maxPool2d({ channels: width, height: 8, width: 8, kernelSize: 4 }),
        dense(width * 4, 3, { rng, name: 'd' }),
      ]
    : [dense(5, width, { rng, name: 'd1' }), relu(width), dense(width, 3, { rng, name: 'd2' })];
  return new Sequential(layers, softmaxCrossEntropy(3));
}

/** The clipped sum of a batch with example `drop` given keep 0 (or none), as exact bits. */
function clippedSum(model: Sequential, seed: number, size: number, drop: number): number[] {
  const batch = makeBatch(seed, model, size);
  const keep = new Uint8Array(size).fill(1);
  if (drop >= 0 && drop < size) keep[drop] = 0;
  for (const p of model.parameters) p.grad.fill(0);
  model.forwardBackward(batch);
  accumulateClippedGradients(model, size, 1, 'flat', keep);
  return model.parameters.flatMap((p) => Array.from(p.grad));
}

describe('the route of a DP-SGD pass is a function of public values only (review ML M18/M19)', () => {
  it('generative: under any memory limit, a model either is refused by the public pass or gives clipped sums bit-identical to the unlimited run', () => {
    if (!arena) return expect(loadWasmKernels()).toBeNull(); // no SIMD: the reference route only, nothing to vary
    setKernelBackend('wasm');
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 1_500 }),
        fc.integer({ min: 300, max: 300_000 }),
        fc.integer({ min: -1, max: 1_500 }),
        (seed, convolutional, width, size, limit, drop) => {
          limitArena(Number.POSITIVE_INFINITY);
          const free = clippedSum(makeModel(seed, convolutional, width), seed, size, drop);
          // The same model under the limit, made as makePrivate makes it: the public one-row pass first.
          limitArena(limit);
          const model = makeModel(seed, convolutional, width);
          let refused = false;
          try {
            runPublicPass(model, 'flat');
          } catch (e) {
            expect((e as { code?: string }).code).toBe('INTERNAL'); // a function of the shape: before any data
            refused = true;
          }
          if (!refused) expect(clippedSum(model, seed, size, drop)).toEqual(free); // same bits, any batch size
          limitArena(Number.POSITIVE_INFINITY);
        },
      ),
      { numRuns: 60, seed: 20261206 },
    );
  });

  it('generative: makePrivate refuses before any data when one example does not fit; otherwise every sample size steps', () => {
    if (!arena) return expect(loadWasmKernels()).toBeNull();
    setKernelBackend('wasm');
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.integer({ min: 50, max: 20_000 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 3 }),
        (seed, limit, sizes) => {
          const made = (size: number) => {
            const rng = new SeededRandomSource(`trainer-${seed}`);
            const model = makeModel(seed, true, 2);
            const data = makeBatch(seed, model, size);
            return makePrivate({
              model,
              optimizer: sgd({ learningRate: 0.1 }),
              data,
              datasetSize: 61,
              expectedBatchSize: 61,
              noiseMultiplier: 1,
              maxGradNorm: 1,
              rng,
            });
          };
          limitArena(limit);
          let refused = false;
          try {
            made(1);
          } catch (e) {
            expect((e as { code?: string }).code).toBe('INTERNAL');
            refused = true;
          }
          for (const size of sizes) {
            if (refused) expectDpError(() => made(size), 'INTERNAL');
            else expect(made(size).step().step).toBe(1); // q = 1: the whole data set is the sample
          }
        },
      ),
      { numRuns: 25, seed: 20261207 },
    );
  });

  it('regression: Dense runs a batch larger than its public block in blocks, binary32 throughout, each example as alone', () => {
    if (!arena) return expect(loadWasmKernels()).toBeNull();
    setKernelBackend('wasm');
    const model = makeModel(7, false, 3);
    const size = 2 * DENSE_BLOCK_ROWS + 3;
    const batch = makeBatch(7, model, size);
    model.forwardBackward(batch);
    const first = model.layers[0] as unknown as { perExampleGradient(i: number, out: Float64Array): void };
    const inBatch = new Float64Array(5 * 3 + 3);
    const alone = new Float64Array(5 * 3 + 3);
    for (const i of [0, DENSE_BLOCK_ROWS - 1, DENSE_BLOCK_ROWS, size - 1]) {
      model.forwardBackward(batch);
      first.perExampleGradient(i, inBatch);
      model.forwardBackward({ inputs: batch.inputs.slice(i * 5, (i + 1) * 5), labels: batch.labels.slice(i, i + 1), size: 1 });
      first.perExampleGradient(0, alone);
      expect(Array.from(inBatch)).toEqual(Array.from(alone));
    }
  });
});
