/**
 * Review ML (reviewml, 2026-12-06), finding M6 — issue 10 class 11 ("everything public is checked before" the
 * private work; here a public-cause failure after the data were read) and class 5 ("nothing data-dependent is left
 * behind by a failure"). Low severity: nothing is charged or released by `step()` itself, but the exact,
 * un-noised clipped gradient sum of the sampled examples is left in the model's public `Parameter.grad` arrays.
 * Owner: learn (src/learn/private-trainer.ts, src/learn/node/noise-pool.ts).
 *
 * Where: `makePrivate({ …, noise: await createNoisePool({ capacity }) })` accepts a pool whose capacity (public) is
 * smaller than the model's parameter count, or a pool already closed (public state). `step()` then samples, runs
 * forward/backward and `accumulateClippedGradients` — writing Σ_i clip(g_i) into every `p.grad` — and only then
 * calls `noise.fill`, which throws (INVALID_PARAMETER "more than the pool's capacity"; INTERNAL "closed"). The
 * throw leaves `p.grad` = the exact clipped sum: `trainer.model.parameters[j].grad` is a private statistic with no
 * noise and no recorded event (any code holding the model — a checkpoint hook, an evaluation callback, a custom
 * optimizer's state on a retry — can read it).
 *
 * Rule: every public property of the noise source (capacity ≥ the parameter count, open) is checked at
 * makePrivate, and again at the top of step() before sampling; and the noisy update is computed in a private
 * buffer, written to `p.grad` only once it is noisy (or `p.grad` zeroed on any failure).
 *
 * FIXED on main 67c941c (learn 2b9eb53): the noise source's capacity and closed state are checked at makePrivate
 * and at the top of step(), the noise is drawn before sampling, and any later failure zeroes every grad. Flipped to
 * regressions; one more member checked in phase 2 and held: a layer that throws in the SECOND physical chunk
 * (after the first chunk's clipped sum is in p.grad) leaves every grad at 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relu } from '../../src/learn/activations.js';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { createNoisePool, type NoisePool } from '../../src/learn/node/noise-pool.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

let small: NoisePool;
let closed: NoisePool;
let large: NoisePool;

beforeAll(async () => {
  small = await createNoisePool({ capacity: 1 }); // the model below has 2 parameters
  closed = await createNoisePool({ capacity: 16 });
  await closed.close();
  large = await createNoisePool({ capacity: 16 });
}, 60_000);

afterAll(async () => {
  await small.close();
  await large.close();
});

/** makePrivate + one step with `noise`; the outcome and what p.grad holds afterwards. */
function attempt(noise: NoisePool): { built: boolean; code?: string; grads: number[] } {
  const layer = dense(1, 1, { rng: new SeededRandomSource('m6'), name: 'm6' });
  const model = new Sequential([layer], logisticLoss());
  for (const p of model.parameters) p.value.fill(0);
  const data = { inputs: Float64Array.from([0.25, 0.5, 0.75]), labels: Int32Array.from([1, 0, 1]), size: 3 };
  let trainer: ReturnType<typeof makePrivate>;
  try {
    trainer = makePrivate({
      model,
      optimizer: sgd({ learningRate: 0.1 }),
      data,
      datasetSize: 3,
      expectedBatchSize: 3, // q = 1
      noiseMultiplier: 1,
      maxGradNorm: 1,
      noise,
    });
  } catch (e) {
    return { built: false, code: String((e as { code?: unknown }).code), grads: [] };
  }
  let code: string | undefined;
  try {
    trainer.step();
  } catch (e) {
    code = String((e as { code?: unknown }).code);
  }
  const grads = model.parameters.flatMap((p) => Array.from(p.grad));
  return code === undefined ? { built: true, grads } : { built: true, code, grads };
}

/** The exact clipped sum of the three examples (weights 0: δ = ½ − y, g = (x·δ, δ), norms < 1: unclipped). */
const clippedSum = [0.25 * -0.5 + 0.5 * 0.5 + 0.75 * -0.5, -0.5 + 0.5 - 0.5];

describe('review ML M6: a noise pool that cannot serve the step fails only after the clipped sum is in p.grad', () => {
  // Was BUG M6 (capacity 1 < 2 parameters accepted; step() threw with p.grad = the clipped sum); fixed on 67c941c.
  it('a pool too small for the model is refused before any example is read, and no un-noised sum is left behind', () => {
    const r = attempt(small);
    if (r.built) {
      expect(r.code).toBeDefined(); // it cannot serve the step …
      expect(r.grads).not.toEqual(clippedSum); // … and must not leave the exact sum behind
    } else expect(r.code).toBe('INVALID_PARAMETER');
  });

  // Was BUG M6, same class: a closed pool (public state) — INTERNAL after clipping; fixed on 67c941c.
  it('a closed pool is refused before any example is read, and no un-noised sum is left behind', () => {
    const r = attempt(closed);
    if (r.built) {
      expect(r.code).toBeDefined();
      expect(r.grads).not.toEqual(clippedSum);
    } else expect(r.code).toBeDefined();
  });

  it('control (holds): a pool large enough serves the step; p.grad holds the noisy update, not the bare sum', () => {
    const r = attempt(large);
    expect(r.built).toBe(true);
    expect(r.code).toBeUndefined();
    expect(r.grads).not.toEqual(clippedSum);
  });

  it('member (holds on 67c941c): a failure in the second physical chunk leaves no clipped sum in p.grad', () => {
    const layer = dense(1, 1, { rng: new SeededRandomSource('m6b'), name: 'm6b' });
    const act = relu(1);
    const forward = act.forward.bind(act);
    let calls = 0;
    Object.defineProperty(act, 'forward', {
      value: (x: Float64Array, b: number) => {
        calls++;
        if (calls === 2) throw new Error('a failure in the second chunk');
        return forward(x, b);
      },
    });
    const model = new Sequential([layer, act], logisticLoss());
    for (const p of model.parameters) p.value.fill(0.5);
    const trainer = makePrivate({
      model,
      optimizer: sgd({ learningRate: 1 }),
      data: { inputs: Float64Array.from([1, 2]), labels: Int32Array.from([1, 0]), size: 2 },
      datasetSize: 2,
      expectedBatchSize: 2,
      noiseMultiplier: 1,
      maxGradNorm: 1,
      physicalBatchSize: 1,
      rng: new SeededRandomSource('m6b-rng'),
    });
    expect(() => trainer.step()).toThrow('a failure in the second chunk');
    expect(model.parameters.flatMap((p) => Array.from(p.grad))).toEqual([0, 0]);
  });
});
