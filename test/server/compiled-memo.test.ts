/**
 * Compiled statements kept per query shape (src/server/compiled-memo.ts, through PlanCache.compiled): a statement
 * rebound from the memo equals `compileDpQuery(planDpQuery(text, schema), dialect, salt, schema)` — the same text,
 * the same parameter types and **this query's own** salt and literals, bit for bit (−0, bigints and doubles kept
 * apart) — on DuckDB, PostgreSQL and ClickHouse (which is never memoised), with and without kept salts; and a text
 * whose fresh compile is refused is refused through the memo too.
 * Generative (fast-check, seeds 1515 and 1516, 80 runs each): random shapes (row-level and per-unit tables, counts,
 * sums, means, a standard deviation, MIN/MAX (a histogram statement each), GROUP BY, several WHERE comparisons), random literals of both classes (one class per hole and shape, hostile texts among them), and a
 * fresh random salt per query, the texts of several shapes interleaved through one cache. Deterministic (no engine).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlanCache } from '../../src/server/plan-cache.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { CompiledDpQuery } from '../../src/sql/compiled-query.js';
import type { SqlDialect } from '../../src/sql/dialect.js';
import { clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import { planDpQuery } from '../../src/sql/plan/plan-query.js';
import type { QueryPlan } from '../../src/sql/plan.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { canon } from './_compiled-canon.js';

const columns = {
  age: { type: 'integer', lower: 18, upper: 90 },
  a1: { type: 'integer', lower: 0, upper: 17 },
  w: { type: 'float', lower: 0, upper: 50 },
  zip: { type: 'string', categories: ['02108', '02115', '02118'] },
  donated: { type: 'boolean' },
} as const;
const schema = parseSqlSchema({
  dataset: 'donors',
  budget: { epsilon: 1000, delta: 1e-3 },
  tables: {
    donors: { privacyUnit: 'id', maxPartitions: 2, maxContributionsPerPartition: 2, columns: { id: { type: 'integer' }, ...columns } },
    people: { privacyUnit: null, maxPartitions: 1, maxContributionsPerPartition: 1, columns },
  },
});

const selects = [
  'COUNT(*) AS n',
  'AVG(age) AS m',
  'SUM(w) AS s, COUNT(*) AS n',
  'AVG(w) AS m, SUM(a1) AS s',
  'MAX(age) AS q',
  'COUNT(*) AS n, AVG(age) AS m, MIN(w) AS q, STDDEV(w) AS sd',
];
const conditions = [
  'age >= #',
  'age < #',
  '# <= a1',
  'w > #',
  'w <> #',
  '(age > # OR w < #)',
  'age > # AND age < #',
  "zip = '02108'",
  'NOT a1 = #',
  'age * # > #',
];
const groups = ['', ' GROUP BY zip', ' GROUP BY donated'];
const tables = ['donors', 'people'];
/** Per hole, one literal class for the whole shape (the class is in the shape key), hostile values included. */
const intLiteral = fc.oneof(fc.constantFrom('0', '1', '17', '18', '50', '90', '007'), fc.nat(100).map(String));
const decLiteral = fc.oneof(
  fc.constantFrom('0.0', '1.5', '0.25', '49.5', '90.0', '9007199254740993.0'),
  fc.nat(1000).map((n) => (n / 8).toFixed(3)),
);
const odd = fc.constantFrom('9007199254740993', '1e3', '-0', '12345678901234567890');

const shape = fc
  .record({
    select: fc.constantFrom(...selects),
    table: fc.constantFrom(...tables),
    where: fc.array(fc.constantFrom(...conditions), { minLength: 1, maxLength: 3 }),
    group: fc.constantFrom(...groups),
  })
  .map(({ select, table, where, group }) => {
    const text = `SELECT ${select} FROM ${table} WHERE ${where.join(' AND ')}${group}`;
    return { text, holes: text.split('#').length - 1 };
  });

