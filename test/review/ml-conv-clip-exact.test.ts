/**
 * Review ML (reviewml, stop 17 session 4) — re-attack of learn's Conv2d/MaxPool2d change this stop (binary32 input,
 * output gradient and per-example gradients kept resident in the layer's own wasm instance from forward to the
 * clipped sum; max-pool winners kept resident): the clip factor must still come from the very values that are summed
 * (ghost-clipping.proof.md "The float margin"). HELD on wip/learn cfb2512 and on main 4de1ec1: random conv → relu →
 * (max|avg) pool → dense models, weights and inputs over ±2⁴⁰/±2⁶⁰, C from 2⁻¹²⁰ to 2⁶⁰, flat and per layer, both
 * backends, 1–5 examples per batch; each example's clipped contribution (the batch's forward/backward, only that
 * example kept) compared with C EXACTLY in BigInt (300 runs; worst ‖contribution‖/C = 1 − 5·10⁻¹⁵).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { relu } from '../../src/learn/activations.js';
import { type KernelBackend, setKernelBackend } from '../../src/learn/backend.js';
import { conv2d } from '../../src/learn/conv2d.js';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { avgPool2d, maxPool2d } from '../../src/learn/pool2d.js';
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

describe('review ML (held): Conv2d per-example clipping with resident wasm buffers', () => {
  it('every example’s clipped contribution ≤ C exactly (conv → relu → pool → dense)', () => {
    let worst = 0;
    fc.assert(
      fc.property(
        fc.record({
          outC: fc.integer({ min: 1, max: 3 }),
          k: fc.integer({ min: 1, max: 3 }),
          pad: fc.integer({ min: 0, max: 1 }),
          pool: fc.constantFrom('max', 'avg', 'none'),
          wExp: fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 64, maxLength: 64 }),
          wMan: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }),
          xExp: fc.array(fc.integer({ min: -60, max: 60 }), { minLength: 200, maxLength: 200 }),
          cExp: fc.integer({ min: -120, max: 60 }),
          mode: fc.constantFrom('flat' as const, 'perLayer' as const),
          backend: fc.constantFrom('wasm' as const, 'reference' as const),
          batch: fc.integer({ min: 1, max: 5 }),
        }),
        (c) => {
          setKernelBackend(c.backend as KernelBackend);
          const rng = new SeededRandomSource('conv-gen');
          const H = 6;
          const cv = conv2d({ inChannels: 1, height: H, width: H, outChannels: c.outC, kernelSize: c.k, padding: c.pad, rng, name: 'c1' });
          const oh = H + 2 * c.pad - c.k + 1;
          const layers: Layer[] = [cv, relu(c.outC * oh * oh)];
          let feat = c.outC * oh * oh;
          if (c.pool !== 'none' && oh >= 2) {
            const p = (c.pool === 'max' ? maxPool2d : avgPool2d)({ channels: c.outC, height: oh, width: oh, kernelSize: 2 });
            layers.push(p);
            feat = p.outputSize;
          }
          layers.push(dense(feat, 3, { rng, name: 'd1' }));
          const model = new Sequential(layers, softmaxCrossEntropy(3));
          let w = 0;
          for (const p of model.parameters)
            for (let j = 0; j < p.value.length; j++, w++) p.value[j] = (c.wMan[w % 64] as number) * 2 ** (c.wExp[w % 64] as number);
          const inputs = Float64Array.from(
            { length: c.batch * H * H },
            (_, j) => (((j * 7) % 5) - 2) * 0.3 * 2 ** (c.xExp[j % 200] as number),
          );
          const labels = Int32Array.from({ length: c.batch }, (_, i) => i % 3);
          const C = 1.5 * 2 ** c.cExp;
          for (let i = 0; i < c.batch; i++) {
            for (const p of model.parameters) p.grad.fill(0);
            model.forwardBackward({ inputs, labels, size: c.batch });
            const keep = new Uint8Array(c.batch);
            keep[i] = 1;
            accumulateClippedGradients(model, c.batch, C, c.mode, keep);
            const vals: number[] = [];
            for (const p of model.parameters) for (const g of p.grad) vals.push(g);
            if (vals.some((v) => !Number.isFinite(v))) continue;
            let sq = 0;
            for (const v of vals) sq += (v / C) * (v / C);
            worst = Math.max(worst, Math.sqrt(sq));
            expect(exceeds(vals, C), `example ${i} of ${c.batch}: ‖contribution‖/C ≈ ${Math.sqrt(sq)}`).toBe(false);
          }
        },
      ),
      { seed: 1717, numRuns: 300 },
    );
    expect(worst).toBeLessThanOrEqual(1);
  });
});
