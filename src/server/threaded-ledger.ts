/**
 * The file ledger with its group commits off the event loop: `chargeMany`
 * (lock, check, one append, one **synchronous fsync**, the running total) runs
 * in a worker thread (`ledger-worker.ts`) on a `FileLedger` over the same
 * state folder, so the server's event loop keeps parsing, planning and
 * answering other requests while a batch is made durable — and the next batch
 * grows meanwhile (`group-commit.ts`). Measured: the file ledger's synchronous
 * work was ≈ 25–45% of the server's event loop at concurrency 8
 * (`node --cpu-prof`, bench/server/README.md).
 *
 * Rules (each keeps a guarantee of the in-thread ledger):
 * 1. **Durable before answered**: a charge's promise settles only when the
 *    worker posted its batch's results, which it does after `chargeMany`
 *    returned — after the append's fsync. A SIGKILL kills the worker with the
 *    process: an unacknowledged batch answered nothing (the journal's torn-tail
 *    rule counts a partial record as spent).
 * 2. **One ledger, one lock**: the worker's `FileLedger` and this thread's
 *    (`charge`, `status`, `entries`, `pins`) use the same files under the same
 *    cross-process file lock, so they are serialised exactly as two processes
 *    on one state folder are.
 * 3. **Exact values**: Rationals and DpErrors cross the port tagged and are
 *    rebuilt (`ledger-wire.ts`); a refusal is the same DpError as in-thread.
 * 4. **Failure is loud**: a worker that dies fails every pending batch with
 *    INTERNAL (nothing answered) and the next batch starts a new worker.
 * 5. **Balances where the totals are** (stop 19): once the worker runs, `status`
 *    is asked of the worker's `FileLedger`, whose totals in memory match the
 *    journal it last appended to (file-ledger.ts, "The total in memory"); this
 *    thread's instance would find its own stale and the total file behind by up
 *    to `totalEvery` appends, and replay the journal. `close` has the worker
 *    write the total file it still owes before it stops. Either way the balance
 *    is checked against the journal under the lock, so it is never wrong.
 * 6. **Decided, then durable** (stop 26): a batch's per-item outcomes are posted twice — once its records are
 *    written, before the fsync (`decided`, handed to `chargeMany`'s `onDecided`), and once the fsync returned (the
 *    result). The group commit lets an accepted query's statements start on `decided` and releases its answer only
 *    on the result (group-commit.ts rule 5). A worker that dies between the two fails the batch as in rule 4 (the
 *    records written stand: never refunded, nothing released).
 * @module
 */
import { Worker } from 'node:worker_threads';
import { DpError } from '../core/errors.js';
import type { ExactLoss } from '../core/exact-loss.js';
import { FileLedger } from '../ledger/file-ledger.js';
import type { BudgetLedger, ChargeRequest, LedgerPin, LedgerScope, LedgerStatus } from '../ledger/ledger.js';
import { fromWire, toWire } from './ledger-wire.js';

type Outcome = (LedgerStatus | DpError)[];

/** A request to the worker (`ledger-worker.ts`): a batch, a balance, or close. */
type Request = { readonly items: readonly ChargeRequest[] } | { readonly status: LedgerScope } | { readonly close: true };

interface Pending {
  readonly resolve: (r: unknown) => void;
  readonly reject: (e: unknown) => void;
  /** A batch's outcomes once written, before the fsync (rule 6). */
  readonly decided?: (r: unknown) => void;
  /** The announced outcomes: the batch's results once `durable` arrives. */
  announced?: unknown;
}

/** A started worker and the batches it has not answered yet. */
interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

/** A `FileLedger` whose `chargeMany` runs in a worker thread (see the module rules). */
export class ThreadedFileLedger implements BudgetLedger {
  private readonly local: FileLedger;
  private thread: Promise<Thread> | undefined;
  private nextId = 0;
  private closed = false;

  /** @param options - the state folder (`home`), as `FileLedger`'s. */
  constructor(private readonly options: { readonly home: string; readonly lockTimeoutMs?: number }) {
    this.local = new FileLedger(options);
  }

  /** The journal folder (as `FileLedger.location`). */
  get location(): string {
    return this.local.location;
  }

