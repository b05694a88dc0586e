/**
 * One use per layer and per parameter memory (review-learn L4): clipping treats each layer's parameters as their own
 * block of the per-example gradient, so a layer used twice, or two parameters whose value/grad arrays overlap in
 * memory, would add two clipped blocks into one gradient (√2·C accounted as C). `Sequential` refuses both.
 * Generative: k dense layers, a random set of them rewired to view one shared buffer (overlapping or disjoint
 * ranges); the model is refused exactly when two arrays overlap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DpError } from '../../src/core/errors.js';
import { dense } from '../../src/learn/dense.js';
import type { Layer, Parameter } from '../../src/learn/layer.js';
import { softmaxCrossEntropy } from '../../src/learn/losses.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

/** A dense 2 → 2 layer whose weight value is replaced by `view` (a layer with its parameter memory chosen). */
function withWeight(view: Float64Array | null, seed: number): Layer {
  const d = dense(2, 2, { rng: new SeededRandomSource(`shared-${seed}`), name: `d${seed}` });
  if (view === null) return d;
  const weight: Parameter = { name: d.weight.name, value: view, grad: new Float64Array(view.length) };
  Object.defineProperty(d, 'parameters', { value: [weight, d.bias] });
  return d;
}

function refusal(make: () => unknown): string | null {
  try {
    make();
    return null;
  } catch (e) {
    return (e as DpError).code;
  }
}

describe('Sequential: one use per layer and per parameter memory (review-learn L4)', () => {
  it('regression: the same layer twice, and two weights viewing the same memory, are INVALID_PARAMETER', () => {
    const d = dense(2, 2, { rng: new SeededRandomSource('tied') });
    expect(refusal(() => new Sequential([d, d], softmaxCrossEntropy(2)))).toBe('INVALID_PARAMETER');
    const buffer = new Float64Array(8);
    const a = withWeight(buffer.subarray(0, 4), 1);
    const b = withWeight(buffer.subarray(2, 6), 2);
    expect(refusal(() => new Sequential([a, b], softmaxCrossEntropy(2)))).toBe('INVALID_PARAMETER');
    // Side by side in one buffer, not overlapping: accepted.
    const c = withWeight(buffer.subarray(4, 8), 3);
    expect(refusal(() => new Sequential([a, c], softmaxCrossEntropy(2)))).toBeNull();
  });

  it('generative (fast-check, seed 44): refused exactly when two weight views overlap', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.nat({ max: 12 }), { nil: null }), { minLength: 1, maxLength: 5 }), (offsets) => {
        const buffer = new Float64Array(16);
        const layers = offsets.map((o, i) => withWeight(o === null ? null : buffer.subarray(o, o + 4), i));
        const starts = offsets.filter((o): o is number => o !== null).sort((x, y) => x - y);
        const overlap = starts.some((s, i) => i > 0 && s < (starts[i - 1] as number) + 4);
        const got = refusal(() => new Sequential(layers, softmaxCrossEntropy(2)));
        expect(got).toBe(overlap ? 'INVALID_PARAMETER' : null);
      }),
      { seed: 44, numRuns: 200 },
    );
  });
});
