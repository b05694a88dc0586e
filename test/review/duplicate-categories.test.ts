/**
 * Review finding, ε = ∞ class (GROUP BY keys / understated sensitivity): the declared keys of a
 * GROUP BY expression are the CASE's literal results as JavaScript values, deduplicated with a Set
 * (`expressionCategories` in src/sql/plan/group-by.ts): `CASE WHEN … THEN 1 ELSE '1' END` declares
 * the two keys 1 and '1'. The engine computes the CASE as text, so every row has the key '1', and
 * runDpSql matches declared combinations to engine rows by `keyString` (String of each value): both
 * declared keys read the SAME engine group, which is released twice with fresh noise, while the
 * sensitivity counts min(maxPartitions, combinations) = 1 partition. With m such keys the one
 * group is released 2^m times: at ε = 1 (charged 1), the mean of the 4,096 copies for m = 12 gives
 * the exact count (137.004 for 137 measured with seed 3) — the charge understates the loss without bound.
 * Rule that closes the class: each engine group feeds at most one released row. Declared keys are
 * normalised to the key's static SQL type and deduplicated by the identity used to match engine
 * rows (keyString) before the budget split counts partitions; runDpSql checks that no engine row is
 * read by two released groups (INTERNAL otherwise). Fix in group-by.ts (expressionCategories) and
 * run-dp-sql.ts (the declared-combination loop).
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
  await duck.connection.run('CREATE TABLE p (pid BIGINT, age BIGINT)');
  await duck.connection.run('INSERT INTO p SELECT i, i % 90 FROM range(0, 137) t(i)');
});
afterAll(async () => {
  await duck?.close();
});

const schema = parseSqlSchema({
  dataset: 'dup',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    p: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, age: { type: 'integer', lower: 0, upper: 100 } },
    },
  },
});

describe('review: declared keys that collide as engine keys', () => {
  it("regression (was ε = ∞): CASE keys 1 and '1' are one declared key, so one engine group is released once, not 2^m times", async () => {
    const m = 12;
    const keys = Array.from({ length: m }, (_, i) => `CASE WHEN age > ${i + 200} THEN 1 ELSE '1' END`);
    const ledger = new MemoryLedger();
    const r = await runDpSql({
      sql: `SELECT COUNT(*) AS n FROM p GROUP BY ${keys.join(', ')}`,
      schema,
      engine: duck,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(3),
    });
    expect(ledger.charges[0]?.epsilon.toString()).toBe('1');
    // The engine has exactly one group (every key is the text '1'): at most one released row may read it.
    expect(r.rows.length).toBeLessThanOrEqual(1);
  });

  it('regression (was ε = ∞): schema categories [1, "1"] are one key, read once', async () => {
    await duck.connection.run("CREATE TABLE IF NOT EXISTS q AS SELECT i AS pid, '1' AS c FROM range(0, 50) t(i)");
    const catSchema = parseSqlSchema({
      dataset: 'dup-schema',
      budget: { epsilon: 100, delta: 1e-5 },
      tables: {
        q: {
          privacyUnit: 'pid',
          maxPartitions: 1,
          maxContributionsPerPartition: 1,
          columns: { pid: { type: 'integer' }, c: { type: 'string', categories: [1, '1'] as unknown as string[] } },
        },
      },
    });
    const r = await runDpSql({
      sql: 'SELECT COUNT(*) AS n FROM q GROUP BY c',
      schema: catSchema,
      engine: duck,
      ledger: new MemoryLedger(),
      epsilon: 1,
      rng: new SeededRandomSource(3),
    });
    expect(r.rows.length).toBeLessThanOrEqual(1);
  });
});

describe('declared GROUP BY keys are distinct as text (generative)', () => {
  it('for random CASE results of mixed numbers, numeric strings and booleans, every declared key prints differently', async () => {
    const { planDpQuery } = await import('../../src/sql/plan-query.js');
    const fc = (await import('fast-check')).default;
    const literal = fc.oneof(
      fc.integer({ min: -3, max: 3 }).map(String),
      fc.integer({ min: -3, max: 3 }).map((n) => `'${n}'`),
      fc.constantFrom('TRUE', 'FALSE', "'true'", "'false'", '1.0', "'1.0'", '-0', "'0'"),
    );
    fc.assert(
      fc.property(fc.array(literal, { minLength: 1, maxLength: 6 }), literal, (whens, otherwise) => {
        const arms = whens.map((r, i) => `WHEN age > ${i * 10} THEN ${r}`).join(' ');
        let plan: ReturnType<typeof planDpQuery>;
        try {
          plan = planDpQuery(`SELECT COUNT(*) AS n FROM p GROUP BY CASE ${arms} ELSE ${otherwise} END`, schema);
        } catch {
          return; // refused (e.g. results of incompatible types): nothing released
        }
        const keys = plan.groupBy[0]?.categories;
        if (!keys) return; // partition selection, not declared keys
        expect(new Set(keys.map((k) => String(k))).size).toBe(keys.length);
      }),
      { seed: 31, numRuns: 300 },
    );
  });
});
