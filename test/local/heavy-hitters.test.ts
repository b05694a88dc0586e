/** Heavy hitters over a known candidate set. */
import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../src/local/aggregator.js';
import type { LocalProtocolConfig } from '../../src/local/protocol-config.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { label, simulate } from './_simulate.js';

/** 3 heavy values (30%, 20%, 15%), the rest spread thinly over 13 values (2.7% each); 24 decoy candidates never occur. */
function population(n: number): number[] {
  const counts = new Array<number>(16).fill(0);
  counts[2] = 0.3 * n;
  counts[9] = 0.2 * n;
  counts[14] = 0.15 * n;
  const rest = n - 0.65 * n;
  const others = [0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15];
  others.forEach((v, i) => {
    counts[v] = Math.floor(rest / others.length) + (i < rest % others.length ? 1 : 0);
  });
  return counts;
}

describe('heavy hitters', () => {
  // Threshold 8% of n = 100 000. Family-wise: with confidence 1 − 1e-7, each
  // of the C candidates' one-sided Bonferroni bound (z ≈ 5.9) fails with
  // probability ≤ 1e-7/C under the normal approximation, so a candidate below
  // the threshold is reported with probability ≤ 1e-7 overall. A heavy value
  // (≥ 15%) is missed only if its estimate falls below 8% + 5.9σ, i.e. more
  // than 7 standard errors (σ ≤ 550 here) under its count: < 1e-11.
  const cases: [LocalProtocolConfig, boolean][] = [
    [{ protocol: 'olh', epsilon: 2, domainSize: 40 }, false],
    [{ protocol: 'hr', epsilon: 2, domainSize: 40 }, false],
    [{ protocol: 'hcms', epsilon: 2, width: 256, hashCount: 64 }, true],
    [{ protocol: 'rappor', epsilon: 2, cohorts: 4, bloomBits: 64 }, true],
  ];
  for (const [config, strings] of cases) {
    it(`${config.protocol}: reports exactly the values above 8% among 40 candidates (false failure ≤ 1e-6, normal approximation)`, () => {
      const n = 100_000;
      const counts = population(n);
      const aggregator = simulate(config, counts, new SeededRandomSource(`hh-${config.protocol}`));
      const candidates = Array.from({ length: 40 }, (_, v) => (strings ? label(v) : v));
      const found = aggregator.heavyHitters(candidates, { minFrequency: 0.08, confidence: 1 - 1e-7 });
      expect(found.map((e) => e.value)).toEqual(strings ? [label(2), label(9), label(14)] : [2, 9, 14]);
      for (const e of found) expect(e.lower).toBeGreaterThan(0.08 * n);
      expect(aggregator.heavyHitters(candidates, { limit: 1 })).toHaveLength(1);
    });
  }

  it('refuses bad options', () => {
    const aggregator = createAggregator({ protocol: 'grr', epsilon: 1, domainSize: 4 });
    expect(() => aggregator.heavyHitters([0, 1], { confidence: 1 })).toThrow(/confidence/);
    expect(() => aggregator.heavyHitters([0, 1], { minFrequency: 2 })).toThrow(/minFrequency/);
    expect(() => aggregator.estimate({ candidates: [7] })).toThrow(/candidates/);
    expect(aggregator.heavyHitters([])).toEqual([]);
  });
});
