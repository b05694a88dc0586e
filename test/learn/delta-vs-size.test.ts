/**
 * δ < 1/N wherever a learning entry takes δ and knows the declared public N (review-learn L3; SECURITY §4:
 * δ ≥ 1/N allows releasing an example outright). Rule (make-private-with-epsilon.ts, private-trainer.ts
 * `epsilon`, `tsdp train --delta` in src/cli/commands/train.ts): core's `checkDeltaForSize(δ, N)` before
 * anything is calibrated or run; the same comparison, δ ≥ 1/N in binary64, in every entry. Generative
 * over N and δ at, just around and far from 1/N.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/index.js';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { makePrivateWithEpsilon } from '../../src/learn/make-private-with-epsilon.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

function nextUp(x: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  v.setBigUint64(0, v.getBigUint64(0) + 1n);
  return v.getFloat64(0);
}

function nextDown(x: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  v.setBigUint64(0, v.getBigUint64(0) - 1n);
  return v.getFloat64(0);
}

function common(datasetSize: number) {
  const model = new Sequential([dense(2, 1, { rng: new SeededRandomSource('d') })], logisticLoss());
  return {
    model,
    optimizer: sgd({ learningRate: 0.1 }),
    data: { inputs: Float64Array.from([0.1, 0.2, 0.3, 0.4]), labels: Int32Array.from([0, 1]), size: 2 },
    datasetSize,
    expectedBatchSize: Math.max(1, Math.floor(datasetSize / 2)),
    maxGradNorm: 1,
    accountant: 'rdp' as const,
    rng: new SeededRandomSource('s'),
  };
}

function outcome(f: () => unknown): 'ok' | string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof DpError
      ? `${e.code}:${String((e.details as { parameter?: string } | undefined)?.parameter)}`
      : `other: ${String(e)}`;
  }
}

const deltaArb = fc.record({
  n: fc.integer({ min: 1, max: 10_000_000 }),
  where: fc.constantFrom('at', 'above', 'below', 'far-above', 'far-below'),
  factor: fc.double({ min: 1.001, max: 1e6, noNaN: true }),
});

function deltaFor(n: number, where: string, factor: number): number {
  const inv = 1 / n;
  if (where === 'at') return inv;
  if (where === 'above') return nextUp(inv);
  if (where === 'below') return nextDown(inv);
  if (where === 'far-above') return Math.min(nextDown(1), inv * factor);
  return inv / factor;
}

describe('δ ≥ 1/N is refused wherever δ and the declared N meet (review-learn L3)', () => {
  it('makePrivateWithEpsilon refuses δ ≥ 1/N with INVALID_PARAMETER before calibrating, and trainer.epsilon(δ) likewise (generative: δ at, around and far from 1/N)', () => {
    fc.assert(
      fc.property(deltaArb, ({ n, where, factor }) => {
        const delta = deltaFor(n, where, factor);
        const refused = delta >= 1 / n;
        const trainer = makePrivate({ ...common(n), noiseMultiplier: 1 });
        const viaTrainer = outcome(() => trainer.epsilon(delta));
        expect(viaTrainer).toBe(refused ? 'INVALID_PARAMETER:delta' : 'ok');
        if (refused) {
          expect(outcome(() => makePrivateWithEpsilon({ ...common(n), targetEpsilon: 2, targetDelta: delta, epochs: 1 }))).toBe(
            'INVALID_PARAMETER:delta',
          );
        }
      }),
      { numRuns: 200, seed: 20261206 },
    );
  });

  it('accepts δ just below 1/N and plans a run (makePrivateWithEpsilon, a few N)', () => {
    for (const n of [3, 100, 2_000]) {
      const delta = nextDown(1 / n);
      const trainer = makePrivateWithEpsilon({ ...common(n), targetEpsilon: 4, targetDelta: delta, epochs: 1 });
      expect(trainer.epsilon(delta)).toBe(0);
    }
  });
});
