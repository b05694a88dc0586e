/**
 * Plans shared by the queries of one shape (src/server/shape-plans.ts, through PlanCache): a plan answered from a
 * template of the text's shape deep-equals `planDpQuery(text, schema)`, and a text the planner refuses is never
 * answered by the cache (class 12: a refusal depends on the query's own inputs, never on what ran before). Random
 * shapes × literals, hostile literals included (0 as a divisor, a value repeated in SELECT and WHERE, 400 digits,
 * '1.0' against '1', leading zeros), each sequence in random order through one cache.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlanCache } from '../../src/server/plan-cache.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { planDpQuery } from '../../src/sql/plan/plan-query.js';
import type { QueryPlan } from '../../src/sql/plan.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const schema = parseSqlSchema({
  dataset: 'donors',
  budget: { epsilon: 1000, delta: 1e-3 },
  tables: {
    donors: {
      privacyUnit: 'id',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: {
        id: { type: 'integer' },
        age: { type: 'integer', lower: 18, upper: 90 },
        a1: { type: 'integer', lower: 0, upper: 17 },
        zip: { type: 'string', categories: ['02108', '02115', '02118'] },
        donated: { type: 'boolean' },
      },
    },
  },
});

const HOLE = '#';
/** Select lists, WHERE conditions and tails with holes (#) for number literals. */
const selects = [
  'COUNT(*) AS n',
  'COUNT(*) AS n',
  'AVG(age) AS m',
  'SUM(age * #) AS s',
  'AVG(age) AS m, COUNT(*) AS n',
  'SUM(a1) AS s',
  'COUNT(*)',
  'SUM(age + #)',
];
const conditions = [
  'age >= #',
  'age <= #',
  '# < age',
  'age * # > #',
  'age / # >= #',
  'a1 = #',
  'age <> -#',
  "zip = '02108'",
  'age - # < #',
  '(age > # OR a1 < #)',
  'NOT age = #',
  'age IN (#, #)',
  'age BETWEEN # AND #',
  'age = abs(#)',
];
const groups = ['', ' GROUP BY zip', ' GROUP BY donated', ' GROUP BY a1'];
const tails = ['', '', '', ' ORDER BY 1 LIMIT #', ' LIMIT #'];
const literal = fc.oneof(
  fc.constantFrom('0', '1', '1.0', '1.5', '17', '18', '40', '90', '007', '2.25', '12345678901234567890', '9'.repeat(400)),
  fc.nat(120).map(String),
);

const shape = fc
  .record({
    select: fc.constantFrom(...selects),
    where: fc.array(fc.constantFrom(...conditions), { minLength: 0, maxLength: 3 }),
    group: fc.constantFrom(...groups),
    tail: fc.constantFrom(...tails),
  })
  .map(({ select, where, group, tail }) => {
    const text = `SELECT ${select} FROM donors${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${group}${tail}`;
    return { text, holes: text.split(HOLE).length - 1 };
  });

