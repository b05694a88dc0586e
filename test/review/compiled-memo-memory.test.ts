/**
 * Review stop 25 (review2) of wip/server's compiled-statement memo (src/server/compiled-memo.ts, rule 6), class 14
 * (availability): a compiled statement can be thousands of times its text (nested `*` in many aggregates), and the
 * memo kept one compile per live shape variant with no bound of its own — 20 shapes of 4.5 K characters retained
 * 229 MiB of heap against main's 23.5 MiB (scratch run, `node --expose-gc`), GiBs within the shape cache's text bound.
 * Rule: the memo is an LRU over variants bounded by entries and by the statement text it keeps; an entry larger than
 * the per-entry bound is never kept. What the memo returns stays exactly a fresh compile after evictions.
 * Generative (fast-check, seed 2501, 15 runs): random shapes (1–12 aggregates, nesting 0–2 of `*`, GROUP BY or not),
 * 2–4 texts per shape with fresh WHERE literals, interleaved, through one PlanCache (for the plans) and a memo with
 * small bounds: after every compile the kept text ≤ the bound and the entries ≤ theirs; every statement equals a
 * fresh compile with this query's salt. Mutants checked: no eviction (fails the bounds and the recency case); the
 * per-entry bound dropped (fails the defaults case: 11 M characters kept); the LRU refresh on a hit dropped (fails the
 * recency case).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompiledMemo, MAX_MEMO_ENTRIES, MAX_MEMO_ENTRY_SQL, MAX_MEMO_SQL } from '../../src/server/compiled-memo.js';
import { PlanCache } from '../../src/server/plan-cache.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import { planDpQuery } from '../../src/sql/plan/plan-query.js';
import type { QueryPlan } from '../../src/sql/plan.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { canon } from '../server/_compiled-canon.js';

const schema = parseSqlSchema({
  dataset: 'd',
  budget: { epsilon: 10 },
  tables: {
    t: {
      privacyUnit: 'id',
      maxPartitions: 2,
      maxContributionsPerPartition: 1,
      columns: {
        id: { type: 'integer' },
        w: { type: 'float', lower: 0, upper: 1 },
        g: { type: 'string', categories: ['a', 'b'] },
      },
    },
  },
});

/** A SUM argument nested `depth` times: (e) * (e). */
function nested(k: number, depth: number): string {
  let e = `w + ${k}`;
  for (let i = 0; i < depth; i++) e = `(${e}) * (${e})`;
  return e;
}

/** The plan of `text` through the cache (shape-built when a template of its shape is kept). */
function planOf(cache: PlanCache, text: string): QueryPlan {
  let plan = cache.get(text, schema);
  if (!plan) {
    plan = planDpQuery(text, schema);
    cache.set(text, schema, plan);
  }
  return plan;
}

