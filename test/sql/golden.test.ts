/**
 * Golden SQL: the compiled text per dialect is pinned in test/sql/golden/.
 * Regenerate deliberately with UPDATE_GOLDEN=1 and review the diff.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { SqlDialect } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { rowSchema, visitsSchema } from './fixtures.js';
import { expectGolden, GOLDEN_CASES, type GoldenCase } from './golden-harness.js';

const dir = join(import.meta.dirname, 'golden');
const cases: GoldenCase[] = [
  ...GOLDEN_CASES,
  [
    'joins',
    'SELECT r.label, AVG(p.age) AS a FROM visits v JOIN people p ON v.person_id = p.person_id LEFT JOIN regions r ON v.region = r.code GROUP BY r.label',
    'visits',
  ],
];
const dialects: SqlDialect[] = [duckdbDialect, postgresDialect];

function render(sql: string, schema: 'rows' | 'visits', dialect: SqlDialect): string {
  const plan = planDpQuery(sql, schema === 'rows' ? rowSchema() : visitsSchema());
  const c = compileDpQuery(plan, dialect, 42n, schema === 'rows' ? rowSchema() : visitsSchema());
  const statement = (s: { sql: string; params: readonly { value: unknown; type: string }[] }) =>
    `${s.sql}\n-- params: ${JSON.stringify(s.params.map((p) => `${typeof p.value === 'bigint' ? p.value.toString() : String(p.value)}:${p.type}`))}\n`;
  return [statement(c.main), ...c.histograms.map(statement)].join('\n');
}

describe('golden compiled SQL', () => {
  for (const [name, sql, schema] of cases) {
    for (const dialect of dialects) {
      it(`pins ${name} for ${dialect.name}`, () => {
        expectGolden(dir, `${name}.${dialect.name}.sql`, render(sql, schema, dialect));
      });
    }
  }

  it('never puts a literal of the query into the SQL text', () => {
    const plan = planDpQuery("SELECT COUNT(*) FROM visits WHERE city = 'zzz-secret-literal' AND day > 17", visitsSchema());
    for (const d of dialects) {
      const c = compileDpQuery(plan, d, 1n, visitsSchema());
      expect(c.main.sql).not.toContain('zzz-secret-literal');
      expect(c.main.sql).not.toMatch(/> 17\b/);
      expect(c.main.params.map((p) => p.value)).toContain('zzz-secret-literal');
    }
  });

  it('uses no window function in row-level queries and windows only over the per-unit table otherwise', () => {
    const row = compileDpQuery(planDpQuery('SELECT shop, SUM(qty) FROM sales GROUP BY shop', rowSchema()), duckdbDialect, 1n, rowSchema());
    expect(row.main.sql).not.toMatch(/OVER/);
    const unit = compileDpQuery(
      planDpQuery('SELECT region, SUM(minutes) FROM visits GROUP BY region', visitsSchema()),
      duckdbDialect,
      1n,
      visitsSchema(),
    );
    expect(unit.main.sql).toMatch(
      /ROW_NUMBER\(\) OVER \(PARTITION BY "unit" ORDER BY hash\("unit", "k0", \$\d+::BIGINT\), "k0"\) AS "rn" FROM "tsdp_per_unit"/,
    );
  });
});
