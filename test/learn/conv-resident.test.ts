/**
 * Conv2d's and MaxPool2d's resident kernel instances (src/learn/conv-resident.ts, pool-resident.ts): a layer's binary32 input, output
 * gradient and per-example gradients stay in its own WebAssembly memory from forward to the clipped
 * sum. Its results must be bit for bit those of the shared path (conv-ops.ts's per-call functions:
 * the same kernels on the same binary32 roundings), and the clipped sum must read exactly the values
 * the norms were taken over. Sequences of steps with changing batch sizes (the Poisson batches),
 * empty batches, dropped rows (c_i = 0, here beside a row of NaN that must be skipped), a first
 * layer (no input gradient) and a non-private step (no norm pass) between private ones.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelBackend, setKernelBackend } from '../../src/learn/backend.js';
import { type ConvShape, convExampleGrads, convForward, convInputGrad, poolBackward, poolForward } from '../../src/learn/conv-ops.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { maxPool2d } from '../../src/learn/pool2d.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { filler } from './_helpers.js';

afterEach(() => {
  setKernelBackend('auto');
});

/** What the shared path gives: forward, input gradient, binary32 per-example gradients and norms, the clipped sum. */
function shared(
  g: ConvShape,
  w: Float64Array,
  b: Float64Array,
  x: Float64Array,
  dy: Float64Array,
  scales: Float64Array,
  batch: number,
  gw0: Float64Array,
  gb0: Float64Array,
) {
  const T = g.oh * g.ow;
  const K = g.C * g.k * g.k;
  const out = new Float64Array(batch * g.outC * T);
  convForward(g, x, w, b, out, batch);
  const dx = new Float64Array(batch * g.C * g.H * g.W);
  convInputGrad(g, dy, w, dx, batch);
  const width = g.outC * K + g.outC;
  const grads = new Float32Array(batch * width);
  const norms = new Float64Array(batch);
  convExampleGrads(g, x, dy, grads, norms, batch);
  // The clipped sum in the order Conv2d sums (four kept rows per pass, then one by one).
  const gw = gw0.slice();
  const gb = gb0.slice();
  const kept = [...Array(batch).keys()].filter((i) => scales[i] !== 0);
  const add = (out: Float64Array, from: number, count: number): void => {
    let r = 0;
    for (; r + 4 <= kept.length; r += 4) {
      const rows = kept.slice(r, r + 4);
      for (let j = 0; j < count; j++) {
        let v = out[j] as number;
        for (const i of rows) v += (scales[i] as number) * (grads[i * width + from + j] as number);
        out[j] = v;
      }
    }
    for (; r < kept.length; r++) {
      const i = kept[r] as number;
      for (let j = 0; j < count; j++) out[j] = (out[j] as number) + (scales[i] as number) * (grads[i * width + from + j] as number);
    }
  };
  add(gw, 0, g.outC * K);
  add(gb, g.outC * K, g.outC);
  return { out, dx, norms, gw, gb };
}

const geometry = fc
  .record({
    C: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(17)),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 9 }),
    k: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(5)),
    s: fc.integer({ min: 1, max: 3 }),
    p: fc.integer({ min: 0, max: 2 }),
    outC: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(9), fc.constant(17)),
    batches: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }),
    plain: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    seed: fc.nat(),
  })
  .filter((g) => g.H + 2 * g.p >= g.k && g.W + 2 * g.p >= g.k);

