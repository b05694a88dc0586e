/**
 * review3, stop 25: the draws `tsdp train` now takes from the worker pool (src/learn/node/noise-pool.ts through
 * src/cli/commands/train-noise.ts). Checked: each draw is used exactly once, whole, at the requested length and
 * scale, never a stale or reused buffer (a seeded pool's k-th draw is exactly the k-th fillBulkGaussian of the same
 * ChaCha20 stream, with the prefetched draw discarded on a change of shape); only an unseeded pool is genuine;
 * a worker that fails makes fill throw INTERNAL before the step is recorded or any parameter moves (never a step
 * with missing noise). Generative over sequences of (length, scale), fast-check seed 2526.
 * Mutants tried (each fails the model test): fill() without the await before the copy (a stale buffer);
 * no discard on a shape change (the prefetched draw of another length/scale served).
 */
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withTrainNoise } from '../../src/cli/commands/train-noise.js';
import { DpError } from '../../src/core/index.js';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { createNoisePool, NoisePool } from '../../src/learn/node/noise-pool.js';
import { isGenuineNoiseSource } from '../../src/learn/noise-source.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { type Batch, Sequential } from '../../src/learn/sequential.js';
import { fillBulkGaussian } from '../../src/random/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

/** The pool's contract as a model: every request consumes the next draw of the stream, in request order. */
class PoolModel {
  private readonly rng: SeededRandomSource;
  private pending: { length: number; scale: number } | null = null;
  constructor(seed: string) {
    this.rng = new SeededRandomSource(seed);
  }
  private draw(length: number, scale: number): Float64Array {
    const out = new Float64Array(length);
    fillBulkGaussian(out, scale, this.rng);
    return out;
  }
  fill(length: number, scale: number): Float64Array {
    if (this.pending !== null && (this.pending.length !== length || this.pending.scale !== scale)) {
      this.draw(this.pending.length, this.pending.scale); // the prefetched draw of another shape: discarded
      this.pending = null;
    }
    const { length: l, scale: s } = this.pending ?? { length, scale };
    const out = this.draw(l, s);
    this.pending = { length, scale }; // the next one, prefetched
    return out;
  }
}

const shapes = fc.array(fc.record({ length: fc.constantFrom(1, 3, 8, 17), scale: fc.constantFrom(0.5, 1.3 * 0.7, 4) }), {
  minLength: 1,
  maxLength: 12,
});

describe('review3: the pool serves each draw once, whole, fresh', () => {
  it('generative: a seeded pool serves exactly the model stream (no reuse, no skip, no stale buffer, no short draw)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(shapes, async (calls) => {
        const seed = `review3-${run++}`;
        const pool = await createNoisePool({ capacity: 32, seed });
        const model = new PoolModel(seed);
        try {
          for (const { length, scale } of calls) {
            const out = new Float64Array(length).fill(Number.NaN);
            pool.fill(out, scale);
            expect(Array.from(out)).toEqual(Array.from(model.fill(length, scale)));
          }
        } finally {
          await pool.close();
        }
      }),
      { seed: 2526, numRuns: 12 },
    );
  }, 180_000);

  it('the pool withTrainNoise makes unseeded is genuine and its draws are pairwise distinct and finite; a seeded pool is not genuine', async () => {
    await withTrainNoise(false, async (noise) => {
      expect(isGenuineNoiseSource(noise.source)).toBe(true);
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const out = new Float64Array(6).fill(Number.NaN);
        noise.source?.fill(out, 1);
        expect(out.every((x) => Number.isFinite(x))).toBe(true);
        const key = Array.from(out).join(',');
        expect(seen.has(key)).toBe(false); // P(two equal 6-vectors on the fine grid) is far below 1e-6
        seen.add(key);
      }
    });
    const seeded = await createNoisePool({ capacity: 8, seed: 'x' });
    try {
      expect(isGenuineNoiseSource(seeded)).toBe(false);
    } finally {
      await seeded.close();
    }
  }, 60_000);

  it('a worker that fails a draw: fill throws INTERNAL, the step is not recorded and no parameter moves', async () => {
    const control = new SharedArrayBuffer(16);
    const scale = new SharedArrayBuffer(8);
    const data = new SharedArrayBuffer(8 * 8);
    // A worker that answers PENDING with IDLE (as if its draw had failed) and writes nothing.
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const c = new Int32Array(workerData.control);
       for (;;) { const s = Atomics.load(c, 0); if (s === 3) break;
         if (s === 1) { Atomics.store(c, 0, 0); Atomics.notify(c, 0); } else Atomics.wait(c, 0, s); }`,
      { eval: true, workerData: { control } },
    );
    const pool = new NoisePool(worker, control, scale, data, true);
    const batch: Batch = {
      inputs: new Float64Array(40).map((_, i) => Math.cos(i)),
      labels: Int32Array.from({ length: 20 }, (_, i) => i % 2),
      size: 20,
    };
    const t = makePrivate({
      model: new Sequential([dense(2, 1, { rng: new SeededRandomSource('w') })], logisticLoss()),
      optimizer: sgd({ learningRate: 0.1 }),
      data: batch,
      datasetSize: 20,
      expectedBatchSize: 5,
      noiseMultiplier: 1,
      maxGradNorm: 1,
      noise: pool,
      rng: new SeededRandomSource('s'),
    });
    const before = t.model.parameters.map((p) => Array.from(p.value));
    let error: unknown;
    try {
      t.step();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DpError);
    expect((error as DpError).code).toBe('INTERNAL');
    expect(t.steps).toBe(0);
    expect(t.model.parameters.map((p) => Array.from(p.value))).toEqual(before);
    expect(pool.closed).toBe(true);
    expect(() => t.step()).toThrow(DpError); // closed: refused before sampling, still no step
    expect(t.steps).toBe(0);
    await pool.close();
  }, 60_000);
});
