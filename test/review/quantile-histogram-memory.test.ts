/**
 * Review stop 20, third shift — S64 (hole, class 11 "public-cause / resource failures after the charge", widened
 * by acct's 629413c; DuckDB here, every engine alike). The fine quantile grid's histogram statement returns one row
 * per non-empty bin of 2³² (at most one per row read), and `histogramsByGroup` holds every row, then the
 * `SparseBins`, in the Node heap (`release-through-table.ts`) — after the charge (`run-dp-sql.ts`: charge, then
 * `engine.query(histogram)`). Before 629413c one group's rows were at most 256 (1,024 for integers: the same
 * 1.5M-value query at 256 MiB answered on c8c8a28); now they are the group's distinct values, a private number.
 * Measured: ~300–450 B of heap per distinct value; 2M distinct values in one group end the process at a 700 MiB heap (V8 "FATAL ERROR: Reached heap limit"), so ≈ 10M at Node's default
 * 4 GiB: a charged query whose outcome is a process abort — not the one ENGINE_ERROR (resource-limits.ts rule 2)
 * and under no tsdp-pinned limit (rule 3) — decided by how many distinct values the data hold. Several quantile
 * outputs in one query read their histograms at once (`Promise.all`), multiplying it.
 * Rule that would close it: the rows a histogram statement may bring into Node are bounded by a public number
 * (e.g. the engine folds bins into a public cap and ENGINE_ERROR past it, or the statement streams into the
 * sampler's O(1)-per-bin structure under a pinned byte limit); a process abort is never a query's outcome.
 * The property tested: under a 256 MiB heap, a MEDIAN over n distinct values in one group ends with an answer or
 * ENGINE_ERROR — the child process prints its outcome (control: 10,000 values). Generative over the values' layout
 * (fast-check seed 2066, 2 runs; each run ≈ 10–20 s at load 2–4).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'quantile-histogram-memory-child.ts');

function outcome(n: number, layout: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', CHILD, String(n), layout], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, out: r.stdout.trim() };
}

describe('review S64: the fine quantile histogram held in the Node heap after the charge', () => {
  it('control: 10,000 distinct values are answered under a 256 MiB heap', () => {
    expect(outcome(10_000, 'scattered')).toEqual({ status: 0, out: 'answered charged=1' });
  }, 240_000);

  it('1.5M distinct values in one group: answered or ENGINE_ERROR, never a process abort (fast-check seed 2066)', () => {
    fc.assert(
      fc.property(fc.constantFrom('scattered', 'sequential'), (layout) => {
        const r = outcome(1_500_000, layout);
        expect(r.status).toBe(0);
        expect(r.out).toMatch(/^(answered|ENGINE_ERROR) charged=1$/);
      }),
      { seed: 2066, numRuns: 2 },
    );
  }, 600_000);
});
