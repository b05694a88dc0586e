/**
 * Review stop 21, first shift — S66 (hole, class 11 "failures after the charge", S64's class in the Session API;
 * severity: process abort decided by the private number of groups). A Session query's quantile keeps, per partition
 * that has rows, a DENSE array of `bins` counts (`src/stats/query-pass.ts` `accumulate`: `new Array(bins).fill(0)`,
 * bins ≤ 2²⁰ by `session-query.ts`, default 4,096), filled in `measurement.invoke` AFTER `#charge`. Under partition
 * selection (`groupBy('g')` without keys) the partitions are the distinct keys of the private data, so the heap a
 * charged query needs is (groups with rows) × bins × 8 bytes — 8 MiB per group at 2²⁰ bins, 32 KiB at the default —
 * with no public bound, while the SQL path holds sparse bins (≤ one per row: `histogramsByGroup`).
 * Measured (Session.fromRecords, one row per group, load 11–13): 64 groups at bins = 2²⁰ abort a 256 MiB process
 * (rc 134, 347 MB RSS), 20,000 groups at the default 4,096 likewise (320 MB RSS); 4 groups answer. At Node's default
 * heap ≈ 500 groups (2²⁰ bins) or ≈ 300,000 groups (4,096 bins) — a few hundred rows can decide it. The process
 * abort is not a typed refusal and loses the in-memory budget state with it; one person's row adds one group.
 * Rule that would close it: a partition's quantile counts are sparse (non-empty bins only, as `SparseBins` in SQL),
 * so memory is ≤ the rows already held; or a public bound (declared keys × bins) checked before the charge with
 * selection refused past it. Declared keys: `partitionKeyOf` drops undeclared keys before any state (held), but the
 * declared-key count × bins is itself unchecked before the charge (a public cause, class 11).
 * The property tested: under a 256 MiB heap, the query ends answered or refused, with the budget charged — the child
 * process prints its outcome. Generative over (groups, bins) (fast-check seed 2166, 2 runs).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'session-dense-bins-child.ts');

function outcome(groups: number, bins: number): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', CHILD, String(groups), String(bins)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, out: r.stdout.trim() };
}

describe('review S66: Session quantiles hold dense bins per selected group after the charge', () => {
  it('control: 4 groups at 2²⁰ bins and 4 at 4,096 answer under a 256 MiB heap', () => {
    expect(outcome(4, 2 ** 20)).toEqual({ status: 0, out: 'answered charged=1' });
    expect(outcome(4, 4096)).toEqual({ status: 0, out: 'answered charged=1' });
  }, 480_000);

  it('64 groups at 2²⁰ bins, or 20,000 at 4,096: answered or refused, never an abort (seed 2166)', () => {
    fc.assert(
      fc.property(fc.constantFrom([64, 2 ** 20], [20_000, 4096]), ([groups, bins]) => {
        const r = outcome(groups as number, bins as number);
        expect(r.status).toBe(0);
        expect(r.out).toMatch(/^\w+ charged=[01]$/);
      }),
      { seed: 2166, numRuns: 2 },
    );
  }, 600_000);
});
