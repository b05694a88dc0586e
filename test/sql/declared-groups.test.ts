/**
 * Every combination of declared GROUP BY keys is released (even empty ones), so the rows released are the
 * product of the keys' category counts. It is bounded from the plan before the charge (MAX_RELEASED_GROUPS):
 * above it the query is refused (UNSUPPORTED_QUERY) and nothing is charged (review finding: 10¹⁶ combinations
 * were charged in milliseconds, then the release loop never returned).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { MAX_RELEASED_GROUPS } from '../../src/sql/plan/group-by.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { MemoryLedger } from './fixtures.js';

/** A schema of one private table with declared columns g0… of the given category counts and a bounded integer a. */
function schemaWith(counts: readonly number[]) {
  const columns: Record<string, unknown> = { pid: { type: 'integer' }, a: { type: 'integer', lower: 0, upper: 999 } };
  counts.forEach((n, k) => {
    columns[`g${k}`] = { type: 'string', categories: Array.from({ length: n }, (_, i) => `c${i}`) };
  });
  return parseSqlSchema({
    dataset: 'declared_groups',
    budget: { epsilon: 10, delta: 1e-6 },
    tables: { t: { privacyUnit: 'pid', columns } },
  } as Parameters<typeof parseSqlSchema>[0]);
}

function planOutcome(sql: string, counts: readonly number[]): string {
  try {
    planDpQuery(sql, schemaWith(counts));
    return 'accepted';
  } catch (e) {
    if (e instanceof DpError) return e.code;
    throw e;
  }
}

describe('declared key combinations are bounded before the charge', () => {
  it('refuses GROUP BY eight 100-category columns (10^16 rows) and four integer expressions of one [0, 999] column (10^12), charging nothing (regression)', async () => {
    const counts = new Array(8).fill(100);
    const schema = schemaWith(counts);
    const engine = await DuckDbEngine.open({ allowExternalAccess: true });
    try {
      await engine.connection.run(`CREATE TABLE t (pid BIGINT, a BIGINT, ${counts.map((_, k) => `g${k} VARCHAR`).join(', ')})`);
      const ledger = new MemoryLedger();
      const keys = counts.map((_, k) => `g${k}`).join(', ');
      for (const sql of [
        `SELECT ${keys}, COUNT(*) AS n FROM t GROUP BY ${keys}`,
        'SELECT a + 1 AS b, a + 2 AS c, a + 3 AS d, a + 4 AS e, COUNT(*) AS n FROM t GROUP BY 1, 2, 3, 4',
      ]) {
        await expect(runDpSql({ sql, schema, engine, ledger, epsilon: 1 })).rejects.toMatchObject({
          code: 'UNSUPPORTED_QUERY',
          message: expect.stringMatching(/combinations/),
        });
      }
      expect(ledger.charges).toHaveLength(0);
      // Control: one declared column (100 groups) is answered.
      const r = await runDpSql({ sql: 'SELECT g0, COUNT(*) AS n FROM t GROUP BY g0', schema, engine, ledger, epsilon: 1 });
      expect(r.rows).toHaveLength(100);
    } finally {
      await engine.close();
    }
  });

  it('generative: a query with only declared keys is refused exactly when the product of their counts passes the limit (fast-check, seed 13)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (counts, withUndeclared) => {
        const keys = counts.map((_, k) => `g${k}`);
        // An undeclared key (pid is refused; `a + 0.5` has no finite key set) makes the release go through selection.
        const extra = withUndeclared ? ', a * 0.5' : '';
        const sql = `SELECT ${keys.join(', ')}${extra}, COUNT(*) AS n FROM t GROUP BY ${keys.join(', ')}${extra}`;
        const product = counts.reduce((p, n) => p * n, 1);
        const expected = !withUndeclared && product > MAX_RELEASED_GROUPS ? 'UNSUPPORTED_QUERY' : 'accepted';
        expect(planOutcome(sql, counts)).toBe(expected);
      }),
      { numRuns: 200, seed: 13 },
    );
  });
});
