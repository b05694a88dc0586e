/**
 * One statement at a time on a connection, each bounded by a deadline that holds **even if the driver never
 * returns** (the CI hang of 2026-12-06: a DuckDB call whose promise never settled made a test wait until vitest
 * killed it, with no error of ours).
 *
 * The rule, for every call an engine makes to its embedded driver:
 * 1. Calls run one after the other, in call order (a DuckDB connection runs one statement at a time; a second
 *    statement sent while one runs would interrupt it or block a libuv pool thread on the connection's lock).
 * 2. Each call has a deadline, counted from the call (waiting for the previous call is part of it). At the
 *    deadline `onDeadline` runs (DuckDB: `connection.interrupt()`); what the driver returns within a grace of
 *    min(deadline, 5 s) after it is the call's outcome (as before this rule: an interrupted statement fails), and
 *    when the grace ends first the call fails with `error()` — it never waits longer for the driver. The deadline
 *    and the grace are public numbers; a call that is answered in time ends when the driver returns, as before.
 * 3. A call whose deadline passed before its turn is never started (its caller has, or is about to get, its error).
 * 4. A call of several driver statements tests `expired()` (given to its work) before each further statement and
 *    stops when it is true: DuckDB drops an interrupt that arrives between two statements (measured on node-api
 *    1.5.6: interrupt, then a 300M-row count ran to its end), so without the test a statement started after the
 *    deadline (a rerun, a view rebuilt by `refreshChanged`, then the statement) would run without one (review stop 20).
 * 5. A driver call that outlives its caller is still tracked: the next call waits for it (within its own deadline),
 *    and `whenIdle` settles only when the driver has returned, so a resource is never freed while the driver
 *    still uses it (closing a DuckDB connection from the main thread while a statement holds its lock would block
 *    the whole process).
 * Checked by test/sql/deadline-queue.test.ts (generative, on a fake clock) and test/sql/duckdb-deadline.test.ts
 * (a read DuckDB cannot interrupt).
 * @module
 */

/** The grace after a deadline in which the driver may still return (ms): min(deadline, 5 s). */
export function graceMs(timeoutMs: number): number {
  return Math.min(timeoutMs, 5_000);
}

/** Serial, deadline-bounded calls to a driver (see the module header). */
export class DeadlineQueue {
  /** Settles (never rejects) when the last driver call queued so far has returned. */
  private tail: Promise<void> = Promise.resolve();
  /** Driver calls queued or running. */
  private running = 0;

  /**
   * @param timeoutMs - the default deadline of a call in ms (a positive number ≤ 2³¹−1; the caller validates it).
   * @param onDeadline - called when a call's deadline passes (e.g. interrupt the connection); must not throw.
   * @param error - the error a call fails with (for any driver failure, and when the grace ends).
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly onDeadline: () => void,
    private readonly error: () => Error,
  ) {}

  /** True while a driver call is queued or running (also one whose caller has given up). */
  get busy(): boolean {
    return this.running > 0;
  }

  /**
   * Runs `work` after the calls before it, bounded by its deadline and the grace after it (module header).
   * @param work - the driver call (started only when the previous call has returned, and only before the deadline);
   *   it is given `expired`, true once the deadline has passed, to test before each further driver statement (rule 4).
   * @param timeoutMs - this call's deadline (default: the queue's).
   * @returns what `work` returns.
   * @throws the queue's `error()` when `work` fails, or when the grace after the deadline ends first.
   */
  run<T>(work: (expired: () => boolean) => Promise<T>, timeoutMs: number = this.timeoutMs): Promise<T> {
    let expired = false;
    this.running++;
    const call = this.tail.then(() => {
      if (expired) throw this.error();
      return work(() => expired);
    });
    this.tail = call.then(
      () => {
        this.running--;
      },
      () => {
        this.running--;
      },
    );
    return new Promise<T>((resolve, reject) => {
      let grace: ReturnType<typeof setTimeout> | undefined;
      const deadline = setTimeout(() => {
        expired = true;
        grace = setTimeout(() => reject(this.error()), graceMs(timeoutMs));
        this.onDeadline();
      }, timeoutMs);
      call.then(
        (v) => {
          clearTimeout(deadline);
          clearTimeout(grace);
          resolve(v);
        },
        () => {
          clearTimeout(deadline);
          clearTimeout(grace);
          reject(this.error());
        },
      );
    });
  }

  /** Settles when every driver call queued so far has returned (however long the driver takes; never rejects). */
  whenIdle(): Promise<void> {
    return this.tail;
  }
}

/**
 * `promise`, or `error()` after `timeoutMs` if it has not settled by then; a value that arrives later is handed to
 * `lateValue` (e.g. to close a database that finished opening after its caller gave up).
 * @param promise - the driver call.
 * @param timeoutMs - the deadline in ms.
 * @param error - the error at the deadline.
 * @param lateValue - receives a value that arrives after the deadline.
 * @returns the value.
 * @throws `error()` when the deadline passes first; the promise's own error when it rejects first.
 */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, error: () => Error, lateValue?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      reject(error());
    }, timeoutMs);
    promise.then(
      (v) => {
        clearTimeout(timer);
        if (expired) lateValue?.(v);
        else resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
