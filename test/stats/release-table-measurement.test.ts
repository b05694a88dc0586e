/**
 * releaseTable's kept measurements (src/stats/release-table-measurement.ts): one measurement per output, kept across
 * calls by its public parameters, must release exactly what the per-group release functions release — the same
 * values, intervals, noise and guarantees from the same seeded randomness, bit for bit — on a first call (the memo
 * missed) and on a second (the memo hit), for random outputs, parameters and partitions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ExactPartition,
  releaseCount,
  releaseMean,
  releaseStddev,
  releaseSum,
  releaseTable,
  releaseVariance,
  type TableOutput,
} from '../../src/stats/index.js';
import type { AggregateRelease } from '../../src/stats/release-types.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

type ValueKind = 'count' | 'countDistinct' | 'sum' | 'mean' | 'variance' | 'stddev';

// Parameters from small sets, so that later runs meet memo entries of earlier ones that differ in one parameter only
// (a key that left a parameter out would hand back another output's measurement, and the releases would differ).
const shareArb = fc.constantFrom(0.25, 0.5, 1, 1e-3);
/** One budget family per table (releaseTable composes its outputs' losses: ρ and ε do not mix there). */
type Family = 'epsilon' | 'epsilonDelta' | 'rho';
const budgetOf = (family: Family, x: number) =>
  family === 'rho' ? { rho: x } : family === 'epsilonDelta' ? { epsilon: x, delta: 0 } : { epsilon: x };
const boundsArb = fc.constantFrom<[number, number]>([0, 100], [-0, 100], [0, 1], [-50, 50], [-50, 100]);
const outputArb = fc.record({
  kind: fc.constantFrom<ValueKind>('count', 'countDistinct', 'sum', 'mean', 'variance', 'stddev'),
  share: shareArb,
  bounds: boundsArb,
  confidence: fc.constantFrom(undefined, 0.9, 0.95, 0.5),
});
type OutputSpec = typeof outputArb extends fc.Arbitrary<infer T> ? T : never;
const partitionArb = fc.record({
  rows: fc.bigInt({ min: 0n, max: 10n ** 6n }),
  units: fc.bigInt({ min: 0n, max: 10n ** 6n }),
  sum: fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }),
  squares: fc.bigInt({ min: 0n, max: 10n ** 12n }),
});

/** The table's outputs and, for each, what the per-group release functions release (the reference). */
function tableOf(outputs: readonly OutputSpec[], family: Family): TableOutput[] {
  return outputs.map((o, i): TableOutput => {
    const base = { name: `o${i}`, budget: budgetOf(family, o.share), ...(o.confidence === undefined ? {} : { confidence: o.confidence }) };
    return o.kind === 'count' || o.kind === 'countDistinct' ? { ...base, kind: o.kind } : { ...base, kind: o.kind, bounds: o.bounds };
  });
}

function reference(
  outputs: readonly TableOutput[],
  s: ExactPartition,
  bounding: { maxPartitions: number; maxContributionsPerPartition: number },
  rng: SeededRandomSource,
): Record<string, AggregateRelease> {
  const values: Record<string, AggregateRelease> = {};
  outputs.forEach((o, index) => {
    const common = { ...bounding, rng, ...(o.confidence === undefined ? {} : { confidence: o.confidence }) };
    const acc = s.sums.get(index) ?? { count: 0n, units: 0n, squaredUnits: 0n };
    switch (o.kind) {
      case 'count':
        values[o.name] = releaseCount({ count: s.counts?.get(index) ?? s.rows, budget: o.budget, ...common });
        return;
      case 'countDistinct':
        values[o.name] = releaseCount({ count: s.units, budget: o.budget, ...common, maxContributionsPerPartition: 1 });
        return;
      case 'sum':
        values[o.name] = releaseSum({ units: acc.units, bounds: o.bounds, budget: o.budget, ...common });
        return;
      case 'mean':
        values[o.name] = releaseMean({ units: acc.units, count: acc.count, bounds: o.bounds, budget: o.budget, ...common });
        return;
      case 'variance':
      case 'stddev': {
        const v = { ...acc, bounds: o.bounds, budget: o.budget, ...common };
        values[o.name] = o.kind === 'variance' ? releaseVariance(v) : releaseStddev(v);
        return;
      }
      default:
        throw new Error('not a value output');
    }
  });
  return values;
}

describe('releaseTable with kept measurements', () => {
  it('releases bit for bit what the per-group release functions release, memo missed and memo hit (generative)', () => {
    fc.assert(
      fc.property(
        fc.array(outputArb, { minLength: 1, maxLength: 4 }),
        fc.constantFrom<Family>('epsilon', 'epsilonDelta', 'rho'),
        fc.array(partitionArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (specs, family, parts, maxPartitions, maxContributionsPerPartition, seed) => {
          const outputs = tableOf(specs, family);
          const partitions = new Map<string, ExactPartition>(
            parts.map((p, g): [string, ExactPartition] => [
              `g${g}`,
              {
                rows: p.rows,
                units: p.units,
                sums: new Map(outputs.map((_, j) => [j, { count: p.rows, units: p.sum, squaredUnits: p.squares }] as const)),
                bins: new Map(),
                counts: new Map([[0, p.units]]),
              },
            ]),
          );
          // An empty declared key too: its release reads zero aggregates.
          const keys = [...partitions.keys(), 'none'].map((k) => [k, k] as const);
          const bounding = { maxPartitions, maxContributionsPerPartition };
          const rng = new SeededRandomSource(seed);
          const expected = keys.map(([k]) =>
            reference(outputs, partitions.get(k) ?? { rows: 0n, units: 0n, sums: new Map(), bins: new Map() }, bounding, rng),
          );
          for (let call = 0; call < 2; call++) {
            const table = releaseTable({
              partitions,
              keys: { kind: 'declared', keys },
              outputs,
              ...bounding,
              rng: new SeededRandomSource(seed),
            });
            expect(table.rows.map((r) => r.values)).toEqual(expected);
            // A caller mutating its result's guarantee reaches neither the next call nor the memo.
            for (const r of table.rows) for (const v of Object.values(r.values)) (v.guarantee as { kind: string }).kind = 'mutated';
          }
        },
      ),
      { seed: 2201, numRuns: 150 },
    );
  });

  it('refuses parameters the release functions refuse, and a table with no keys builds no measurement', () => {
    const bad: TableOutput = { kind: 'mean', name: 'm', budget: { epsilon: 1 }, bounds: [0, Number.POSITIVE_INFINITY] };
    const input = {
      partitions: new Map(),
      outputs: [bad],
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      rng: new SeededRandomSource(3),
    };
    expect(() => releaseTable({ ...input, keys: { kind: 'single' } })).toThrow(/bounds/);
    // No group is released: no measurement is built, so no parameter check runs here (as before the memo).
    expect(releaseTable({ ...input, keys: { kind: 'declared', keys: [] } }).rows).toEqual([]);
  });
});
