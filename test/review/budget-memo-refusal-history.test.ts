/**
 * Review stop 22 (first shift), server's budget memo (wip/server d59da4a, `src/sql/budget-memo.ts`): the memo key
 * writes `noise` as the string itself, or `typeof` for anything else, so the string `'undefined'` (refused by
 * `splitDpBudget`: noise must be laplace or gaussian) has the same key as no noise at all. Once any query with no
 * `noise` has run in the process (any analyst, any data set), the same shape with `noise: 'undefined'` is answered
 * with the kept Laplace split instead of refused. No charge is wrong (the split used is the one charged), but whether
 * a query is refused then depends on other queries' history, not on its own parameters (class 12, hostile
 * parameters: a refusal must be a function of the query's own public inputs).
 * Repro: runDpSql({ epsilon: 1 }) then runDpSql({ epsilon: 1, noise: 'undefined' as never }): answered.
 * Passes on main (refused both times); fails on wip/server d59da4a (answered after the first query).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

let engine: DuckDbEngine;
beforeAll(async () => {
  engine = await DuckDbEngine.open({ threads: 1 });
  await engine.connection.run('CREATE TABLE t AS SELECT i AS pid, i % 7 AS x FROM range(100) r(i)');
});
afterAll(async () => {
  await engine?.close();
});

const schema = parseSqlSchema({
  dataset: 'rv_memo',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, x: { type: 'integer', lower: 0, upper: 10 } },
    },
  },
});

async function outcome(noise: unknown): Promise<string> {
  const ledger = new MemoryLedger();
  const sql = 'SELECT COUNT(*) AS rv_memo_n FROM t';
  const budget = noise === undefined ? {} : { noise: noise as never };
  return runDpSql({ sql, schema, engine, ledger, epsilon: 0.5, ...budget, rng: new SeededRandomSource(7) }).then(
    () => `answered, ${ledger.charges.length} charge`,
    (e: { code?: string }) => `${e.code ?? 'thrown'}, ${ledger.charges.length} charge`,
  );
}

describe('review stop 22 (first): a refused noise stays refused whatever ran before (class 12)', () => {
  it("noise: 'undefined' is refused before and after a query of the same shape without noise", async () => {
    expect(await outcome('undefined')).toBe('INVALID_PARAMETER, 0 charge');
    expect(await outcome(undefined)).toBe('answered, 1 charge');
    expect(await outcome('undefined')).toBe('INVALID_PARAMETER, 0 charge');
  });
});
