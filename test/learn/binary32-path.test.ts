/**
 * Sequential's binary32 path (src/learn/binary32-path.ts): inside a segment (a wasm Conv2d, ReLU / max pooling, a
 * wasm Conv2d) the activations and their gradients travel as binary32 arrays in WebAssembly memory. The claim: the
 * DP step computes the same bits as the binary64 path — the losses, every layer's per-example squared norms, the
 * clip factors' norms, the clipped sums added to the gradients, and the predictions — on the MNIST CNN (both
 * clipping modes, a sequence of steps with changing batch sizes, an empty batch, one example) and on random small
 * conv → ReLU → max pool → conv stacks (fast-check). Also: which stacks form a segment (from the kinds only), and
 * the fallback (a binary32 forward that cannot run reruns the segment on the binary64 path, the same bits).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { relu, tanh } from '../../src/learn/activations.js';
import { kernelBackend } from '../../src/learn/backend.js';
import { binary32Segments, reluFusions, setBinary32Path } from '../../src/learn/binary32-path.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients, type ClippingMode } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { mnistCnn } from '../../src/learn/models.js';
import { avgPool2d, maxPool2d } from '../../src/learn/pool2d.js';
import { type Batch, Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

afterEach(() => {
  setBinary32Path(true);
});

/** A batch with inputs in [−1, 1], a few exact zeros and repeated values (ties in ReLU and max pooling). */
function batchFor(seed: string, inputSize: number, size: number, classes: number): Batch {
  const rng = new SeededRandomSource(`b32-batch-${seed}`);
  const inputs = new Float64Array(size * inputSize);
  for (let i = 0; i < inputs.length; i++) {
    const u = rng.nextUint32();
    inputs[i] = u % 7 === 0 ? 0 : u % 11 === 0 ? 0.5 : (rng.nextUint32() / 2 ** 32) * 2 - 1;
  }
  const labels = Int32Array.from({ length: size }, () => rng.nextUint32() % classes);
  return { inputs, labels, size };
}

/** Bits of every value of a step: losses, norms before and after clipping, each parameter's clipped sum. */
function dpStep(model: Sequential, batch: Batch, clipping: ClippingMode, C: number): Float64Array[] {
  for (const p of model.parameters) p.grad.fill(0);
  const losses = model.forwardBackward(batch);
  const clipped = accumulateClippedGradients(model, batch.size, C, clipping);
  return [losses, clipped.gradientNorms, clipped.contributionNorms, ...model.parameters.map((p) => p.grad.slice())];
}

/** Equal values by Object.is (±0 apart, any NaN equal to any NaN: a NaN's payload is the platform's). */
function sameValues(a: Float64Array, b: Float64Array): void {
  expect(b.length).toBe(a.length);
  let bad = -1;
  for (let i = 0; i < a.length && bad < 0; i++) if (!Object.is(a[i], b[i])) bad = i;
  expect(bad < 0 ? 'equal' : `index ${bad}: ${a[bad]} vs ${b[bad]}`).toBe('equal');
}

function sameBits(a: readonly Float64Array[], b: readonly Float64Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    const y = b[i] as Float64Array;
    expect(y.length).toBe(x.length);
    expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(x.buffer, x.byteOffset, x.byteLength))).toBe(true);
  });
}

/** Runs `steps` DP steps with the path off and on, each on its own copy of the model (same weights), updating both alike. */
function compareSteps(make: () => Sequential, batches: readonly Batch[], clipping: ClippingMode, onRan?: (m: Sequential) => void): void {
  const old = make();
  const cur = make();
  for (const batch of batches) {
    setBinary32Path(false);
    const a = dpStep(old, batch, clipping, 1);
    const pa = old.predict(batch.inputs, batch.size);
    setBinary32Path(true);
    const b = dpStep(cur, batch, clipping, 1);
    onRan?.(cur);
    const pb = cur.predict(batch.inputs, batch.size);
    sameBits(a, b);
    sameBits([pa], [pb]);
    // A plain SGD step on both (the same gradients), so that later batches see new weights.
    for (const m of [old, cur])
      for (const p of m.parameters)
        for (let j = 0; j < p.value.length; j++) p.value[j] = (p.value[j] as number) - 0.5 * (p.grad[j] as number);
  }
}

