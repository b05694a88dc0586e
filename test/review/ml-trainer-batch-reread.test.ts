/**
 * Review ML (reviewml, 2026-12-06), finding M5 — issue 10 class 12 ("validates once at the edge … and uses only
 * the snapshot"; S21's read-once member) with a sensitivity consequence (issue 12: each example's contribution
 * ≤ C per step, and its participation Poisson(q)). Low severity: it needs the data owner to change the `Batch`
 * object after `makePrivate` (TS `readonly` only; a plain JS object, a streaming loader that grows `size`).
 * Owner: learn (src/learn/private-trainer.ts).
 *
 * Where: `PrivateTrainer`'s constructor calls `checkBatch(data, …)` — which returns a checked snapshot — and
 * discards it: `this.data = data` keeps the caller's object, and every `step()` re-reads `data.size`,
 * `data.inputs` and `data.labels`. After `size` grows past the rows `inputs` holds, `poissonSample(data.size)`
 * samples indices with no row: `inputs.subarray(row·w, …)` is empty, so that row of the reused input scratch keeps
 * whatever the previous chunk or step put there — another, real example. With `physicalBatchSize: 2` and q = 1,
 * the second chunk re-trains the first chunk's two examples: each real example adds 2·C to one step's sum (and an
 * example not sampled in step t can still reach step t through a stale row, which Poisson accounting excludes).
 *
 * Rule: keep and use only checkBatch's snapshot (sizes fixed at construction; a copy, or a view checked at each
 * step against the snapshot's lengths, refused before sampling); generative test: mutate size/inputs/labels
 * between steps in random ways; the step either refuses before sampling or equals the snapshot's step.
 *
 * FIXED on main 67c941c (learn 2b9eb53): the trainer keeps checkBatch's frozen snapshot and re-checks its lengths
 * before sampling. Flipped to a regression; two more members checked in phase 2 and held: the input's resizable
 * ArrayBuffer shrunk after makePrivate, and the buffer detached (structuredClone transfer) — both refused
 * (INVALID_PARAMETER) before sampling.
 */
import { describe, expect, it } from 'vitest';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

/** One DP step with almost no noise (σ = 1e-12), learning rate 1: returns ‖θ_before − θ_after‖·B ≈ ‖clipped sum‖. */
function stepSum(grow: boolean): { norm?: number; code?: string } {
  const layer = dense(1, 1, { rng: new SeededRandomSource('m5'), name: 'm5' });
  const model = new Sequential([layer], logisticLoss());
  for (const p of model.parameters) p.value.fill(0);
  // Two real examples (x = 1000, label 1: each clipped to norm C = 1 in the same direction).
  const data: { inputs: Float64Array; labels: Int32Array; size: number } = {
    inputs: Float64Array.from([1000, 1000]),
    labels: Int32Array.from([1, 1]),
    size: 2,
  };
  const trainer = makePrivate({
    model,
    optimizer: sgd({ learningRate: 1 }),
    data,
    datasetSize: 4,
    expectedBatchSize: 4, // q = 1: every index is sampled
    noiseMultiplier: 1e-12,
    maxGradNorm: 1,
    physicalBatchSize: 2,
    rng: new SeededRandomSource('m5-rng'),
  });
  if (grow) {
    // The owner's object changes after the checks: size 4, labels for 4 rows, inputs still 2 rows.
    data.size = 4;
    data.labels = Int32Array.from([1, 1, 1, 1]);
  }
  const before = model.parameters.map((p) => Float64Array.from(p.value));
  try {
    trainer.step();
  } catch (e) {
    return { code: String((e as { code?: unknown }).code) };
  }
  let sq = 0;
  model.parameters.forEach((p, i) => {
    p.value.forEach((v, j) => {
      sq += (((before[i] as Float64Array)[j] as number) - v) ** 2;
    });
  });
  return { norm: Math.sqrt(sq) * 4 };
}

/** ES2024 resizable ArrayBuffer (Node ≥ 20), typed here because the project's TS lib predates it. */
const ResizableBuffer = ArrayBuffer as unknown as new (
  length: number,
  options: { maxByteLength: number },
) => ArrayBuffer & { resize(length: number): void };

describe('review ML M5: the trainer re-reads the caller’s Batch at every step', () => {
  it('control (holds): two examples, clipped sum of norm ≤ 2·C', () => {
    const r = stepSum(false);
    expect(r.code).toBeUndefined();
    expect(r.norm).toBeGreaterThan(1.9);
    expect(r.norm).toBeLessThanOrEqual(2 + 1e-6);
  });

  // Was BUG M5 (the second chunk's stale rows re-trained the first chunk's examples: norm 4·C); fixed on 67c941c.
  it('after the Batch object grows, a step refuses before sampling or uses the checked snapshot (sum ≤ 2·C)', () => {
    const r = stepSum(true);
    if (r.code === undefined) expect(r.norm).toBeLessThanOrEqual(2 + 1e-6);
    else expect(r.code).toBe('INVALID_PARAMETER');
  });

  it('member (holds on 67c941c): the input buffer resized or detached after makePrivate is refused before sampling', () => {
    for (const change of ['shrink', 'detach'] as const) {
      const layer = dense(1, 1, { rng: new SeededRandomSource('m5b'), name: 'm5b' });
      const model = new Sequential([layer], logisticLoss());
      const buffer = new ResizableBuffer(4 * 8, { maxByteLength: 64 });
      const inputs = new Float64Array(buffer);
      inputs.set([1000, 1000, 1000, 1000]);
      const trainer = makePrivate({
        model,
        optimizer: sgd({ learningRate: 1 }),
        data: { inputs, labels: Int32Array.from([1, 1, 1, 1]), size: 4 },
        datasetSize: 4,
        expectedBatchSize: 4,
        noiseMultiplier: 1,
        maxGradNorm: 1,
        physicalBatchSize: 2,
        rng: new SeededRandomSource('m5b-rng'),
      });
      trainer.step();
      if (change === 'shrink') buffer.resize(2 * 8);
      else structuredClone(buffer, { transfer: [buffer] });
      expect(() => trainer.step()).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
      expect(trainer.steps).toBe(1);
    }
  });
});
