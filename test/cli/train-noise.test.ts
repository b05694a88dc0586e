/**
 * `tsdp train`'s noise (src/cli/commands/train-noise.ts): unseeded runs draw it in the worker pool, seeded runs on
 * the step's thread; the pool is closed on every exit path (end, error, SIGINT); the accountant's ε does not
 * depend on where the noise is drawn; one draw of σ·C per coordinate per logical batch.
 */
import { describe, expect, it } from 'vitest';
import { Interrupted, type TrainNoiseDeps, withTrainNoise } from '../../src/cli/commands/train-noise.js';
import { dense } from '../../src/learn/dense.js';
import { logisticLoss } from '../../src/learn/losses.js';
import { createNoisePool, type NoisePool } from '../../src/learn/node/noise-pool.js';
import { isGenuineNoiseSource, type NoiseSource } from '../../src/learn/noise-source.js';
import { sgd } from '../../src/learn/optimizers.js';
import { makePrivate } from '../../src/learn/private-trainer.js';
import { type Batch, Sequential } from '../../src/learn/sequential.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const data: Batch = {
  inputs: new Float64Array(80).map((_, i) => Math.sin(i)),
  labels: Int32Array.from({ length: 40 }, (_, i) => i % 2),
  size: 40,
};

function trainer(noise: NoiseSource | undefined, physicalBatchSize?: number) {
  return makePrivate({
    model: new Sequential([dense(2, 1, { rng: new SeededRandomSource('m') })], logisticLoss()),
    optimizer: sgd({ learningRate: 0.1 }),
    data,
    datasetSize: 40,
    expectedBatchSize: 10,
    noiseMultiplier: 1.3,
    maxGradNorm: 0.7,
    ...(noise ? { noise } : {}),
    ...(physicalBatchSize ? { physicalBatchSize } : {}),
  });
}

/** Deps that record the pools made and the re-raised signals. */
function spyDeps(): TrainNoiseDeps & { pools: NoisePool[]; reraised: number } {
  const deps = {
    pools: [] as NoisePool[],
    reraised: 0,
    createPool: async () => {
      const p = await createNoisePool({ capacity: 1024 });
      deps.pools.push(p);
      return p;
    },
    reraise: () => {
      deps.reraised++;
    },
  };
  return deps;
}

describe('tsdp train: where the noise is drawn', () => {
  it('unseeded: the genuine worker pool (kind "pool", the run stays for release), closed when the run ends; seeded: the thread, no pool', async () => {
    const deps = spyDeps();
    const kind = await withTrainNoise(
      false,
      async (noise) => {
        expect(noise.kind).toBe('pool');
        expect(noise.source).toBe(deps.pools[0]);
        expect(isGenuineNoiseSource(noise.source)).toBe(true);
        const t = trainer(noise.source);
        expect(t.notForRelease).toBe(false);
        for (let i = 0; i < 3; i++) {
          t.step();
          await noise.yieldToSignals();
        }
        expect(t.steps).toBe(3);
        return noise.kind;
      },
      deps,
    );
    expect(kind).toBe('pool');
    expect(deps.pools).toHaveLength(1);
    expect(deps.pools[0]?.closed).toBe(true);

    const seeded = spyDeps();
    await withTrainNoise(
      true,
      async (noise) => {
        expect(noise.kind).toBe('thread');
        expect(noise.source).toBeUndefined();
      },
      seeded,
    );
    expect(seeded.pools).toHaveLength(0); // a seeded pool would draw from a second stream: the seed would not reproduce the weights
  }, 60_000);

  it('the accountant is the same either way: equal per-step events and ε after the same steps', async () => {
    await withTrainNoise(
      false,
      async (noise) => {
        const pooled = trainer(noise.source);
        const onThread = trainer(undefined);
        for (let i = 0; i < 5; i++) {
          pooled.step();
          onThread.step();
        }
        expect(pooled.dpStepEvent).toEqual(onThread.dpStepEvent);
        expect(pooled.epsilon(1e-5)).toBe(onThread.epsilon(1e-5));
        expect(pooled.dpEvent()).toEqual(onThread.dpEvent());
      },
      spyDeps(),
    );
  }, 60_000);

  it('one draw of scale σ·C over every coordinate per logical batch, with physical chunks smaller than the batch', async () => {
    const pool = await createNoisePool({ capacity: 1024 });
    const fills: [number, number][] = [];
    // A counting wrapper (not genuine: only counts here; the real pool draws).
    const counting: NoiseSource = {
      fill: (out, scale) => {
        fills.push([out.length, scale]);
        pool.fill(out, scale);
      },
    };
    try {
      const t = trainer(counting, 2);
      for (let i = 0; i < 4; i++) t.step();
      expect(fills).toEqual(Array.from({ length: 4 }, () => [3, 1.3 * 0.7])); // 2 weights + 1 bias
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('closes the pool when the run throws, and rethrows', async () => {
    const deps = spyDeps();
    const listeners = process.listenerCount('SIGINT');
    await expect(
      withTrainNoise(
        false,
        async () => {
          throw new Error('boom');
        },
        deps,
      ),
    ).rejects.toThrow('boom');
    expect(deps.pools[0]?.closed).toBe(true);
    expect(deps.reraised).toBe(0);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  }, 60_000);

  it('SIGINT: the loop stops at its next yield, the pool is closed, then the signal is raised again', async () => {
    const deps = spyDeps();
    const listeners = process.listenerCount('SIGINT');
    let steps = 0;
    await expect(
      withTrainNoise(
        false,
        async (noise) => {
          const t = trainer(noise.source);
          for (;;) {
            t.step();
            steps++;
            if (steps === 2) process.emit('SIGINT', 'SIGINT'); // the listener runs; the loop learns of it at its yield
            await noise.yieldToSignals();
          }
        },
        deps,
      ),
    ).rejects.toBeInstanceOf(Interrupted);
    expect(steps).toBe(2);
    expect(deps.pools[0]?.closed).toBe(true);
    expect(deps.reraised).toBe(1);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  }, 60_000);
});
