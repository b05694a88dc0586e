/**
 * Issue 10, "the calculus carries the load" (statistics functions path): every
 * public release function of tsdp/stats is a core Measurement; it charges a
 * passed PrivacyBudget exactly its privacyMap(1) and states that same value as
 * the released guarantee. A refused charge draws no noise and spends nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { isDpError } from '../../src/core/errors.js';
import { exactLoss, lossEquals } from '../../src/core/exact-loss.js';
import type { LossKind, PrivacyLoss } from '../../src/core/loss.js';
import type { Measurement } from '../../src/core/measurement.js';
import type { RandomSource } from '../../src/random/source.js';
import {
  type AggregateRelease,
  dpCount,
  dpHistogram,
  dpMean,
  dpQuantile,
  dpQuantiles,
  dpStddev,
  dpSum,
  dpVariance,
  LogHistogram,
  makeApproximateBoundsMeasurement,
  makeCountMeasurement,
  makeMeanKnownSizeMeasurement,
  makeMeanMeasurement,
  makePartitionSelectionMeasurement,
  makeQuantileMeasurement,
  makeQuantileTreeMeasurement,
  makeSumMeasurement,
  makeVarianceMeasurement,
  type OutputBudget,
  releaseApproximateBounds,
  releaseCount,
  releaseCountDistinct,
  releaseMean,
  releaseMeanKnownSize,
  releaseQuantile,
  releaseQuantiles,
  releaseStddev,
  releaseSum,
  releaseVariance,
  selectPartitions,
  sumGrid,
} from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

/** A seeded source that counts the words drawn (a refused release must draw none). */
class CountingSource implements RandomSource {
  readonly inner: SeededRandomSource;
  draws = 0;
  constructor(seed: number) {
    this.inner = new SeededRandomSource(seed);
  }
  get isSeeded(): boolean {
    return true;
  }
  nextUint32(): number {
    this.draws++;
    return this.inner.nextUint32();
  }
  fill(out: Uint32Array): void {
    this.draws += out.length;
    this.inner.fill(out);
  }
}

type Bounding = { maxPartitions?: number; maxContributionsPerPartition?: number };
interface Case {
  name: string;
  /** The measurement of the release, built from its public parameters. */
  map: (budget: OutputBudget, b: Bounding) => Measurement<never, unknown, LossKind>;
  /** The release; returns the released guarantee, charge and budget after. */
  run: (
    budget: OutputBudget,
    b: Bounding,
    spendFrom: PrivacyBudget | undefined,
    rng: RandomSource,
  ) => { guarantee: PrivacyLoss; charged?: PrivacyLoss; budgetAfter?: PrivacyBudget };
}

const column = Array.from({ length: 200 }, (_, i) => (i * 37) % 101);
const bounds: [number, number] = [0, 100];
const binCounts = Array.from({ length: 64 }, (_, i) => (i * 7) % 5);
const asMeasurement = <I, O>(m: Measurement<I, O, LossKind>) => m as unknown as Measurement<never, unknown, LossKind>;
const one = (r: AggregateRelease[]): AggregateRelease => {
  const first = r[0];
  if (!first) throw new Error('no release');
  return first;
};

