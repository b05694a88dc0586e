/**
 * Review stop 25 (review2) of wip/server's compiled-statement memo (src/server/compiled-memo.ts, rules 1–3) and the
 * plan cache's dialect key (13cafa4): no query is ever answered with another query's salt or literal, and no two
 * inputs the compiler reads differently share an entry — what the engineer's own test (test/server/compiled-memo.test.ts)
 * holds fixed: two schema OBJECTS with the same tables and other bounds (a schema version) through ONE PlanCache, a
 * dialect COPY with another parameter form (a wrapper's or a test's dialect), and a hole whose literal CLASS changes
 * between texts (17 / 17.5 / 9007199254740993) within one cache.
 * Generative (fast-check, seed 2502, 40 runs): texts of random shapes over both schemas, interleaved; per compile a
 * fresh random salt; each compile through the cache must equal `compileDpQuery(planDpQuery(text, schema), dialect,
 * salt, schema)` bit for bit, and no own value (salt, WHERE literal) of any earlier query may appear among its bind
 * values unless this query carries it too; one schema keeps its plans' salts (PlanCache's kept-compile path). Mutants checked by hand: the memo keyed by variant only (dialect dropped)
 * fails; `rebind` binding the entry's first literal instead of this query's fails; the rebind's literal-class check
 * and the shape key's class both dropped fails; PlanCache's kept compile matched by dialect name again (13cafa4 reverted) fails.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlanCache } from '../../src/server/plan-cache.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { CompiledDpQuery } from '../../src/sql/compiled-query.js';
import type { SqlDialect } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import { planDpQuery } from '../../src/sql/plan/plan-query.js';
import type { QueryPlan } from '../../src/sql/plan.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { canon } from '../server/_compiled-canon.js';

const schemaWith = (upper: number) =>
  parseSqlSchema({
    dataset: 'donors',
    budget: { epsilon: 1000, delta: 1e-3 },
    tables: {
      donors: {
        privacyUnit: 'id',
        maxPartitions: 2,
        maxContributionsPerPartition: 2,
        columns: {
          id: { type: 'integer' },
          age: { type: 'integer', lower: 18, upper },
          w: { type: 'float', lower: 0, upper: upper / 2 },
          zip: { type: 'string', categories: ['02108', '02115'] },
        },
      },
    },
  });
/** Two versions of one data set's schema: the same text compiles with other bounds. */
const schemas = [schemaWith(90), schemaWith(120)] as const;
/** A copy of DuckDB's dialect whose markers carry a cast: same name, other statement text. */
const duckdbCopy: SqlDialect = Object.freeze({
  ...duckdbDialect,
  parameter: (i: number, t: never) =>
    `CAST(${duckdbDialect.parameter(i, t)} AS ${t === 'double' ? 'DOUBLE' : t === 'bigint' ? 'BIGINT' : 'VARCHAR'})`,
});
const dialects = [duckdbDialect, duckdbCopy, postgresDialect] as const;

const selects = ['COUNT(*) AS n', 'AVG(age) AS m', 'SUM(w) AS s, COUNT(*) AS n', 'MAX(age) AS q'];
const conditions = ['age >= #', 'w < #', '(age > # OR w <> #)', '# <= age'];
const literal = fc.oneof(
  fc.integer({ min: 0, max: 200 }).map(String),
  fc.integer({ min: 0, max: 2000 }).map((n) => (n / 8).toFixed(2)),
  fc.constantFrom('9007199254740993', '17.0', '0'),
);

const bindValues = (c: CompiledDpQuery) => [...c.main.params, ...c.histograms.flatMap((h) => h.params)].map((p) => p.value);

