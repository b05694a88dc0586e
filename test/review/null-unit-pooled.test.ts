/**
 * Review finding (bounded overspend, new class 18 "a value rule that merges people into one unit"):
 * the value rules read a missing or null privacy-unit id as the key '' (src/stats/value-rules.ts
 * `keyText`: null and undefined → ''), so every row whose unit id is missing joins ONE unit '',
 * which contribution bounding then cuts to maxContributionsPerPartition rows chosen at random.
 * Adding one such person to the pool does not add a unit: it can swap the kept row for theirs, so
 * the bounded sum moves by up to (upper − lower), not max(|lower|, |upper|), while the noise is
 * calibrated to the latter. Example: bounds [−1, 1], one row kept per unit; D′ = {null: −1},
 * D = D′ + {null: +1}. The exact sum is −1 on D′ and +1 or −1 on D (each w.p. ½): 2 apart against
 * a declared sensitivity of 1, so the loss at ε = 1 is ln(½e² + ½) ≈ 1.43 (grows toward 2ε).
 * DP SQL also pools NULL unit ids into one unit (`PARTITION BY unit` groups NULLs: 3 NULL-id rows
 * give COUNT 1), but it clamps the unit's per-partition total, which is 1-Lipschitz in one added
 * row, so its SUM/COUNT held (checked on DuckDB with the trace hook); the Session keeps a random
 * subset of the pooled rows, which is not.
 *
 * Rule that closes the class: a row whose unit id is missing is not a unit: drop it (a row-level
 * filter), or make each such row its own unit; never pool rows under a shared placeholder id.
 * Owners: stats (value-rules.ts / aggregate-query.ts); sqlrun should state its NULL-unit rule too.
 */
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/session.js';
import { startTrace } from '../../src/testing/trace.js';

/** The exact sums (value units) noise was added to, and the declared sensitivity, over seeds 0..11. */
function exactSums(rows: readonly object[]): { values: number[]; sensitivity: number } {
  const values: number[] = [];
  let sensitivity = 0;
  for (let seed = 0; seed < 12; seed++) {
    const session = Session.fromRecords(rows, {
      columns: ['pid', 'x'],
      privacyUnit: 'pid',
      budget: PrivacyBudget.pure(10),
      rng: new SeededRandomSource(seed),
    });
    const trace = startTrace();
    try {
      session
        .query()
        .sum('x', { bounds: [-1, 1] })
        .release({ epsilon: 1 });
    } finally {
      trace.stop();
    }
    const record = trace.noise.find((r) => r.primitive.includes('sum'));
    if (record === undefined) throw new Error('no sum traced');
    values.push(Number(record.value) / 2 ** 31); // grid units of [−1, 1] sums are 2^-31
    sensitivity = record.sensitivity;
  }
  return { values, sensitivity };
}

describe('review: rows with a missing unit id are pooled into one unit', () => {
  it('control: with their own ids, adding a person moves the exact sum by at most the sensitivity', () => {
    const d = exactSums([
      { pid: 'a', x: 1 },
      { pid: 'b', x: -1 },
    ]);
    const dPrime = exactSums([{ pid: 'b', x: -1 }]);
    for (const v of d.values) expect(Math.min(...dPrime.values.map((w) => Math.abs(v - w)))).toBeLessThanOrEqual(d.sensitivity);
  });
  it('regression (review R3, fixed by stats: rows without a unit id are dropped): a person with a null id moves the exact sum by at most the sensitivity', () => {
    const d = exactSums([
      { pid: null, x: 1 },
      { pid: null, x: -1 },
    ]);
    const dPrime = exactSums([{ pid: null, x: -1 }]);
    for (const v of d.values) expect(Math.min(...dPrime.values.map((w) => Math.abs(v - w)))).toBeLessThanOrEqual(d.sensitivity);
  });
});
