/**
 * Review finding L4 (review-learn, issue 12; class "per-example gradient ≠ what is clipped": the clipping
 * groups are assumed to be disjoint parameter blocks). Medium: sensitivity √k·C accounted as C.
 *
 * Where: `src/learn/sequential.ts` constructor accepts the SAME layer instance more than once (weight
 * tying, e.g. `new Sequential([d, d], loss)` with a square Dense); `trainable` then lists it twice and
 * `src/learn/ghost-clipping.ts` treats the two entries as two orthogonal blocks: flat norm² = N₁ + N₂,
 * per-layer bound C/√L each. But both entries add to the same `weight.grad`/`bias.grad`, so the example's
 * contribution is ḡ₁ + ḡ₂ (norm up to ‖ḡ₁‖ + ‖ḡ₂‖ = √2·C), not a vector of norm √(‖ḡ₁‖² + ‖ḡ₂‖²) ≤ C.
 * Worse, the layer keeps one (input, delta) pair — the second forward overwrites the first (its own
 * output scratch is the second call's input) — so both entries are the same vector and the bound is
 * exactly √2·C. The trace's contributionNorms say ≤ C.
 *
 * Repro: Dense(2, 2) used twice, softmax cross-entropy, one example, C = 10⁻³ (so it is clipped): the
 * clipped contribution has norm √2·C (flat). (Through makePrivate the
 * parameters are also listed twice, so each gets noise twice — the trace value mixes sum and noise, not used here.)
 *
 * Rule: Sequential refuses a model whose layers (or two layers' Parameter objects / value arrays) repeat —
 * or the engine groups uses of one parameter and clips the SUM of their per-example gradients (Opacus
 * accumulates grad_sample over uses). Owner: learn (sequential.ts; ghost-clipping.proof.md's "per-example
 * gradients are per example" should state the disjointness it assumes).
 */
import { describe, expect, it } from 'vitest';
import { dense } from '../../src/learn/dense.js';
import { accumulateClippedGradients } from '../../src/learn/ghost-clipping.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const C = 1e-3;
const example = { inputs: Float64Array.from([3, -2]), labels: Int32Array.from([0]), size: 1 };

function tiedModel(): Sequential | null {
  const d = dense(2, 2, { rng: new SeededRandomSource('tied'), name: 'tied' });
  try {
    return new Sequential([d, d], softmaxCrossEntropy(2));
  } catch {
    return null; // refusing the model closes the hole
  }
}

function gradNorm(model: Sequential): number {
  let s = 0;
  for (const p of model.layers[0]?.parameters ?? []) for (const g of p.grad) s += g * g;
  return Math.sqrt(s);
}

describe('review-learn L4: a layer used twice is clipped as two blocks but sums into one', () => {
  for (const clipping of ['flat', 'perLayer'] as const) {
    it(`regression, was BUG L4 (${clipping}): a layer used twice is refused (or, if ever accepted, adds ≤ C)`, () => {
      const model = tiedModel();
      if (model === null) {
        const d = dense(2, 2, { rng: new SeededRandomSource('tied'), name: 'tied' });
        expect(() => new Sequential([d, d], softmaxCrossEntropy(2))).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
        return;
      }
      for (const p of model.layers[0]?.parameters ?? []) p.grad.fill(0);
      model.forwardBackward(example);
      const clipped = accumulateClippedGradients(model, 1, C, clipping);
      expect(clipped.contributionNorms[0] as number).toBeLessThanOrEqual(C); // what the trace is told …
      expect(gradNorm(model)).toBeLessThanOrEqual(C * (1 + 1e-12)); // … and what is summed: ≈ 1.414·C
    });
  }
});
