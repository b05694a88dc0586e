import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { rowSchema, visitsSchema } from './fixtures.js';

function refusal(sql: string, schema = visitsSchema()): DpError {
  try {
    planDpQuery(sql, schema);
  } catch (e) {
    if (e instanceof DpError) return e;
    throw e;
  }
  throw new Error(`accepted: ${sql}`);
}

describe('planDpQuery accepts the documented subset', () => {
  it('plans counts, sums, means, variances and quantiles with bounds from the schema', () => {
    const plan = planDpQuery(
      'SELECT region, COUNT(*) AS n, COUNT(DISTINCT person_id) AS people, SUM(amount) AS total, AVG(minutes), VARIANCE(minutes), STDDEV(amount), MEDIAN(day), QUANTILE(amount, 0.9), MIN(day), MAX(day) FROM visits GROUP BY region',
      visitsSchema(),
    );
    expect(plan.outputs.map((o) => (o.kind === 'aggregate' ? o.aggregate.kind : o.kind))).toEqual([
      'key',
      'count',
      'countUnits',
      'sum',
      'mean',
      'variance',
      'variance',
      'quantile',
      'quantile',
      'quantile',
      'quantile',
    ]);
    expect(plan.privacy).toMatchObject({ rowLevel: false, maxPartitions: 2, maxContributionsPerPartition: 3 });
    expect(plan.groupBy[0]?.categories).toEqual(['north', 'south', 'east']);
    expect(Object.isFrozen(plan) && Object.isFrozen(plan.outputs)).toBe(true);
  });

  it('derives clamping bounds of CASE, CAST and arithmetic from declared bounds', () => {
    const plan = planDpQuery(
      "SELECT SUM(CASE WHEN region = 'north' THEN amount * 2 ELSE -1 END) AS s, AVG(CAST(minutes AS double precision) / 60) AS h FROM visits WHERE city LIKE 'a%' AND day BETWEEN 1 AND 10",
      visitsSchema(),
    );
    const [s, h] = plan.outputs;
    expect(s?.kind === 'aggregate' && s.aggregate.kind === 'sum' && [s.aggregate.measure.lower, s.aggregate.measure.upper]).toEqual([
      -1, 200,
    ]);
    expect(h?.kind === 'aggregate' && h.aggregate.kind === 'mean' && [h.aggregate.measure.lower, h.aggregate.measure.upper]).toEqual([
      0, 1,
    ]);
  });

  it('reads PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x) as a quantile', () => {
    const plan = planDpQuery('SELECT PERCENTILE_CONT(0.25) WITHIN GROUP (ORDER BY amount) AS q FROM visits', visitsSchema());
    const q = plan.outputs[0];
    expect(q?.kind === 'aggregate' && q.aggregate.kind === 'quantile' && q.aggregate.p).toBe(0.25);
  });

  it('accepts HAVING, ORDER BY and LIMIT as post-processing of outputs', () => {
    const plan = planDpQuery(
      'SELECT region, COUNT(*) AS n FROM visits GROUP BY region HAVING COUNT(*) > 10 ORDER BY n DESC LIMIT 2 OFFSET 1',
      visitsSchema(),
    );
    expect(plan.having).toEqual({ kind: 'binary', op: '>', left: { kind: 'output', index: 1 }, right: { kind: 'literal', value: 10 } });
    expect(plan.orderBy).toEqual([{ output: 1, descending: true }]);
    expect([plan.limit, plan.offset]).toEqual([2, 1]);
  });

  it('accepts a join with a public table and a join of private tables on the privacy unit', () => {
    const a = planDpQuery('SELECT r.label, COUNT(*) FROM visits v JOIN regions r ON v.region = r.code GROUP BY r.label', visitsSchema());
    expect(a.joins[0]?.kind).toBe('public');
    const b = planDpQuery('SELECT AVG(p.age) FROM visits v JOIN people p ON v.person_id = p.person_id', visitsSchema());
    expect(b.joins[0]?.kind).toBe('unit');
    const c = planDpQuery('SELECT s.shop, COUNT(*) FROM sales s LEFT JOIN shops o ON o.shop = s.shop GROUP BY s.shop', rowSchema());
    expect(c.privacy.rowLevel).toBe(true);
  });
});

