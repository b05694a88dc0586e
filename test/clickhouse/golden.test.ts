/**
 * Golden SQL for the ClickHouse dialect: the compiled per-shard statements are
 * pinned in test/clickhouse/golden/ (regenerate deliberately with
 * UPDATE_GOLDEN=1 and review the diff). Needs no server: the text is checked
 * here; test/clickhouse/cluster.test.ts runs the same shapes on a real cluster.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { clickhouseArraysDialect, clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { textLiteral } from '../../src/sql/dialects/clickhouse-literals.js';
import { shardsByUnit } from '../../src/sql/engines/clickhouse.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { rowSchema, visitsSchema } from '../sql/fixtures.js';
import { expectGolden, GOLDEN_CASES, type GoldenCase } from '../sql/golden-harness.js';

const dir = join(import.meta.dirname, 'golden');
const cases: GoldenCase[] = [
  ...GOLDEN_CASES,
  [
    'join-public',
    'SELECT r.label, COUNT(*) AS n, SUM(v.amount) AS s FROM visits v JOIN regions r ON r.code = v.region GROUP BY r.label',
    'visits',
  ],
  [
    'join-unit-left',
    "SELECT v.region, COUNT(*) AS n, AVG(p.age) AS a FROM visits v LEFT JOIN people p ON p.person_id = v.person_id AND p.age > 17 AND v.city <> 'x' GROUP BY v.region",
    'visits',
  ],
];

function render(sql: string, schema: 'rows' | 'visits', limitBy: boolean): string {
  const s = schema === 'rows' ? rowSchema() : visitsSchema();
  const c = compileDpQuery(planDpQuery(sql, s), limitBy ? clickhouseArraysDialect : clickhouseDialect, 42n, s);
  expect(c.main.params).toEqual([]);
  return [c.main, ...c.histograms].map((x) => `${x.sql}\n`).join('\n');
}

describe('golden compiled SQL for ClickHouse', () => {
  for (const [name, sql, schema] of cases) {
    for (const limitBy of [false, true]) {
      if (limitBy && schema === 'rows') continue;
      it(`pins ${name}${limitBy ? ' (arrays top-P)' : ''} for clickhouse`, () => {
        expectGolden(dir, `${name}${limitBy ? '.arrays' : ''}.clickhouse.sql`, render(sql, schema, limitBy));
      });
    }
  }

  it('uses no window function, no CTE and no bind parameter, and orders bounding by the salted hash only', () => {
    const s = visitsSchema();
    for (const [, sql, schema] of cases) {
      const sch = schema === 'rows' ? rowSchema() : s;
      for (const d of [clickhouseDialect, clickhouseArraysDialect]) {
        const c = compileDpQuery(planDpQuery(sql, sch), d, 12345n, sch);
        for (const st of [c.main, ...c.histograms]) {
          expect(st.sql).not.toMatch(/\bOVER\b|\bWITH\b|\$\d/);
          if (/LIMIT \d+ BY/.test(st.sql)) expect(st.sql).toMatch(/ORDER BY tsdp_u, tsdp_h,/);
          if (schema === 'visits' && /GROUP BY region|GROUP BY 1/.test(sql)) expect(st.sql).toContain('cityHash64(tsdp_u, tsdp_k0');
        }
      }
    }
  });

  it('writes a JOIN as nested single joins with renamed columns and join_use_nulls, and refuses a LEFT JOIN condition it cannot write', () => {
    const s = visitsSchema();
    const plan = planDpQuery(
      'SELECT r.label, COUNT(*) AS n FROM visits v LEFT JOIN regions r ON r.code = v.region JOIN people p ON p.person_id = v.person_id GROUP BY r.label',
      s,
    );
    const c = compileDpQuery(plan, clickhouseDialect, 1n, s);
    expect(c.main.sql).toMatch(/ SETTINGS join_use_nulls = 1$/);
    expect(c.main.sql.match(/ ALL (LEFT|INNER) JOIN /g)).toEqual([' ALL LEFT JOIN ', ' ALL INNER JOIN ']);
    // Columns are read by their renamed names only (no alias.column after the FROM).
    expect(c.main.sql).not.toMatch(/`[vrp]`\./);
    const mixed = planDpQuery(
      'SELECT COUNT(*) AS n FROM visits v LEFT JOIN people p ON p.person_id = v.person_id AND p.age < v.minutes',
      s,
    );
    expect(() => compileDpQuery(mixed, clickhouseDialect, 1n, s)).toThrow(
      /UNSUPPORTED_QUERY: this LEFT JOIN condition is not supported on ClickHouse/,
    );
  });

  it('writes every text literal with no quote, backslash escape or control byte the value could end it with (fast-check, seed 1017)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const lit = textLiteral(s);
        const inner = lit.slice(1, -1);
        expect(lit.startsWith("'") && lit.endsWith("'")).toBe(true);
        // Only safe ASCII and \xHH escapes inside: no quote, no lone backslash, no newline, no NUL.
        expect(inner).toMatch(/^(?:[A-Za-z0-9 _.,:/+-]|\\x[0-9A-F]{2})*$/);
      }),
      { numRuns: 200, seed: 1017 },
    );
  });

  it('keeps a query literal out of the SQL only as an escaped literal (regression: a quote in WHERE)', () => {
    const plan = planDpQuery("SELECT COUNT(*) FROM visits WHERE city = 'a''; DROP TABLE visits; --'", visitsSchema());
    const c = compileDpQuery(plan, clickhouseDialect, 1n, visitsSchema());
    expect(c.main.sql).not.toContain("'; DROP");
    expect(c.main.sql).toContain("'a\\x27\\x3B DROP TABLE visits\\x3B --'");
  });
});

describe('the sharding-key rule (review S10)', () => {
  const allowed = ['cityHash64', 'sipHash64', 'intHash64', 'xxHash64', 'murmurHash3_64', 'toUInt64', 'toString'];
  const other = ['rand', 'rand64', 'now', 'rowNumberInAllBlocks', 'randConstant', 'blockNumber', 'plus'];
  it('accepts a key iff it nests only allow-listed deterministic functions around the unit alone (fast-check, seed 1610)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...allowed, ...other), { maxLength: 3 }),
        fc.constantFrom('pid', '`pid`', 'other', 'pid, 1', 'pid + 1'),
        (fs, inner) => {
          const key = fs.reduceRight((acc, f) => `${f}(${acc})`, inner);
          const expected = fs.every((f) => allowed.includes(f)) && (inner === 'pid' || inner === '`pid`');
          expect(shardsByUnit(key, 'pid'), key).toBe(expected);
        },
      ),
      { numRuns: 300, seed: 1610 },
    );
    expect(shardsByUnit('rand(pid)', 'pid')).toBe(false);
  });
});
