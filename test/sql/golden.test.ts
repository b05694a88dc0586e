/**
 * Golden SQL: the compiled text per dialect is pinned in test/sql/golden/.
 * Regenerate deliberately with UPDATE_GOLDEN=1 and review the diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { SqlDialect } from '../../src/sql/dialect.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { rowSchema, visitsSchema } from './fixtures.js';

const dir = join(import.meta.dirname, 'golden');
const cases: [string, string, 'rows' | 'visits'][] = [
  ['row-level', "SELECT shop, COUNT(*) AS n, SUM(qty) AS q, AVG(price) AS p FROM sales WHERE item <> 'x' GROUP BY shop", 'rows'],
  [
    'unit-level',
    'SELECT region, COUNT(*) AS n, SUM(amount) AS s, AVG(minutes) AS m, STDDEV(day) AS sd FROM visits GROUP BY region',
    'visits',
  ],
  ['unit-no-group', 'SELECT COUNT(DISTINCT person_id) AS u, COUNT(city) AS c FROM visits', 'visits'],
  ['quantile', 'SELECT region, MEDIAN(amount) AS m FROM visits GROUP BY region', 'visits'],
  [
    'group-expression',
    "SELECT FLOOR(minutes / 10) AS m10, CASE WHEN day > 15 THEN 'late' ELSE 'early' END AS half, COUNT(*) AS n FROM visits GROUP BY 1, 2",
    'visits',
  ],
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
        const file = join(dir, `${name}.${dialect.name}.sql`);
        const text = render(sql, schema, dialect);
        if (process.env.UPDATE_GOLDEN === '1') {
          mkdirSync(dir, { recursive: true });
          writeFileSync(file, text);
        }
        // A missing golden file fails: it is written only when asked for (UPDATE_GOLDEN=1), then reviewed.
        expect(existsSync(file), `missing golden file ${file}: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
        expect(text).toBe(readFileSync(file, 'utf8'));
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