describe('the memo never mixes queries, schemas, dialects or literal classes (review stop 25)', () => {
  it('interleaved texts over two schema versions, a dialect copy and mixed literal classes equal a fresh compile (generative, seed 2502)', () => {
    let hitsSeen = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            select: fc.constantFrom(...selects),
            where: fc.constantFrom(...conditions),
            group: fc.boolean(),
            schema: fc.constantFrom(0, 1),
            fills: fc.array(fc.array(literal, { minLength: 2, maxLength: 2 }), { minLength: 2, maxLength: 5 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.infiniteStream(fc.tuple(fc.nat(), fc.bigInt({ min: 1n, max: (1n << 62n) - 1n }))),
        (shapes, stream) => {
          const cache = new PlanCache();
          // Schema version 1 keeps its plans' salts (an exact-aggregate data set): PlanCache.compiled's kept path.
          cache.keepSaltFor(schemas[1]);
          const it = stream[Symbol.iterator]();
          const next = () => it.next().value as [number, bigint];
          // Each text asked under both schema versions (the schema of the shape first, then the other).
          const asks: { text: string; schema: SqlSchema }[] = shapes.flatMap((s) =>
            s.fills.flatMap((lits) => {
              let i = 0;
              const text = `SELECT ${s.select} FROM donors WHERE ${s.where.replace(/#/g, () => lits[i++] ?? '1')}${s.group ? ' GROUP BY zip' : ''}`;
              return [
                { text, schema: schemas[s.schema] as SqlSchema },
                { text, schema: schemas[1 - s.schema] as SqlSchema },
              ];
            }),
          );
          for (let i = asks.length - 1; i > 0; i--) {
            const j = next()[0] % (i + 1);
            [asks[i], asks[j]] = [asks[j] as (typeof asks)[number], asks[i] as (typeof asks)[number]];
          }
          const ownSeen = new Set<unknown>();
          for (const { text, schema } of asks) {
            let plan: QueryPlan | undefined = cache.get(text, schema);
            if (!plan) {
              try {
                plan = planDpQuery(text, schema);
              } catch {
                continue;
              }
              cache.set(text, schema, plan);
            }
            for (const dialect of dialects) {
              const salt = cache.salt(text, schema, () => next()[1]);
              const p = plan;
              const before = cache.memo.hits;
              let got: string;
              let values: unknown[] = [];
              try {
                const c = cache.compiled(p, salt, dialect, () => compileDpQuery(p, dialect, salt, schema));
                got = canon(c);
                values = bindValues(c);
              } catch (e) {
                got = `refused: ${(e as Error).message}`;
              }
              let want: string;
              let own: unknown[] = [];
              try {
                const fresh = compileDpQuery(planDpQuery(text, schema), dialect, salt, schema);
                want = canon(fresh);
                own = [salt];
              } catch (e) {
                want = `refused: ${(e as Error).message}`;
              }
              expect(got, `${dialect === duckdbCopy ? 'copy' : dialect.name} ${schema === schemas[0] ? 'v0' : 'v1'}: ${text}`).toBe(want);
              hitsSeen += cache.memo.hits - before;
              // No earlier query's salt is among this query's bind values (salts are 62-bit draws: equal only by chance ≈ 2⁻⁶²).
              for (const v of values) if (typeof v === 'bigint' && v > 1n << 40n && v !== salt) expect(ownSeen.has(v)).toBe(false);
              for (const v of own) ownSeen.add(v);
            }
          }
        },
      ),
      { seed: 2502, numRuns: 40 },
    );
    expect(hitsSeen).toBeGreaterThan(30);
  });

  it('one hole, three literal classes, one cache: each text binds its own value with its own type', () => {
    const cache = new PlanCache();
    const schema = schemas[0];
    const texts = ['17', '18', '17.5', '9007199254740993', '19', '18.25'].map((l) => `SELECT COUNT(*) AS n FROM donors WHERE age >= ${l}`);
    for (const text of texts) {
      let plan = cache.get(text, schema);
      if (!plan) {
        plan = planDpQuery(text, schema);
        cache.set(text, schema, plan);
      }
      const p = plan;
      const got = cache.compiled(p, 9n, duckdbDialect, () => compileDpQuery(p, duckdbDialect, 9n, schema));
      expect(canon(got)).toBe(canon(compileDpQuery(planDpQuery(text, schema), duckdbDialect, 9n, schema)));
    }
    expect(cache.memo.hits).toBeGreaterThan(0);
  });
});
