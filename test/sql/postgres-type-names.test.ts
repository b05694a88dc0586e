/**
 * Review S42 (class 3, S39's shadowing through type names): every type the PostgreSQL dialect names in compiled SQL
 * is a grammar keyword bound to pg_catalog or qualified `pg_catalog.` — never an ordinary name a search-path schema
 * could shadow (rule: src/sql/dialects/postgres.ts `TYPES`).
 *
 * Generative (fast-check, seed 42): over random accepted queries (aggregates of casts, date functions, text
 * functions, LIKE, groupings by text/date/number, quantiles), every `CAST(… AS t)` and `::t` in every compiled
 * statement names an allowed type.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const ALLOWED = new Set(['bigint', 'double precision', 'numeric', 'boolean', 'timestamp', 'pg_catalog.text', 'pg_catalog.date']);

const schema = parseSqlSchema({
  dataset: 'types',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    t: {
      privacyUnit: 'pid',
      maxPartitions: 3,
      maxContributionsPerPartition: 2,
      columns: {
        pid: { type: 'string' },
        s: { type: 'string', categories: ['a', 'b'] },
        d: { type: 'date', categories: ['2020-01-01', '2021-01-01'] },
        x: { type: 'float', lower: 0, upper: 100 },
        n: { type: 'integer', lower: 0, upper: 10, categories: [1, 2, 3] },
      },
    },
  },
});

const SELECTS = [
  'COUNT(*) AS c',
  'SUM(x) AS a',
  'AVG(CAST(n AS DOUBLE)) AS a',
  'SUM(CAST(s AS INTEGER)) AS a',
  'SUM(LENGTH(s)) AS a',
  'COUNT(DISTINCT pid) AS c',
  'SUM(EXTRACT(YEAR FROM d)) AS a',
  'QUANTILE(x, 0.5) AS q',
];
const WHERES = [
  '',
  " WHERE s LIKE 'a%'",
  " WHERE LOWER(s) = 'a'",
  " WHERE d >= DATE '2020-06-01'",
  ' WHERE x > 3',
  " WHERE CAST(n AS VARCHAR) = '2'",
];
const GROUPS = ['', ' GROUP BY s', ' GROUP BY d', ' GROUP BY n'];

/** The cast targets of a statement: `AS t)` inside CAST and `::t`. */
function castTypes(sql: string): string[] {
  const out: string[] = [];
  for (const m of sql.matchAll(/\bAS\s+((?:pg_catalog\.)?[a-z_]+(?: precision)?)\s*\)/gi)) out.push(m[1] as string);
  for (const m of sql.matchAll(/::\s*((?:pg_catalog\.)?[a-z_]+(?: precision)?)/gi)) out.push(m[1] as string);
  return out;
}

describe('PostgreSQL compiled SQL names only pinned types (S42)', () => {
  it('generative (fast-check, seed 42): every cast target in compiled statements is a keyword type or pg_catalog-qualified', () => {
    let compiled = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...SELECTS),
        fc.constantFrom(...WHERES),
        fc.constantFrom(...GROUPS),
        fc.bigInt(1n, 2n ** 60n),
        (sel, where, group, salt) => {
          const key = group === '' ? '' : `${group.replace(' GROUP BY ', '')}, `;
          let plan: ReturnType<typeof planDpQuery>;
          try {
            plan = planDpQuery(`SELECT ${key}${sel} FROM t${where}${group}`, schema);
          } catch {
            return; // refused by the planner: nothing compiled
          }
          const c = compileDpQuery(plan, postgresDialect, salt, schema);
          compiled++;
          for (const st of [c.main, ...c.histograms])
            for (const t of castTypes(st.sql)) expect(ALLOWED.has(t.toLowerCase()), `${t} in ${st.sql}`).toBe(true);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
    expect(compiled).toBeGreaterThan(50);
  });
});
