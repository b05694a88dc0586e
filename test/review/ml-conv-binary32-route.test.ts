/**
 * Review ML (reviewml, stop 18 session 5), finding M19 — class 3 (the clipped sum's sensitivity), member "the
 * numerics of a pass chosen by a private quantity" (M18's class; this member is older: it is on main 55987d1).
 * Owner: learn (src/learn/conv-ops.ts, every `runWasm` caller; src/learn/backend.ts `runWasm`).
 *
 * Where: every batch kernel of conv-ops.ts (forward, input gradient, per-example gradients, pooling) runs in wasm —
 * binary32 for the convolution — when `runWasm` can grow the shared arena for THIS batch, and otherwise the
 * plain-TypeScript reference kernel — binary64 (`runWasm` returns false: "memory could not grow: use the reference
 * kernel"). The batch (a Poisson sample or its last chunk) has a private size, so adding one example — even one whose
 * own contribution is 0 — can move a pass from binary32 to binary64 and change every other example's gradient (a
 * ReLU kink flipped by the binary32 rounding). conv-ops.ts's safety argument ("every value is still computed from one
 * example and the public weights") assumes the kernel is a function of public values; it is not. (Conv2d's own
 * resident buffers fall back to this shared path: stop 17 checked that this fallback keeps the numerics — the
 * shared path's own fallback does not.)
 *
 * Repro: a wasm memory limit of 18 pages (`--wasm-max-mem-pages`, a memory-limited platform such as a browser tab,
 * where `tsdp/learn` claims to run). Conv2d(1×1 image, one 1×1 filter) → ReLU → Conv2d(1 → 2 channels, 1×1),
 * n = 129,904 equal examples (the largest binary32 batch, by bisection) and the same plus one example the trainer
 * drops (label out of range): one makePrivate step each (q = 1, same declared N, same seeded noise) — the clipped
 * sums differ by 159,062·C.
 *
 * Rule that closes the class (with M18): a pass's numerics are a function of public values only — the kernels a
 * layer runs are chosen once, from the backend and a memory reservation made from the public chunk capacity before
 * any data; a reference fallback, where it exists, computes the same values bit for bit (same precision, same order),
 * or the run is refused before sampling. Test: the child below, compared exactly (BigInt) with C.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(import.meta.dirname, 'ml-conv-route-child.ts');

let child: { status: number | null; stdout: string; stderr: string };
beforeAll(() => {
  const r = spawnSync(process.execPath, ['--wasm-max-mem-pages=18', '--import', 'tsx', CHILD], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  child = { status: r.status, stdout: r.stdout, stderr: r.stderr };
}, 180_000);

describe('review ML M19: the convolution kernels chosen per batch by whether the wasm arena can grow', () => {
  // Held fixture, outside the it.fails: a child that crashes must turn the suite red, not pass the BUG test.
  it('the child runs to its report (wasm memory limited to 18 pages)', () => {
    expect(child.status, child.stderr).toBe(0);
  });

  it('M19 (fixed by learn c593297): one more example (dropped by the trainer, contribution 0) moves the clipped sum of the others by more than C (wasm memory limited to 18 pages)', () => {
    const report = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as { trainerRatio: number };
    // expectedBatchSize · ‖Δ grad‖ / C between the two steps: ≤ 1 + the grid and float rounding when nothing else moves.
    expect(report.trainerRatio, child.stdout.trim()).toBeLessThanOrEqual(1.5);
  });
});
