/**
 * Review S27 (session 7; class 14 "timing / cache behaviour that depends on the data"): the server's exact-aggregate
 * cache (`src/server/exact-aggregate-cache.ts`, on by default for a DuckDB database file, opt-in for files) keeps a
 * statement's rows only when there are at most `maxRows` (10,000) of them: `rows.length > this.maxRows` → not kept.
 * For a query whose group keys are chosen by partition selection, the number of rows the engine returns is the number
 * of groups present in the PRIVATE data. So whether the next run of the same query is a hit (no engine work) or a miss
 * (the whole bounded aggregation again) depends on the data — and one person can decide it: with 10,000 groups in
 * D′, a target whose row opens group 10,001 turns every later run of that query from a hit into a miss. The module
 * header says the opposite ("its timing says that the same statement … was run before: a fact about the queries
 * asked, not about the data").
 *
 * Why it matters although replies are padded: padding (50 ms quanta) hides differences inside a quantum only; the
 * residual it states is "one more quantum when the work crosses a multiple of q". Without the cache, a run on D and
 * on D′ differs by one row's work (rarely crosses a boundary). With it, the difference is the ENTIRE engine work
 * (hit ≈ 0 vs miss), which the analyst sizes (row-cost allows it) to land between one and two quanta: the second
 * run's latency is then 1 vs 2 quanta — a membership oracle at any ε (two queries of ε = 10⁻⁶ each). Shown here
 * deterministically through the cache's own `hits` counter (no timing in tests).
 *
 * Rule that would close the class: whether an engine result is kept must be a function of public facts only — decide
 * it before the run from the plan (declared keys: the number of combinations, public; selected keys: not kept, or
 * kept whatever their size under a byte bound evicting by public order), never from the rows returned.
 * Generative test: random tables and neighbours (one unit added), the cache's hit/miss sequence for a fixed query
 * sequence is the same on both.
 * Owner: server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExactAggregateCache } from '../../src/server/exact-aggregate-cache.js';
import { PlanCache } from '../../src/server/plan-cache.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

const schema = parseSqlSchema({
  dataset: 'review_cache_rows',
  budget: { epsilon: 100, delta: 1e-3 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, g: { type: 'integer' } },
    },
  },
});

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  // D′: 10 people in 10 groups (maxRows 10); D = D′ + the target, alone in group 10.
  await duck.connection.run('CREATE TABLE t AS SELECT i AS pid, i AS g FROM range(0, 10) r(i)');
});
afterAll(async () => {
  await duck?.close();
});

/** Runs the same query twice through one exact-aggregate cache and plan cache (as the server does); the hits. */
async function hitsOfRepeat(): Promise<number> {
  // maxRows 10 (default 10,000): the same rule at a size that keeps the test fast.
  const cache = new ExactAggregateCache(duck, { maxRows: 10 });
  const plans = new PlanCache();
  plans.keepSaltFor(schema);
  for (let i = 0; i < 2; i++) {
    await runDpSql({
      sql: 'SELECT g, COUNT(*) AS n FROM t GROUP BY g',
      schema,
      engine: cache,
      ledger: new MemoryLedger(),
      planCache: plans,
      epsilon: 1,
      delta: 1e-6,
      rng: new SeededRandomSource(i),
    });
  }
  return cache.hits;
}

describe('review S27: whether the exact-aggregate cache keeps a result depends on the private number of groups', () => {
  it('regression S27 (fixed on main cca874e: kept only for a statement with a public row bound, declared from its plan): the second run of one query hits the cache on D′ (maxRows groups) and misses on D (one person more)', async () => {
    const withoutTarget = await hitsOfRepeat();
    await duck.connection.run('INSERT INTO t VALUES (10, 10)');
    try {
      const withTarget = await hitsOfRepeat();
      expect(withTarget).toBe(withoutTarget);
    } finally {
      await duck.connection.run('DELETE FROM t WHERE pid = 10');
    }
  }, 60_000);
});