const fill = (text: string, lits: readonly string[]) => {
  let i = 0;
  return text.replace(/#/g, () => lits[i++] ?? '1');
};

/** The fresh plan, or the refusal's message. */
const fresh = (text: string): QueryPlan | string => {
  try {
    return planDpQuery(text, schema);
  } catch (e) {
    return e instanceof Error ? `refused: ${e.message}` : 'refused';
  }
};

describe('shape plans', () => {
  it('a plan from a shape template equals a fresh plan; a refused text is never answered (generative, seed 2222)', () => {
    let shared = 0;
    fc.assert(
      fc.property(
        fc.array(
          shape.chain(({ text, holes }) =>
            fc
              .array(fc.array(literal, { minLength: holes, maxLength: holes }), { minLength: 1, maxLength: 8 })
              .map((sets) => sets.map((lits) => fill(text, lits))),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        fc.infiniteStream(fc.nat()),
        (byShape, order) => {
          const cache = new PlanCache();
          // The texts of all shapes interleaved in a random order, each twice (the second an exact-text hit).
          const texts = byShape.flat();
          const it = order[Symbol.iterator]();
          for (let i = texts.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [texts[i], texts[j]] = [texts[j] as string, texts[i] as string];
          }
          for (const text of [...texts, ...texts]) {
            const want = fresh(text);
            const before = cache.shapeHits;
            const got = cache.get(text, schema);
            if (typeof want === 'string') {
              expect(got, text).toBeUndefined();
              continue;
            }
            if (got) {
              expect(got, text).toEqual(want);
              expect(got.where === null || Object.isFrozen(got.where)).toBe(true);
              if (cache.shapeHits > before) shared++;
            } else cache.set(text, schema, want);
          }
        },
      ),
      { seed: 2222, numRuns: 200 },
    );
    // The property is not vacuous: many plans came from a template.
    expect(shared).toBeGreaterThan(50);
  });

  it('lifts a WHERE comparison literal, never a SELECT constant, a divisor or a repeated value', () => {
    const cache = new PlanCache();
    const a = 'SELECT SUM(age * 3) AS s FROM donors WHERE age >= 20 AND age / 2 > 5 GROUP BY zip';
    cache.set(a, schema, planDpQuery(a, schema));
    // The comparison's literal differs: shared.
    const b = 'SELECT SUM(age * 3) AS s FROM donors WHERE age >= 41 AND age / 2 > 5 GROUP BY zip';
    expect(cache.get(b, schema)).toEqual(planDpQuery(b, schema));
    expect(cache.shapeHits).toBe(1);
    // The SELECT constant or the divisor differs: planned afresh (the divisor 0 is the planner's refusal).
    for (const c of [
      'SELECT SUM(age * 4) AS s FROM donors WHERE age >= 20 AND age / 2 > 5 GROUP BY zip',
      'SELECT SUM(age * 3) AS s FROM donors WHERE age >= 20 AND age / 0 > 5 GROUP BY zip',
    ])
      expect(cache.get(c, schema)).toBeUndefined();
    // A value the SELECT also holds is not lifted.
    const d = 'SELECT SUM(age * 3) AS s FROM donors WHERE age >= 3';
    cache.set(d, schema, planDpQuery(d, schema));
    expect(cache.get('SELECT SUM(age * 3) AS s FROM donors WHERE age >= 4', schema)).toBeUndefined();
    // A literal the planner refuses (not finite) is left to the planner.
    const e = `SELECT SUM(age * 3) AS s FROM donors WHERE age >= ${'9'.repeat(400)} AND age / 2 > 5 GROUP BY zip`;
    expect(cache.get(e, schema)).toBeUndefined();
    expect(() => planDpQuery(e, schema)).toThrow();
  });

  it('keys each literal by its compile type: a shape shares one statement text (compile-env.ts, Params rule 2)', () => {
    let cache = new PlanCache();
    const text = (lit: string) => `SELECT COUNT(*) AS n FROM donors WHERE age >= ${lit} GROUP BY zip`;
    const compiled = (t: string) => {
      const plan = cache.get(t, schema) ?? planDpQuery(t, schema);
      const c = compileDpQuery(plan, duckdbDialect, 1n, schema);
      return { sql: c.main.sql, types: c.main.params.map((p) => p.type) };
    };
    for (const [a, b, shared] of [
      ['20', '41', true],
      ['1.5', '2.5', true],
      ['1.0', '3.5', false],
      ['9007199254740991', '9007199254740993', false],
      ['20.5', '90', false],
    ] as const) {
      cache = new PlanCache();
      cache.set(text(a), schema, planDpQuery(text(a), schema));
      const hits = cache.shapeHits;
      const got = cache.get(text(b), schema);
      expect(got).toEqual(shared ? planDpQuery(text(b), schema) : undefined);
      expect(cache.shapeHits).toBe(hits + (shared ? 1 : 0));
      if (shared) expect(compiled(text(b))).toEqual(compiled(text(a)));
    }
  });
});