/** Counts the binary32 forwards of a model's ReLU layers that ran (an own-property wrapper). */
function countReluForward32(model: Sequential): { ran: number } {
  const counter = { ran: 0 };
  for (const l of model.layers) {
    if (l.kind !== 'relu') continue;
    const layer = l as Layer & { forward32: (x: Float32Array | Float64Array, b: number) => Float32Array | null };
    const f = layer.forward32.bind(layer);
    layer.forward32 = (x, b) => {
      const y = f(x, b);
      if (y) counter.ran++;
      return y;
    };
  }
  return counter;
}

describe('binary32 path: the MNIST CNN step is bit for bit the binary64 path', () => {
  it('runs on the wasm kernels here', () => {
    expect(kernelBackend()).toBe('wasm');
    // conv1 → ReLU → pool 1 → conv2, conv2 → ReLU → pool 2 → fc1, fc1 → ReLU → fc2 (Dense is a product too).
    expect(binary32Segments(mnistCnn(new SeededRandomSource('seg')).layers)).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 6 },
      { start: 6, end: 8 },
    ]);
  });

  for (const clipping of ['flat', 'perLayer'] as const) {
    it(`${clipping} clipping, five steps, batch sizes 37, 0, 64, 1, 19`, () => {
      for (const seed of ['a', 'b']) {
        const batches = [37, 0, 64, 1, 19].map((n, i) => batchFor(`${seed}-${i}`, 784, n, 10));
        let counter = { ran: 0 };
        compareSteps(
          () => {
            const m = mnistCnn(new SeededRandomSource(`b32-cnn-${seed}`));
            counter = countReluForward32(m);
            return m;
          },
          batches,
          clipping,
        );
        expect(counter.ran).toBeGreaterThanOrEqual(5); // the path ran (once per forward: the steps and the predictions)
      }
    });
  }

  it('a binary32 forward that cannot run: the segment reruns on the binary64 path, the same bits', () => {
    const batches = [23, 8].map((n, i) => batchFor(`fallback-${i}`, 784, n, 10));
    compareSteps(
      () => {
        const m = mnistCnn(new SeededRandomSource('b32-fallback'));
        const pool = m.layers[2] as Layer & { forward32: (x: Float32Array | Float64Array, b: number) => Float32Array | null };
        const f = pool.forward32.bind(pool);
        let calls = 0;
        pool.forward32 = (x, b) => (calls++ % 2 === 0 ? null : f(x, b)); // every other call refuses
        return m;
      },
      batches,
      'flat',
    );
  });
});

describe('binary32 path: random conv → ReLU → max pool → conv stacks (generative)', () => {
  it('the DP step and the predictions are bit for bit the binary64 path', () => {
    fc.assert(
      fc.property(
        fc.record({
          c: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 6, max: 12 }),
          o1: fc.integer({ min: 1, max: 6 }),
          k1: fc.integer({ min: 1, max: 4 }),
          s1: fc.integer({ min: 1, max: 2 }),
          p1: fc.integer({ min: 0, max: 2 }),
          pk: fc.integer({ min: 1, max: 3 }),
          ps: fc.integer({ min: 1, max: 2 }),
          o2: fc.integer({ min: 1, max: 5 }),
          k2: fc.integer({ min: 1, max: 3 }),
          reluAfterPool: fc.boolean(),
          sizes: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }),
          seed: fc.integer({ min: 0, max: 1e6 }),
        }),
        (g) => {
          const c1 = { inChannels: g.c, height: g.h, width: g.h, outChannels: g.o1, kernelSize: g.k1, stride: g.s1, padding: g.p1 };
          const oh1 = Math.floor((g.h + 2 * g.p1 - g.k1) / g.s1) + 1;
          if (oh1 < g.pk) return;
          const ph = Math.floor((oh1 - g.pk) / g.ps) + 1;
          if (ph < g.k2) return;
          const make = (): Sequential => {
            const rng = new SeededRandomSource(`b32-gen-${g.seed}`);
            const a = conv2d({ ...c1, rng, name: 'a' });
            const p = maxPool2d({ channels: g.o1, height: oh1, width: oh1, kernelSize: g.pk, stride: g.ps });
            const b = conv2d({ inChannels: g.o1, height: ph, width: ph, outChannels: g.o2, kernelSize: g.k2, rng, name: 'b' });
            const middle: Layer[] = g.reluAfterPool ? [p, relu(p.outputSize)] : [relu(a.outputSize), p];
            return new Sequential([a, ...middle, b, relu(b.outputSize), dense(b.outputSize, 3, { rng })], softmaxCrossEntropy(3));
          };
          expect(binary32Segments(make().layers)).toEqual([
            { start: 0, end: 3 },
            { start: 3, end: 5 },
          ]);
          const batches = g.sizes.map((n, i) => batchFor(`gen-${g.seed}-${i}`, g.c * g.h * g.h, n, 3));
          compareSteps(make, batches, 'flat');
        },
      ),
      { numRuns: 60, seed: 20261207 },
    );
  });
});

