/**
 * DP-SGD noise off the critical path (Node only): a worker thread draws the
 * NEXT step's bulk Gaussian while the trainer computes this step's clipped
 * gradients (the noise does not depend on the gradients). Pass the pool as
 * `makePrivate({ …, noise: await createNoisePool() })`.
 *
 * Guarantees, the same as the synchronous path: the worker runs the same
 * sampler (`fillBulkGaussian`, same grid, same floating-point stance) on the
 * platform CSPRNG (`crypto.getRandomValues` in the worker); each draw is used
 * exactly once (a buffer is READY once per fill and is consumed by one take;
 * a request of another length or scale discards the prefetched draw, which
 * was never released); the noise never leaves the process. A pool made with
 * a seed (tests only) marks the trainer notForRelease, like a seeded rng.
 *
 * Mechanics: one SharedArrayBuffer slot and an Int32 state (IDLE, PENDING,
 * READY, STOP), Atomics only (a thread blocked in Atomics.wait delivers no
 * messages). `fill(out, scale)` waits (Atomics.wait, legal on Node's main
 * thread) until the pending draw is READY, copies it, and immediately requests
 * the next one of the same length and scale. The browser path stays synchronous.
 * @module
 */
import { Worker } from 'node:worker_threads';
import { DpError } from '../../core/index.js';
import { edgeRecord } from '../../numeric/edge.js';
import { describeValue } from '../_internal/describe.js';
import { type NoiseSource, registerGenuineNoiseSource } from '../noise-source.js';

const IDLE = 0;
const PENDING = 1;
const READY = 2;
const STOP = 3;
/** How long fill() waits for the worker before giving up (a draw of 2²² values takes ~0.1 s). */
const WAIT_MS = 60_000;

/** Options of {@link createNoisePool}. */
export interface NoisePoolOptions {
  /** The largest number of coordinates a draw may have (the shared buffer's size). Default 2²². */
  capacity?: number;
  /** TESTS ONLY: a seed for a ChaCha20 source in the worker (reproducible noise; the run is then notForRelease). */
  seed?: string;
}

/** A worker thread that prefetches bulk Gaussian noise; build it with {@link createNoisePool}. */
export class NoisePool implements NoiseSource {
  readonly secure: boolean;
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly scale: Float64Array;
  private readonly data: Float64Array;
  // Mutable state lives in one object so that the pool itself can be frozen (a registered
  // pool's fill cannot be replaced: createNoisePool freezes it before registering it).
  private readonly state: { pending: { length: number; scale: number } | null; closed: boolean } = { pending: null, closed: false };

  /** @internal Use {@link createNoisePool}. */
  constructor(worker: Worker, control: SharedArrayBuffer, scale: SharedArrayBuffer, data: SharedArrayBuffer, secure: boolean) {
    // Edge checks (issue 10 item 12): a hostile argument is INVALID_PARAMETER, never a TypeError from a typed-array constructor.
    edgeRecord(worker, 'worker');
    for (const [b, name] of [
      [control, 'control'],
      [scale, 'scale'],
      [data, 'data'],
    ] as const) {
      if (!(b instanceof SharedArrayBuffer))
        throw new DpError('INVALID_PARAMETER', `${name} must be a SharedArrayBuffer`, { parameter: name });
    }
    if (typeof secure !== 'boolean') throw new DpError('INVALID_PARAMETER', 'secure must be a boolean', { parameter: 'secure' });
    this.worker = worker;
    this.control = new Int32Array(control);
    this.scale = new Float64Array(scale);
    this.data = new Float64Array(data);
    this.secure = secure;
  }

  /** The largest draw. */
  get capacity(): number {
    return this.data.length;
  }

  /** True after close() or a worker failure: no more draws (the trainer checks it before sampling). */
  get closed(): boolean {
    return this.state.closed;
  }

  private request(length: number, scale: number): void {
    this.scale[0] = scale;
    Atomics.store(this.control, 1, length);
    Atomics.store(this.control, 0, PENDING);
    Atomics.notify(this.control, 0);
    this.state.pending = { length, scale };
  }

