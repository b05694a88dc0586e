/**
 * reviewml, stop 19 (Job 2: learn's changes this session): learn 36fdac1 writes a convolution's patches straight into
 * gemm32's packed layout (`im2colPacked32`) when T ≤ 256 and the kernel size is a multiple of 4. Both convs of the
 * MNIST CNN take that path. The older exact test (ml-conv-clip-exact, k = 1–3) never reaches it.
 *
 * For each example, in a batch of 1–6 with 1–2 input channels, k = 4 (or 8), stride 1–2, padding 0–3, both clipping
 * modes and both backends, two properties are checked:
 *   (a) the example's clipped contribution, computed in the batch with only it kept, is ≤ C EXACTLY (BigInt);
 *   (b) it is bit for bit the contribution the same example gives alone (batch of 1).
 * A patch read from a neighbouring example (a border or block-offset slip in the packed writer) breaks (b).
 * HELD on main fb6882f (merged at c67ec40). fast-check seed 1919, 250 runs, about 13 s.
 * Power: I mutated convExampleGrads to feed im2colPacked32 the NEXT example's input (kernels.as rebuilt, then
 * reverted). (b) then fails at once: example 0 of 2, 96.00000000000195 in the batch against 96.00000000000048 alone.
 * (a) still holds under that mutation, since the norm is taken from the very rows that are summed.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { relu } from '../../src/learn/activations.js';
import { type KernelBackend, setKernelBackend } from '../../src/learn/backend.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
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
afterEach(() => setKernelBackend('auto'));

describe('reviewml stop 19: Conv2d on the packed-patch path (k a multiple of 4, T ≤ 256)', () => {
  it('each example’s clipped contribution is ≤ C exactly and equals its contribution alone, bit for bit', () => {
    fc.assert(
      fc.property(
        fc.record({
          inC: fc.integer({ min: 1, max: 2 }),
          outC: fc.integer({ min: 1, max: 3 }),
          k: fc.constantFrom(4, 4, 8),
          s: fc.integer({ min: 1, max: 2 }),
          pad: fc.integer({ min: 0, max: 3 }),
          H: fc.integer({ min: 8, max: 14 }),
          wExp: fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 64, maxLength: 64 }),
          wMan: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }),
          xExp: fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 97, maxLength: 97 }),
          cExp: fc.integer({ min: -60, max: 40 }),
          mode: fc.constantFrom('flat' as const, 'perLayer' as const),
          backend: fc.constantFrom('wasm' as const, 'reference' as const),
          batch: fc.integer({ min: 2, max: 6 }),
        }),
        (c) => {
          const oh = Math.floor((c.H + 2 * c.pad - c.k) / c.s) + 1;
          if (oh < 1 || oh * oh > 256) return;
          setKernelBackend(c.backend as KernelBackend);
          const rng = new SeededRandomSource('conv-packed');
          const cv = conv2d({
            inChannels: c.inC,
            height: c.H,
            width: c.H,
            outChannels: c.outC,
            kernelSize: c.k,
            stride: c.s,
            padding: c.pad,
            rng,
            name: 'c1',
          });
          const feat = c.outC * oh * oh;
          const model = new Sequential([cv, relu(feat), dense(feat, 3, { rng, name: 'd1' })], softmaxCrossEntropy(3));
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
          const contribution = (inputs: Float64Array, labels: Int32Array, size: number, i: number): number[] => {
            for (const p of model.parameters) p.grad.fill(0);
            model.forwardBackward({ inputs, labels, size });
            const keep = new Uint8Array(size);
            keep[i] = 1;
            accumulateClippedGradients(model, size, C, c.mode, keep);
            const vals: number[] = [];
            for (const p of model.parameters) for (const g of p.grad) vals.push(g);
            return vals;
          };
          const inputs = new Float64Array(c.batch * per);
          for (let i = 0; i < c.batch; i++) inputs.set(example(i), i * per);
          const labels = Int32Array.from({ length: c.batch }, (_, i) => i % 3);
          for (let i = 0; i < c.batch; i++) {
            const inBatch = contribution(inputs, labels, c.batch, i);
            const alone = contribution(example(i), Int32Array.of(i % 3), 1, 0);
            if (inBatch.every(Number.isFinite)) expect(exceeds(inBatch, C), `example ${i}: over C`).toBe(false);
            expect(Float64Array.from(inBatch), `example ${i} of ${c.batch}: batch vs alone`).toEqual(Float64Array.from(alone));
          }
        },
      ),
      { seed: 1919, numRuns: 250 },
    );
  });
});