describe('Conv2d resident kernels (conv-resident.ts)', () => {
  it('equal the shared path bit for bit over steps of changing batch size, dropped rows and non-private steps', () => {
    expect(kernelBackend()).toBe('wasm');
    fc.assert(
      fc.property(geometry, (q) => {
        const layer = conv2d({
          inChannels: q.C,
          height: q.H,
          width: q.W,
          outChannels: q.outC,
          kernelSize: q.k,
          stride: q.s,
          padding: q.p,
          rng: new SeededRandomSource(`resident-${q.seed}`),
        });
        const g: ConvShape = {
          C: q.C,
          H: q.H,
          W: q.W,
          k: q.k,
          s: q.s,
          p: q.p,
          oh: layer.outHeight,
          ow: layer.outWidth,
          outC: q.outC,
        };
        q.batches.forEach((batch, step) => {
          const x = filler(batch * layer.inputSize, q.seed + 7 * step + 1);
          const dy = filler(batch * layer.outputSize, q.seed + 7 * step + 2);
          const scales = filler(batch, q.seed + 7 * step + 3).map((v) => (v < -2 ? 0 : Math.abs(v) / 4));
          // A dropped row full of NaN: skipped by the sum, never multiplied by 0.
          const dropped = scales.indexOf(0);
          if (dropped >= 0) dy.fill(Number.NaN, dropped * layer.outputSize, (dropped + 1) * layer.outputSize);
          const gw0 = filler(layer.weight.grad.length, q.seed + 5);
          const gb0 = filler(layer.bias.grad.length, q.seed + 6);
          const want = shared(g, layer.weight.value, layer.bias.value, x, dy, scales, batch, gw0, gb0);
          layer.weight.grad.set(gw0);
          layer.bias.grad.set(gb0);
          expect(Array.from(layer.forward(x, batch))).toEqual(Array.from(want.out));
          const first = step % 2 === 1; // a first layer: no input gradient
          const dx = layer.backward(dy, batch, !first);
          if (!first) expect(Array.from(dx)).toEqual(Array.from(want.dx));
          if (q.plain[step]) return; // a non-private step: no norm pass, the next forward starts over
          const norms = new Float64Array(batch);
          layer.perExampleSquaredNorms(norms);
          for (let i = 0; i < batch; i++) if (i !== dropped) expect(norms[i]).toBe(want.norms[i]);
          layer.accumulateScaledGradients(scales);
          expect(Array.from(layer.weight.grad)).toEqual(Array.from(want.gw));
          expect(Array.from(layer.bias.grad)).toEqual(Array.from(want.gb));
        });
      }),
      { numRuns: 120, seed: 12_017 },
    );
  });

  it('a step whose forward ran on the reference kernels never reads stale resident operands', () => {
    const layer = conv2d({ inChannels: 2, height: 6, width: 6, outChannels: 3, kernelSize: 3, rng: new SeededRandomSource('stale') });
    const n = 3;
    const x1 = filler(n * layer.inputSize, 1);
    const x2 = filler(n * layer.inputSize, 2);
    const dy = filler(n * layer.outputSize, 3);
    const norms = (x: Float64Array): Float64Array => {
      layer.forward(x, n);
      layer.backward(dy, n, false);
      const out = new Float64Array(n);
      layer.perExampleSquaredNorms(out);
      return out;
    };
    const wasm1 = norms(x1); // leaves x1 resident
    setKernelBackend('reference');
    layer.forward(x2, n); // x2 on the reference kernels
    setKernelBackend('auto');
    layer.backward(dy, n, false);
    const out = new Float64Array(n);
    layer.perExampleSquaredNorms(out); // must use x2, not the resident x1
    const wasm2 = norms(x2);
    expect(Array.from(out)).toEqual(Array.from(wasm2));
    expect(Array.from(out)).not.toEqual(Array.from(wasm1));
  });

  it('MaxPool2d keeps its winners resident: forward and backward equal the shared path bit for bit (NaN, ties, changing batches, a backend switch between them)', () => {
    fc.assert(
      fc.property(
        fc.record({
          C: fc.integer({ min: 1, max: 3 }),
          H: fc.integer({ min: 2, max: 9 }),
          W: fc.integer({ min: 2, max: 9 }),
          k: fc.integer({ min: 1, max: 3 }),
          s: fc.integer({ min: 1, max: 3 }),
          batches: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
          switchAt: fc.integer({ min: -1, max: 3 }),
          seed: fc.nat(),
        }),
        (q) => {
          const k = Math.min(q.k, q.H, q.W);
          const layer = maxPool2d({ channels: q.C, height: q.H, width: q.W, kernelSize: k, stride: q.s });
          q.batches.forEach((batch, step) => {
            // Few distinct values (ties) and some NaN.
            const x = filler(batch * layer.inputSize, q.seed + 3 * step + 1).map((v) => (v > 3.5 ? Number.NaN : Math.round(v)));
            const dy = filler(batch * layer.outputSize, q.seed + 3 * step + 2);
            const g = { rows: batch * q.C, H: q.H, W: q.W, k, s: q.s, oh: layer.outHeight, ow: layer.outWidth };
            const out = new Float64Array(batch * layer.outputSize);
            const arg = new Float64Array(out.length);
            poolForward(g, true, x, out, arg);
            const dx = new Float64Array(batch * layer.inputSize);
            poolBackward(g, true, dy, arg, dx);
            expect(Array.from(layer.forward(x, batch))).toEqual(Array.from(out));
            if (step === q.switchAt) setKernelBackend('reference');
            expect(Array.from(layer.backward(dy, batch))).toEqual(Array.from(dx));
            setKernelBackend('auto');
          });
        },
      ),
      { numRuns: 150, seed: 12_018 },
    );
  });
});
