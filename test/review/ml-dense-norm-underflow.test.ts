/**
 * Review ML (reviewml, 2026-12-06), finding M3 — issue 12 / issue 10 class 3 ("float rounding exceeds the declared
 * sensitivity"; SECURITY §3: a sensitivity widened only by a PROVEN rounding error). Low severity: the
 * contribution passes C only when C is below about 10⁻⁴ (an example's true gradient norm through this route is at
 * most ≈ 2·10⁻⁸·√(outputSize)), but then by any factor (18·C here with C = 10⁻¹²; ×10⁹ at C = 10⁻²⁰). A member of
 * review-learn L2's class that L2's suggested rule (a margin 1 + (n + 2)·2⁻⁵² from the count of squares) does NOT
 * close: the error here is an UNDERFLOW, absolute, not relative.
 *
 * Where: `src/learn/dense.ts` `perExampleSquaredNorms` computes ‖g_i‖² = (‖a_i‖² + 1)·‖δ_i‖², with ‖δ_i‖² a sum of
 * squares in binary64 (`rowNorms2`, wasm and reference). A δ entry below 2^−537.5 (≈ 1.6·10⁻¹⁶²) squares to 0 (and
 * down to 2^−1035 the subnormal square loses more than the 2⁻⁴⁰ margin), while ‖a_i‖² may be up to 1.8·10³⁰⁸: the
 * computed norm is 0 (or far too small), the clip factor 1, and `accumulateScaledGradients` adds a_iᵀδ_i, whose
 * entries (1e154 · 1.8e−165) are ordinary numbers. The loss flushes its own gradient below 2⁻¹²⁶ per example, so the
 * tiny δ comes from a hidden layer: Dense(1,1) → Dense(1,1) with public weights w₂ = 10⁻¹³⁰, b₂ = −80, logistic
 * loss, label 0 (δ₂ = σ(−80) ≈ 1.8·10⁻³⁵, δ₁ = w₂δ₂ ≈ 1.8·10⁻¹⁶⁵), one adversarial example a = 10¹⁵⁴. Computed flat
 * norm 1.8·10⁻³⁵ (layer 2's bias), true norm 1.8·10⁻¹¹ (layer 1's weight): contribution 18·C with C = 10⁻¹².
 * The trace's contributionNorms report 1.8·10⁻³⁵.
 *
 * Rule that would close the class: compute row norms with scaling (as BLAS dnrm2 / hypot: scale by a power of two
 * before squaring), or bound the result absolutely — drop (factor 0) an example whose squared norms fall in the
 * subnormal range of any factor — so that the computed norm is within the margin of the true one for every
 * finite input; test with random exponents over the whole binary64 range (fast-check), per layer kind.
 *
 * FIXED on main 524edfb (learn, review-learn L2's fix, ghost-clipping.proof.md "The float margin"): Dense floors
 * ‖δ‖² at 2⁻⁹⁶⁸ before the product, the flat sum is floored too, the margin counts every rounding, and C < 2⁻⁴⁰⁰ is
 * refused. The two cases below are regressions now, and the generative case explores the class (random two-layer
 * Dense models, optional tanh/relu/LayerNorm, weights and inputs with random exponents over ±2⁶⁰⁰, C from 2⁻⁴⁰⁰ to
 * 2²⁰⁰, flat and per layer, both backends; each example's clipped contribution compared with C EXACTLY, in BigInt).
 * The same exploration (3,000 models) found a contribution 10⁸⁶ × C on main 93c798d and none on 524edfb.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { relu, tanh } from '../../src/learn/activations.js';
import { type KernelBackend, setKernelBackend } from '../../src/learn/backend.js';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import type { Layer } from '../../src/learn/layer.js';
import { logisticLoss, softmaxCrossEntropy } from '../../src/learn/losses.js';
import { layerNorm } from '../../src/learn/normalization.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

/** |x| = m·2^e exactly (m a BigInt < 2⁵³). */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
}

/** Σ v² > C², decided exactly (BigInt over a common power of two). */
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
});

