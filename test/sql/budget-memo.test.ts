/**
 * The kept budget split and measurement (src/sql/budget-memo.ts): a memo hit must be exactly what a fresh
 * `splitDpBudget` + `dpSqlMeasurement` of the same plan and budget give — for query shapes, schemas and budgets
 * drawn from small sets, so that later draws meet memo entries of earlier ones that differ in one input only (a
 * key that left one out would hand back another shape's split). And the charged loss `runDpSql` hands out is a
 * copy: mutating it changes no later charge.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lossEquals } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { budgetOf } from '../../src/sql/budget-memo.js';
import { splitDpBudget } from '../../src/sql/budget-split.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { dpSqlMeasurement } from '../../src/sql/query-measurement.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits } from './data.js';
import { visitsSchema } from './fixtures.js';

const SHAPES = [
  'SELECT COUNT(*) AS n FROM visits',
  'SELECT COUNT(*) AS m FROM visits',
  'SELECT COUNT(*) AS n FROM visits WHERE day > 3',
  'SELECT region, COUNT(*) AS n, SUM(amount) AS s FROM visits GROUP BY region',
  'SELECT region, COUNT(*) AS n FROM visits GROUP BY region',
  'SELECT region, AVG(minutes) AS m, STDDEV(day) AS sd FROM visits GROUP BY region',
  'SELECT city, COUNT(*) AS n, AVG(minutes) AS m FROM visits GROUP BY city',
  'SELECT city, COUNT(*) AS n FROM visits GROUP BY city',
  'SELECT city, SUM(amount) / COUNT(*) AS avg FROM visits GROUP BY city',
  'SELECT region, city, COUNT(*) AS n FROM visits GROUP BY region, city',
];

/** The visits table with `maxPartitions` and `regions` declared categories (the inputs of the split's partitions). */
function schemaWith(maxPartitions: number, regions: number) {
  return parseSqlSchema({
    dataset: 'visits',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      visits: {
        privacyUnit: 'person_id',
        maxPartitions,
        maxContributionsPerPartition: 3,
        columns: {
          person_id: { type: 'integer' },
          region: { type: 'string', categories: ['north', 'south', 'east', 'west'].slice(0, regions) },
          city: { type: 'string' },
          amount: { type: 'float', lower: 0, upper: 100 },
          minutes: { type: 'integer', lower: 0, upper: 60 },
          day: { type: 'integer', lower: 1, upper: 31 },
        },
      },
    },
  });
}

const amount = (xs: readonly (number | string)[]) =>
  fc.constantFrom(...xs).chain((x) => fc.constantFrom(x, typeof x === 'number' ? Rational.fromNumberIntended(x) : Rational.parse(x)));
const budgetArb = fc.oneof(
  fc.record({ epsilon: amount([0.5, 1, '1/3']), delta: amount([1e-6, '1e-7']) }),
  fc.record({ epsilon: amount([1, 2]) }),
  fc.record({ rho: amount([0.05, '1/10']), delta: amount([1e-6, 1e-7]) }),
  fc.record({ epsilon: amount([1, 2]), delta: fc.constant(1e-6), noise: fc.constant('gaussian' as const) }),
  // Hostile noises beside the admitted ones (class 12): a refusal must not depend on what the memo holds — the
  // string 'undefined' once shared the key of no noise (review stop 22).
  fc.record({
    epsilon: amount([1, 2]),
    delta: fc.constant(1e-6),
    noise: fc.constantFrom<unknown>('laplace', 'gaussian', undefined, 'undefined', 'none', 'Laplace', '', 0, null) as fc.Arbitrary<never>,
  }),
  fc.record({
    epsilon: amount([1, 2]),
    delta: fc.constant(1e-6),
    reportBounding: fc.constantFrom<boolean | { share: number }>(true, false, { share: 0.1 }, { share: 0.2 }),
  }),
);

describe('the kept budget split and measurement', () => {
  it('a memo hit is exactly a fresh split and measurement (generative over shapes, schemas and budgets)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SHAPES),
        fc.constantFrom(1, 2, 5),
        fc.constantFrom(2, 3),
        budgetArb,
        (sql, maxPartitions, regions, budget) => {
          const plan = planDpQuery(sql, schemaWith(maxPartitions, regions));
          let fresh: ReturnType<typeof budgetOf> | undefined;
          try {
            const split = splitDpBudget(plan, budget);
            fresh = { split, measurement: dpSqlMeasurement(plan, split) };
          } catch (e) {
            // A refused budget is refused the same way through the memo, every time.
            expect(() => budgetOf(plan, budget)).toThrow((e as Error).message);
            expect(() => budgetOf(plan, budget)).toThrow((e as Error).message);
            return;
          }
          for (let call = 0; call < 2; call++) {
            const kept = budgetOf(plan, budget);
            expect(kept.split).toEqual(fresh.split);
            expect(lossEquals(kept.measurement.privacyMap(1), fresh.measurement.privacyMap(1))).toBe(true);
            expect(lossEquals(kept.measurement.calibrated, fresh.measurement.calibrated)).toBe(true);
            expect(kept.measurement.components.map((c) => [c.name, c.exact])).toEqual(
              fresh.measurement.components.map((c) => [c.name, c.exact]),
            );
          }
        },
      ),
      { seed: 2202, numRuns: 400 },
    );
  });

  it('a refusal of a hostile noise never depends on what the memo holds (generative, class 12)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SHAPES),
        fc.constantFrom(1, 2),
        fc.constantFrom(2, 3),
        fc.constantFrom<unknown>('laplace', 'gaussian', 'undefined', 'none', 'Laplace', '', 0, null, {}, ['laplace']),
        fc.constantFrom(1, 2),
        (sql, maxPartitions, regions, noise, epsilon) => {
          const plan = planDpQuery(sql, schemaWith(maxPartitions, regions));
          const budget = { epsilon, delta: 1e-6, noise: noise as never };
          // Fill the memo with the admitted neighbours of this budget first.
          for (const n of [undefined, 'laplace', 'gaussian'] as const) budgetOf(plan, { epsilon, delta: 1e-6, noise: n });
          let refused: string | undefined;
          try {
            splitDpBudget(plan, budget);
          } catch (e) {
            refused = (e as Error).message;
          }
          if (refused === undefined) expect(() => budgetOf(plan, budget)).not.toThrow();
          else expect(() => budgetOf(plan, budget)).toThrow(refused);
        },
      ),
      { seed: 2203, numRuns: 200 },
    );
  });

  describe('through runDpSql', () => {
    let duck: DuckDbEngine;
    beforeAll(async () => {
      duck = await duckdbWithVisits();
    });
    afterAll(async () => {
      await duck?.close();
    });

    it('the loss a result hands out is a copy: mutating it changes no later charge', async () => {
      const schema = visitsSchema();
      const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-budget-memo-')) });
      const sql = 'SELECT region, COUNT(*) AS n FROM visits GROUP BY region';
      const first = await runDpSql({ sql, schema, engine: duck, ledger, epsilon: 0.5, rng: new SeededRandomSource(1) });
      (first.loss as { epsilon: Rational }).epsilon = Rational.ZERO;
      const second = await runDpSql({ sql, schema, engine: duck, ledger, epsilon: 0.5, rng: new SeededRandomSource(2) });
      expect(second.loss.epsilon.toString()).toBe(Rational.fromNumberIntended(0.5).toString());
      const entries = await ledger.entries(schema.dataset);
      expect(entries.map((e) => e.epsilon.toString())).toEqual([second.loss.epsilon.toString(), second.loss.epsilon.toString()]);
    });
  });
});
