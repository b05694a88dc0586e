/**
 * Latency padding for DP SQL answers (issue 10, item 14; SECURITY.md §11):
 * with `padLatencyMs: q`, an answer — and any error after the charge — is
 * returned only at the first multiple of `q` after the query started that is
 * not before it is ready, so its latency reveals only `ceil(t / q)` instead
 * of `t`. A query whose running time crosses a multiple of `q` because of the
 * data still shows that (the residual timing risk, in the threat model of
 * `tsdp/sql`); a statement timeout bounds the worst case on both engines.
 * @module
 */
import { DpError } from '../core/errors.js';

/** The clock latency padding reads and waits on (injectable for tests). */
export interface PaddingClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after at least `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The process's monotonic clock. */
export const systemClock: PaddingClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.ceil(ms))),
};

/** Largest padding quantum (one hour): longer waits are certainly a mistake. */
const MAX_QUANTUM_MS = 3_600_000;

/**
 * Validates a padding quantum.
 * @param quantum - milliseconds, or undefined (no padding).
 * @returns the quantum, or 0 for none.
 * @throws DpError INVALID_PARAMETER unless a finite number in [0, 3,600,000].
 */
export function readPadding(quantum: unknown): number {
  if (quantum === undefined) return 0;
  if (typeof quantum !== 'number' || !Number.isFinite(quantum) || quantum < 0 || quantum > MAX_QUANTUM_MS) {
    throw new DpError('INVALID_PARAMETER', `padLatencyMs must be a number of milliseconds in [0, ${MAX_QUANTUM_MS}]`, {
      parameter: 'padLatencyMs',
    });
  }
  return quantum;
}

/**
 * The instant an answer started at `start` and ready at `ready` is released: the first multiple of
 * `quantum` after `start` that is not before `ready` (at least one quantum after `start`).
 * @param start - when the query started (ms).
 * @param ready - when its answer is ready (ms).
 * @param quantum - the padding quantum (ms, > 0).
 * @returns the release instant (ms).
 */
export function paddedRelease(start: number, ready: number, quantum: number): number {
  const k = Math.max(1, Math.ceil((ready - start) / quantum));
  return start + k * quantum;
}

/**
 * Waits until the padded release instant of an answer started at `start` (no wait when `quantum` is 0).
 * @param start - when the query started (ms, on `clock`).
 * @param quantum - the padding quantum (ms; 0 for none).
 * @param clock - the clock (the system's by default).
 */
export async function padLatency(start: number, quantum: number, clock: PaddingClock = systemClock): Promise<void> {
  if (quantum <= 0) return;
  const now = clock.now();
  const wait = paddedRelease(start, now, quantum) - now;
  if (wait > 0) await clock.sleep(wait);
}