describe('binary32 path: random Dense → ReLU → Dense stacks (generative, the MLP)', () => {
  it('the DP step and the predictions are bit for bit the binary64 path, flat and per-layer clipping', () => {
    fc.assert(
      fc.property(
        fc.record({
          widths: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 3, maxLength: 5 }),
          classes: fc.integer({ min: 2, max: 5 }),
          sizes: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }),
          clipping: fc.constantFrom('flat' as const, 'perLayer' as const),
          seed: fc.integer({ min: 0, max: 1e6 }),
        }),
        (g) => {
          let ran = 0; // binary32 forwards of the first Dense (called only with the path on)
          const make = (): Sequential => {
            const rng = new SeededRandomSource(`b32-mlp-${g.seed}`);
            const layers: Layer[] = [];
            const w = [...g.widths, g.classes];
            for (let i = 0; i + 1 < w.length; i++) {
              if (i > 0) layers.push(relu(w[i] as number));
              layers.push(dense(w[i] as number, w[i + 1] as number, { rng }));
            }
            const first = layers[0] as Layer & { forward32: (x: Float32Array | Float64Array, b: number) => Float32Array | null };
            const f = first.forward32.bind(first);
            first.forward32 = (x, b) => {
              ran++;
              return f(x, b);
            };
            return new Sequential(layers, softmaxCrossEntropy(g.classes));
          };
          expect(binary32Segments(make().layers)).toHaveLength(g.widths.length - 1);
          const batches = g.sizes.map((n, i) => batchFor(`mlp-${g.seed}-${i}`, g.widths[0] as number, n, g.classes));
          compareSteps(make, batches, g.clipping);
          expect(ran).toBe(2 * batches.length); // the step's forward and the predictions', each batch
        },
      ),
      { numRuns: 60, seed: 20261207 },
    );
  });
});

