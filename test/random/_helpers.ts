/** Shared helpers for the sampler tests (not a test file). */
import { expect } from 'vitest';
import { isDpError } from '../../src/core/errors.js';
import type { RandomSource } from '../../src/random/source.js';

/** Counts of `draw()` over integer cells [lo, hi] plus two tail cells (below lo, above hi). */
export function countCells(draw: () => number, n: number, lo: number, hi: number): number[] {
  const counts = new Array<number>(hi - lo + 3).fill(0);
  for (let i = 0; i < n; i++) {
    const k = draw();
    const cell = k < lo ? 0 : k > hi ? hi - lo + 2 : k - lo + 1;
    counts[cell] = (counts[cell] as number) + 1;
  }
  return counts;
}

/** Probabilities of the same cells, from an unnormalised pmf w(k) with `support` giving the summation range. */
export function cellProbabilities(weight: (k: number) => number, lo: number, hi: number, supportLo: number, supportHi: number): number[] {
  let total = 0;
  for (let k = supportLo; k <= supportHi; k++) total += weight(k);
  const ps = new Array<number>(hi - lo + 3).fill(0);
  let inside = 0;
  for (let k = lo; k <= hi; k++) {
    const p = weight(k) / total;
    ps[k - lo + 1] = p;
    inside += p;
  }
  let below = 0;
  for (let k = supportLo; k < lo; k++) below += weight(k) / total;
  ps[0] = below;
  ps[hi - lo + 2] = Math.max(0, 1 - inside - below);
  return ps;
}

/** Asserts that `f` throws DpError INVALID_PARAMETER. */
export function expectInvalid(f: () => unknown): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(isDpError(caught, 'INVALID_PARAMETER')).toBe(true);
}

/** A source that replays fixed words (then fails loudly). */
export class ScriptedSource implements RandomSource {
  readonly isSeeded = true;
  private i = 0;
  constructor(private readonly words: readonly number[]) {}
  nextUint32(): number {
    const w = this.words[this.i++];
    if (w === undefined) throw new Error('ScriptedSource ran out of words');
    return w >>> 0;
  }
  fill(out: Uint32Array): void {
    for (let j = 0; j < out.length; j++) out[j] = this.nextUint32();
  }
  get used(): number {
    return this.i;
  }
}
