/**
 * PostgreSQL raises "LIKE pattern must not end with escape character" only
 * when it evaluates the pattern against a row, so `WHERE person_id = 42 AND
 * city LIKE '%\'` fails exactly when person 42 has rows: a membership oracle.
 * Patterns must be text literals without backslashes (see src/sql/plan/row-cost.ts for the whole pattern rule).
 */
import { describe, expect, it } from 'vitest';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { visitsSchema } from './fixtures.js';

const plan = (where: string) => () => planDpQuery(`SELECT COUNT(*) AS n FROM visits WHERE ${where}`, visitsSchema());

describe('LIKE patterns', () => {
  it('refuses a pattern ending with a lone backslash, and a pattern that is not a literal', () => {
    for (const where of ["person_id = 42 AND city LIKE '%\\'", "city ILIKE 'a\\\\\\'", "city NOT LIKE '\\'", 'city LIKE region']) {
      expect(plan(where), where).toThrow(/UNSUPPORTED_QUERY/);
    }
  });
  it('refuses any backslash, even an escaped one (PostgreSQL reads it as an escape, DuckDB does not)', () => {
    for (const where of ["city LIKE '%\\\\'", "city LIKE 'a\\%'", "city LIKE '\\_'"]) {
      expect(plan(where), where).toThrow(/UNSUPPORTED_QUERY.*backslash/);
    }
  });
  it('accepts ordinary patterns', () => {
    for (const where of ["city LIKE 'c%'", "city NOT ILIKE '%x_'", "city LIKE ''", "city LIKE '%a_b%'"]) {
      expect(plan(where), where).not.toThrow();
    }
  });
});