describe('the compiled-statement memo keeps bounded memory (review stop 25, rule 6)', () => {
  it('defaults: bounded entries and text, an entry bound below the text bound', () => {
    expect(MAX_MEMO_ENTRIES).toBeGreaterThan(0);
    expect(MAX_MEMO_ENTRY_SQL).toBeLessThanOrEqual(MAX_MEMO_SQL);
    // The PlanCache's memo is bounded by the defaults.
    const cache = new PlanCache();
    for (let s = 0; s < 1; s++) {
      const sel = Array.from({ length: 40 }, (_, i) => `SUM(${nested(i + 2, 3)}) AS a${s}x${i}`).join(', ');
      for (const lit of ['0.123', '0.126']) {
        const plan = planOf(cache, `SELECT ${sel} FROM t WHERE w > ${lit}`);
        cache.compiled(plan, 7n, duckdbDialect, () => compileDpQuery(plan, duckdbDialect, 7n, schema));
      }
    }
    // Each of these statements is ~11 M characters (past the per-entry bound): compiled every time, never kept.
    expect(cache.memo.retainedSql).toBe(0);
    expect(cache.memo.size).toBe(0);
  });

  it('random shapes through a small memo: kept text and entries within the bounds, every answer a fresh compile (generative, seed 2501)', () => {
    let evictedOrSkipped = 0;
    let hits = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            aggs: fc.integer({ min: 1, max: 12 }),
            depth: fc.integer({ min: 0, max: 2 }),
            group: fc.boolean(),
            lits: fc.uniqueArray(fc.integer({ min: 1, max: 999 }), { minLength: 2, maxLength: 4 }),
          }),
          { minLength: 2, maxLength: 8 },
        ),
        fc.infiniteStream(fc.tuple(fc.nat(), fc.bigInt({ min: 1n, max: (1n << 62n) - 1n }))),
        fc.record({ maxEntries: fc.integer({ min: 1, max: 4 }), maxSql: fc.integer({ min: 2_000, max: 120_000 }) }),
        (shapes, stream, limits) => {
          const cache = new PlanCache();
          const memo = new CompiledMemo({ ...limits, maxEntrySql: limits.maxSql / 2 });
          const it = stream[Symbol.iterator]();
          const next = () => it.next().value as [number, bigint];
          const texts = shapes.flatMap((s, si) => {
            const sel = Array.from({ length: s.aggs }, (_, i) => `SUM(${nested(i + 2, s.depth)}) AS a${si}x${i}`).join(', ');
            return s.lits.map((l) => `SELECT ${sel} FROM t WHERE w > 0.${String(l).padStart(3, '0')}9${s.group ? ' GROUP BY g' : ''}`);
          });
          for (let i = texts.length - 1; i > 0; i--) {
            const j = next()[0] % (i + 1);
            [texts[i], texts[j]] = [texts[j] as string, texts[i] as string];
          }
          for (const text of texts) {
            const plan = planOf(cache, text);
            for (const dialect of [duckdbDialect, postgresDialect]) {
              const salt = next()[1];
              const before = memo.hits;
              const sizeBefore = memo.retainedSql;
              const got = memo.compiled(plan, salt, dialect, () => compileDpQuery(plan, dialect, salt, schema));
              hits += memo.hits - before;
              expect(canon(got)).toBe(canon(compileDpQuery(planDpQuery(text, schema), dialect, salt, schema)));
              expect(memo.retainedSql).toBeLessThanOrEqual(limits.maxSql);
              expect(memo.size).toBeLessThanOrEqual(limits.maxEntries);
              if (memo.hits === before && memo.retainedSql <= sizeBefore) evictedOrSkipped++;
            }
          }
        },
      ),
      { seed: 2501, numRuns: 15 },
    );
    // Not vacuous: the memo answered some compiles and also had to evict or skip some.
    expect(hits).toBeGreaterThan(10);
    expect(evictedOrSkipped).toBeGreaterThan(10);
  });

  it('a hit refreshes its variant (least recently used evicted first)', () => {
    const cache = new PlanCache();
    const memo = new CompiledMemo({ maxEntries: 2 });
    const text = (s: number, lit: number) => `SELECT SUM(w) AS a${s} FROM t WHERE w > 0.${lit}9`;
    const run = (s: number, lit: number) => {
      const plan = planOf(cache, text(s, lit));
      return memo.compiled(plan, 5n, duckdbDialect, () => compileDpQuery(plan, duckdbDialect, 5n, schema));
    };
    // Templates for shapes 0, 1, 2; then one sibling each of 0 and 1 fills the memo.
    for (const s of [0, 1, 2]) run(s, 1);
    run(0, 2);
    run(1, 2);
    expect(memo.size).toBe(2);
    run(0, 3); // a hit: shape 0 is now the most recent
    const h = memo.hits;
    run(2, 2); // a new entry: evicts shape 1, not shape 0
    run(0, 4);
    expect(memo.hits).toBe(h + 1);
    run(1, 3);
    expect(memo.hits).toBe(h + 1);
  });
});
