/**
 * Where `tsdp train` draws its DP-SGD noise (issue 12: the noise off the step's thread).
 *
 * - **Unseeded runs (the ones for release): `'pool'`.** The bulk Gaussian is drawn in a worker thread
 *   (`createNoisePool()`, src/learn/node/noise-pool.ts), one step ahead, on the second core while this
 *   step's clipped gradients are computed. Same sampler (`fillBulkGaussian`), same grid, same scale σ·C per
 *   coordinate, on the platform CSPRNG, one draw per logical batch (the trainer calls `fill` once per
 *   step); the pool is registered as genuine, so the run stays for release. The privacy map is untouched:
 *   the trainer's event (q, σ_eff, steps) does not depend on where the noise is drawn.
 * - **Seeded runs (tests only, notForRelease): `'thread'`.** The trainer draws the noise synchronously from
 *   its seeded `rng`, interleaved with the sampler's draws from the same stream: a seed reproduces the
 *   weights of earlier seeded runs. A seeded pool cannot: it would draw the noise from a second stream
 *   (the worker's own ChaCha20), so the same seed would give other weights.
 *
 * Rule: the pool is closed on every exit path — normal end, an error (the `finally` below) and SIGINT.
 * The training loop is synchronous, so it calls {@link TrainNoise.yieldToSignals} after each step: the
 * event loop then runs the SIGINT listener, which only marks the run interrupted; the loop throws, the
 * `finally` closes the pool, and the signal is raised again with its default action (the process ends by
 * SIGINT, as it would without the pool). Nothing is written on that path: train.ts yields once more after the
 * final evaluation, before it writes the report and model; a SIGINT that comes during the writes themselves is
 * still raised again once they are done (the listener is removed only after a last turn of the event loop).
 * The budget refusal (BUDGET_EXHAUSTED) comes before `withTrainNoise` is called (train.ts): a refused run
 * never starts the worker.
 * @module
 */

import { createNoisePool } from '../../learn/node/noise-pool.js';
import type { NoiseSource } from '../../learn/noise-source.js';

/** Where the noise is drawn: `'pool'` (a worker thread, unseeded runs) or `'thread'` (the step's thread, seeded runs). */
export type TrainNoiseKind = 'pool' | 'thread';

/** The noise of one `tsdp train` run. */
export interface TrainNoise {
  readonly kind: TrainNoiseKind;
  /** What `makePrivate` gets as `noise`: the pool, or undefined (the trainer draws from its rng). */
  readonly source: NoiseSource | undefined;
  /** Lets the event loop run (SIGINT listener); throws {@link Interrupted} once SIGINT has arrived. */
  yieldToSignals(): Promise<void>;
}

/** Thrown out of the training loop after SIGINT (caught by {@link withTrainNoise}, which re-raises the signal). */
export class Interrupted extends Error {
  constructor() {
    super('interrupted by SIGINT');
    this.name = 'Interrupted';
  }
}

/** What withTrainNoise needs from its surroundings (tests pass their own pool factory and signal target). */
export interface TrainNoiseDeps {
  createPool: () => Promise<NoiseSource & { close(): Promise<void> }>;
  /** Re-raises SIGINT once the pool is closed (default: the signal's default action ends the process). */
  reraise: () => void;
}

const DEFAULT_DEPS: TrainNoiseDeps = {
  createPool: () => createNoisePool(),
  reraise: () => {
    // No SIGINT listener is left (removed in the finally below): the default action ends the process.
    process.kill(process.pid, 'SIGINT');
  },
};

/**
 * Runs `body` with the run's noise: a worker pool when `seeded` is false, the step's thread when true;
 * the pool is closed when `body` ends, throws, or is interrupted by SIGINT.
 * @param seeded - whether the run has a seed (`--seed`).
 * @param body - the training run.
 * @param deps - tests only.
 * @returns what `body` returns.
 */
export async function withTrainNoise<T>(
  seeded: boolean,
  body: (noise: TrainNoise) => Promise<T>,
  deps: TrainNoiseDeps = DEFAULT_DEPS,
): Promise<T> {
  const pool = seeded ? undefined : await deps.createPool();
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const noise: TrainNoise = {
    kind: pool ? 'pool' : 'thread',
    source: pool,
    yieldToSignals: async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (interrupted) throw new Interrupted();
    },
  };
  try {
    return await body(noise);
  } finally {
    // The listener stays until the pool is closed and one more turn of the event loop has run (review3, stop 25):
    // a SIGINT that arrived during the run's last synchronous work (the final evaluation, the writes) is delivered
    // to it here and raised again — removing the listener first would drop it, and the run would end with exit 0.
    // The wait is a timer, not one setImmediate: a signal sent just before is sometimes dispatched only on the
    // second turn (measured: 1 in 200); the poll phase blocks up to 10 ms and dispatches what arrives meanwhile.
    await pool?.close();
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
    process.off('SIGINT', onSigint);
    if (interrupted) deps.reraise();
  }
}
