/**
 * Review ML (reviewml, stop 18 session 5) — re-attack of learn's binary32 Dense route (dense-resident.ts,
 * dense-binary32.proof.md: forward and input gradient in binary32 over rows rounded to binary32 and kept in the
 * layer's own wasm instance; norms and clipped sum in binary64 over exactly those stored rows). The clip factor must
 * bound the vector actually summed, whatever binary32 does to the values: overflow to ±∞ (binary64 inputs above
 * 2¹²⁸), binary32 subnormals (wasm has no flush-to-zero), values rounded to 0, ReLU kinks moved by the rounding.
 * Random Dense stacks (widths 1–9: the 4-row/8-column microkernels and their tails; tanh/relu/none between), weights
 * and inputs with full binary64 mantissas and exponents over [−170, 140], C random over 2^[−60, 60] or just below
 * the example's own computed norm (the margin's edge), flat and per layer, both backends, 1–6 examples per batch:
 * every example's clipped contribution (only that example kept) is finite and ≤ C EXACTLY (BigInt).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { relu, tanh } from '../../src/learn/activations.js';
import { type KernelBackend, setKernelBackend } from '../../src/learn/backend.js';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { logisticLoss, softmaxCrossEntropy } from '../../src/learn/losses.js';
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
/** Whether the exact L2 norm of `values` exceeds `bound` (BigInt). */
function exceeds(values: readonly number[], bound: number): boolean {
  const [bm, be] = decompose(bound);
  const terms = values.filter((v) => v !== 0).map((v) => decompose(v));
  const low = Math.min(2 * be, ...terms.map(([, e]) => 2 * e));
  let sum = 0n;
  for (const [m, e] of terms) sum += (m * m) << BigInt(2 * e - low);
  return sum > (bm * bm) << BigInt(2 * be - low);
}
afterEach(() => setKernelBackend('auto'));

describe('review ML (re-attack): Dense’s binary32 route keeps every clipped contribution ≤ C', () => {
  it('every example’s clipped contribution is finite and ≤ C exactly, at binary32’s edges (fast-check, seed 1818)', () => {
    let tested = 0;
    fc.assert(
      fc.property(
        fc.record({
          widths: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 3 }),
          classes: fc.integer({ min: 1, max: 4 }),
          middle: fc.constantFrom('none', 'tanh', 'relu'),
          wExp: fc.array(fc.integer({ min: -170, max: 140 }), { minLength: 97, maxLength: 97 }),
          wMan: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 97, maxLength: 97 }),
          xExp: fc.array(fc.integer({ min: -170, max: 140 }), { minLength: 61, maxLength: 61 }),
          xMan: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 61, maxLength: 61 }),
          bound: fc.oneof(
            fc.record({ kind: fc.constant('random' as const), e: fc.integer({ min: -60, max: 60 }) }),
            fc.record({ kind: fc.constant('edge' as const), e: fc.integer({ min: 0, max: 4096 }) }),
          ),
          mode: fc.constantFrom('flat' as const, 'perLayer' as const),
          backend: fc.constantFrom('wasm' as const, 'reference' as const),
          batch: fc.integer({ min: 1, max: 6 }),
        }),
        (c) => {
          setKernelBackend(c.backend as KernelBackend);
          const rng = new SeededRandomSource('ml-b32');
          const out = c.classes === 1 ? 1 : c.classes;
          const widths = [...c.widths, out];
          const layers: Layer[] = [];
          for (let l = 0; l + 1 < widths.length; l++) {
            layers.push(dense(widths[l] as number, widths[l + 1] as number, { rng, name: `d${l}` }));
            if (l + 2 < widths.length && c.middle === 'tanh') layers.push(tanh(widths[l + 1] as number));
            if (l + 2 < widths.length && c.middle === 'relu') layers.push(relu(widths[l + 1] as number));
          }
          const model = new Sequential(layers, c.classes === 1 ? logisticLoss() : softmaxCrossEntropy(out));
          let w = 0;
          for (const p of model.parameters)
            for (let j = 0; j < p.value.length; j++, w++) p.value[j] = (c.wMan[w % 97] as number) * 2 ** (c.wExp[w % 97] as number);
          const nIn = widths[0] as number;
          const inputs = Float64Array.from(
            { length: c.batch * nIn },
            (_, j) => (c.xMan[j % 61] as number) * 2 ** (c.xExp[j % 61] as number),
          );
          const labels = Int32Array.from({ length: c.batch }, (_, i) => i % Math.max(2, out));
          const contribution = (i: number, C: number): number[] => {
            for (const p of model.parameters) p.grad.fill(0);
            model.forwardBackward({ inputs, labels, size: c.batch });
            const keep = new Uint8Array(c.batch);
            keep[i] = 1;
            accumulateClippedGradients(model, c.batch, C, c.mode, keep);
            return model.parameters.flatMap((p) => Array.from(p.grad));
          };
          for (let i = 0; i < c.batch; i++) {
            let C = 1.5 * 2 ** (c.bound.kind === 'random' ? c.bound.e : 0);
            if (c.bound.kind === 'edge') {
              // C just below the example's own computed gradient norm (factor 1 at C = 2⁹⁰⁰ unless dropped).
              let sq = 0;
              for (const v of contribution(i, 2 ** 900)) sq += v * v;
              const norm = Math.sqrt(sq);
              if (!(norm > 2 ** -390 && norm < 2 ** 500)) continue;
              C = norm * (1 - c.bound.e * 2 ** -52);
            }
            const values = contribution(i, C);
            tested++;
            expect(values.every((v) => Number.isFinite(v))).toBe(true);
            expect(exceeds(values, C), `example ${i}: ${JSON.stringify({ C, values })}`).toBe(false);
          }
        },
      ),
      { seed: 1818, numRuns: 400 },
    );
    expect(tested).toBeGreaterThan(400);
  });
});
