/**
 * Statistical tests of the local protocols: unbiasedness (estimates within a
 * Bernstein radius of their exact expectation) and variance (the empirical
 * variance over repeated populations against the published formulas, by a χ²
 * bound). Fixed seeds; each title states its false-failure probability.
 */
import { describe, expect, it } from 'vitest';
import type { LocalProtocolConfig } from '../../src/local/protocol-config.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { candidatesOf, domainOf, K, LINEAR_CONFIGS, linearModel, name } from './_models.js';
import { bernsteinRadius, exactMoments, simulate, skewedCounts, zCritical } from './_simulate.js';

describe('unbiasedness', () => {
  // For each of the (at most 16) values, Bernstein's inequality bounds
  // P(|ĉ − E ĉ| ≥ t) ≤ 1e-6/16; a union bound gives ≤ 1e-6 per test.
  for (const config of LINEAR_CONFIGS) {
    it(`${name(config)}: every estimate lies within its Bernstein radius of the exact expectation (false failure ≤ 1e-6)`, () => {
      const k = domainOf(config);
      const counts = skewedCounts(k, 60_000);
      const aggregator = simulate(config, counts, new SeededRandomSource(`unbiased-${name(config)}`));
      const model = linearModel(config);
      const estimates = aggregator.estimateCounts(candidatesOf(config));
      for (let d = 0; d < k; d++) {
        const { mean, variance } = exactMoments(model, counts, d);
        const radius = bernsteinRadius(variance, Math.abs(model.b), 1e-6 / k);
        expect(Math.abs((estimates.counts[d] as number) - mean)).toBeLessThanOrEqual(radius);
      }
    });
  }

  it('the exact expectation equals the true count for the domain protocols (no bias term at all)', () => {
    const counts = skewedCounts(K, 1000);
    for (const config of LINEAR_CONFIGS.filter((c) => c.protocol !== 'cms' && c.protocol !== 'hcms')) {
      const k = domainOf(config);
      const c = skewedCounts(k, 1000);
      for (let d = 0; d < k; d++) expect(exactMoments(linearModel(config), c, d).mean).toBeCloseTo(c[d] as number, 6);
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it('rappor ε=2 (4 balanced cohorts, OLS decoding): every candidate count within z·σ of the truth (false failure ≤ 1e-6, CLT over 48 000 users, Bonferroni over 16)', () => {
    const config: LocalProtocolConfig = { protocol: 'rappor', epsilon: 2, cohorts: 4 };
    // Multiples of 4 so that each cohort holds exactly a quarter of every value: then OLS is exactly unbiased.
    const counts = skewedCounts(K, 12_000).map((c) => 4 * c);
    const aggregator = simulate(config, counts, new SeededRandomSource('unbiased-rappor'));
    const estimates = aggregator.estimate({ candidates: candidatesOf(config), decoding: 'ols' });
    const z = zCritical(1e-6 / K);
    estimates.forEach((e, d) => {
      // The plug-in variance is within a few percent of the true one at this n; 1.1 covers it.
      expect(Math.abs(e.count - (counts[d] as number))).toBeLessThanOrEqual(1.1 * z * e.standardError);
    });
  });
});
