/**
 * Group commit of ledger charges: the charges of concurrent queries on one
 * data set are recorded together, with one durable write (one fsync) for the
 * batch (`FileLedger.chargeMany`), instead of one fsync each.
 *
 * Rules (each keeps a guarantee of the one-by-one path):
 * 1. **Never answer before the charge is durable**: a query's `charge` promise
 *    settles only after `chargeMany` returned, i.e. after the batch's append
 *    was fsynced; runDpSql touches the data only after it settles.
 * 2. **Budgets stay exact under concurrency**: the ledger decides the batch's
 *    charges one after another against the totals the earlier ones leave, under
 *    the data set's lock (the same `planCharge`), so a batch accepts exactly what
 *    the same charges in the same order made one by one would, and a cap is
 *    never overshot by racing requests (test/server/load.test.ts,
 *    test/server/group-commit.test.ts).
 * 3. **A refusal records nothing**: a refused charge's DpError is its own
 *    result; the others of the batch are unaffected. A failure of the write
 *    itself fails every charge of the batch (nothing of it was recorded).
 * 4. **Nothing is lost on kill -9**: a batch is one append followed by one
 *    fsync; a kill before the fsync returns has answered none of it
 *    (test/server/group-commit.test.ts kills a child mid-batch).
 * 5. **Decided early, released durable** (stop 26, `chargeEarly`): a query may start its statements once its charge
 *    is decided and its record written — before the batch's fsync — so DuckDB's work overlaps the fsync instead of
 *    following it; its answer (or error) is released only once the batch is durable (`runDpSql` waits for both).
 *    A refusal is known at the decision and records nothing, as before. A failed fsync after the decision keeps the
 *    records (journal.ts rule 2's exception: the data may already have been read, so the charge is never refunded)
 *    and fails every query of the batch: nothing of it is released. A write that fails before the decision fails the
 *    batch as rule 3 says (nothing recorded, nothing run).
 * Batching adds no wait: a batch is what arrived while the previous one was
 * being written, plus what arrives in the same event-loop turn (setImmediate).
 * A ledger without `chargeMany` (PostgreSQL) is charged one by one.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { ExactLoss } from '../core/exact-loss.js';
import type { BudgetLedger, ChargeRequest, EarlyCharge, LedgerScope, LedgerStatus } from '../ledger/ledger.js';

interface Pending {
  readonly request: ChargeRequest;
  /** The item's outcome once its batch is written, before the fsync (rule 5; `chargeEarly` only). */
  readonly decided?: (r: LedgerStatus | DpError) => void;
  /** The item's status once its batch is durable. */
  readonly resolve: (s: LedgerStatus) => void;
  readonly reject: (e: unknown) => void;
}

/** The most charges one durable write records. */
const MAX_BATCH = 256;

/** A ledger whose charges of one data set are group-committed (see the module rules). */
export class GroupCommitLedger implements BudgetLedger {
  private readonly queues = new Map<string, Pending[]>();
  /** Batches written (for the benchmark and tests). */
  batches = 0;
  /** Charges written through batches. */
  batched = 0;

  /** @param inner - the durable ledger (its `chargeMany` records a batch with one fsync). */
  constructor(private readonly inner: BudgetLedger) {}

  /**
   * Charges `cost`, durably, with the other charges of the same data set waiting now.
   * @returns the status after the charge, once the batch holding it is durable.
   * @throws DpError as the ledger's `charge` (BUDGET_EXHAUSTED, DOMAIN_MISMATCH, INVALID_PARAMETER, INTERNAL).
   */
  charge(scope: LedgerScope, cost: ExactLoss, memo: string): Promise<LedgerStatus> {
    if (!this.inner.chargeMany) return this.inner.charge(scope, cost, memo);
    return new Promise<LedgerStatus>((resolve, reject) => this.enqueue({ request: { scope, cost, memo }, resolve, reject }));
  }

  /**
   * Charges `cost` in two steps (rule 5): settles once the batch holding it is decided and written, with `durable`,
   * which settles once the batch is durable. A ledger without `chargeMany` is charged whole (`durable` resolved).
   * @returns the status after the charge and `durable` (rejects with the batch's error when the fsync failed: the
   *   charge stands, nothing may be released).
   * @throws DpError as `charge`, at the decision (a refusal records nothing).
   */
  chargeEarly(scope: LedgerScope, cost: ExactLoss, memo: string): Promise<EarlyCharge> {
    if (!this.inner.chargeMany) return this.inner.charge(scope, cost, memo).then((status) => ({ status, durable: Promise.resolve() }));
    return new Promise<EarlyCharge>((early, refuse) => {
      let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
      const durable = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      durable.catch(() => {}); // the caller awaits it; a refused charge's is never awaited
      let decided = false;
      this.enqueue({
        request: { scope, cost, memo },
        decided: (r) => {
          decided = true;
          if (r instanceof DpError) refuse(r);
          else early({ status: r, durable });
        },
        resolve: (status) => {
          if (!decided) early({ status, durable });
          settle?.resolve();
        },
        reject: (e) => {
          if (!decided) refuse(e);
          settle?.reject(e);
        },
      });
    });
  }

  /** Queues a charge on its data set's queue, starting the drain when it was empty. */
  private enqueue(pending: Pending): void {
    const dataset = pending.request.scope.dataset;
    const q = this.queues.get(dataset);
    if (q) {
      q.push(pending);
      return;
    }
    this.queues.set(dataset, [pending]);
    void this.drain(dataset);
  }

  /** Writes the data set's queue in batches until it is empty. */
  private async drain(dataset: string): Promise<void> {
    const chargeMany = this.inner.chargeMany?.bind(this.inner);
    if (!chargeMany) return;
    for (;;) {
      // What arrives in this turn of the event loop joins the batch.
      await new Promise<void>((r) => setImmediate(r));
      const q = this.queues.get(dataset) ?? [];
      const batch = q.splice(0, MAX_BATCH);
      if (batch.length === 0) {
        this.queues.delete(dataset);
        return;
      }
      try {
        const results = await chargeMany(
          batch.map((p) => p.request),
          (decided) => {
            batch.forEach((p, i) => {
              const r = decided[i];
              if (r !== undefined) p.decided?.(r);
            });
          },
        );
        this.batches++;
        this.batched += batch.length;
        batch.forEach((p, i) => {
          const r = results[i];
          if (r instanceof DpError) p.reject(r);
          else if (r) p.resolve(r);
          else p.reject(new DpError('INTERNAL', 'a batched charge without its result', {}));
        });
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
  }

  status(scope: LedgerScope): Promise<LedgerStatus> {
    return this.inner.status(scope);
  }

  entries(dataset: string) {
    return this.inner.entries(dataset);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}
