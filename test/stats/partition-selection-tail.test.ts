/**
 * The truncated-geometric keep probabilities are computed up to MAX_SELECTION_TABLE units (was 10⁷); for
 * a tiny per-partition ε and δ the sequence has not reached 1 by then, and a
 * jump to 1 past the table would break p(n) ≤ e^ε p(n−1) + δ.
 */
import { describe, expect, it } from 'vitest';
import { makePartitionSelector } from '../../src/stats/partition-selection.js';

describe('truncated-geometric partition selection beyond its table', () => {
  it('keeps p(n) ≤ e^ε p(n−1) + δ for every n, also past 10⁷ units (exact probabilities, no sampling)', () => {
    const epsilon = 1e-7;
    const delta = 1e-12;
    const selector = makePartitionSelector({ epsilon, delta });
    for (const n of [9_999_999, 10_000_000, 10_000_001, 50_000_000]) {
      const prev = selector.keepProbability(n - 1) as number;
      const here = selector.keepProbability(n) as number;
      expect(here, `p(${n})`).toBeLessThanOrEqual(Math.exp(epsilon) * prev + delta);
      expect(1 - prev, `1 − p(${n - 1})`).toBeLessThanOrEqual(Math.exp(epsilon) * (1 - here) + delta);
    }
  });
});