const fill = (text: string, lits: readonly string[]) => {
  let i = 0;
  return text.replace(/#/g, () => lits[i++] ?? '1');
};

/** The fresh compile's canonical form, or the refusal's message. */
function freshCompile(text: string, dialect: SqlDialect, salt: bigint): string {
  try {
    return canon(compileDpQuery(planDpQuery(text, schema), dialect, salt, schema));
  } catch (e) {
    return `refused: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const dialects = [duckdbDialect, postgresDialect, clickhouseDialect] as const;

describe('compiled statements per shape (compiled-memo.ts)', () => {
  for (const [seed, keepSalt] of [
    [1515, false],
    [1516, true],
  ] as const) {
    it(`a memo hit equals a fresh compile with this query's salt and literals, three dialects (generative, seed ${seed}${keepSalt ? ', kept salts' : ''})`, () => {
      const hits = new Map<SqlDialect, number>(dialects.map((d) => [d, 0]));
      let compared = 0;
      let histogramHits = 0;
      fc.assert(
        fc.property(
          fc.array(
            shape.chain(({ text, holes }) =>
              fc
                .array(fc.constantFrom(intLiteral, intLiteral, decLiteral, odd), { minLength: holes, maxLength: holes })
                .chain((classes) => fc.array(fc.tuple(...classes), { minLength: 2, maxLength: 6 }))
                .map((sets) => sets.map((lits) => fill(text, lits))),
            ),
            { minLength: 1, maxLength: 3 },
          ),
          fc.infiniteStream(fc.tuple(fc.nat(), fc.bigInt({ min: 1n, max: (1n << 62n) - 1n }))),
          (byShape, stream) => {
            const cache = new PlanCache();
            if (keepSalt) cache.keepSaltFor(schema);
            const it = stream[Symbol.iterator]();
            const next = () => it.next().value as [number, bigint];
            const texts = byShape.flat();
            for (let i = texts.length - 1; i > 0; i--) {
              const j = next()[0] % (i + 1);
              [texts[i], texts[j]] = [texts[j] as string, texts[i] as string];
            }
            for (const text of texts) {
              let plan: QueryPlan | undefined = cache.get(text, schema);
              if (!plan) {
                try {
                  plan = planDpQuery(text, schema);
                } catch {
                  continue; // refused by the planner: the shape cache never answers it (shape-plans.test.ts)
                }
                cache.set(text, schema, plan);
              }
              for (const dialect of dialects) {
                const drawn = next()[1];
                const salt = cache.salt(text, schema, () => drawn);
                const before = cache.memo.hits;
                let got: string;
                try {
                  const p = plan;
                  got = canon(cache.compiled(p, salt, dialect, () => compileDpQuery(p, dialect, salt, schema)));
                } catch (e) {
                  got = `refused: ${e instanceof Error ? e.message : String(e)}`;
                }
                expect(got, `${dialect.name}: ${text}`).toBe(freshCompile(text, dialect, salt));
                hits.set(dialect, (hits.get(dialect) ?? 0) + cache.memo.hits - before);
                if (cache.memo.hits > before && got.includes('"bins"')) histogramHits++;
                compared++;
              }
            }
          },
        ),
        { seed, numRuns: 80 },
      );
      // Not vacuous: many compiles were memo hits on the dialects that bind values; none on ClickHouse (it inlines them).
      expect(compared).toBeGreaterThan(500);
      expect(hits.get(duckdbDialect)).toBeGreaterThan(40);
      expect(hits.get(postgresDialect)).toBeGreaterThan(40);
      expect(histogramHits).toBeGreaterThan(10);
      expect(hits.get(clickhouseDialect)).toBe(0);
    });
  }

  it("binds each query's own salt and literal: two queries of one shape share the text, never a value of their own", () => {
    const cache = new PlanCache();
    const a = 'SELECT COUNT(*) AS n, AVG(age) AS m FROM donors WHERE age >= 20 AND w < 1.5 GROUP BY zip';
    const b = 'SELECT COUNT(*) AS n, AVG(age) AS m FROM donors WHERE age >= 41 AND w < 7.25 GROUP BY zip';
    const c = 'SELECT COUNT(*) AS n, AVG(age) AS m FROM donors WHERE age >= 33 AND w < 2.5 GROUP BY zip';
    cache.set(a, schema, planDpQuery(a, schema));
    const values = (x: CompiledDpQuery) => x.main.params.map((p) => p.value);
    const run = (text: string, salt: bigint) => {
      const plan = cache.get(text, schema) as QueryPlan;
      return cache.compiled(plan, salt, duckdbDialect, () => compileDpQuery(plan, duckdbDialect, salt, schema));
    };
    const first = run(b, 111n);
    const second = run(c, 222n);
    expect(cache.memo.hits).toBe(1);
    expect(second.main.sql).toBe(first.main.sql);
    expect(values(first)).toEqual(expect.arrayContaining([111n, 41n, 7.25]));
    expect(values(second)).toEqual(expect.arrayContaining([222n, 33n, 2.5]));
    for (const v of [111n, 41n, 7.25]) expect(values(second)).not.toContain(v);
    expect(canon(second)).toBe(canon(compileDpQuery(planDpQuery(c, schema), duckdbDialect, 222n, schema)));
  });
});
