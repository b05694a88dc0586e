/**
 * The row-level statement's shape (stop 19, issue 15; server's proposal, reviewed in src/sql/compile.proof.md,
 * "Aggregation"): no CAST around row-level COUNT/SUM, COUNT(*) read once as `units`, and a linear sum's affine map
 * applied by the release in BigInt (`exactUnits`). What must not change:
 * - a COUNT(*) output is still released as a count with contribution bound C, not as a count of distinct units
 *   (its kind comes from the aggregate, not from the column it reads);
 * - the exact units equal S·inverse − N·offset, and 0 when S is NULL (as the SQL's NULL arithmetic gave) —
 *   generative (fast-check, seed 1904) on engine values of S and N (number, digit text, NULL).
 * End to end, the exact inputs are checked against a reference on both engines by test/sql/null-aggregates.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitDpBudget } from '../../src/sql/budget-split.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { postgresDialect } from '../../src/sql/dialects/postgres.js';
import type { EngineRow } from '../../src/sql/engine.js';
import { exactUnits } from '../../src/sql/engine-values.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { tableOutputs } from '../../src/sql/release-group.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const schema = parseSqlSchema({
  dataset: 'shape',
  budget: { epsilon: 10 },
  tables: {
    r: {
      maxContributionsPerPartition: 3,
      columns: { g: { type: 'string', categories: ['a', 'b'] }, k: { type: 'integer', lower: 0, upper: 20 } },
    },
  },
});

describe('row-level statement shape', () => {
  for (const dialect of [duckdbDialect, postgresDialect]) {
    it(`${dialect.name}: no CAST to the wide type, COUNT(*) once, the linear sum as SUM and COUNT`, () => {
      const plan = planDpQuery('SELECT g, COUNT(*) AS n, SUM(k) AS s, AVG(k) AS m FROM r GROUP BY g', schema);
      const c = compileDpQuery(plan, dialect, 7n, schema);
      expect(c.main.sql).not.toMatch(new RegExp(`AS ${dialect.typeName('wide')}\\)`));
      expect(c.main.sql.match(/COUNT\(\*\)/g)).toHaveLength(1);
      const [, count, , mean] = c.inputs;
      expect(count).toEqual({ kind: 'count', count: 'units' });
      // AVG's grid is centred: a nonzero offset, so the count column is read (and shared with the mean's own count).
      expect(mean?.kind === 'mean' && mean.linear?.count === mean.count).toBe(true);
    });
  }

  it('COUNT(*) reading `units` is still released as a count (bound C), COUNT(DISTINCT) kinds unchanged', () => {
    const plan = planDpQuery('SELECT g, COUNT(*) AS n FROM r GROUP BY g', schema);
    const c = compileDpQuery(plan, duckdbDialect, 7n, schema);
    const t = tableOutputs(
      plan,
      splitDpBudget(plan, { epsilon: 1 }),
      c,
      plan.outputs.map(() => 0.95),
      0,
    );
    expect(t.outputs.map((o) => o.kind)).toEqual(['count']);
  });

  it('generative (fast-check, seed 1904): exact units = S·inverse − N·offset, 0 when S is NULL', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.boolean(),
        (s, n, inverse, offset, sNull) => {
          const sValue = sNull ? null : Number.isSafeInteger(Number(s)) && BigInt(Number(s)) === s ? Number(s) : s.toString();
          const row: EngineRow = { a0: sValue, a1: n.toString() };
          const got = exactUnits(row, { units: 'a0', linear: { count: 'a1', inverse, offset } });
          expect(got).toBe(sNull ? 0n : s * BigInt(inverse) - n * BigInt(offset));
          const noCount = exactUnits(row, { units: 'a0', linear: { inverse, offset: 0 } });
          expect(noCount).toBe(sNull ? 0n : s * BigInt(inverse));
        },
      ),
      { seed: 1904, numRuns: 300 },
    );
  });
});
