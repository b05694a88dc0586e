/** Every malformed query is refused before the session charges anything (SECURITY.md §5: a refused query charges nothing). */
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { approximate } from '../../src/core/loss.js';
import { Session } from '../../src/session/index.js';
import type { InvalidValueRule } from '../../src/stats/value-rules.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const rows = Array.from({ length: 40 }, (_, i) => ({ person_id: `p${i}`, education: i % 2 ? 'a' : 'b', age: 20 + i }));

describe('Session refuses malformed queries before charging', () => {
  it('a bad onInvalid rule or partition selection method costs nothing', () => {
    const session = Session.fromRecords(rows, {
      columns: ['person_id', 'education', 'age'],
      privacyUnit: 'person_id',
      budget: PrivacyBudget.approximate(1, 1e-6),
      rng: new SeededRandomSource(9),
    });
    const bogusRule = { impute: Number.NaN } as InvalidValueRule;
    expect(() =>
      session
        .query()
        .mean('age', { bounds: [0, 100], onInvalid: bogusRule })
        .release({ epsilon: 0.5 }),
    ).toThrow(/INVALID_PARAMETER/);
    expect(() =>
      session
        .query()
        .sum('age', { bounds: [0, 100], onInvalid: 'skip' as unknown as InvalidValueRule })
        .release({ epsilon: 0.5 }),
    ).toThrow(/INVALID_PARAMETER/);
    expect(() =>
      session
        .query()
        .groupBy('education')
        .selectPartitionsWith('bogus' as 'laplace')
        .count()
        .release({ epsilon: 0.5, delta: 1e-7 }),
    ).toThrow(/INVALID_PARAMETER/);
    expect(session.remaining).toEqual(approximate(1, 1e-6));
  });
});
