/**
 * The worker-thread side of `ThreadedFileLedger` (`threaded-ledger.ts`): a
 * `FileLedger` over the same state folder, running each batch of charges
 * (`chargeMany`: lock, check, one append, one fsync, the running total) on its
 * own thread and posting the results back only once the batch is durable.
 * Messages: `{ id, items }`, `{ id, status }` or `{ id, close }` in (ledger values as structured clones),
 * `{ id, results }` or `{ id, failure }` out — for a batch first `{ id, decided }` once its records are written
 * (before the fsync: stop 26, `threaded-ledger.ts` rule 6), then `{ id, durable: true }` in place of its results; `threaded-ledger.ts` revives
 * Rationals and DpErrors on both sides.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DpError } from '../core/errors.js';
import { FileLedger } from '../ledger/file-ledger.js';
import type { ChargeRequest, LedgerScope } from '../ledger/ledger.js';
import { fromWire, toWire } from './ledger-wire.js';

const port = parentPort;
if (port) {
  const ledger = new FileLedger(workerData as { home: string; lockTimeoutMs?: number });
  // One batch at a time, in the order they were posted (the group commit sends the next only after this one returns).
  let chain: Promise<void> = Promise.resolve();
  // A request is a batch (`items`), a balance (`status`: this instance's totals in memory are the current ones) or
  // `close` (write the total files this instance still owes; threaded-ledger.ts rule 5).
  port.on('message', (m: { id: number; items?: unknown; status?: unknown; close?: true }) => {
    chain = chain.then(async () => {
      try {
        let announced = false;
        const results =
          m.close === true
            ? await ledger.close()
            : m.status !== undefined
              ? await ledger.status(fromWire(m.status) as LedgerScope)
              : await ledger.chargeMany(fromWire(m.items) as ChargeRequest[], (decided) => {
                  // Written, not yet fsynced (stop 26): the statements may start; nothing is released before `durable`.
                  announced = true;
                  port.postMessage({ id: m.id, decided: toWire(decided) });
                });
        // A batch announced already: its results are the announced outcomes (the same array), so only `durable` is sent.
        port.postMessage(announced ? { id: m.id, durable: true } : { id: m.id, results: toWire(results ?? null) });
      } catch (e) {
        const failure = e instanceof DpError ? e : new DpError('INTERNAL', 'the ledger failed to record a batch', {});
        port.postMessage({ id: m.id, failure: toWire(failure) });
      }
    });
  });
  port.postMessage({ ready: true });
}
