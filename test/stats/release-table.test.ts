/** The per-group release loop (src/stats/release-table.ts), shared by the Session and (to come) DP SQL. */
import { describe, expect, it } from 'vitest';
import { type ExactPartition, releaseTable } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const part = (rows: bigint): ExactPartition => ({
  rows,
  units: rows,
  sums: new Map([[1, { count: rows, units: rows * 10n, squaredUnits: 0n }]]),
  bins: new Map(),
});

describe('releaseTable', () => {
  it('emits every declared key (even with no rows), drops undeclared ones, and states the composed loss', () => {
    const r = releaseTable({
      partitions: new Map([
        ['a', part(5n)],
        ['secret', part(1n)],
      ]),
      keys: {
        kind: 'declared',
        keys: [
          ['a', 'a'],
          ['empty', 'empty'],
        ],
      },
      outputs: [
        { kind: 'count', name: 'n', budget: { epsilon: 0.5 } },
        { kind: 'sum', name: 's', budget: { epsilon: 0.25 }, bounds: [0, 100] },
      ],
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      rng: new SeededRandomSource(1),
    });
    expect(r.rows.map((x) => x.key)).toEqual(['a', 'empty']);
    expect(Object.keys(r.rows[1]?.values ?? {})).toEqual(['n', 's']);
    expect(r.guarantee).toEqual({ kind: 'pure', epsilon: 0.75 });
  });

  it('with partition selection, adds its (ε, δ) and releases keys sorted, never one with too few units at a tiny δ', () => {
    const r = releaseTable({
      partitions: new Map([
        ['z', part(100000n)],
        ['lonely', part(1n)],
        ['b', part(100000n)],
      ]),
      keys: { kind: 'select', epsilon: 1, delta: 1e-12 },
      outputs: [{ kind: 'count', name: 'n', budget: { epsilon: 1 } }],
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      rng: new SeededRandomSource(2),
    });
    // A partition with one unit is kept with probability at most δ = 1e-12 (truncated geometric): false-failure probability <= 1e-12.
    expect(r.rows.map((x) => x.key)).toEqual(['b', 'z']);
    expect(r.guarantee).toEqual({ kind: 'approximate', epsilon: 2, delta: 1e-12 });
  });
});
