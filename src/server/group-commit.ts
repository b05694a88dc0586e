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
 * Batching adds no wait: a batch is what arrived while the previous one was
 * being written, plus what arrives in the same event-loop turn (setImmediate).
 * A ledger without `chargeMany` (PostgreSQL) is charged one by one.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { ExactLoss } from '../core/exact-loss.js';
import type { BudgetLedger, ChargeRequest, LedgerScope, LedgerStatus } from '../ledger/ledger.js';

interface Pending {
  readonly request: ChargeRequest;
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
    return new Promise<LedgerStatus>((resolve, reject) => {
      const q = this.queues.get(scope.dataset);
      const pending = { request: { scope, cost, memo }, resolve, reject };
      if (q) {
        q.push(pending);
        return;
      }
      this.queues.set(scope.dataset, [pending]);
      void this.drain(scope.dataset);
    });
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
        const results = await chargeMany(batch.map((p) => p.request));
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
