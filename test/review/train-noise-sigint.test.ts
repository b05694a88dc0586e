/**
 * review3, stop 25: `tsdp train`'s SIGINT path (src/cli/commands/train-noise.ts). The rule: a SIGINT the run's
 * listener receives is never dropped — it is raised again once the pool is closed, wherever it arrives: between
 * steps (the loop stops at its next yield), or after the last yield, during the run's final synchronous work
 * (before the fix the listener was removed first and the signal was lost: the run wrote its model and exited 0).
 * Generative over where the signal comes (fixed seed); the pool is closed and the listeners restored every time.
 * Mutant caught: the pre-fix finally (listener removed before any turn of the event loop) fails both tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Interrupted, type TrainNoiseDeps, withTrainNoise } from '../../src/cli/commands/train-noise.js';
import { createNoisePool, type NoisePool } from '../../src/learn/node/noise-pool.js';

function spyDeps(): TrainNoiseDeps & { pools: NoisePool[]; reraised: number } {
  const deps = {
    pools: [] as NoisePool[],
    reraised: 0,
    createPool: async () => {
      const p = await createNoisePool({ capacity: 64 });
      deps.pools.push(p);
      return p;
    },
    reraise: () => {
      deps.reraised++;
    },
  };
  return deps;
}

/** Busy work with no turn of the event loop (the final evaluation, the writes). */
function synchronousWork(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* spin */
  }
}

describe('review3: tsdp train SIGINT is never dropped', () => {
  it('a SIGINT during the last synchronous work (after the last yield) is raised again', async () => {
    const deps = spyDeps();
    const listeners = process.listenerCount('SIGINT');
    const result = await withTrainNoise(
      false,
      async (noise) => {
        await noise.yieldToSignals();
        // A real signal (not process.emit): delivered through libuv only when the event loop turns.
        process.kill(process.pid, 'SIGINT');
        synchronousWork(50);
        return 'written';
      },
      deps,
    );
    expect(result).toBe('written'); // the test's reraise does not end the process
    expect(deps.reraised).toBe(1);
    expect(deps.pools[0]?.closed).toBe(true);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  }, 60_000);

  it('generative: wherever the signal comes (step k of n, after the loop, never), the reraise count and the steps agree', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 8 }), fc.boolean(), async (n, at, seeded) => {
        // at < n: during step `at`; at === n: after the loop, before returning; at > n: no signal.
        const deps = spyDeps();
        const listeners = process.listenerCount('SIGINT');
        let steps = 0;
        let outcome: 'done' | 'interrupted';
        try {
          await withTrainNoise(
            seeded,
            async (noise) => {
              for (let s = 0; s < n; s++) {
                steps++;
                if (s === at) process.kill(process.pid, 'SIGINT');
                synchronousWork(2);
                await noise.yieldToSignals();
              }
              if (at === n) {
                process.kill(process.pid, 'SIGINT');
                synchronousWork(2);
              }
            },
            deps,
          );
          outcome = 'done';
        } catch (e) {
          expect(e).toBeInstanceOf(Interrupted);
          outcome = 'interrupted';
        }
        // The rule: a signal sent is raised again exactly once, never dropped.
        expect(deps.reraised).toBe(at <= n ? 1 : 0);
        if (at < n) {
          // Seen at the yield of its step, or (Node dispatches a signal on the first or second turn of the event
          // loop after it is sent: measured 1 in 200 on the second) at the next one, or, after the last step,
          // by the final wait.
          expect(steps === at + 1 || steps === at + 2).toBe(true);
          expect(steps).toBeLessThanOrEqual(n);
          if (steps < n) expect(outcome).toBe('interrupted');
        } else {
          expect(outcome).toBe('done');
          expect(steps).toBe(n);
        }
        expect(deps.pools.length).toBe(seeded ? 0 : 1);
        if (!seeded) expect(deps.pools[0]?.closed).toBe(true);
        expect(process.listenerCount('SIGINT')).toBe(listeners);
      }),
      { seed: 2525, numRuns: 15 },
    );
  }, 120_000);
});
