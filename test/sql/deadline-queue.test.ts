/**
 * `DeadlineQueue` (src/sql/engines/deadline-queue.ts), generatively: random calls at random times, each taking a
 * random time or never returning, succeeding or failing, on Vitest's fake clock (no real waiting, no timing
 * assertion: the clock is driven by the test). Against a reference schedule: calls run one at a time in call
 * order, a call whose deadline passed before its turn never starts, and every caller gets its answer or the error
 * no later than the end of the grace after its deadline — also when a driver call never returns.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue, withDeadline } from '../../src/sql/engines/deadline-queue.js';

// Start times and durations are multiples of 4, the deadline (at + 101) and the end of the grace (at + 202) are not:
// no two events share an instant.
const DEADLINE = 101;
const GRACE = 101; // graceMs(101)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

interface Call {
  /** When it is sent (fake ms). */
  readonly at: number;
  /** How long the driver takes (fake ms), or null: it never returns. */
  readonly takes: number | null;
  readonly fails: boolean;
}

const fours = (max: number) => fc.integer({ min: 0, max: max / 4 }).map((x) => 4 * x);
const callArb: fc.Arbitrary<Call> = fc.record({
  at: fours(400),
  takes: fc.option(
    fours(240).map((x) => x + 4),
    { freq: 12 },
  ), // ≥ 4: Node runs a 0 ms timer after 1 ms
  fails: fc.boolean(),
});

/** The reference: when each call starts (null: never), when its caller is answered, and whether with the value. */
function reference(calls: readonly Call[]): { start: number | null; ok: boolean; settles: number }[] {
  let free = 0; // when the driver is next free (Infinity after a call that never returns)
  return calls.map((c) => {
    const turn = Math.max(c.at, free);
    const deadline = c.at + DEADLINE;
    const graceEnd = deadline + GRACE;
    // Its turn came after its deadline: never started; failed when its turn comes, at the latest when the grace ends.
    if (turn >= deadline) return { start: null, ok: false, settles: Math.min(turn, graceEnd) };
    free = c.takes === null ? Number.POSITIVE_INFINITY : turn + c.takes;
    // The driver's outcome if it returns before the grace ends (also after an interrupt), else the error.
    return { start: turn, ok: !c.fails && free < graceEnd, settles: Math.min(free, graceEnd) };
  });
}

describe('DeadlineQueue', () => {
  it('generative (fast-check, seed 31): serial, in order, never started after its deadline, every caller answered by the end of its grace', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 8 }), async (unsorted) => {
        vi.setSystemTime(0);
        const calls = [...unsorted].sort((a, b) => a.at - b.at);
        let interrupts = 0;
        const queue = new DeadlineQueue(
          DEADLINE,
          () => {
            interrupts++;
          },
          () => new Error('deadline or failure'),
        );
        const started: (number | null)[] = calls.map(() => null);
        const settled: { at: number; ok: boolean }[] = [];
        let running = 0;
        let overlap = false;
        const t0 = Date.now();
        calls.forEach((c, i) => {
          setTimeout(() => {
            queue
              .run(() => {
                started[i] = Date.now() - t0;
                running++;
                if (running > 1) overlap = true;
                if (c.takes === null) return new Promise<never>(() => undefined);
                return new Promise<number>((resolve, reject) => {
                  setTimeout(() => {
                    running--;
                    if (c.fails) reject(new Error('driver failure'));
                    else resolve(i);
                  }, c.takes as number);
                });
              })
              .then(
                (v) => {
                  expect(v).toBe(i);
                  settled[i] = { at: Date.now() - t0, ok: true };
                },
                (e: unknown) => {
                  expect(e).toEqual(new Error('deadline or failure'));
                  settled[i] = { at: Date.now() - t0, ok: false };
                },
              );
          }, c.at);
        });
        await vi.advanceTimersByTimeAsync(10_000);
        const want = reference(calls);
        expect(overlap).toBe(false);
        expect(started).toEqual(want.map((w) => w.start));
        expect(settled).toEqual(want.map((w) => ({ at: w.settles, ok: w.ok })));
        expect(queue.busy).toBe(calls.some((c, i) => c.takes === null && want[i]?.start !== null));
        // The deadline action (DuckDB: interrupt) runs exactly for the calls not answered before their deadline.
        expect(interrupts).toBe(want.filter((w, i) => w.settles > (calls[i] as Call).at + DEADLINE).length);
      }),
      { numRuns: 300, seed: 31 },
    );
  });

  it('generative (fast-check, seed 2163): a call of several driver statements that tests expired() before each starts exactly those whose turn comes before its deadline (DuckDB drops an interrupt sent between two statements)', async () => {
    await fc.assert(
      fc.asyncProperty(fours(120), fc.array(fours(80), { minLength: 1, maxLength: 6 }), async (waited, steps) => {
        vi.setSystemTime(0);
        const queue = new DeadlineQueue(
          DEADLINE,
          () => undefined,
          () => new Error('deadline or failure'),
        );
        // A call before it takes `waited` ms (waiting for it is part of this call's deadline).
        void queue.run(() => new Promise<void>((r) => setTimeout(r, waited + 4))).catch(() => undefined);
        const startedAt: number[] = [];
        const outcome = queue
          .run(async (expired) => {
            for (const takes of steps) {
              if (expired()) throw new Error('expired');
              startedAt.push(Date.now());
              await new Promise<void>((r) => setTimeout(r, takes + 4));
            }
            return 'done';
          })
          .then(
            (v) => v,
            () => 'failed',
          );
        await vi.advanceTimersByTimeAsync(10_000);
        // The reference: statement k starts at the end of the ones before it, if that is before the deadline.
        const want: number[] = [];
        let t = waited + 4;
        for (const takes of steps) {
          if (t >= DEADLINE) break;
          want.push(t);
          t += takes + 4;
        }
        expect(startedAt).toEqual(want);
        // Answered only when every statement ran and the last one returned within the grace.
        expect(await outcome).toBe(want.length === steps.length && t < DEADLINE + GRACE ? 'done' : 'failed');
      }),
      { numRuns: 300, seed: 2163 },
    );
  });

  it('withDeadline: the value before the deadline, the error at it, a late value handed over, a rejection passed through', async () => {
    vi.setSystemTime(0);
    const late: number[] = [];
    const later = (ms: number, v: number) => new Promise<number>((r) => setTimeout(() => r(v), ms));
    const early = withDeadline(
      later(10, 1),
      50,
      () => new Error('late'),
      (v) => late.push(v),
    );
    const tooLate = withDeadline(
      later(90, 2),
      50,
      () => new Error('late'),
      (v) => late.push(v),
    );
    const failing = withDeadline(Promise.reject(new Error('own')), 50, () => new Error('late'));
    const results = Promise.allSettled([early, tooLate, failing]);
    await vi.advanceTimersByTimeAsync(200);
    expect(await results).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: new Error('late') },
      { status: 'rejected', reason: new Error('own') },
    ]);
    expect(late).toEqual([2]);
  });
});