const cases: Case[] = [
  {
    name: 'releaseCount',
    map: (budget, b) => asMeasurement(makeCountMeasurement({ budget, ...b })),
    run: (budget, b, spendFrom, rng) => releaseCount({ count: 40n, budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseCountDistinct',
    map: (budget, b) => asMeasurement(makeCountMeasurement({ budget, ...b, maxContributionsPerPartition: 1 })),
    run: (budget, b, spendFrom, rng) =>
      releaseCountDistinct({ units: 12n, budget, maxPartitions: b.maxPartitions ?? 1, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseSum (units)',
    map: (budget, b) => asMeasurement(makeSumMeasurement({ budget, bounds, ...b })),
    run: (budget, b, spendFrom, rng) =>
      releaseSum({ units: BigInt(sumGrid(bounds).toUnits(42)), bounds, budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseSum (floatSum)',
    map: (budget, b) => asMeasurement(makeSumMeasurement({ budget, bounds, ...b })),
    run: (budget, b, spendFrom, rng) =>
      releaseSum({ floatSum: 420.5, rowBound: 50, bounds, budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseMean',
    map: (budget, b) => asMeasurement(makeMeanMeasurement({ budget, bounds, ...b })),
    run: (budget, b, spendFrom, rng) =>
      releaseMean({ count: 30n, units: 0n, bounds, budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseMeanKnownSize',
    map: (budget, b) => asMeasurement(makeMeanKnownSizeMeasurement({ budget, bounds, size: 30, ...b })),
    run: (budget, b, spendFrom, rng) =>
      releaseMeanKnownSize({ size: 30, units: 0n, bounds, budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseVariance',
    map: (budget, b) => asMeasurement(makeVarianceMeasurement({ budget, bounds, ...b })),
    run: (budget, b, spendFrom, rng) =>
      releaseVariance({ count: 30n, units: 0n, squaredUnits: 0n, bounds, budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseStddev',
    map: (budget, b) => asMeasurement(makeVarianceMeasurement({ budget, bounds, ...b }, true)),
    run: (budget, b, spendFrom, rng) =>
      releaseStddev({ count: 30n, units: 0n, squaredUnits: 0n, bounds, budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseQuantile (no interval)',
    map: (budget, b) => asMeasurement(makeQuantileMeasurement({ budget, bounds, quantile: 0.3, ...b }, binCounts.length)),
    run: (budget, b, spendFrom, rng) =>
      releaseQuantile({ binCounts, bounds, quantile: 0.3, budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseQuantile (interval)',
    map: (budget, b) =>
      asMeasurement(makeQuantileMeasurement({ budget, bounds, quantile: 0.5, intervalShare: 0.4, ...b }, binCounts.length)),
    run: (budget, b, spendFrom, rng) =>
      releaseQuantile({ binCounts, bounds, quantile: 0.5, intervalShare: 0.4, budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'releaseQuantiles',
    map: (budget, b) => asMeasurement(makeQuantileTreeMeasurement({ budget, bounds, quantiles: [0.1, 0.9], ...b }, binCounts.length)),
    run: (budget, b, spendFrom, rng) =>
      one(releaseQuantiles({ binCounts, bounds, quantiles: [0.1, 0.9], budget, ...b, rng, ...(spendFrom ? { spendFrom } : {}) })),
  },
  {
    name: 'dpCount',
    map: (budget) => asMeasurement(makeCountMeasurement({ budget })),
    run: (budget, _b, spendFrom, rng) => dpCount(column, { budget, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'dpSum',
    map: (budget) => asMeasurement(makeSumMeasurement({ budget, bounds })),
    run: (budget, _b, spendFrom, rng) => dpSum(column, { bounds, budget, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'dpMean',
    map: (budget) => asMeasurement(makeMeanMeasurement({ budget, bounds })),
    run: (budget, _b, spendFrom, rng) => dpMean(column, { bounds, budget, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'dpMean (declared size)',
    map: (budget) => asMeasurement(makeMeanKnownSizeMeasurement({ budget, bounds, size: column.length })),
    run: (budget, _b, spendFrom, rng) => dpMean(column, { bounds, budget, size: column.length, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'dpVariance',
    map: (budget) => asMeasurement(makeVarianceMeasurement({ budget, bounds })),
    run: (budget, _b, spendFrom, rng) => dpVariance(column, { bounds, budget, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'dpStddev',
    map: (budget) => asMeasurement(makeVarianceMeasurement({ budget, bounds }, true)),
    run: (budget, _b, spendFrom, rng) => dpStddev(column, { bounds, budget, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'dpQuantile',
    map: (budget) => asMeasurement(makeQuantileMeasurement({ budget, bounds, quantile: 0.5, intervalShare: 0.5 }, 256)),
    run: (budget, _b, spendFrom, rng) =>
      dpQuantile(column, 0.5, { bounds, budget, bins: 256, intervalShare: 0.5, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
  {
    name: 'dpQuantiles',
    map: (budget) => asMeasurement(makeQuantileTreeMeasurement({ budget, bounds, quantiles: [0.25, 0.75] }, 256)),
    run: (budget, _b, spendFrom, rng) =>
      one(dpQuantiles(column, [0.25, 0.75], { bounds, budget, bins: 256, rng, ...(spendFrom ? { spendFrom } : {}) })),
  },
  {
    name: 'dpHistogram',
    map: (budget) => asMeasurement(makeCountMeasurement({ budget })),
    run: (budget, _b, spendFrom, rng) => dpHistogram(column, { keys: [0, 1, 37, 'x'], budget, rng, ...(spendFrom ? { spendFrom } : {}) }),
  },
];

/** Approximate bounds take a pure ε (not an output budget). */
const boundsCase = {
  map: (epsilon: number, rows: number) => makeApproximateBoundsMeasurement({ epsilon, maxRowsPerUnit: rows }),
  run: (epsilon: number, rows: number, spendFrom: PrivacyBudget | undefined, rng: RandomSource) => {
    const h = new LogHistogram();
    for (const x of column) h.add(x);
    return releaseApproximateBounds(h, { epsilon, maxRowsPerUnit: rows, rng, ...(spendFrom ? { spendFrom } : {}) });
  },
};

const budgetFor = (b: OutputBudget): PrivacyBudget => ('rho' in b ? PrivacyBudget.zcdp(100) : PrivacyBudget.approximate(100, 1e-3));
const same = (a: PrivacyLoss, b: PrivacyLoss) => lossEquals(exactLoss(a), exactLoss(b));

function checkAgreement(c: Case, budget: OutputBudget, b: Bounding, seed: number): void {
  const map = c.map(budget, b).privacyMap(1);
  const spendFrom = budgetFor(budget);
  const r = c.run(budget, b, spendFrom, new SeededRandomSource(seed));
  expect(same(r.guarantee, map)).toBe(true);
  expect(r.charged && same(r.charged, r.guarantee)).toBe(true);
  const after = r.budgetAfter;
  if (!after) throw new Error(`${c.name} returned no budgetAfter`);
  // What the budget was charged is exactly the map's value (δ-approximate zCDP components, exact).
  expect(lossEquals(after.spentExact, spendFrom.charge(map).spentExact)).toBe(true);
  // Without a budget to spend from, the guarantee is the same value.
  expect(same(c.run(budget, b, undefined, new SeededRandomSource(seed)).guarantee, map)).toBe(true);
}

describe('statistics releases are measurements: charge == released guarantee == privacy map', () => {
  for (const c of cases) {
    it(`${c.name}: ε, (ε, δ) and ρ budgets, with and without a PrivacyBudget to spend from`, () => {
      for (const budget of [{ epsilon: 0.7 }, { epsilon: 0.3, delta: 1e-6 }, { rho: 0.2 }] as OutputBudget[]) {
        checkAgreement(c, budget, { maxPartitions: 2, maxContributionsPerPartition: 3 }, 5);
      }
      // A single-part release states exactly the output budget; a split one at most it.
      const m = c.map({ epsilon: 0.7 }, {}).privacyMap(1);
      expect(m.kind).toBe('pure');
      expect((m as { epsilon: number }).epsilon).toBeLessThanOrEqual(0.7);
    });

    it(`${c.name}: a budget that cannot pay is refused with BUDGET_EXHAUSTED, draws no noise and spends nothing`, () => {
      const tiny = PrivacyBudget.pure(0.1);
      const rng = new CountingSource(3);
      let code: string | undefined;
      try {
        c.run({ epsilon: 0.7 }, {}, tiny, rng);
      } catch (e) {
        code = isDpError(e) ? e.code : 'other';
      }
      expect(code).toBe('BUDGET_EXHAUSTED');
      expect(rng.draws).toBe(0);
      expect(tiny.spentExact.epsilon.isZero()).toBe(true);
    });
  }

  it('releaseApproximateBounds: charge == guarantee == map, and a refused charge draws nothing', () => {
    const spendFrom = PrivacyBudget.pure(1);
    const r = boundsCase.run(0.25, 3, spendFrom, new SeededRandomSource(2));
    const map = boundsCase.map(0.25, 3).privacyMap(1);
    expect(same(r.guarantee, map)).toBe(true);
    expect(r.charged && same(r.charged, map)).toBe(true);
    expect(r.budgetAfter?.remaining).toEqual({ kind: 'pure', epsilon: 0.75 });
    const rng = new CountingSource(1);
    expect(() => boundsCase.run(2, 1, spendFrom, rng)).toThrow(/BUDGET_EXHAUSTED/);
    expect(rng.draws).toBe(0);
  });

  it('selectPartitions: charge == guarantee == map for every method, group privacy beyond one unit, refusal draws nothing', () => {
    const units = new Map<string, number>([
      ['b', 400],
      ['a', 500],
      ['c', 1],
    ]);
    for (const method of ['truncated-geometric', 'laplace', 'gaussian'] as const) {
      const options = { epsilon: 0.5, delta: 1e-6, maxPartitions: 2, method };
      const map = makePartitionSelectionMeasurement(options);
      const spendFrom = PrivacyBudget.approximate(1, 1e-5);
      const r = selectPartitions(units, { ...options, spendFrom, rng: new SeededRandomSource(4) });
      expect(same(r.guarantee, map.privacyMap(1))).toBe(true);
      expect(r.charged && same(r.charged, r.guarantee)).toBe(true);
      expect(r.budgetAfter && lossEquals(r.budgetAfter.spentExact, exactLoss(map.privacyMap(1)))).toBe(true);
      expect(r.keys).toEqual(['a', 'b']);
      expect(map.privacyMap(2)).toEqual({ kind: 'approximate', epsilon: 1, delta: expect.any(Number) });
      const rng = new CountingSource(2);
      expect(() => selectPartitions(units, { ...options, spendFrom: PrivacyBudget.approximate(0.1, 1e-5), rng })).toThrow(
        /BUDGET_EXHAUSTED/,
      );
      expect(rng.draws).toBe(0);
    }
  });

  it('spendFrom that is not a PrivacyBudget is refused with INVALID_PARAMETER before anything is drawn', () => {
    const rng = new CountingSource(1);
    expect(() => releaseCount({ count: 1n, budget: { epsilon: 1 }, rng, spendFrom: { kind: 'pure', epsilon: 1 } as never })).toThrow(
      /INVALID_PARAMETER/,
    );
    expect(rng.draws).toBe(0);
  });

  it('property: over random budgets and contribution bounds, every release charges exactly its map and states it', () => {
    const budgets = fc.oneof(
      fc.record({ epsilon: fc.double({ min: 1e-3, max: 20, noNaN: true }) }),
      fc.record({ epsilon: fc.double({ min: 1e-3, max: 20, noNaN: true }), delta: fc.double({ min: 1e-12, max: 1e-3, noNaN: true }) }),
      fc.record({ rho: fc.double({ min: 1e-4, max: 20, noNaN: true }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: cases.length - 1 }),
        budgets,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        (i, budget, maxPartitions, maxContributionsPerPartition, seed) => {
          const c = cases[i] as Case;
          checkAgreement(c, budget as OutputBudget, { maxPartitions, maxContributionsPerPartition }, seed);
        },
      ),
      { seed: 1010, numRuns: 120 },
    );
  });

  it('property: privacy maps are zero at zero and monotone in the distance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: cases.length - 1 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        (i, a, b) => {
          const m = (cases[i] as Case).map({ rho: 0.3 }, { maxPartitions: 2 });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const x = m.privacyMap(lo) as { rho: number };
          const y = m.privacyMap(hi) as { rho: number };
          expect(x.rho).toBeLessThanOrEqual(y.rho);
          expect((m.privacyMap(0) as { rho: number }).rho).toBe(0);
        },
      ),
      { seed: 1011, numRuns: 100 },
    );
  });
});
