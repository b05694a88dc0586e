/**
 * Class S66 (class 11, failures after the charge — the Session/library API): a Session quantile's per-partition bin
 * counts are SPARSE (`query-pass.ts`: bin → rows for the non-empty bins, ≤ the rows counted), and `releaseTable` makes
 * one partition's dense array (≤ 2²⁰ numbers, public) only while that partition is released. Before, each partition
 * with rows held a dense `new Array(bins)` filled after `#charge`: under partition selection the partitions are the
 * private distinct keys, so 64 groups at 2²⁰ bins or 20,000 at 4,096 aborted a 256 MiB process (review S66); with
 * declared keys, keys × bins (public) was not checked before the charge.
 * 1. The class, generative (fast-check seed 2201): random sources (records, columns, a CSV file through `csvSource`),
 *    groups, bins, rows per group and keys declared or selected, each where the dense arrays would need ≥ 320 MiB,
 *    run in a child under a 256 MiB heap: every query answers with the budget charged (and releases every declared
 *    key), never an abort. (Checked to abort on the dense code: csv, 40 declared keys × 2²⁰ bins.)
 * 2. Same law: `releaseTable` given a partition's counts sparse releases exactly what it releases given them dense,
 *    with the same seed (generative, seed 2202): same mechanism input, so same law and same charge.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExactPartition, releaseTable } from '../../src/stats/index.js';
import { sparseFromDense } from '../../src/stats/quantile-sparse.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'quantile-sparse-bins-child.ts');

function outcome(
  source: string,
  groups: number,
  bins: number,
  perGroup: number,
  declared: boolean,
): { status: number | null; out: string } {
  const args = [source, groups, bins, perGroup, declared ? 1 : 0].map(String);
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', CHILD, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, out: r.stdout.trim() };
}

/** Shapes where dense arrays would need ≥ 320 MiB: (groups, bins, declared). Declared keys are all released (time ∝ keys × bins). */
const shape = fc.oneof(
  fc.record({ groups: fc.integer({ min: 40, max: 48 }), bins: fc.constant(2 ** 20), declared: fc.constant(true) }),
  fc.record({ groups: fc.integer({ min: 64, max: 160 }), bins: fc.constant(2 ** 20), declared: fc.constant(false) }),
  fc.record({ groups: fc.integer({ min: 20_000, max: 40_000 }), bins: fc.constant(4096), declared: fc.constant(false) }),
);

describe('S66: Session quantile counts are sparse per partition (memory ≤ rows counted), released dense one at a time', () => {
  it('random sources × groups × bins under a 256 MiB heap: answered and charged, never an abort (seed 2201)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('records', 'columns', 'csv'),
        shape,
        fc.integer({ min: 1, max: 2 }),
        (source, { groups, bins, declared }, perGroup) => {
          const r = outcome(source, groups, bins, perGroup, declared);
          expect(r.status).toBe(0);
          expect(r.out).toMatch(/^answered rows=\d+ charged=1$/);
          if (declared) expect(r.out).toBe(`answered rows=${groups} charged=1`);
        },
      ),
      { seed: 2201, numRuns: 4 },
    );
  }, 900_000);

  it('releaseTable releases the same from sparse counts as from dense ones, seed for seed (seed 2202)', () => {
    const histogram = fc.integer({ min: 2, max: 64 }).chain((bins) => fc.array(fc.nat({ max: 6 }), { minLength: bins, maxLength: bins }));
    fc.assert(
      fc.property(
        fc.array(histogram, { minLength: 1, maxLength: 4 }),
        fc.constantFrom([0.5], [0.1, 0.5, 0.9]),
        fc.constantFrom(0, 0.25),
        fc.integer({ min: 1, max: 2 ** 31 }),
        (parts, quantiles, intervalShare, seed) => {
          // One output per partition's grid: every partition here shares the first histogram's bin count.
          const bins = (parts[0] as number[]).length;
          const counts = parts.map((p) => Array.from({ length: bins }, (_, i) => BigInt(p[i] ?? 0)));
          const release = (sparse: boolean) =>
            releaseTable({
              partitions: new Map(
                counts.map((c, k): [string, ExactPartition] => {
                  const rows = c.reduce((a, b) => a + b, 0n);
                  return [`k${k}`, { rows, units: rows, sums: new Map(), bins: new Map([[0, sparse ? sparseFromDense(c) : c]]) }];
                }),
              ),
              keys: { kind: 'declared', keys: [...counts.keys(), counts.length].map((k) => [`k${k}`, `k${k}`] as const) },
              outputs: [
                {
                  kind: 'quantiles',
                  names: quantiles.map((q) => `q${q}`),
                  quantiles,
                  budget: { epsilon: 1 },
                  bounds: [0, 10],
                  bins,
                  intervalShare: quantiles.length === 1 ? intervalShare : 0,
                },
              ],
              maxPartitions: 1,
              maxContributionsPerPartition: 1,
              rng: new SeededRandomSource(seed),
            });
          expect(release(true)).toEqual(release(false));
        },
      ),
      { seed: 2202, numRuns: 40 },
    );
  });
});
