/**
 * Review finding (session 3, issue 10 classes 13 and 14 — "deep/huge queries" and "timing / denial of
 * service", another member; severity: crash / denial of service AFTER the charge): DP SQL releases every
 * combination of declared GROUP BY keys (even empty ones, SECURITY.md §8), and the number of combinations is
 * the PRODUCT of the keys' category counts — which nothing bounds. A short query over a few declared columns
 * (`GROUP BY g0, …, g7`, 100 categories each: 10¹⁶ combinations; or `GROUP BY a + 1, a + 2, a + 3, a + 4`
 * over an integer column bounded to [0, 999]: 10¹² integer keys) is planned and CHARGED in milliseconds, and
 * then the release loop runs synchronously in JavaScript: measured with four 100-category columns (10⁸ rows),
 * charged at 0.5 s and the event loop still blocked at 60 s; three columns (10⁶ rows) took 174 s. The engine's
 * statement timeout does not cover it; a server answering this query stops answering anyone, and the process
 * runs out of memory or never returns.
 *
 * Rule that closes the class: the number of released rows is computed from the plan before the charge (the
 * product of the declared key counts, and of expression keys) and bounded by a documented limit; above it the
 * query is refused (UNSUPPORTED_QUERY), nothing charged. Owner: sqlrun (plan/group-by.ts, budget-split.ts).
 *
 * The test never runs the release: its ledger rejects every charge with a marker, so a query that reaches the
 * charge fails with the marker instead of hanging.
 */
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import type { ExactLoss } from '../../src/core/exact-loss.js';
import type { BudgetLedger, LedgerEntry, LedgerStatus } from '../../src/ledger/ledger.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const REACHED = 'review: the query reached the charge';

/** A ledger that refuses every charge with a marker error (so nothing after the charge ever runs). */
class MarkerLedger implements BudgetLedger {
  charges = 0;
  async charge(_scope: unknown, _cost: ExactLoss): Promise<LedgerStatus> {
    this.charges++;
    throw new Error(REACHED);
  }
  async status(): Promise<LedgerStatus> {
    throw new DpError('INTERNAL', 'not used');
  }
  async entries(): Promise<readonly LedgerEntry[]> {
    return [];
  }
  async close(): Promise<void> {}
}

const categories = Array.from({ length: 100 }, (_, i) => `c${i}`);
const columns: Record<string, unknown> = { pid: { type: 'integer' }, a: { type: 'integer', lower: 0, upper: 999 } };
for (let k = 0; k < 8; k++) columns[`g${k}`] = { type: 'string', categories };
const schema = parseSqlSchema({
  dataset: 'review_key_explosion',
  budget: { epsilon: 10, delta: 1e-6 },
  tables: { t: { privacyUnit: 'pid', maxPartitions: 1, maxContributionsPerPartition: 1, columns } },
} as Parameters<typeof parseSqlSchema>[0]);

async function outcome(sql: string): Promise<{ refusedBeforeCharge: boolean; charges: number }> {
  const engine = await DuckDbEngine.open({ allowExternalAccess: true });
  try {
    await engine.connection.run(
      `CREATE TABLE t (pid BIGINT, a BIGINT, ${Array.from({ length: 8 }, (_, k) => `g${k} VARCHAR`).join(', ')})`,
    );
    const ledger = new MarkerLedger();
    const refused = await runDpSql({ sql, schema, engine, ledger, epsilon: 1 }).then(
      () => false,
      (e: unknown) => e instanceof DpError,
    );
    return { refusedBeforeCharge: refused && ledger.charges === 0, charges: ledger.charges };
  } finally {
    await engine.close();
  }
}

describe('review: the number of declared key combinations is bounded before the charge', () => {
  it('regression (review S6, fixed by sqlrun e3d29b5: MAX_RELEASED_GROUPS before the charge; was DoS after the charge): GROUP BY eight declared 100-category columns (10^16 rows to release) reaches the charge', async () => {
    const r = await outcome(
      `SELECT g0, g1, g2, g3, g4, g5, g6, g7, COUNT(*) AS n FROM t GROUP BY ${'g0 g1 g2 g3 g4 g5 g6 g7'.split(' ').join(', ')}`,
    );
    expect(r.refusedBeforeCharge).toBe(true);
  });

  it('regression (review S6, fixed by sqlrun e3d29b5): GROUP BY four integer expressions of one bounded column (10^12 keys) reaches the charge', async () => {
    const r = await outcome('SELECT a + 1 AS b, a + 2 AS c, a + 3 AS d, a + 4 AS e, COUNT(*) AS n FROM t GROUP BY 1, 2, 3, 4');
    expect(r.refusedBeforeCharge).toBe(true);
  });

  it('control: one declared column (100 rows to release) reaches the charge', async () => {
    const r = await outcome('SELECT g0, COUNT(*) AS n FROM t GROUP BY g0');
    expect(r.charges).toBe(1);
  });
});
