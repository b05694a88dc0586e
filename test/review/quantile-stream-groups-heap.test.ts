/**
 * Review stop 22, second shift (acct 9a3f379, class 11: memory held in Node after the charge): one set of passes for
 * all groups holds every released group's sampler state at once — 64 uniforms and 64 located tries per group, and
 * each group's coarse histogram of the interval's ends (kept even with no interval share) — ≈ 18.7 KB of heap per
 * released group against main's ≈ 6.6 KB (`probe-groups-mem`: 5·10⁴ groups, 936 MB vs 330 MB heap, load ≈ 16).
 * Released (selected) groups are public but not bounded before the charge, so under a pinned heap the same query
 * that main answers aborts the process after the charge. Repro: a 256 MiB heap, 20,000 selected groups of 20 rows,
 * `SELECT g, MEDIAN(x) FROM t GROUP BY g` — main answers (141 MB peak heap), wip/acct 9a3f379 aborts (heap OOM).
 * Passes on main fc4aeaa; fails on wip/acct 9a3f379. (Main itself aborts at 40,000 groups: the class predates the change; this guards the 2.8× step.)
 * Fix to consider: draw a group's tries when its locator needs them (or in blocks of groups), keep the coarse
 * histogram only with an interval share, and bound the released groups × per-group state before the charge.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('review stop 22 (second): grouped streamed MEDIAN under a pinned heap', () => {
  it('20,000 selected groups under a 256 MiB heap: answered (or ENGINE_ERROR), never a process abort after the charge', () => {
    const child = join(import.meta.dirname, 'quantile-stream-groups-heap-child.ts');
    const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', child, '20000'], {
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^(answered 20000 charges 1|error ENGINE_ERROR charges \d)$/m);
  }, 300_000);
});
