/**
 * Review session 6, re-attack of S21's class (issue 10 class 12 "read once at the edge"; a stated/recorded spend
 * different from the one decided): a cost object whose `epsilon` getter returns 1/2 on its first read and 0 on every
 * later read. Each ledger must decide AND record the same amount: after the charge, the ledger's own status must say
 * 1/2 was spent (and a second such charge under a cap of 3/4 must be refused). Members: FileLedger.charge,
 * FileLedger.chargeMany, PostgresLedger.charge.
 *
 * On main 8f4f98f all three record 0 and accept the second charge (1/2 + 1/2 under a cap of 3/4): `checkExactLoss`
 * reads each field twice (once to check, once to return), and the ledgers re-read the caller's object again when they
 * plan, journal and total. Severity low (an in-process caller cheating its own ledger; runDpSql passes a plain object),
 * the class is S21's. Rule: the ledgers take ONE snapshot of the cost (`checkExactLoss`'s return value, each field read
 * once) and use only it to decide, journal and total.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExactLoss } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { BudgetLedger, LedgerStatus } from '../../src/ledger/ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const home = mkdtempSync(join(tmpdir(), 'review-cost-once-'));
const pgSchema = `review_cost_once_${process.pid}`;
afterAll(async () => {
  rmSync(home, { recursive: true, force: true });
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: postgresTestUrl() });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
  await c.end();
});

/** A cost whose ε reads 1/2 the first time and 0 afterwards. */
function shiftyCost(): ExactLoss {
  let reads = 0;
  return {
    get epsilon() {
      return reads++ === 0 ? Rational.of(1n, 2n) : Rational.ZERO;
    },
    delta: Rational.ZERO,
    rho: Rational.ZERO,
  } as ExactLoss;
}

const cap = { epsilon: Rational.of(3n, 4n), delta: Rational.ZERO };

async function twoCharges(
  ledger: BudgetLedger,
  dataset: string,
  charge: (c: ExactLoss) => Promise<LedgerStatus>,
): Promise<{ spentAfterFirst: string; second: string }> {
  await charge(shiftyCost());
  const spentAfterFirst = (await ledger.status({ dataset, cap })).dataset.spent.epsilon.toString();
  let second: string;
  try {
    await charge(shiftyCost());
    second = 'accepted';
  } catch (e) {
    second = String((e as { code?: unknown }).code);
  }
  return { spentAfterFirst, second };
}

describe('review: each ledger decides and records the amount it read once', () => {
  it('regression, was BUG S21b (class 12): FileLedger.charge', async () => {
    const ledger = new FileLedger({ home, lockTimeoutMs: 5_000 });
    const r = await twoCharges(ledger, 'a', (c) => ledger.charge({ dataset: 'a', cap }, c, 'q'));
    await ledger.close();
    expect(r).toEqual({ spentAfterFirst: '1/2', second: 'BUDGET_EXHAUSTED' });
  });

  it('regression, was BUG S21b (class 12): FileLedger.chargeMany', async () => {
    const ledger = new FileLedger({ home, lockTimeoutMs: 5_000 });
    const r = await twoCharges(ledger, 'b', async (c) => {
      const [s] = await ledger.chargeMany([{ scope: { dataset: 'b', cap }, cost: c, memo: 'q' }]);
      if (s instanceof Error) throw s;
      return s as LedgerStatus;
    });
    await ledger.close();
    expect(r).toEqual({ spentAfterFirst: '1/2', second: 'BUDGET_EXHAUSTED' });
  });

  it('regression, was BUG S21b (class 12): PostgresLedger.charge', async () => {
    const ledger = new PostgresLedger(postgresTestUrl(), { schema: pgSchema });
    const r = await twoCharges(ledger, 'c', (c) => ledger.charge({ dataset: 'c', cap }, c, 'q'));
    await ledger.close();
    expect(r).toEqual({ spentAfterFirst: '1/2', second: 'BUDGET_EXHAUSTED' });
  });
});
