/**
 * The two-step charge (stop 26; src/server/group-commit.ts rule 5, journal.ts rule 2's exception): a query's
 * statements may start once its charge is decided and written, before the batch's fsync, but nothing of it — answer
 * or error — is released before the batch is durable; a refusal runs nothing and records nothing; a failed fsync
 * after the decision releases nothing and refunds nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { BudgetLedger, ChargeRequest, LedgerScope, LedgerStatus } from '../../src/ledger/ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';
import { ThreadedFileLedger } from '../../src/server/threaded-ledger.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits } from '../sql/data.js';
import { visitsSchema } from '../sql/fixtures.js';

const home = () => mkdtempSync(join(tmpdir(), 'tsdp-early-charge-'));
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

/**
 * A ledger whose batches are decided and written by a real FileLedger, then announced (`onDecided`), then made
 * "durable" only after `gateTicks` turns — or failed then, as a failed fsync after the decision.
 */
class GatedLedger implements BudgetLedger {
  readonly batches: string[][] = [];
  constructor(
    private readonly inner: FileLedger,
    private readonly gateTicks: number,
    private readonly fail: boolean,
    private readonly log: string[],
  ) {}
  async chargeMany(items: readonly ChargeRequest[], onDecided?: (d: readonly (LedgerStatus | DpError)[]) => void) {
    const out = await this.inner.chargeMany(items);
    const b = this.batches.length;
    this.batches.push(items.map((i) => i.memo));
    onDecided?.(out);
    await ticks(this.gateTicks);
    this.log.push(`durable:${b}`);
    if (this.fail) throw new DpError('INTERNAL', 'the budget journal could not be made durable (test)', { state: 'unsynced' });
    return out;
  }
  charge(scope: LedgerScope, cost: Parameters<BudgetLedger['charge']>[1], memo: string) {
    return this.inner.charge(scope, cost, memo);
  }
  status(scope: LedgerScope) {
    return this.inner.status(scope);
  }
  entries(dataset: string) {
    return this.inner.entries(dataset);
  }
  async close() {}
}

