/**
 * Issue 10, "the calculus carries the load" (statistics path): every release
 * function states exactly the guarantee its parameter-only plan derives
 * (`planAggregate`), which is what a caller charges before the release.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planAggregate, releaseCount, releaseMean, releaseStddev, releaseSum, releaseVariance } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const budgetArb = fc.oneof(
  fc.double({ min: 1e-6, max: 10, noNaN: true }).map((epsilon) => ({ epsilon })),
  fc.double({ min: 1e-6, max: 10, noNaN: true }).map((rho) => ({ rho })),
);

describe('release guarantee == plan guarantee', () => {
  it('generative: count, sum, mean, variance and stddev state the guarantee planAggregate derives from their parameters', () => {
    fc.assert(
      fc.property(
        budgetArb,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: -1000, max: 1000 }),
        (budget, maxPartitions, maxContributionsPerPartition, lower) => {
          const rng = new SeededRandomSource(1);
          const bounds: [number, number] = [lower, lower + 50];
          const common = { budget, maxPartitions, maxContributionsPerPartition, rng };
          const opts = { budget, maxPartitions, maxContributionsPerPartition, bounds };
          expect(releaseCount({ ...common, count: 10n }).guarantee).toEqual(planAggregate('count', opts).guarantee);
          expect(releaseSum({ ...common, bounds, units: 10n }).guarantee).toEqual(planAggregate('sum', opts).guarantee);
          expect(releaseMean({ ...common, bounds, count: 3n, units: 10n }).guarantee).toEqual(planAggregate('mean', opts).guarantee);
          const v = { ...common, bounds, count: 3n, units: 10n, squaredUnits: 40n };
          expect(releaseVariance(v).guarantee).toEqual(planAggregate('variance', opts).guarantee);
          expect(releaseStddev(v).guarantee).toEqual(planAggregate('stddev', opts).guarantee);
        },
      ),
      { numRuns: 150, seed: 104 },
    );
  });
});
