/**
 * Per-row cost (issue 10, item 14, planner part; rule in src/sql/plan/row-cost.ts): LIKE patterns with
 * inner `%`, long patterns, backslashes, and concatenations of two row values are refused; regular
 * expressions and string-growing functions are not on the allow-list. The generative tests compare the
 * planner with an independent oracle of the rule, and run accepted text expressions on DuckDB over long
 * values to check that no accepted expression grows a value beyond one column plus the query's literals.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { visitsSchema } from './fixtures.js';

function accepted(where: string): boolean {
  try {
    planDpQuery(`SELECT COUNT(*) AS n FROM visits WHERE ${where}`, visitsSchema());
    return true;
  } catch (e) {
    if (e instanceof DpError && e.code === 'UNSUPPORTED_QUERY') return false;
    throw e;
  }
}

describe('per-row cost: regressions', () => {
  it("refuses the slow predicate (note || note) LIKE '%_%_%_%_%#' on both counts", () => {
    expect(accepted("person_id = 42 AND (city || city) LIKE '%_%_%_%_%#'")).toBe(false);
    expect(accepted("person_id = 42 AND city LIKE '%_%_%_%_%#'")).toBe(false);
    expect(accepted('person_id = 42 AND (city || city) = region')).toBe(false);
  });

  it('refuses regular expressions, SIMILAR TO, ESCAPE and string-growing functions', () => {
    for (const where of [
      "city SIMILAR TO '(a|b)*c'",
      "city ~ '^(a+)+$'",
      "regexp_matches(city, '(a+)+')",
      "repeat(city, 1000) = 'x'",
      "lpad(city, 100000, 'x') = 'x'",
      "rpad(city, day, 'x') = 'x'",
      "replace(city, 'a', 'aaaa') = 'x'",
      "concat(city, city) = 'x'",
      "city LIKE 'a!%' ESCAPE '!'",
    ]) {
      expect(accepted(where), where).toBe(false);
    }
  });

  it('accepts exact, prefix, suffix and contains patterns and a concatenation of one column with literals', () => {
    for (const where of [
      "city LIKE 'c1'",
      "city LIKE 'c%'",
      "city NOT ILIKE '%1'",
      "city LIKE '%_1_%'",
      "'id-' || city || '-' || 'x' = 'id-c1-x'",
      "lower(city || 'X') = 'c1x'",
    ]) {
      expect(accepted(where), where).toBe(true);
    }
  });
});

describe('per-row cost: generative', () => {
  it('a LIKE pattern is accepted exactly when it has no backslash, at most 64 characters and % only at its ends', () => {
    const pattern = fc.array(fc.constantFrom('a', 'b', '%', '_', '\\', ' ', '#'), { maxLength: 80 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(pattern, fc.constantFrom('LIKE', 'NOT LIKE', 'ILIKE', 'NOT ILIKE'), (p, op) => {
        const oracle = !p.includes('\\') && p.length <= 64 && !p.slice(1, -1).includes('%');
        expect(accepted(`city ${op} '${p}'`), `${op} '${p}'`).toBe(oracle);
      }),
      { numRuns: 400, seed: 1401 },
    );
  });

  type Text = { readonly sql: string; readonly rowDependent: boolean; readonly allowed: boolean; readonly literals: number };
  const lit = (s: string): Text => ({ sql: `'${s}'`, rowDependent: false, allowed: true, literals: s.length });
  const text: fc.Arbitrary<Text> = fc.letrec<{ t: Text }>((tie) => ({
    t: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom<Text>(
        { sql: 'city', rowDependent: true, allowed: true, literals: 0 },
        { sql: 'region', rowDependent: true, allowed: true, literals: 0 },
        lit('ab'),
        lit(''),
      ),
      fc.tuple(tie('t'), tie('t')).map(([a, b]) => ({
        sql: `(${a.sql} || ${b.sql})`,
        rowDependent: a.rowDependent || b.rowDependent,
        allowed: a.allowed && b.allowed && !(a.rowDependent && b.rowDependent),
        literals: a.literals + b.literals,
      })),
      fc.tuple(fc.constantFrom('lower', 'upper', 'trim'), tie('t')).map(([f, a]) => ({ ...a, sql: `${f}(${a.sql})` })),
      fc.tuple(tie('t'), tie('t')).map(([a, b]) => ({
        sql: `coalesce(${a.sql}, ${b.sql})`,
        rowDependent: a.rowDependent || b.rowDependent,
        allowed: a.allowed && b.allowed,
        literals: a.literals + b.literals,
      })),
      fc.tuple(tie('t'), tie('t')).map(([a, b]) => ({
        sql: `CASE WHEN day > 3 THEN ${a.sql} ELSE ${b.sql} END`,
        rowDependent: true,
        allowed: a.allowed && b.allowed,
        literals: a.literals + b.literals,
      })),
      fc.tuple(fc.constantFrom('repeat(%, 3)', "lpad(%, 50, 'x')", "replace(%, 'a', 'aa')", 'concat(%, %)'), tie('t')).map(([f, a]) => ({
        sql: f.replaceAll('%', a.sql),
        rowDependent: a.rowDependent,
        allowed: false,
        literals: a.literals,
      })),
    ),
  })).t;

  let duck: DuckDbEngine;
  beforeAll(async () => {
    duck = await DuckDbEngine.open({ allowExternalAccess: true });
    await duck.connection.run('CREATE TABLE visits (person_id BIGINT, city VARCHAR, region VARCHAR, day BIGINT)');
    await duck.connection.run(
      "INSERT INTO visits VALUES (1, repeat('ß', 500), repeat('x', 300), 1), (2, repeat('a', 500), NULL, 5), (3, NULL, 'q', 7)",
    );
  });
  afterAll(async () => {
    await duck?.close();
  });

  it('a text expression is accepted exactly when no concatenation joins two row values and no growing function is used; accepted ones never grow a value', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        expect(accepted(`${t.sql} = 'ab'`), t.sql).toBe(t.allowed);
        if (!t.allowed) return;
        const [row] = await duck.query({ sql: `SELECT MAX(LENGTH(${t.sql})) AS m FROM visits`, params: [] });
        // One column (at most 500 characters, up to 3× through upper/lower case mapping) plus the literals.
        expect(Number(row?.m ?? 0), t.sql).toBeLessThanOrEqual(3 * 500 + t.literals);
      }),
      { numRuns: 300, seed: 1402 },
    );
  });
});