describe('planDpQuery refuses everything else with UNSUPPORTED_QUERY, the construct, its position and a fix', () => {
  const cases: [string, string, RegExp, { line: number; column: number }?][] = [
    ['SELECT *', 'SELECT * FROM visits', /\*/, { line: 1, column: 8 }],
    ['a raw private column', 'SELECT city FROM visits', /raw column "city"/, { line: 1, column: 8 }],
    ['a window function', 'SELECT COUNT(*) OVER () FROM visits', /window function/],
    ['several statements', 'SELECT COUNT(*) FROM visits; SELECT 1', /several statements/, { line: 1, column: 30 }],
    ['a file function', "SELECT COUNT(*) FROM read_csv('/etc/passwd')", /table function read_csv/],
    ['a system function', "SELECT COUNT(*) FROM visits WHERE pg_read_file('x') = ''", /pg_read_file/],
    ['a subquery', 'SELECT COUNT(*) FROM visits WHERE day IN (SELECT day FROM visits)', /subquery/],
    ['a subquery in FROM', 'SELECT COUNT(*) FROM (SELECT * FROM visits) t', /subquery/],
    ['an unbounded private join', 'SELECT COUNT(*) FROM visits v JOIN people p ON v.day = p.age', /join of private table/],
    ['a cross join', 'SELECT COUNT(*) FROM visits CROSS JOIN people', /CROSS JOIN/],
    ['a comma join', 'SELECT COUNT(*) FROM visits, people', /comma join/],
    ['an unknown column', 'SELECT SUM(salary) FROM visits', /column "salary"/],
    ['an unknown table', 'SELECT COUNT(*) FROM secrets', /table "secrets"/],
    ['GROUP BY the unit', 'SELECT person_id, COUNT(*) FROM visits GROUP BY person_id', /privacy unit/],
    ['COUNT DISTINCT of another column', 'SELECT COUNT(DISTINCT city) FROM visits', /COUNT\(DISTINCT column\)/],
    ['a sum without bounds', 'SELECT SUM(person_id) FROM visits', /without bounds/],
    ['WITH', 'WITH x AS (SELECT 1) SELECT COUNT(*) FROM visits', /WITH/],
    ['UNION', 'SELECT COUNT(*) FROM visits UNION SELECT COUNT(*) FROM people', /UNION/],
    ['INSERT', 'INSERT INTO visits VALUES (1)', /INSERT/],
    ['DROP', 'DROP TABLE visits', /DROP/],
    ['division by a column', 'SELECT COUNT(*) FROM visits WHERE amount / day > 1', /division by a non-constant/],
    ['a syntax error', 'SELEC COUNT(*) FROM visits', /syntax error/],
    ['a scalar function of an aggregate', 'SELECT ROUND(COUNT(*)) FROM visits', /output expression func call/],
    ['an output expression without an aggregate', 'SELECT 1 + 2 AS x FROM visits', /"x" without an aggregate/],
    ['an output expression over another', 'SELECT COUNT(*) + 1 AS a, a * 2 AS b FROM visits', /output "a" inside another/],
    ['SELECT DISTINCT', 'SELECT DISTINCT region FROM visits', /SELECT DISTINCT/],
    ['an aggregate in WHERE', 'SELECT COUNT(*) FROM visits WHERE SUM(amount) > 3', /aggregate SUM/],
    ['a repeating join with a row-level table', 'SELECT COUNT(*) FROM sales s JOIN shops o ON o.owner = s.item', /may repeat rows/],
  ];
  for (const [name, sql, pattern, position] of cases) {
    it(`refuses ${name}`, () => {
      const e = refusal(sql, /sales|shops/.test(sql) ? rowSchema() : visitsSchema());
      expect(e.code).toBe('UNSUPPORTED_QUERY');
      expect(e.message).toMatch(pattern);
      const details = e.details as { position?: { line: number; column: number }; hint?: string };
      expect(details.position?.line).toBeGreaterThanOrEqual(1);
      if (position) expect(details.position).toEqual(position);
    });
  }

  it('reports line and column on multi-line queries', () => {
    const e = refusal('SELECT COUNT(*)\nFROM visits\nWHERE version() = 1');
    expect((e.details as { position?: unknown }).position).toEqual({ line: 3, column: 7 });
    expect(e.message).toContain('3:7');
  });

  it('never echoes anything but the query and the schema in a refusal', () => {
    const e = refusal("SELECT COUNT(*) FROM visits WHERE nonexistent_fn(city) = 'x'");
    expect(e.message).toMatch(/nonexistent_fn.*allow-list/);
  });
});

