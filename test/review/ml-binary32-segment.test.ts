// PENDING (reviewml, stop 19): rename to ml-binary32-segment.test.ts once learn b8a031a (src/learn/binary32-path.ts) is on main.
// Held on a git archive of b8a031a (150 runs, seed 1921; power: a one-value ReLU mutation in relu-resident.ts fails it).
/**
 * reviewml, stop 19 (Job 2): learn b8a031a, Sequential's binary32 path. Inside a segment (a wasm Conv2d, then ReLU
 * and at most one max pooling, then a wasm Conv2d), activations and gradients travel as binary32 in wasm memory.
 * The module claims that the DP step is bit for bit the binary64 path's. Where a layer's instance cannot grow, the
 * segment reruns on the binary64 path with the same bits.
 *
 * Checked here, for random conv → ReLU → (max pool) → conv → ReLU → dense stacks (1–2 input channels, k = 2–4,
 * stride 1, padding 0–1; outC 1–3; both clipping modes; batch 2–6; weights and inputs with exponents ±30, C from
 * 2⁻⁶⁰ to 2⁴⁰) on the wasm backend:
 *   (a) each example's clipped contribution is ≤ C exactly (BigInt);
 *   (b) it is bit for bit its contribution alone (a batch of 1);
 *   (c) the whole clipped sum of the batch is bit for bit the same with the binary32 path off (setBinary32Path).
 * fast-check seed 1921, 150 runs.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { relu } from '../../src/learn/activations.js';
import { setKernelBackend } from '../../src/learn/backend.js';
import { setBinary32Path } from '../../src/learn/binary32-path.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { maxPool2d } from '../../src/learn/pool2d.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
}
function exceeds(values: readonly number[], bound: number): boolean {
  const [bm, be] = decompose(bound);
  const terms = values.filter((v) => v !== 0).map((v) => decompose(v));
  const low = Math.min(2 * be, ...terms.map(([, e]) => 2 * e));
  let sum = 0n;
  for (const [m, e] of terms) sum += (m * m) << BigInt(2 * e - low);
  return sum > (bm * bm) << BigInt(2 * be - low);
}
afterEach(() => {
  setKernelBackend('auto');
  setBinary32Path(true);
});

describe('reviewml stop 19: the binary32 segment path (conv → ReLU → max pool → conv)', () => {
  it('≤ C exactly, the same alone as in a batch, and the same with the binary32 path off, bit for bit', () => {
    fc.assert(
      fc.property(
        fc.record({
          inC: fc.integer({ min: 1, max: 2 }),
          c1: fc.integer({ min: 1, max: 3 }),
          c2: fc.integer({ min: 1, max: 3 }),
          k1: fc.integer({ min: 2, max: 4 }),
          k2: fc.integer({ min: 1, max: 3 }),
          pad: fc.integer({ min: 0, max: 1 }),
          pool: fc.boolean(),
          H: fc.integer({ min: 8, max: 12 }),
          wExp: fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 64, maxLength: 64 }),
          wMan: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }),
          xExp: fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 97, maxLength: 97 }),
          cExp: fc.integer({ min: -60, max: 40 }),
          mode: fc.constantFrom('flat' as const, 'perLayer' as const),
          batch: fc.integer({ min: 2, max: 6 }),
        }),
        (c) => {
          setKernelBackend('wasm');
          const rng = new SeededRandomSource('b32-path');
          const o1 = c.H + 2 * c.pad - c.k1 + 1;
          const layers: Layer[] = [
            conv2d({ inChannels: c.inC, height: c.H, width: c.H, outChannels: c.c1, kernelSize: c.k1, padding: c.pad, rng, name: 'c1' }),
            relu(c.c1 * o1 * o1),
          ];
          let h = o1;
          if (c.pool && o1 >= 2) {
            const p = maxPool2d({ channels: c.c1, height: o1, width: o1, kernelSize: 2 });
            layers.push(p);
            h = Math.floor(o1 / 2);
          }
          if (h < c.k2) return;
          const o2 = h - c.k2 + 1;
          layers.push(
            conv2d({ inChannels: c.c1, height: h, width: h, outChannels: c.c2, kernelSize: c.k2, rng, name: 'c2' }),
            relu(c.c2 * o2 * o2),
            dense(c.c2 * o2 * o2, 3, { rng, name: 'd1' }),
          );
          const model = new Sequential(layers, softmaxCrossEntropy(3));
          let w = 0;
          for (const p of model.parameters)
            for (let j = 0; j < p.value.length; j++, w++) p.value[j] = (c.wMan[w % 64] as number) * 2 ** (c.wExp[w % 64] as number);
          const per = c.inC * c.H * c.H;
          const example = (i: number) =>
            Float64Array.from(
              { length: per },
              (_, j) => ((((i * 31 + j) * 7) % 11) - 5) * 0.17 * 2 ** (c.xExp[(i * 13 + j) % 97] as number),
            );
          const C = 1.5 * 2 ** c.cExp;
          const clipped = (inputs: Float64Array, labels: Int32Array, size: number, keep: Uint8Array): number[] => {
            for (const p of model.parameters) p.grad.fill(0);
            model.forwardBackward({ inputs, labels, size });
            accumulateClippedGradients(model, size, C, c.mode, keep);
            const vals: number[] = [];
            for (const p of model.parameters) for (const g of p.grad) vals.push(g);
            return vals;
          };
          const inputs = new Float64Array(c.batch * per);
          for (let i = 0; i < c.batch; i++) inputs.set(example(i), i * per);
          const labels = Int32Array.from({ length: c.batch }, (_, i) => i % 3);
          for (let i = 0; i < c.batch; i++) {
            const keep = new Uint8Array(c.batch);
            keep[i] = 1;
            const inBatch = clipped(inputs, labels, c.batch, keep);
            const alone = clipped(example(i), Int32Array.of(i % 3), 1, Uint8Array.of(1));
            if (inBatch.every(Number.isFinite)) expect(exceeds(inBatch, C), `example ${i}: over C`).toBe(false);
            expect(Float64Array.from(inBatch), `example ${i} of ${c.batch}: batch vs alone`).toEqual(Float64Array.from(alone));
          }
          const all = new Uint8Array(c.batch).fill(1);
          const on = clipped(inputs, labels, c.batch, all);
          setBinary32Path(false);
          const off = clipped(inputs, labels, c.batch, all);
          setBinary32Path(true);
          expect(Float64Array.from(on), 'binary32 path on vs off').toEqual(Float64Array.from(off));
        },
      ),
      { seed: 1921, numRuns: 150 },
    );
  });
});