describe('binary32 path: max pooling and ReLU on binary32 planes (generative, NaN, ±0, ties)', () => {
  it('forward32/backward32 give the binary64 layer’s outputs and the binary32 rounding of its input gradients', () => {
    fc.assert(
      fc.property(
        fc.record({
          c: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 1, max: 11 }),
          w: fc.integer({ min: 1, max: 14 }),
          k: fc.integer({ min: 1, max: 4 }),
          s: fc.integer({ min: 1, max: 3 }),
          batch: fc.integer({ min: 0, max: 4 }),
          seed: fc.integer({ min: 0, max: 1e6 }),
        }),
        (g) => {
          if (g.k > g.h || g.k > g.w) return;
          const rng = new SeededRandomSource(`b32-pool-${g.seed}`);
          const pick = (): number => {
            const u = rng.nextUint32() % 16;
            if (u === 0) return Number.NaN;
            if (u === 1) return -0;
            if (u < 6) return [0, 1, -1, 0.25][u - 2] as number; // ties
            return Math.fround((rng.nextUint32() / 2 ** 32) * 4 - 2);
          };
          const opts = { channels: g.c, height: g.h, width: g.w, kernelSize: g.k, stride: g.s };
          const a = maxPool2d(opts);
          const b = maxPool2d(opts);
          const ra = relu(a.inputSize);
          const rb = relu(a.inputSize);
          const x = Float32Array.from({ length: g.batch * a.inputSize }, pick);
          const y64 = a.forward(ra.forward(Float64Array.from(x), g.batch), g.batch);
          const r32 = rb.forward32(x, g.batch) as Float32Array;
          const y32 = b.forward32(r32, g.batch) as Float32Array;
          expect(y32).not.toBeNull();
          const y32Values = Float64Array.from(y32); // the view is rewritten by the backward
          sameValues(y64, y32Values);
          const dy = Float32Array.from({ length: g.batch * a.outputSize }, () =>
            Math.fround((rng.nextUint32() / 2 ** 32) * 2 ** (rng.nextUint32() % 40) - 1),
          );
          const dx64 = ra.backward(a.backward(Float64Array.from(dy), g.batch), g.batch);
          const dx32 = rb.backward32(b.backward32(dy, g.batch), g.batch);
          sameValues(Float64Array.from(dx64, Math.fround), Float64Array.from(dx32));
          // The ReLU fused into the pooling (forward32AfterRelu, as Sequential runs a ReLU → max pool inside a
          // segment): the same outputs and winners from the pre-ReLU planes, and the gradient of the ReLU's input.
          const c = maxPool2d(opts);
          const yf = c.forward32AfterRelu(x, g.batch) as Float32Array;
          expect(yf).not.toBeNull();
          sameValues(y32Values, Float64Array.from(yf));
          const dx32Values = Float64Array.from(dx32);
          sameValues(dx32Values, Float64Array.from(c.backward32(dy, g.batch)));
          // A second backward of the same forward gives the same (the pre-ReLU planes are kept).
          sameValues(dx32Values, Float64Array.from(c.backward32(dy, g.batch)));
        },
      ),
      { numRuns: 300, seed: 20261208 },
    );
  });
});

/**
 * A max pooling's forward32 and backward32, plain and with the ReLU fused (forward32AfterRelu), against the binary64
 * layers on x and dy: the same outputs, and the binary32 rounding of the binary64 input gradients.
 */
function poolMatchesBinary64(opts: Parameters<typeof maxPool2d>[0], batch: number, x: Float32Array, dy: Float32Array): void {
  const a = maxPool2d(opts);
  const ra = relu(a.inputSize);
  const y64 = a.forward(Float64Array.from(x), batch);
  const plain = Float64Array.from(a.backward(Float64Array.from(dy), batch), Math.fround);
  const b = maxPool2d(opts);
  sameValues(y64, Float64Array.from(b.forward32(x, batch) as Float32Array));
  sameValues(plain, Float64Array.from(b.backward32(dy, batch)));
  const yr64 = a.forward(ra.forward(Float64Array.from(x), batch), batch);
  const fused = Float64Array.from(ra.backward(a.backward(Float64Array.from(dy), batch), batch), Math.fround);
  const c = maxPool2d(opts);
  sameValues(yr64, Float64Array.from(c.forward32AfterRelu(x, batch) as Float32Array));
  sameValues(fused, Float64Array.from(c.backward32(dy, batch)));
}

describe("binary32 path: 2×2 stride-1 max pooling backward (the MNIST CNN's) against the binary64 layer", () => {
  // A pixel's input gradient sums the gradients of the (up to four) windows it won, in binary64, in output
  // order (poolBackward and poolBackward32). Peaks win all four windows around them, and gradients of ±2⁶⁰,
  // ±1, ±3·2⁻³⁰, ±0.5 make a sum of three or four terms depend on its order (2⁶⁰ + 1 − 2⁶⁰ is 0 in one order
  // and 1 in another): a kernel that sums them in another order fails (a gather that added a pixel's two
  // lower windows the other way round did, stop 21).
  it('the binary32 rounding of the binary64 layer’s input gradient, with and without the fused ReLU', () => {
    fc.assert(
      fc.property(
        fc.record({
          c: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 2, max: 16 }),
          w: fc.integer({ min: 3, max: 17 }),
          batch: fc.integer({ min: 1, max: 3 }),
          seed: fc.integer({ min: 0, max: 1e6 }),
        }),
        (g) => {
          const rng = new SeededRandomSource(`b32-gather-${g.seed}`);
          const pick = (): number => {
            const u = rng.nextUint32() % 16;
            if (u === 0) return Number.NaN;
            if (u === 1) return -0;
            if (u < 4) return 0;
            if (u < 7) return 8 + (rng.nextUint32() % 3); // peaks, with ties between them
            return Math.fround((rng.nextUint32() / 2 ** 32) * 4 - 2);
          };
          const terms = [2 ** 60, 1, 3 * 2 ** -30, 0.5];
          const grad = (): number => (rng.nextUint32() % 2 ? -1 : 1) * (terms[rng.nextUint32() % 4] as number);
          const opts = { channels: g.c, height: g.h, width: g.w, kernelSize: 2, stride: 1 };
          const x = Float32Array.from({ length: g.batch * g.c * g.h * g.w }, pick);
          const dy = Float32Array.from({ length: g.batch * g.c * (g.h - 1) * (g.w - 1) }, grad);
          poolMatchesBinary64(opts, g.batch, x, dy); // plain, and with the ReLU fused (the gradient of its input)
        },
      ),
      { numRuns: 200, seed: 20261207 },
    );
  });
});

