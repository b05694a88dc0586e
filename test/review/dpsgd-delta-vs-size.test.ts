/**
 * Review finding L3 (review-learn, issue 12; class 4 "validation at construction", SECURITY.md §4: "δ in
 * [0, 1) and, for data sets of n rows, a warning or refusal when δ ≥ 1/n"). Low severity.
 *
 * Where: `src/learn/make-private-with-epsilon.ts` checks only 0 < targetDelta < 1, and `tsdp train`
 * (`src/cli/commands/train.ts`) only `--delta` < 1, although both hold the declared public N
 * (`datasetSize`; the training split's size) — core already has the check (`checkDeltaForSize`,
 * src/core/params.ts). `makePrivateWithEpsilon({ datasetSize: 100, targetDelta: 0.05, … })` calibrates σ
 * for a guarantee that allows releasing several examples outright, silently.
 *
 * Rule: every entry that takes δ and knows the public N refuses (or warns on) δ ≥ 1/N with
 * `checkDeltaForSize`. Owner: learn (make-private-with-epsilon.ts, train.ts).
 */
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/index.js';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { makePrivateWithEpsilon } from '../../src/learn/make-private-with-epsilon.js';
import { sgd } from '../../src/learn/optimizers.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

function attempt(targetDelta: number): unknown {
  const model = new Sequential([dense(2, 1, { rng: new SeededRandomSource('d') })], logisticLoss());
  try {
    makePrivateWithEpsilon({
      model,
      optimizer: sgd({ learningRate: 0.1 }),
      data: { inputs: Float64Array.from([0.1, 0.2, 0.3, 0.4]), labels: Int32Array.from([0, 1]), size: 2 },
      datasetSize: 100,
      expectedBatchSize: 10,
      maxGradNorm: 1,
      targetEpsilon: 1,
      targetDelta,
      epochs: 1,
      rng: new SeededRandomSource('s'),
    });
    return null;
  } catch (e) {
    return e;
  }
}

describe('review-learn L3: δ ≥ 1/N accepted by makePrivateWithEpsilon', () => {
  it('held: δ = 1e-3 < 1/N is accepted', () => {
    expect(attempt(1e-3)).toBeNull();
  });

  it('BUG L3: δ = 0.05 ≥ 1/N = 0.01 is accepted silently (expected INVALID_PARAMETER naming delta)', () => {
    const e = attempt(0.05);
    expect(e).toBeInstanceOf(DpError);
    expect((e as DpError).code).toBe('INVALID_PARAMETER');
  });
});