  private start(): Promise<Thread> {
    const workerData = { home: this.options.home, ...(this.options.lockTimeoutMs ? { lockTimeoutMs: this.options.lockTimeoutMs } : {}) };
    // Under a TypeScript runner (tests, tsx) this module is a .ts file: the worker registers tsx's loader first.
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./ledger-worker.ts', import.meta.url).href)}); });`,
          { eval: true, workerData },
        )
      : new Worker(new URL('./ledger-worker.js', import.meta.url), { workerData });
    const thread: Thread = { worker, pending: new Map() };
    const started = new Promise<Thread>((resolve, reject) => {
      worker.once('message', () => resolve(thread)); // { ready }
      worker.once('error', () => reject(new DpError('INTERNAL', 'the ledger worker failed to start', {})));
    });
    // This worker's unanswered batches fail with it (nothing of them was answered); the next batch starts another.
    const fail = (why: string) => {
      if (this.thread === started) this.thread = undefined;
      const e = new DpError('INTERNAL', `the ledger worker ${why}`, {});
      for (const p of thread.pending.values()) p.reject(e);
      thread.pending.clear();
    };
    worker.on('message', (m: { ready?: true; id?: number; results?: unknown; failure?: unknown; decided?: unknown; durable?: true }) => {
      if (m.id === undefined) return;
      const p = thread.pending.get(m.id);
      if (!p) return;
      if (m.decided !== undefined) {
        p.announced = fromWire(m.decided);
        p.decided?.(p.announced);
        return;
      }
      thread.pending.delete(m.id);
      if (m.failure !== undefined) p.reject(fromWire(m.failure));
      else if (m.durable === true) {
        if (p.announced === undefined) p.reject(new DpError('INTERNAL', 'the ledger worker made durable a batch it had not announced', {}));
        else p.resolve(p.announced);
      } else p.resolve(fromWire(m.results));
      if (thread.pending.size === 0) worker.unref();
    });
    worker.on('error', () => fail('failed'));
    worker.on('exit', () => fail('stopped'));
    return started;
  }

  /**
   * Group commit in the worker: as `FileLedger.chargeMany`, off this thread.
   * @param items - the charges of one data set.
   * @param onDecided - the outcomes once written, before the fsync (rule 6; `FileLedger.chargeMany`'s).
   * @returns per item its status after the charge or the DpError that refused it, once the batch is durable.
   * @throws DpError as `FileLedger.chargeMany`; INTERNAL when the worker dies (nothing of the batch answered) or the
   *   ledger is closed.
   */
  async chargeMany(items: readonly ChargeRequest[], onDecided?: (decided: Outcome) => void): Promise<Outcome> {
    if (this.closed) throw new DpError('INTERNAL', 'the ledger is closed', {});
    return (await this.ask({ items }, onDecided ? (d) => onDecided(d as Outcome) : undefined)) as Outcome;
  }

  /** Posts one request to the worker (started if need be) and waits for its answer (`decided`: rule 6). */
  private async ask(request: Request, decided?: (r: unknown) => void): Promise<unknown> {
    const starting = this.thread ?? this.start();
    this.thread = starting;
    let thread: Thread;
    try {
      thread = await starting;
    } catch (e) {
      if (this.thread === starting) this.thread = undefined;
      throw e;
    }
    const id = this.nextId++;
    const done = new Promise<unknown>((resolve, reject) => thread.pending.set(id, { resolve, reject, ...(decided ? { decided } : {}) }));
    thread.worker.ref(); // a batch in flight keeps the process alive
    thread.worker.postMessage({ id, ...(toWire(request) as object) });
    return done;
  }

  charge(scope: LedgerScope, cost: ExactLoss, memo: string): Promise<LedgerStatus> {
    return this.local.charge(scope, cost, memo);
  }

  /** The balance: from the worker's totals once it runs (rule 5), else from this thread's ledger. */
  async status(scope: LedgerScope): Promise<LedgerStatus> {
    if (this.closed || this.thread === undefined) return this.local.status(scope);
    return (await this.ask({ status: scope })) as LedgerStatus;
  }

  entries(dataset: string) {
    return this.local.entries(dataset);
  }

  pins(dataset: string): Promise<readonly LedgerPin[]> {
    return this.local.pins(dataset);
  }

  /** Stops the worker (the group commit has had every batch answered before the server closes its ledger). */
  async close(): Promise<void> {
    this.closed = true;
    const t = this.thread;
    if (t) await this.ask({ close: true }).catch(() => {}); // the worker writes the total files it owes (rule 5)
    this.thread = undefined;
    if (t) await (await t.catch(() => undefined))?.worker.terminate();
    await this.local.close();
  }
}