describe("binary32 path: max pooling's one-byte winner codes, windows up to 16×16 (larger: the binary64 path)", () => {
  // poolForward32 keeps each window's winner as (ky << 4) | kx in one byte; poolBackward32 decodes it with the
  // stride. Windows of 12–16 use the code's top values (kx, ky up to 15); peaks placed at random win whole
  // neighbourhoods of windows, and gradients of ±2⁶⁰, ±1, ±3·2⁻³⁰ make the per-pixel sums order-dependent: a
  // decoding that swapped ky and kx, dropped the stride or a bit of either would route a gradient elsewhere.
  it('the binary64 layer’s outputs and the binary32 rounding of its input gradients, with and without the fused ReLU', () => {
    fc.assert(
      fc.property(
        fc.record({
          c: fc.integer({ min: 1, max: 2 }),
          k: fc.integer({ min: 12, max: 16 }),
          dh: fc.integer({ min: 0, max: 5 }),
          dw: fc.integer({ min: 0, max: 20 }),
          s: fc.integer({ min: 1, max: 17 }),
          batch: fc.integer({ min: 1, max: 2 }),
          seed: fc.integer({ min: 0, max: 1e6 }),
        }),
        (g) => {
          const rng = new SeededRandomSource(`b32-codes-${g.seed}`);
          const pick = (): number => {
            const u = rng.nextUint32() % 1024; // a window has up to 256 taps: NaN in about one window of four
            if (u === 0) return Number.NaN;
            if (u < 8) return -0;
            if (u < 40) return 8 + (rng.nextUint32() % 2); // peaks, with ties between them
            return Math.fround((rng.nextUint32() / 2 ** 32) * 4 - 2);
          };
          const terms = [2 ** 60, 1, 3 * 2 ** -30];
          const grad = (): number => (rng.nextUint32() % 2 ? -1 : 1) * (terms[rng.nextUint32() % 3] as number);
          const p = maxPool2d({ channels: g.c, height: g.k + g.dh, width: g.k + g.dw, kernelSize: g.k, stride: g.s });
          const x = Float32Array.from({ length: g.batch * p.inputSize }, pick);
          const dy = Float32Array.from({ length: g.batch * p.outputSize }, grad);
          poolMatchesBinary64({ channels: g.c, height: g.k + g.dh, width: g.k + g.dw, kernelSize: g.k, stride: g.s }, g.batch, x, dy);
        },
      ),
      { numRuns: 120, seed: 20261209 },
    );
  });

  it('a window above 16×16 has no binary32 forward (null: its segment reruns on the binary64 path)', () => {
    expect(kernelBackend()).toBe('wasm');
    const x = new Float32Array(17 * 17).fill(1);
    const p = maxPool2d({ channels: 1, height: 17, width: 17, kernelSize: 17 });
    expect(p.forward32(x, 1)).toBeNull();
    expect(p.forward32AfterRelu(x, 1)).toBeNull();
    expect(p.forward(Float64Array.from(x), 1)).toEqual(Float64Array.of(1));
    const q = maxPool2d({ channels: 1, height: 17, width: 17, kernelSize: 16, stride: 1 });
    expect(q.forward32(x, 1)).toEqual(Float32Array.of(1, 1, 1, 1));
  });
});

