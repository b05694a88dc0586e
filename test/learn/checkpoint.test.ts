import { describe, expect, it } from 'vitest';
import { checkpointOf, restoreTrainer } from '../../src/learn/checkpoint.js';
import { adam, sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { expectDpError, makeBatch, makeNetwork } from './_helpers.js';

function options(seed: string, run: string) {
  const model = makeNetwork(5, [3, 4, 2], 'tanh');
  return {
    model,
    optimizer: adam({ learningRate: 0.05 }),
    data: makeBatch(5, model, 30),
    datasetSize: 30,
    expectedBatchSize: 6,
    noiseMultiplier: 1.3,
    maxGradNorm: 1,
    accountant: 'rdp' as const,
    rng: new SeededRandomSource(`${seed}-${run}`),
  };
}

const weights = (t: { model: { parameters: { value: Float64Array }[] } }) => t.model.parameters.flatMap((p) => Array.from(p.value));

describe('checkpoints', () => {
  it('restore weights, optimizer state and the event history through JSON (fixed seeds)', () => {
    const a = makePrivate(options('ck', 'a'));
    for (let i = 0; i < 3; i++) a.step();
    const saved = JSON.parse(JSON.stringify(checkpointOf(a)));
    const b = restoreTrainer(saved, options('ck', 'b'));
    expect(weights(b)).toEqual(weights(a));
    expect(b.steps).toBe(3);
    expect(b.epsilon(1e-5)).toBe(a.epsilon(1e-5));
    // Same checkpoint, same continuation randomness → same weights; without the Adam state → different.
    const c = restoreTrainer(saved, options('ck', 'b'));
    const noState = restoreTrainer(
      { ...saved, optimizer: adam({ learningRate: 0.05 }).exportState(options('x', 'y').model.parameters) },
      options('ck', 'b'),
    );
    for (const t of [b, c, noState]) t.step();
    expect(weights(c)).toEqual(weights(b));
    expect(weights(noState)).not.toEqual(weights(b));
  });

  it('refuses a checkpoint of other settings, another optimizer, a tampered history, or more steps than allowed', () => {
    const a = makePrivate(options('ck2', 'a'));
    a.step();
    a.step();
    const saved = JSON.parse(JSON.stringify(checkpointOf(a)));
    expectDpError(() => restoreTrainer(saved, { ...options('ck2', 'b'), noiseMultiplier: 1.4 }), 'INVALID_PARAMETER');
    expectDpError(() => restoreTrainer(saved, { ...options('ck2', 'b'), optimizer: sgd({ learningRate: 0.1 }) }), 'INVALID_PARAMETER');
    expectDpError(
      () => restoreTrainer({ ...saved, events: [saved.events[0], { type: 'gaussian', noiseMultiplier: 9 }] }, options('ck2', 'b')),
      'INVALID_PARAMETER',
    );
    expectDpError(() => restoreTrainer({ ...saved, format: 'x' }, options('ck2', 'b')), 'INVALID_PARAMETER');
    expectDpError(() => restoreTrainer(saved, { ...options('ck2', 'b'), maxSteps: 1 }), 'BUDGET_EXHAUSTED');
    expect(restoreTrainer(saved, { ...options('ck2', 'b'), maxSteps: 2 }).steps).toBe(2);
    // Trained weights with the history stripped would restore at ε = 0: refused.
    expectDpError(() => restoreTrainer({ ...saved, events: [] }, options('ck2', 'b')), 'INVALID_PARAMETER');
    // An untrained checkpoint (the model's own weights, no steps) restores.
    const fresh = JSON.parse(JSON.stringify(checkpointOf(makePrivate(options('ck2', 'c')))));
    expect(restoreTrainer(fresh, options('ck2', 'c')).steps).toBe(0);
  });
});
