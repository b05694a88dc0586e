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

const keys = [
  'data',
  'datasetSize',
  'expectedBatchSize',
  'noiseMultiplier',
  'maxGradNorm',
  'sampling',
  'clipping',
  'physicalBatchSize',
  'accountant',
  'maxSteps',
  'optimizer',
] as const;

function base() {
  const data = { inputs: new Float64Array(20), labels: new Int32Array(10), size: 10 };
  return {
    model: new Sequential([dense(2, 1, { rng: new SeededRandomSource('h') })], logisticLoss()),
    optimizer: sgd({ learningRate: 0.1 }),
    data,
    datasetSize: 10,
    expectedBatchSize: 2,
    noiseMultiplier: 1,
    maxGradNorm: 1,
    rng: new SeededRandomSource('h-run'),
  };
}

/** Runs f; passes if it returns or throws a DpError; fails on any other throw. */
function onlyDpErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DpError);
  }
}

describe('hostile options', () => {
  it('makePrivate and a step answer any value in any option with a result or a DpError, never a TypeError or RangeError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true }),
        (key, value) => {
          onlyDpErrors(() => {
            const trainer = makePrivate({ ...base(), [key]: value } as Parameters<typeof makePrivate>[0]);
            trainer.step();
          });
        },
      ),
      { numRuns: 300, seed: 1212 },
    );
  });

  it('makePrivateWithEpsilon answers any value in any option with a trainer or a DpError', () => {
    const epsKeys = ['data', 'expectedBatchSize', 'maxGradNorm', 'accountant', 'targetEpsilon', 'targetDelta', 'epochs'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...epsKeys),
        fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true }),
        (key, value) => {
          onlyDpErrors(() =>
            makePrivateWithEpsilon({
              ...base(),
              targetEpsilon: 2,
              targetDelta: 1e-5,
              epochs: 1,
              accountant: 'rdp',
              [key]: value,
            } as Parameters<typeof makePrivateWithEpsilon>[0]),
          );
        },
      ),
      { numRuns: 100, seed: 1213 },
    );
  });

  it('symbols and hostile numbers in the privacy settings give INVALID_PARAMETER', () => {
    for (const value of [Symbol('s'), Number.NaN, -1, Number.POSITIVE_INFINITY, '1', 1n, null]) {
      for (const key of ['noiseMultiplier', 'maxGradNorm', 'expectedBatchSize', 'physicalBatchSize', 'datasetSize'] as const) {
        // physicalBatchSize Infinity is its default ("all sampled rows at once").
        if (key === 'physicalBatchSize' && value === Number.POSITIVE_INFINITY) continue;
        expect(() => makePrivate({ ...base(), [key]: value } as Parameters<typeof makePrivate>[0])).toThrow(DpError);
      }
      expect(() =>
        makePrivateWithEpsilon({ ...base(), targetEpsilon: value as number, targetDelta: 1e-5, epochs: 1, accountant: 'rdp' }),
      ).toThrow(DpError);
    }
  });
});
