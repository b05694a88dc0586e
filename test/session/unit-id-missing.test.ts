/**
 * Review finding "null unit pooled" (bounded overspend): rows whose privacy-unit
 * id is missing (undefined, null) or not a key were pooled into ONE unit '';
 * bounding then kept a random subset of the pool, so one id-less person could
 * swap the kept row and move the bounded sum by 2 against a sensitivity of 1.
 * Rule (value-rules.ts `unitText`): such rows identify no unit and are dropped.
 * Review S25b: the empty string (a blank CSV field, how `csvSource` reads it) and
 * a NaN or ±Infinity id identify no one too (they were each pooled into one unit).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { exactLoss } from '../../src/core/exact-loss.js';
import { pure } from '../../src/core/loss.js';
import type { RandomSource } from '../../src/random/source.js';
import { Session } from '../../src/session/index.js';
import type { AggregateQuerySpec } from '../../src/stats/index.js';
import { runAggregateQuery, tableFromRecords } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

/**
 * The released sum under a fixed seed: with the same seed and the same kept rows, the noise draws are the same,
 * so two tables whose bounded data agree release the same value, and a table whose bounded data differ (a pooled
 * id-less row kept instead of another) releases a value about 1 apart (ε = 1e6: the noise is ~1e-6).
 */
function exactSum(rows: Record<string, unknown>[], seed: number): number {
  const spec: AggregateQuerySpec = {
    privacyUnit: 'id',
    aggregates: [{ kind: 'sum', name: 's', column: 'v', bounds: [-1, 1] }],
  };
  const table = tableFromRecords(rows, ['id', 'v']);
  const r = runAggregateQuery(table, spec, { outputs: [exactLoss(pure(1e6))] }, new SeededRandomSource(seed) as RandomSource);
  return r.rows[0]?.values.s?.value ?? Number.NaN;
}

describe('rows without a privacy-unit id are dropped, never pooled into one unit', () => {
  it('regression: id-less rows (null and undefined) do not enter the sum, whatever the seed', () => {
    const base = [{ id: 'a', v: 1 }];
    const withNulls = [...base, { id: null, v: 1 }, { id: undefined, v: -1 }, { v: 1 }, { id: '', v: 1 }, { id: Number.NaN, v: 1 }];
    for (let seed = 0; seed < 20; seed++) {
      expect(exactSum(withNulls, seed)).toBe(exactSum(base, seed));
    }
  });

  it('generative: adding one id-less row (any value) never changes the release under the same seed (deterministic)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.constantFrom<unknown>('a', 'b', 'c', 1, null, undefined, '', Number.NaN, Number.POSITIVE_INFINITY),
            v: fc.double({ min: -1, max: 1, noNaN: true }),
          }),
          { maxLength: 20 },
        ),
        fc.constantFrom<unknown>(null, undefined, '', Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        (rows, missing, v, seed) => {
          const keyed = rows.filter(
            (r) =>
              r.id !== null &&
              r.id !== undefined &&
              r.id !== '' &&
              !Number.isNaN(r.id) &&
              Math.abs(r.id as number) !== Number.POSITIVE_INFINITY,
          );
          // With only keyed rows, each unit's one kept row is a uniform choice; compare through the same seed and the
          // same row order, so the choice is the same: the id-less rows must not take part in it.
          expect(exactSum([...rows, { id: missing, v }], seed)).toBe(exactSum(keyed, seed));
        },
      ),
      { seed: 2101, numRuns: 100 },
    );
  });

  it('the Session answers as if id-less rows were absent', () => {
    const rows = [
      { id: 'a', v: 1 },
      { id: null, v: 1 },
    ];
    const s = Session.fromRecords(rows, {
      columns: ['id', 'v'],
      privacyUnit: 'id',
      budget: PrivacyBudget.pure(1e7),
      rng: new SeededRandomSource(1),
    });
    const r = s.query().countDistinct().release({ epsilon: 1e6 });
    expect(r.rows[0]?.values.count_distinct?.value).toBe(1);
  });
});
