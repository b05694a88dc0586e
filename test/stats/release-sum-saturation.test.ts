/**
 * releaseSum's float path: a float sum far outside what `rowBound` rows of
 * clamped values can reach (the caller's row bound broken by the data) must
 * saturate, not throw (an error after looking at data is a data-dependent
 * signal, SECURITY.md §3).
 */
import { describe, expect, it } from 'vitest';
import { releaseSum } from '../../src/stats/release-aggregates.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

describe('releaseSum with a float sum beyond its row bound', () => {
  it('saturates instead of throwing (seeded; no statistical assertion)', () => {
    for (const floatSum of [1e300, -1e300, Number.MAX_VALUE]) {
      const r = releaseSum({ floatSum, rowBound: 10, bounds: [0, 1], budget: { epsilon: 1 }, rng: new SeededRandomSource(3) });
      expect(Number.isFinite(r.value)).toBe(true);
      expect(Math.abs(r.value)).toBeLessThan(1e6);
    }
  });
});
