/**
 * This thread's time on a CPU, for the benches that stamp phases or rounds (stop 23).
 *
 * Linux's `/proc/thread-self/schedstat` adds a running thread's time only at a scheduler event (a tick — every 4 ms
 * on this machine, HZ 250 — a sleep, a wake-up of another thread on its CPU), so a bare read lags by up to a tick and
 * the lag lands in the next window that sleeps: before stop 23, main-thread-phases' "charge" (the wait for the ledger
 * worker) showed the plan, compile, measure and release CPU it followed (the "unexplained" 1.4–1.8 ms of stop 22). A
 * 50 µs futex wait (`Atomics.wait`) is such an event, so the read after it includes the time up to it (a 1 µs wait
 * settled only ≈ 85% of reads). Cost ≈ 0.04 ms CPU and ≈ 0.1 ms wall per read: it belongs in phase stamps and round
 * brackets, not in a hot loop.
 * @module
 */
import { readFileSync } from 'node:fs';

const settle = new Int32Array(new SharedArrayBuffer(4));

/**
 * This thread's CPU time so far, settled first.
 * @returns ms (schedstat, ns resolution), or NaN where there is no `/proc/thread-self/schedstat`.
 */
export function threadCpuMs(): number {
  try {
    Atomics.wait(settle, 0, 0, 0.05);
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}