describe('parseSqlSchema', () => {
  it('names the path and the expectation of an invalid schema', () => {
    const bad = (raw: unknown) => {
      try {
        parseSqlSchema(raw);
      } catch (e) {
        return e as DpError;
      }
      throw new Error('accepted');
    };
    expect(bad({ budget: { epsilon: 1 }, tables: { t: { columns: { x: { type: 'integer', lower: 5, upper: 1 } } } } }).message).toMatch(
      /\$\.tables\.t\.columns\.x\.upper: expected a number greater than lower/,
    );
    expect(bad({ budget: { epsilon: -1 }, tables: {} }).details).toMatchObject({ path: '$.budget.epsilon' });
    expect(bad({ budget: { epsilon: 1 }, tables: { t: { privacyUnit: 'id', columns: { x: { type: 'integer' } } } } }).message).toMatch(
      /privacyUnit/,
    );
    expect(bad({ budget: { epsilon: 1 }, tables: { t: { columns: { x: { type: 'blob' } } } } }).code).toBe('INVALID_SCHEMA');
  });
});

describe('loadSqlSchema', () => {
  it('reads the same schema from YAML as from JSON', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { loadSqlSchema } = await import('../../src/sql/schema.js');
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-schema-'));
    writeFileSync(
      join(dir, 'shop.schema.yaml'),
      'budget: { epsilon: 2, delta: "1/1000000" }\ntables:\n  sales:\n    privacyUnit: customer\n    maxPartitions: 3\n    columns:\n      customer: { type: int }\n      price: { type: double, lower: 0, upper: 50 }\n',
    );
    const s = loadSqlSchema(join(dir, 'shop.schema.yaml'));
    expect(s.dataset).toBe('shop');
    expect(s.budget.delta.toString()).toBe('1/1000000');
    expect(s.tables.get('sales')).toMatchObject({ unit: { column: 'customer', maxPartitions: 3, maxContributionsPerPartition: 1 } });
    writeFileSync(join(dir, 'bad.yaml'), 'budget: [1');
    expect(() => loadSqlSchema(join(dir, 'bad.yaml'))).toThrow(/INVALID_SCHEMA/);
  });
});

describe('casts', () => {
  it('refuses a CAST of a text column (it could fail on some rows only) but accepts casts of literals and numbers', () => {
    expect(refusal('SELECT COUNT(*) FROM visits WHERE CAST(city AS integer) > 3').message).toMatch(/CAST of text to integer at 1:35/);
    expect(
      planDpQuery("SELECT COUNT(*) FROM visits WHERE CAST('7' AS integer) > day AND CAST(day AS varchar) = '3'", visitsSchema()).where,
    ).not.toBeNull();
  });
});

describe('small syntax forms', () => {
  it('reads ::text and CAST(x AS TEXT) and refuses BETWEEN SYMMETRIC', () => {
    expect(
      planDpQuery("SELECT COUNT(*) FROM visits WHERE day::text = '3' AND CAST(minutes AS TEXT) <> '4'", visitsSchema()).where,
    ).not.toBeNull();
    expect(refusal('SELECT COUNT(*) FROM visits WHERE day BETWEEN SYMMETRIC 1 AND 2').message).toMatch(/BETWEEN SYMMETRIC/);
  });
});
