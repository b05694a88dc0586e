/**
 * Review S47 (class 3): a quantile's histogram grid is public — its bounds come from the schema and the query — and
 * one whose bin width bins/(U − L) is not finite (or whose bins are below the smallest normal) made the compiled
 * bin's BIGINT cast raise on every row, so whether a query was answered depended on whether a row reached it. Rule
 * (compile.ts `quantileGrid`): such a grid is refused UNSUPPORTED_QUERY at compile time, before the charge.
 *
 * Generative (fast-check, seed 47): over measure scales 10^k (k ∈ [−330, 310]) of MEDIAN/QUANTILE on DuckDB, with and
 * without the target row, the outcome (answered, or the error code) is the same, and a refusal charges nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const schema = parseSqlSchema({
  dataset: 'grid_finite',
  budget: { epsilon: 1e6, delta: 1e-3 },
  tables: {
    tgt: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 100 } },
    },
    base: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 100 } },
    },
  },
});

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open();
  await duck.connection.run('CREATE TABLE "tgt" AS SELECT range AS pid, CAST(range % 100 AS DOUBLE) AS x FROM range(1, 50)');
  await duck.connection.run('CREATE TABLE "base" AS SELECT pid, x FROM "tgt" WHERE pid <> 42');
});
afterAll(async () => {
  await duck?.close();
});

async function outcome(table: string, sql: string): Promise<{ result: string; charged: number }> {
  const ledger = new MemoryLedger();
  const result = await runDpSql({
    sql: sql.replace('$T', table),
    schema,
    engine: duck,
    ledger,
    epsilon: 1,
    rng: new SeededRandomSource(47),
  }).then(
    () => 'answered',
    (e: { code?: string }) => String(e.code),
  );
  return { result, charged: ledger.charges.length };
}

describe('quantile grids are finite or refused before the charge (S47)', () => {
  it('generative (fast-check, seed 47): scales 10^k × MEDIAN/QUANTILE — the same outcome with and without the target, refusals uncharged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -330, max: 310 }),
        fc.constantFrom('MEDIAN(x * S)', 'QUANTILE(x * S, 0.25)', 'QUANTILE(x / S, 0.9)'),
        async (k, agg) => {
          const sql = `SELECT ${agg.replace('S', `1e${k}`)} AS q FROM $T WHERE pid = 42`;
          const a = await outcome('tgt', sql);
          const b = await outcome('base', sql);
          expect(a.result).toBe(b.result);
          if (a.result !== 'answered') expect(a.charged).toBe(0);
          expect(a.result).not.toBe('ENGINE_ERROR');
          expect(a.result).not.toBe('INTERNAL');
        },
      ),
      { numRuns: 60, seed: 47 },
    );
  }, 120_000);
});
