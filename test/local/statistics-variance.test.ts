/**
 * Statistical tests of the local protocols' variances: the empirical
 * variance over repeated populations against the published formulas, by a χ²
 * bound. Fixed seeds; each title states its false-failure probability.
 */
import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../src/local/aggregator.js';
import type { LocalProtocolConfig } from '../../src/local/protocol-config.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { candidatesOf, domainOf, K, LINEAR_CONFIGS, linearModel, name } from './_models.js';
import { chiSquareQuantile, exactMoments, meanAndVariance, simulate, skewedCounts } from './_simulate.js';

describe('variance', () => {
  // R populations of n users; for a frequent value and an absent one, the
  // sample variance s² of the estimate over the R populations satisfies
  // s²/σ² ≈ χ²_ν/ν with ν = 2/(2/(R−1) + κ/R) (Satterthwaite: κ is the exact
  // excess kurtosis of the estimate, from its fourth cumulant). Each of the
  // 2 values × 2 tails is checked at 2.5e-7: ≤ 1e-6 per test.
  const R = 400;
  const N = 800;
  for (const config of LINEAR_CONFIGS) {
    it(`${name(config)}: the empirical variance over ${R} populations matches the formula (false failure ≤ 1e-6)`, () => {
      const k = domainOf(config);
      const counts = skewedCounts(k, N);
      const rng = new SeededRandomSource(`variance-${name(config)}`);
      const checked = k === 2 ? [0, 1] : [0, 4];
      const samples: number[][] = checked.map(() => []);
      for (let r = 0; r < R; r++) {
        const estimates = simulate(config, counts, rng).estimateCounts(candidatesOf(config));
        checked.forEach((d, i) => {
          samples[i]?.push(estimates.counts[d] as number);
        });
      }
      const aggregator = createAggregator(config);
      const model = linearModel(config);
      checked.forEach((d, i) => {
        const { variance, kappa4 } = exactMoments(model, counts, d);
        const nu = 2 / (2 / (R - 1) + kappa4 / variance ** 2 / R);
        const ratio = meanAndVariance(samples[i] ?? []).variance / variance;
        expect(ratio).toBeGreaterThanOrEqual(chiSquareQuantile(nu, 2.5e-7) / nu);
        expect(ratio).toBeLessThanOrEqual(chiSquareQuantile(nu, 1 - 2.5e-7) / nu);
        if (config.protocol !== 'cms' && config.protocol !== 'hcms') {
          // The published formula is the exact variance for the domain protocols.
          expect(aggregator.theoreticalVariance(N, counts[d] as number)).toBeCloseTo(variance, 6);
        } else {
          // For the sketches it assumes ideal hashes; with 256 fixed ones it is within 5%.
          expect(Math.abs(aggregator.theoreticalVariance(N, counts[d] as number) / variance - 1)).toBeLessThan(0.05);
        }
      });
    });
  }

  it('rappor ε=2: the empirical variance of the OLS decode over 150 populations matches the sandwich variance (false failure ≤ 1e-6, χ² with ν = 149, plug-in averaged)', () => {
    const config: LocalProtocolConfig = { protocol: 'rappor', epsilon: 2, cohorts: 2, bloomBits: 32 };
    const counts = skewedCounts(K, 600).map((c) => 2 * c);
    const rng = new SeededRandomSource('variance-rappor');
    const reps = 150;
    const values: number[] = [];
    const reported: number[] = [];
    for (let r = 0; r < reps; r++) {
      const estimate = simulate(config, counts, rng).estimate({ candidates: candidatesOf(config), decoding: 'ols' })[0];
      values.push(estimate?.count ?? Number.NaN);
      reported.push(estimate?.variance ?? Number.NaN);
    }
    const sigma2 = meanAndVariance(reported).mean;
    const ratio = meanAndVariance(values).variance / sigma2;
    expect(ratio).toBeGreaterThanOrEqual(chiSquareQuantile(reps - 1, 5e-7) / (reps - 1));
    expect(ratio).toBeLessThanOrEqual(chiSquareQuantile(reps - 1, 1 - 5e-7) / (reps - 1));
  });
});