describe('binary32 path: which stacks form a segment (from the layer kinds only)', () => {
  const conv = (inC: number, h: number, name: string) =>
    conv2d({ inChannels: inC, height: h, width: h, outChannels: 2, kernelSize: 3, name, rng: new SeededRandomSource(name) });
  it('tanh, average pooling, two max poolings, nothing between two convs, or no conv at the end: no segment', () => {
    expect(binary32Segments(mnistCnn(new SeededRandomSource('t'), { activation: 'tanh' }).layers)).toEqual([]);
    const a = conv(1, 9, 'a');
    expect(binary32Segments([a, tanh(a.outputSize), conv(2, 7, 'b')])).toEqual([]);
    expect(binary32Segments([a, avgPool2d({ channels: 2, height: 7, width: 7, kernelSize: 1 }), conv(2, 7, 'b')])).toEqual([]);
    const p = (h: number) => maxPool2d({ channels: 2, height: h, width: h, kernelSize: 1 });
    expect(binary32Segments([a, p(7), p(7), conv(2, 7, 'b')])).toEqual([]);
    expect(binary32Segments([a, conv(2, 7, 'b')])).toEqual([]);
    const d = dense(4, 3);
    expect(binary32Segments([d, tanh(3), dense(3, 2)])).toEqual([]);
    expect(binary32Segments([d, dense(3, 2)])).toEqual([]);
  });
  it('a Dense is a product: conv → ReLU → Dense and Dense → ReLU → Dense are segments', () => {
    const a = conv(1, 9, 'a');
    expect(binary32Segments([a, relu(a.outputSize), dense(a.outputSize, 2)])).toEqual([{ start: 0, end: 2 }]);
    expect(binary32Segments([dense(4, 3), relu(3), dense(3, 2), relu(2), dense(2, 2)])).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 4 },
    ]);
  });
  it('a ReLU directly before a max pooling, both inside a segment, is fused into the pooling; nowhere else', () => {
    const a = conv(1, 9, 'a');
    const pool = maxPool2d({ channels: 2, height: 7, width: 7, kernelSize: 2, stride: 1 });
    const b = conv(2, 6, 'b');
    const r = relu(a.outputSize);
    expect(reluFusions([a, r, pool, b], binary32Segments([a, r, pool, b]))).toEqual([false, true, false, false]);
    // pooling then ReLU: nothing to fuse; a ReLU before a pooling outside any segment (no product after): none.
    const p2 = maxPool2d({ channels: 2, height: 7, width: 7, kernelSize: 1 });
    const r2 = relu(p2.outputSize);
    expect(reluFusions([a, p2, r2, conv(2, 7, 'c')], binary32Segments([a, p2, r2, conv(2, 7, 'c')]))).toEqual([false, false, false, false]);
    expect(reluFusions([a, r, pool], binary32Segments([a, r, pool]))).toEqual([false, false, false]);
    // tanh is no select layer; average pooling no route.
    const avg = avgPool2d({ channels: 2, height: 7, width: 7, kernelSize: 2, stride: 1 });
    expect(reluFusions([a, tanh(a.outputSize), pool, b], binary32Segments([a, tanh(a.outputSize), pool, b]))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(reluFusions([a, r, avg, b], binary32Segments([a, r, avg, b]))).toEqual([false, false, false, false]);
    // The MNIST CNN: conv1 → ReLU → pool 1 → conv2 → ReLU → pool 2 → fc1 → ReLU → fc2: both conv ReLUs fuse.
    const cnn = mnistCnn(new SeededRandomSource('fuse')).layers;
    expect(reluFusions(cnn, binary32Segments(cnn)).flatMap((f, i) => (f ? [i] : []))).toEqual([1, 4]);
  });
  it('two segments may share a convolution', () => {
    const a = conv(1, 11, 'a');
    const b = conv(2, 9, 'b');
    const c = conv(2, 7, 'c');
    expect(binary32Segments([a, relu(a.outputSize), b, relu(b.outputSize), c])).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 4 },
    ]);
  });
});
