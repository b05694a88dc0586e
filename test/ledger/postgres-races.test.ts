/**
 * PostgreSQL ledger races (issue 10, trustdata): concurrent charges from several connections and processes
 * against one data set never overspend its cap, and a crash between the charge and the answer leaves the charge
 * recorded. The rule (src/ledger/postgres-ledger.ts header): a charge is one READ COMMITTED transaction that takes
 * the data set's row lock (`SELECT … FOR UPDATE`) before it reads the spends, decides and inserts, and commits before
 * the caller gets its receipt; the isolation level is pinned by the charge itself, so a server, database or role
 * default (`default_transaction_isolation = 'repeatable read'`, whose snapshot would be taken before the lock) can
 * not open a check-then-act window; nothing is ever retried after a COMMIT was sent (no double charge).
 *
 * Generative (fast-check, fixed seed): 2–5 ledgers (each its own pool: separate server backends, as separate
 * processes are) charge random exact fractions concurrently under each isolation default; the sum of the
 * accepted charges is ≤ the cap (exact rationals), every accepted charge is in the table, and nothing refused is.
 * Crash: child processes charging concurrently are SIGKILLed at random moments; every charge a child reported as
 * accepted is in the table, and the table's total is ≤ the cap.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = resolve(import.meta.dirname, 'pg-race-child.ts');
const cap = { epsilon: Rational.ONE, delta: Rational.ZERO };
let datasetNo = 0;
const nextDataset = () => `race${process.pid}x${Date.now().toString(36)}x${datasetNo++}`;

/** The test server's URL with a default isolation level for every transaction of its connections. */
function withIsolation(url: string, level: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c default_transaction_isolation=${level.replace(/ /g, '\\ ')}`);
  return u.toString();
}

const sum = (xs: readonly Rational[]) => xs.reduce((a, b) => a.add(b), Rational.ZERO);

describe('PostgreSQL ledger: concurrent charges never overspend; a committed charge survives a crash', () => {
  it('generative (fast-check, seed 20): N concurrent ledgers × random exact charges at a cap, under each default isolation level — Σ accepted ≤ cap exactly, each accepted charge recorded, nothing refused recorded', async () => {
    const url = postgresTestUrl();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          isolation: fc.constantFrom('read committed', 'repeatable read', 'serializable'),
          clients: fc.array(
            fc.array(fc.constantFrom('1/3', '1/4', '1/5', '1/7', '2/7', '1/10', '3/10', '1/2'), { minLength: 2, maxLength: 6 }),
            {
              minLength: 2,
              maxLength: 5,
            },
          ),
        }),
        async ({ isolation, clients }) => {
          const dataset = nextDataset();
          const ledgers = clients.map(() => new PostgresLedger(withIsolation(url, isolation)));
          try {
            const accepted: { memo: string; epsilon: Rational }[] = [];
            const refused: string[] = [];
            await Promise.all(
              clients.map(async (costs, c) => {
                for (const [i, f] of costs.entries()) {
                  const memo = `c${c} ${i}`;
                  const epsilon = Rational.parse(f);
                  try {
                    await (ledgers[c] as PostgresLedger).charge(
                      { dataset, cap },
                      { epsilon, delta: Rational.ZERO, rho: Rational.ZERO },
                      memo,
                    );
                    accepted.push({ memo, epsilon });
                  } catch (e) {
                    // BUDGET_EXHAUSTED; under SERIALIZABLE a serialization failure is ENGINE_ERROR (nothing charged).
                    if (!(e instanceof DpError) || !['BUDGET_EXHAUSTED', 'ENGINE_ERROR'].includes(e.code)) throw e;
                    refused.push(memo);
                  }
                }
              }),
            );
            expect(sum(accepted.map((a) => a.epsilon)).cmp(cap.epsilon)).toBeLessThanOrEqual(0);
            const entries = await (ledgers[0] as PostgresLedger).entries(dataset);
            expect(entries.map((e) => e.memo).sort()).toEqual(accepted.map((a) => a.memo).sort());
            expect(sum(entries.map((e) => e.epsilon)).equals(sum(accepted.map((a) => a.epsilon)))).toBe(true);
            for (const m of refused) expect(entries.some((e) => e.memo === m)).toBe(false);
          } finally {
            await Promise.all(ledgers.map((l) => l.close()));
          }
        },
      ),
      { numRuns: 8, seed: 20 },
    );
  }, 240_000);

  it('regression: default_transaction_isolation = repeatable read, two charges waiting on the row lock — the second sees the first (exactly one of two 1/2 charges fits)', async () => {
    const base = postgresTestUrl();
    const url = withIsolation(base, 'repeatable read');
    const dataset = nextDataset();
    const half = { epsilon: Rational.of(1n, 2n), delta: Rational.ZERO, rho: Rational.ZERO };
    const ledgers = [0, 1, 2].map(() => new PostgresLedger(url));
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    const watcher = new pg.Client({ connectionString: base });
    await watcher.connect();
    try {
      await ledgers[0]?.charge({ dataset, cap }, half, 'first'); // creates the data set's row and the schema
      // Hold the data set's row lock, so both charges start (and, under REPEATABLE READ, take their snapshot) first.
      await admin.query('BEGIN');
      await admin.query('SELECT dataset FROM tsdp_ledger.datasets WHERE dataset = $1 FOR UPDATE', [dataset]);
      const racing = [1, 2].map((i) => ledgers[i]?.charge({ dataset, cap }, half, `q${i}`) as Promise<unknown>);
      const settled = Promise.allSettled(racing);
      // Wait (by polling the server, no timer) until both charges are blocked on the row lock. pg_stat_activity is
      // snapshotted once per transaction, so it is read outside the admin's.
      for (let polls = 0; ; polls++) {
        if (polls > 100_000) throw new Error('the two charges never waited on the row lock');
        const { rows } = await watcher.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%' AND pid <> pg_backend_pid()",
        );
        if ((rows[0] as { n: number }).n >= 2) break;
      }
      await admin.query('COMMIT');
      const results = await settled;
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'BUDGET_EXHAUSTED' });
      expect((await ledgers[0]?.entries(dataset))?.length).toBe(2);
    } finally {
      await admin.end();
      await watcher.end();
      await Promise.all(ledgers.map((l) => l.close()));
    }
  }, 60_000);

  it('crash: child processes SIGKILLed at random moments while charging — every charge reported as accepted is recorded, the total ≤ cap (seed 21)', async () => {
    const url = postgresTestUrl();
    const dataset = nextDataset();
    // Fixed kill points (after k accepted charges of that child), drawn from a seeded generator.
    const killAfter = fc.sample(fc.integer({ min: 0, max: 4 }), { numRuns: 3, seed: 21 });
    const reported: string[] = [];
    await Promise.all(
      killAfter.map(
        (k) =>
          new Promise<void>((done, fail) => {
            const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, dataset, '1/20'], {
              cwd: ROOT,
              stdio: ['ignore', 'pipe', 'pipe'],
            });
            let seen = 0;
            let buffer = '';
            child.stdout.on('data', (d: Buffer) => {
              buffer += d.toString();
              const lines = buffer.split('\n');
              buffer = lines.pop() ?? '';
              for (const line of lines) {
                if (line.startsWith('OK ')) {
                  reported.push(line.slice(3));
                  if (++seen > k) child.kill('SIGKILL'); // lands during a later charge, at an arbitrary step
                }
              }
            });
            child.on('error', fail);
            child.on('close', () => done());
          }),
      ),
    );
    const ledger = new PostgresLedger(url);
    try {
      const entries = await ledger.entries(dataset);
      const memos = new Set(entries.map((e) => e.memo));
      for (const m of reported) expect(memos.has(m)).toBe(true);
      expect(sum(entries.map((e) => e.epsilon)).cmp(cap.epsilon)).toBeLessThanOrEqual(0);
      expect(reported.length).toBeGreaterThan(0);
      // A later charge is not blocked by a killed child's open transaction (its backend rolls back and unlocks).
      await ledger.charge({ dataset, cap }, { epsilon: Rational.of(1n, 1000n), delta: Rational.ZERO, rho: Rational.ZERO }, 'after');
      expect((await ledger.entries(dataset)).some((e) => e.memo === 'after')).toBe(true);
    } finally {
      await ledger.close();
    }
  }, 120_000);
});
