/**
 * Review ML (reviewml, stop 18 session 5), finding M18 — class 11/5 ("whether a run happens never depends on one
 * example": a refusal decided by private data), reached through class 3 (the clipped sum's sensitivity). Owner:
 * learn (src/learn/dense.ts, dense-resident.ts; dense-binary32.proof.md "The route is public"; size-limits.ts:
 * "so a step never refuses because of the (private) size of a Poisson sample").
 *
 * History. On wip/learn 657976a, Dense's binary32 route fell back to binary64 for a pass whose batch its wasm
 * instance could not grow to hold: the numerics of every example (a ReLU kink flipped by the binary32 rounding)
 * depended on the private batch size — with 18 wasm pages, 17,320 equal examples and one more example contributing
 * 0 itself, the two clipped sums differed by 21,208·C (reviewml NEWS 22:02, before the merge). learn 3b93546 closed
 * that member by refusing such a batch instead (DpError INTERNAL) — which is the member tested here: the refusal is
 * decided by the private batch size.
 *
 * Where: `DenseResident.layout(batch)` grows the instance's memory to what THIS batch needs (the Poisson sample or
 * its last physical chunk, whose size is private); `Dense.forward` throws INTERNAL when it cannot. Repro (a wasm
 * memory limit of 18 pages, `--wasm-max-mem-pages`, standing for a memory-limited platform; on plain Node the wall is
 * 4 GiB — Dense(4096, 4096) under the default chunk of 32,768 rows needs ≈ 4.7 GiB (by its regions: 18,435 doubles a row), so a sample whose chunk passes
 * ≈ 27,300 rows is refused): the same model, q = 1 (full batch, legal), declared N = n + 1; a data set of n = 12,370
 * examples steps, its neighbour with one more example is refused INTERNAL, every time (ε = ∞ for the event "refused";
 * at q < 1 the event is a thresholded Poisson count, still unaccounted).
 *
 * Rule that closes the class: memory a pass needs is reserved from public values before any data is read — the
 * trainer's public chunk capacity (physicalBatchSize, or the size limits' chunk rows) at makePrivate — and the route
 * is fixed then (binary32 if the reservation holds, else binary64 for every pass); no allocation whose size is a
 * private count may fail after sampling. Test: the child below (bisection on n, one step per size).
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(import.meta.dirname, 'ml-dense-route-child.ts');

interface ChildReport {
  n: number;
  atN: string;
  atN1: string;
}

let report: ChildReport | undefined;
let failure = '';
beforeAll(() => {
  const r = spawnSync(process.execPath, ['--wasm-max-mem-pages=18', '--import', 'tsx', CHILD], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status === 0) report = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as ChildReport;
  else failure = r.stderr;
}, 180_000);

describe('review ML M18: a DP-SGD step refused or not by the private batch size (Dense’s binary32 memory)', () => {
  // Held fixture, outside the it.fails: a child that crashes must turn the suite red, not pass the BUG test.
  it('the child runs to its report (wasm memory limited to 18 pages)', () => {
    expect(report, failure).toBeDefined();
  });

  it('M18 (fixed by learn c593297): data sets of n and n + 1 examples (same declared N, q = 1) — one steps, the other is refused (wasm memory limited to 18 pages)', () => {
    expect(report?.atN1, JSON.stringify(report)).toBe(report?.atN);
  });
});
