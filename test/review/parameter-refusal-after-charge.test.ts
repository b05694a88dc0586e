/**
 * Review finding (issue 10 class 11 / 12: a public cause refused after the charge). The budget
 * split accepts a query whose per-output noise scale the release functions then refuse
 * ("the budget is too small for this sensitivity", INVALID_PARAMETER). That refusal happens in
 * releaseCharged, after `ledger.charge`: COUNT(*) at rho = 1e-300 or 1e-55 (Gaussian), MEDIAN at
 * rho = 1e-55, VARIANCE at epsilon = 1e-30 (Laplace). Laplace COUNT/SUM/MEDIAN at epsilon = 1e-300
 * are refused before the charge, which shows the check exists but not on every path.
 * Rule that closes the class: for each output, the parameter-only half of its release
 * (`planAggregate` / `checkQuantileParameters` from stats, with the output's actual share: ε or ρ,
 * Laplace or Gaussian, variance included) runs before the charge; releaseCharged may then only
 * fail on INTERNAL. Fix belongs in src/sql/run-dp-sql.ts (and budget-split.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run('CREATE TABLE a (pid BIGINT, x DOUBLE)');
  await duck.connection.run('INSERT INTO a SELECT i, i FROM range(0, 300) t(i)');
});
afterAll(async () => {
  await duck?.close();
});

const schema = parseSqlSchema({
  dataset: 'a',
  budget: { epsilon: 1e9, delta: 0.9 },
  tables: {
    a: {
      privacyUnit: 'pid',
      maxPartitions: 3,
      maxContributionsPerPartition: 2,
      columns: { pid: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 1000 } },
    },
  },
});

/** 'answered', or the error code and whether anything was charged. */
async function outcome(sql: string, budget: Record<string, number>): Promise<{ answered: boolean; charged: number }> {
  const ledger = new MemoryLedger();
  const answered = await runDpSql({ sql, schema, engine: duck, ledger, rng: new SeededRandomSource(1), ...budget }).then(
    () => true,
    () => false,
  );
  return { answered, charged: ledger.charges.length };
}

describe('review: refusals that depend on public parameters only come after the charge', () => {
  it('control: Laplace COUNT(*) at epsilon = 1e-300 is refused before the charge', async () => {
    expect(await outcome('SELECT COUNT(*) FROM a', { epsilon: 1e-300 })).toEqual({ answered: false, charged: 0 });
  });
  for (const [sql, budget] of [
    ['SELECT COUNT(*) FROM a', { rho: 1e-300, delta: 1e-6 }],
    ['SELECT COUNT(*) FROM a', { rho: 1e-55, delta: 1e-6 }],
    ['SELECT MEDIAN(x) FROM a', { rho: 1e-55, delta: 1e-6 }],
    ['SELECT VARIANCE(x) FROM a', { epsilon: 1e-30 }],
  ] as const) {
    it(`regression (review finding 5, fixed by sqlrun): ${sql} with ${JSON.stringify(budget)} is refused before the charge`, async () => {
      const o = await outcome(sql, budget);
      expect(o.answered || o.charged === 0).toBe(true);
    });
  }
});
