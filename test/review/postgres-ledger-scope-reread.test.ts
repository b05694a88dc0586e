/**
 * Review session 6, finding S21 (issue 10 class 12 "every public entry validates once at the edge" — the S7 rule
 * "read once, totally"; consequence: overspend of a data set's cap).
 *
 * `FileLedger.charge` snapshots its scope first (`readScope`, trust bfadc3d). `PostgresLedger.charge` does not: it
 * reads `scope.dataset` again for each statement of the transaction — the row it locks, the spends it sums, the pins
 * it reads, the row it inserts. A scope whose `dataset` getter names another (empty) data set on the one read that
 * feeds the spends' sum is decided against nothing spent and recorded against the real data set: a data set whose
 * cap ε = 1 is spent accepts another ε = 1.
 *
 * Severity low: the caller of `PostgresLedger.charge` is in-process (runDpSql builds a plain scope literal), but
 * the ledger is a public class of `tsdp/sql` and this is the class the sweep exists for (test/core/
 * instance-method-sweep.test.ts cannot reach it: it needs a server).
 *
 * Rule: `PostgresLedger.charge`/`status` take the same `readScope` snapshot as the FileLedger, before any await.
 * Owner: trust (src/ledger/postgres-ledger.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerScope } from '../../src/ledger/ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const schema = `review_scope_${process.pid}`;
const one = { epsilon: Rational.ONE, delta: Rational.ZERO, rho: Rational.ZERO };
const cap = { epsilon: Rational.ONE, delta: Rational.ZERO };
const ledger = new PostgresLedger(postgresTestUrl(), { schema });

afterAll(async () => {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: postgresTestUrl() });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
  await ledger.close();
});

/** A scope naming `victim` on every read of `dataset` except the `k`-th, which names a fresh, empty data set. */
function shiftyScope(victim: string, k: number): LedgerScope {
  let reads = 0;
  return {
    get dataset() {
      reads++;
      return reads === k ? `${victim}_elsewhere` : victim;
    },
    cap,
  } as LedgerScope;
}

describe('review S21: PostgresLedger.charge re-reads its scope', () => {
  it.fails('BUG S21 (class 12 / overspend): a data set with cap ε = 1, already spent, accepts ε = 1 more through a scope whose dataset getter changes once', async () => {
    const accepted: number[] = [];
    for (let k = 1; k <= 8; k++) {
      const victim = `victim${k}`;
      await ledger.charge({ dataset: victim, cap }, one, 'SELECT 1'); // the cap is spent
      try {
        await ledger.charge(shiftyScope(victim, k), one, 'SELECT 2');
        accepted.push(k);
      } catch {
        // refused: as it must be
      }
    }
    // Every one of these charges must be refused (the data set's cap is spent); with the bug some read order lets one through.
    expect(accepted).toEqual([]);
  });

  it('control: the same charges through a plain scope are refused BUDGET_EXHAUSTED', async () => {
    await ledger.charge({ dataset: 'plain', cap }, one, 'SELECT 1');
    await expect(ledger.charge({ dataset: 'plain', cap }, one, 'SELECT 2')).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
  });
});
