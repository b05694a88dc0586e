/**
 * The rewritten SQL must not raise data-dependent errors (SECURITY.md §3): an
 * integer multiplication in BIGINT whose operand is a per-unit row count would
 * overflow once one unit has enough rows, and the engine error would tell.
 */
import { describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { visitsSchema } from './fixtures.js';

describe('compiled SQL widens counts before multiplying them', () => {
  for (const dialect of [duckdbDialect, postgresDialect]) {
    it(`never multiplies a raw per-unit column by a parameter (${dialect.name})`, () => {
      const plan = planDpQuery(
        'SELECT region, AVG(minutes) AS m, AVG(day) AS d, SUM(minutes) AS s FROM visits GROUP BY region',
        visitsSchema(),
      );
      const sql = compileDpQuery(plan, dialect, 1n, visitsSchema()).main.sql;
      // A per-unit aggregate ("uN") times a bind parameter, without a CAST to the wide type around it.
      expect(sql).not.toMatch(/[^(]"u\d+" \* \$\d+/);
      expect(sql).toMatch(/CAST\("u\d+" AS (HUGEINT|numeric)\) \* \$\d+/);
    });
  }
});
