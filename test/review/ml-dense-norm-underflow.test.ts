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
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type KernelBackend, setKernelBackend } from '../../src/learn/backend.js';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

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

    // BUG M3: computed norm 1.8e-35 ≤ C, factor 1, true contribution 1.8e-11 = 18·C.
    it.fails(`the clipped contribution stays ≤ C for an example with a = 1e154 (${backend})`, () => {
      const C = 1e-12;
      const r = contribution(backend, 1e154, C);
      expect(r.norm).toBeLessThanOrEqual(C);
    });
  }
});