  /**
   * Fills `out` with N(0, scale²) bulk Gaussian noise drawn in the worker
   * (the prefetched draw when its length and scale match), then asks for the next.
   * @param out - the array to fill.
   * @param scale - σC, a finite number > 0.
   * @throws DpError INVALID_PARAMETER when scale is bad or out is larger than the capacity; INTERNAL after close().
   */
  fill(out: Float64Array, scale: number): void {
    if (this.state.closed) throw new DpError('INTERNAL', 'the noise pool is closed');
    if (!(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
      throw new DpError('INVALID_PARAMETER', `scale must be a finite number > 0, got ${describeValue(scale)}`, { parameter: 'scale' });
    }
    if (out.length > this.data.length) {
      throw new DpError('INVALID_PARAMETER', `the draw has ${out.length} values, more than the pool's capacity ${this.data.length}`, {
        parameter: 'capacity',
      });
    }
    if (this.state.pending !== null && (this.state.pending.length !== out.length || this.state.pending.scale !== scale)) {
      // Another shape: let the worker finish, discard its unreleased draw.
      this.await();
      this.state.pending = null;
    }
    if (this.state.pending === null) this.request(out.length, scale);
    this.await();
    out.set(this.data.subarray(0, out.length));
    Atomics.store(this.control, 0, IDLE);
    this.state.pending = null;
    this.request(out.length, scale); // the next step's noise, drawn while its gradient is computed
  }

  /** Blocks until the pending draw is READY; INTERNAL if the worker does not answer within WAIT_MS. */
  private await(): void {
    if (Atomics.wait(this.control, 0, PENDING, WAIT_MS) === 'timed-out' || Atomics.load(this.control, 0) !== READY) {
      this.state.closed = true;
      void this.worker.terminate();
      throw new DpError('INTERNAL', 'the noise worker did not answer');
    }
  }

  /** Stops the worker (pending noise is discarded). */
  async close(): Promise<void> {
    if (this.state.closed) return;
    this.state.closed = true;
    Atomics.store(this.control, 0, STOP);
    Atomics.notify(this.control, 0);
    await this.worker.terminate();
  }
}

/**
 * Starts a noise worker thread (Node only).
 * @param options - capacity and (tests only) a seed.
 * @returns the pool, once the worker is running.
 * @throws DpError INVALID_PARAMETER on a bad capacity or seed.
 * @privacy the same bulk Gaussian on the platform CSPRNG as the synchronous path; seeded pools are not for release.
 * @example
 * const noise = await createNoisePool();
 * const trainer = makePrivate({ ...options, noise });
 * trainer.epoch();
 * await noise.close();
 */
export async function createNoisePool(options: NoisePoolOptions = {}): Promise<NoisePool> {
  const capacity = options.capacity === undefined ? 2 ** 22 : options.capacity;
  if (!(Number.isSafeInteger(capacity) && capacity >= 1 && capacity <= 2 ** 28)) {
    throw new DpError('INVALID_PARAMETER', `capacity must be an integer in [1, 2²⁸], got ${describeValue(capacity)}`, {
      parameter: 'capacity',
    });
  }
  if (options.seed !== undefined && typeof options.seed !== 'string') {
    throw new DpError('INVALID_PARAMETER', 'seed must be a string', { parameter: 'seed' });
  }
  const control = new SharedArrayBuffer(16);
  const data = new SharedArrayBuffer(capacity * 8);
  const scale = new SharedArrayBuffer(8);
  const workerData = { control, scale, data, seed: options.seed ?? null };
  // Under a TypeScript runner (tests, tsx) this module is a .ts file: the worker registers tsx's loader first.
  const worker = import.meta.url.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./noise-worker.ts', import.meta.url).href)}); });`,
        { eval: true, workerData },
      )
    : new Worker(new URL('./noise-worker.js', import.meta.url), { workerData });
  const keepAlive = setInterval(() => undefined, 1000); // a starting worker alone may not hold the event loop open
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve()); // 'ready': its loop is about to run
      worker.once('error', (e) =>
        reject(new DpError('INTERNAL', `the noise worker failed to start: ${e instanceof Error ? e.message : 'unknown'}`)),
      );
    });
  } finally {
    clearInterval(keepAlive);
  }
  worker.unref();
  const pool = new NoisePool(worker, control, scale, data, options.seed === undefined);
  Object.freeze(pool);
  if (pool.secure) registerGenuineNoiseSource(pool);
  return pool;
}