describe('the two-step charge (decided, then durable)', () => {
  let duck: DuckDbEngine;
  beforeAll(async () => {
    duck = await duckdbWithVisits();
  });
  afterAll(async () => {
    await duck.close();
  });

  /** The engine of query `i`: logs when its statements run, after `delay` turns. */
  const engineOf = (i: number, delay: number, log: string[]): SqlEngine => ({
    dialect: duck.dialect,
    catalog: (t) => duck.catalog(t),
    query: async (s) => {
      log.push(`run:${i}`);
      await ticks(delay);
      return duck.query(s);
    },
    close: async () => {},
  });

  // Class: concurrent queries (1–6) whose charges are accepted or refused (a cap of 1–6 sixths, each query costing
  // 1–2 sixths), statements that take 0–4 turns, batches made durable after 0–6 turns or failing then. Rules checked:
  // an accepted query settles only after its batch's `durable` event, fulfilled iff the batch was made durable, and
  // its failure is the ledger's error; a refused query runs no statement and is BUDGET_EXHAUSTED; a failed batch's
  // records stay in the journal (not refunded); the answers equal a one-step charge's with the same seed.
  it('releases nothing before its batch is durable, nothing when the fsync fails, and runs nothing refused (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ sixths: fc.integer({ min: 1, max: 2 }), delay: fc.integer({ min: 0, max: 4 }) }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        async (cap, queries, gateTicks, fail) => {
          const schema = { ...visitsSchema(), budget: { epsilon: Rational.of(BigInt(cap), 6n), delta: Rational.of(1n, 100000n) } };
          const log: string[] = [];
          const file = new FileLedger({ home: home() });
          const gated = new GatedLedger(file, gateTicks, fail, log);
          const ledger = new GroupCommitLedger(gated);
          const sqlOf = (i: number) => `SELECT COUNT(*) AS n FROM visits WHERE day > ${i}`;
          const outcomes = await Promise.allSettled(
            queries.map((q, i) =>
              runDpSql({
                sql: sqlOf(i),
                schema,
                engine: engineOf(i, q.delay, log),
                ledger,
                epsilon: q.sixths / 6,
                delta: 0,
                rng: new SeededRandomSource(i + 1),
              }).finally(() => log.push(`settled:${i}`)),
            ),
          );
          const recorded = (await file.entries(schema.dataset)).map((e) => e.memo);
          for (const [i, o] of outcomes.entries()) {
            const batch = gated.batches.findIndex((b) => b.includes(sqlOf(i)));
            const accepted = recorded.includes(sqlOf(i));
            if (!accepted) {
              // Refused at the decision: nothing run, nothing recorded.
              expect(o.status).toBe('rejected');
              expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'BUDGET_EXHAUSTED' });
              expect(log).not.toContain(`run:${i}`);
              continue;
            }
            expect(batch).toBeGreaterThanOrEqual(0);
            // Released (either way) only after its batch's durable event.
            expect(log.indexOf(`settled:${i}`)).toBeGreaterThan(log.indexOf(`durable:${batch}`));
            if (fail) {
              expect(o.status).toBe('rejected');
              expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'INTERNAL', details: { state: 'unsynced' } });
            } else {
              expect(o.status).toBe('fulfilled');
            }
          }
          // Whatever failed, every accepted charge is still in the journal: nothing refunded.
          expect(recorded.length).toBe(outcomes.filter((_, i) => recorded.includes(sqlOf(i))).length);
        },
      ),
      { numRuns: 40, seed: 2626 },
    );
  }, 120_000);

  it('the statements run while the batch is not yet durable (the overlap), and the answer is the one-step answer', async () => {
    const log: string[] = [];
    const gated = new GatedLedger(new FileLedger({ home: home() }), 20, false, log);
    const schema = visitsSchema();
    const sql = 'SELECT region, COUNT(*) AS n FROM visits GROUP BY region';
    const two = await runDpSql({
      sql,
      schema,
      engine: engineOf(0, 0, log),
      ledger: new GroupCommitLedger(gated),
      epsilon: 1,
      rng: new SeededRandomSource(7),
    });
    expect(log.indexOf('run:0')).toBeLessThan(log.indexOf('durable:0'));
    const one = await runDpSql({
      sql,
      schema,
      engine: duck,
      ledger: new FileLedger({ home: home() }),
      epsilon: 1,
      rng: new SeededRandomSource(7),
    });
    expect(two.rows).toEqual(one.rows);
    expect(two.loss.epsilon.toString()).toBe(one.loss.epsilon.toString());
  }, 60_000);

  it('FileLedger: a failed fsync after the decision keeps the records (never refunded); before it, nothing is recorded', async () => {
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
    const cost = { epsilon: Rational.of(1n, 10n), delta: Rational.ZERO, rho: Rational.ZERO };
    const dir = home();
    let failing = false;
    const ledger = new FileLedger({
      home: dir,
      sync: (fd) => {
        if (failing) throw new Error('EIO (test)');
        void fd;
      },
    });
    await ledger.charge(scope, cost, 'first');
    failing = true;
    let decided: readonly (LedgerStatus | DpError)[] | undefined;
    await expect(ledger.chargeMany([{ scope, cost, memo: 'announced' }], (d) => (decided = d))).rejects.toMatchObject({
      code: 'INTERNAL',
      details: { state: 'unsynced' },
    });
    expect(decided?.length).toBe(1);
    // Without the announcement (the one-step charge), the failed append is undone as before (journal.ts rule 2).
    await expect(ledger.chargeMany([{ scope, cost, memo: 'unannounced' }])).rejects.toMatchObject({ code: 'INTERNAL' });
    failing = false;
    const fresh = new FileLedger({ home: dir });
    expect((await fresh.entries('d')).map((e) => e.memo)).toEqual(['first', 'announced']);
    // And the balance counts it: 1 − 2/10 remains.
    expect((await fresh.status(scope)).dataset.remaining.epsilon.toString()).toBe(Rational.of(4n, 5n).toString());
  });

  it('ThreadedFileLedger: the worker announces a batch decided before its result, with the same outcomes', async () => {
    const t = new ThreadedFileLedger({ home: home() });
    try {
      const scope: LedgerScope = { dataset: 'w', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
      const cost = (n: bigint) => ({ epsilon: Rational.of(n, 10n), delta: Rational.ZERO, rho: Rational.ZERO });
      const items = [6n, 6n, 3n].map((n, i) => ({ scope, cost: cost(n), memo: `m${i}` }));
      const events: string[] = [];
      let decided: readonly (LedgerStatus | DpError)[] = [];
      const results = await t.chargeMany(items, (d) => {
        events.push('decided');
        decided = d;
      });
      events.push('result');
      expect(events).toEqual(['decided', 'result']);
      const show = (r: LedgerStatus | DpError) => (r instanceof DpError ? r.code : r.dataset.remaining.epsilon.toString());
      expect(decided.map(show)).toEqual(results.map(show));
      expect(results.map(show)).toEqual(['2/5', 'BUDGET_EXHAUSTED', '1/10']);
    } finally {
      await t.close();
    }
  }, 60_000);
});