function contribution(backend: KernelBackend, input: number, maxGradNorm: number) {
  setKernelBackend(backend);
  const first = dense(1, 1, { rng: new SeededRandomSource('m3a'), name: 'first' });
  const second = dense(1, 1, { rng: new SeededRandomSource('m3b'), name: 'second' });
  const model = new Sequential([first, second], logisticLoss());
  first.weight.value.fill(0);
  first.bias.value.fill(0);
  second.weight.value.fill(1e-130); // public weights, as any step may have left them
  second.bias.value.fill(-80);
  for (const p of model.parameters) p.grad.fill(0);
  model.forwardBackward({ inputs: Float64Array.from([input]), labels: Int32Array.from([0]), size: 1 });
  const clipped = accumulateClippedGradients(model, 1, maxGradNorm, 'flat');
  let sq = 0;
  for (const p of model.parameters) for (const g of p.grad) sq += g * g;
  return { norm: Math.sqrt(sq), reported: clipped.contributionNorms[0] as number };
}

describe('review ML M3: Dense ghost norm — ‖δ‖² underflows while ‖a‖² is huge', () => {
  for (const backend of ['wasm', 'reference'] as const) {
    it(`control (holds, ${backend}): an ordinary input is clipped to C`, () => {
      const r = contribution(backend, 1, 1e-40);
      expect(r.norm).toBeGreaterThan(0);
      expect(r.norm).toBeLessThanOrEqual(1e-40);
    });

    // Was BUG M3 (computed norm 1.8e-35 ≤ C, factor 1, true contribution 1.8e-11 = 18·C); fixed on 524edfb.
    it(`the clipped contribution stays ≤ C for an example with a = 1e154 (${backend})`, () => {
      const C = 1e-12;
      const r = contribution(backend, 1e154, C);
      expect(r.norm).toBeLessThanOrEqual(C);
    });
  }

  it('generative (class): every example’s clipped contribution is ≤ C exactly, over random exponents (fast-check, seed 1203)', () => {
    fc.assert(
      fc.property(
        fc.record({
          nIn: fc.integer({ min: 1, max: 5 }),
          hidden: fc.integer({ min: 1, max: 4 }),
          classes: fc.integer({ min: 1, max: 3 }),
          middle: fc.constantFrom('none', 'tanh', 'relu', 'layerNorm'),
          weightExponents: fc.array(fc.integer({ min: -600, max: 600 }), { minLength: 64, maxLength: 64 }),
          weightMantissas: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }),
          inputExponents: fc.array(fc.integer({ min: -600, max: 520 }), { minLength: 15, maxLength: 15 }),
          boundExponent: fc.integer({ min: -399, max: 200 }),
          mode: fc.constantFrom('flat' as const, 'perLayer' as const),
          backend: fc.constantFrom('wasm' as const, 'reference' as const),
          batch: fc.integer({ min: 1, max: 3 }),
        }),
        (c) => {
          setKernelBackend(c.backend);
          const rng = new SeededRandomSource('m3-gen');
          const out = c.classes === 1 ? 1 : c.classes;
          const layers: Layer[] = [dense(c.nIn, c.hidden, { rng, name: 'g1' })];
          if (c.middle === 'tanh') layers.push(tanh(c.hidden));
          if (c.middle === 'relu') layers.push(relu(c.hidden));
          if (c.middle === 'layerNorm') layers.push(layerNorm(c.hidden));
          layers.push(dense(c.hidden, out, { rng, name: 'g2' }));
          const model = new Sequential(layers, c.classes === 1 ? logisticLoss() : softmaxCrossEntropy(out));
          let w = 0;
          for (const p of model.parameters)
            for (let j = 0; j < p.value.length; j++, w++)
              p.value[j] = (c.weightMantissas[w % 64] as number) * 2 ** (c.weightExponents[w % 64] as number);
          const inputs = Float64Array.from(
            { length: c.batch * c.nIn },
            (_, j) => (j % 2 === 0 ? 0.75 : -0.5) * 2 ** (c.inputExponents[j] as number),
          );
          const labels = Int32Array.from({ length: c.batch }, (_, i) => (i % Math.max(2, out)) % (c.classes === 1 ? 2 : out));
          model.forwardBackward({ inputs, labels, size: c.batch });
          const C = 1.5 * 2 ** c.boundExponent;
          for (let i = 0; i < c.batch; i++) {
            for (const p of model.parameters) p.grad.fill(0);
            const keep = new Uint8Array(c.batch);
            keep[i] = 1;
            accumulateClippedGradients(model, c.batch, C, c.mode, keep);
            const values = model.parameters.flatMap((p) => Array.from(p.grad));
            expect(values.every((v) => Number.isFinite(v))).toBe(true);
            expect(exceeds(values, C)).toBe(false);
          }
        },
      ),
      { seed: 1203, numRuns: 300 },
    );
  });
});
