/**
 * Review stop 26 (review-server) of 9f71ca4 / 562ba48 — the two-step charge (group-commit.ts rule 5, journal.ts
 * rule 2's exception): statements start once the charge is decided and written, the answer leaves only once durable.
 *
 * Class explored here, on the REAL path (FileLedger.chargeMany → appendDurably's `written` → the injected fsync,
 * in process, under GroupCommitLedger and runDpSql over DuckDB), beyond the engineer's gated fake:
 * - an after-charge failure whose occurrence stands for the data (the engine throws ENGINE_ERROR for some queries)
 *   combined with a failed fsync: the outcome must be the ledger's error, the SAME error whatever the statements did
 *   (code, message, details) — a failed fsync must not let the data choose the error;
 * - failed fsyncs of some batches, then further batches on the SAME FileLedger instance: the kept records must count
 *   in every later decision (no refund in memory either: the running totals are checked against the journal's
 *   length), so the journal's total never passes the cap and a fresh reader agrees with it;
 * - a refused charge runs no statement and records nothing.
 * Seeded fast-check (seed 2626_26); deterministic (no statistics): failure probability 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits } from '../sql/data.js';
import { visitsSchema } from '../sql/fixtures.js';

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('review-server: the two-step charge on the real FileLedger path', () => {
  let duck: DuckDbEngine;
  beforeAll(async () => {
    duck = await duckdbWithVisits();
  });
  afterAll(async () => {
    await duck.close();
  });

  it('a failed fsync gives one data-independent error, refunds nothing in memory, and never lets the journal pass the cap (fast-check)', async () => {
    const covered = { failedAccepted: 0, failedWithEngineError: 0, laterBatchAfterFailure: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ sixths: fc.integer({ min: 1, max: 2 }), delay: fc.integer({ min: 0, max: 3 }), engineFails: fc.boolean() }), {
          minLength: 1,
          maxLength: 7,
        }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 3 }),
        async (cap, queries, failSync, stagger) => {
          const schema = { ...visitsSchema(), budget: { epsilon: Rational.of(BigInt(cap), 6n), delta: Rational.of(1n, 100000n) } };
          const dir = mkdtempSync(join(tmpdir(), 'tsdp-review-server-early-'));
          let syncs = 0;
          const failedBatches: number[] = [];
          const file = new FileLedger({
            home: dir,
            sync: () => {
              const b = syncs++;
              if (failSync[b % failSync.length]) {
                failedBatches.push(b);
                throw new Error('EIO (test)');
              }
            },
          });
          // The memos of each batch whose fsync failed (batches are written one after another per data set).
          const failedMemos = new Set<string>();
          const ledger = new GroupCommitLedger({
            charge: (scope, cost, memo) => file.charge(scope, cost, memo),
            chargeMany: async (items, onDecided) => {
              const before = failedBatches.length;
              try {
                return await file.chargeMany(items, onDecided);
              } finally {
                if (failedBatches.length > before) for (const it of items) failedMemos.add(it.memo);
              }
            },
            status: (scope) => file.status(scope),
            entries: (dataset) => file.entries(dataset),
            close: async () => {},
          });
          const ran: number[] = [];
          const engineOf = (i: number, q: (typeof queries)[number]): SqlEngine => ({
            dialect: duck.dialect,
            catalog: (t) => duck.catalog(t),
            query: async (s) => {
              ran.push(i);
              await ticks(q.delay);
              // Stands for an after-charge failure that the rows decide (the class the fsync failure must mask).
              if (q.engineFails) throw new DpError('ENGINE_ERROR', 'the statement failed (test)', { engine: 'duckdb' });
              return duck.query(s);
            },
            close: async () => {},
          });
          const sqlOf = (i: number) => `SELECT COUNT(*) AS n FROM visits WHERE day > ${i}`;
          const outcomes = await Promise.allSettled(
            queries.map(async (q, i) => {
              // Some queries arrive a few turns later: several batches, some after a failed one.
              await ticks(i % (stagger + 1));
              return runDpSql({
                sql: sqlOf(i),
                schema,
                engine: engineOf(i, q),
                ledger,
                epsilon: q.sixths / 6,
                delta: 0,
                rng: new SeededRandomSource(i + 1),
              });
            }),
          );
          const entries = await file.entries(schema.dataset);
          const recorded = entries.map((e) => e.memo);
          const unsyncedErrors: string[] = [];
          for (const [i, o] of outcomes.entries()) {
            if (!recorded.includes(sqlOf(i))) {
              expect(o.status).toBe('rejected');
              expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'BUDGET_EXHAUSTED' });
              expect(ran).not.toContain(i);
              continue;
            }
            if (failedMemos.has(sqlOf(i))) {
              // Its batch's fsync failed: nothing released, and the ledger's error whatever the statements did.
              expect(o.status).toBe('rejected');
              const e = (o as PromiseRejectedResult).reason as DpError;
              expect(e.code).toBe('INTERNAL');
              expect(e.details).toMatchObject({ state: 'unsynced' });
              unsyncedErrors.push(JSON.stringify({ code: e.code, message: e.message, details: e.details }));
            } else if (queries[i]?.engineFails) {
              // Durable, and the statements failed: the after-charge error as before.
              expect(o.status).toBe('rejected');
              expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'ENGINE_ERROR' });
            } else {
              expect(o.status).toBe('fulfilled');
            }
          }
          // One error for every query of a failed batch, whether its statements succeeded or failed.
          expect(new Set(unsyncedErrors).size).toBeLessThanOrEqual(1);
          if (failedBatches.length === 0) expect(unsyncedErrors).toEqual([]);
          covered.failedAccepted += unsyncedErrors.length;
          covered.failedWithEngineError += outcomes.filter((_, i) => failedMemos.has(sqlOf(i)) && queries[i]?.engineFails).length;
          covered.laterBatchAfterFailure += failedBatches.some((b) => b < syncs - 1) ? 1 : 0;
          // Nothing refunded, in memory or on disk: the kept records counted in every later decision.
          const spent = entries.reduce((s, e) => s.add(e.epsilon), Rational.ZERO);
          expect(spent.le(schema.budget.epsilon)).toBe(true);
          const fresh = new FileLedger({ home: dir });
          const left = (await fresh.status({ dataset: schema.dataset, cap: schema.budget })).dataset.remaining.epsilon;
          expect(left.toString()).toBe(schema.budget.epsilon.sub(spent).toString());
        },
      ),
      { numRuns: 40, seed: 262_626 },
    );
    // The class was reached: failed batches with accepted queries, some whose statements failed, and batches decided
    // after a failed one on the same instance.
    expect(covered.failedAccepted).toBeGreaterThan(0);
    expect(covered.failedWithEngineError).toBeGreaterThan(0);
    expect(covered.laterBatchAfterFailure).toBeGreaterThan(0);
  }, 180_000);
});
