/**
 * review, stop 24 (learn 7ffbaad): the binary32 rows' squared norms (`squaredSum32` in kernels.as, shared by
 * `rowSquaredNorms32` — the resident Dense layer's ‖a_i‖², ‖δ_i‖² — and `convExampleGrads` — Conv2d's per-example
 * norms) went from two f64x2 chains (four values a step) to four (eight a step), then the lanes, then a tail of
 * n mod 8 values. The clip factor is derived from these norms (ghost-clipping.proof.md fact 1: every order of n − 1
 * roundings, squares exact), so a lane or tail slip that drops, doubles or over-reads an element, or a sum that
 * leaves binary64, breaks the privacy bound. Class: a summation kernel's lane/tail bookkeeping. Three guards:
 *   (a) exact count: small-integer rows (every square and every partial sum exact) must give Σ v² exactly, for
 *       every length 0..80 (all residues mod 8, one and several 8-blocks), rows at every 4-byte misalignment, NaN
 *       sentinels before and after the rows (an over-read turns the norm NaN) — the module itself, both builds;
 *   (b) the proof's rounding bound, exactly (BigInt): s·(1 − u)^(n−1) ≤ ŝ ≤ s·(1 + u)^(n−1) for random binary32
 *       values across the whole binary32 range (subnormals included), u = 2⁻⁵³;
 *   (c) the Conv2d call site: integer inputs make the binary32 gradients exact, so the wasm per-example norms equal
 *       the exact Σ g² of the returned rows and the rows equal the reference kernels', for widths outC·(K + 1) of
 *       every residue mod 8.
 * Power (stop 24, on a copy of learn 7ffbaad, kernels.as rebuilt per mutation, then reverted and --check clean): the
 * tail loop starting one element late, the second 16-byte load re-reading the first, and the tail reading one element
 * past n each fail all three at once. The relaxed build needs --experimental-wasm-relaxed-simd on Node 20 (skipped
 * otherwise); a standalone run with the flag gave bit-identical norms to the default build over 3000 random rows.
 * Runs in well under a second.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { setKernelBackend } from '../../src/learn/backend.js';
import { type ConvShape, convExampleGrads } from '../../src/learn/conv-ops.js';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from '../../src/learn/wasm/kernels-wasm.js';

afterEach(() => setKernelBackend('auto'));

interface RawExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  rowSquaredNorms32(a: number, m: number, n: number, out: number): void;
}

function instantiate(base64: string): RawExports | null {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (!WebAssembly.validate(bytes)) return null;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as RawExports;
}
const builds = [
  ['default', instantiate(KERNELS_WASM_BASE64)],
  ['relaxed', instantiate(KERNELS_RELAXED_WASM_BASE64)],
] as const;

/** Runs rowSquaredNorms32 over `rows` (binary32 values), laid out `shift` bytes past a 16-byte boundary, NaN around. */
function rowNorms(e: RawExports, rows: readonly number[][], n: number, shift: number): Float64Array {
  const base = (e.heapBase() + 15) & ~15;
  const a = base + 64 + shift;
  const out = base + 64 + 16 * Math.ceil((rows.length * n * 4 + 64) / 16) + 64;
  const need = out + rows.length * 8 + 64;
  if (need > e.memory.buffer.byteLength) e.memory.grow(Math.ceil((need - e.memory.buffer.byteLength) / 65536));
  const f32 = new Float32Array(e.memory.buffer);
  f32.fill(Number.NaN, base / 4, out / 4); // sentinels before, between-row slack and after
  rows.forEach((row, i) => {
    f32.set(row, a / 4 + i * n);
  });
  e.rowSquaredNorms32(a, rows.length, n, out);
  return new Float64Array(e.memory.buffer, out, rows.length).slice();
}

/** |x| = m·2^e exactly. */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
}

/** Whether s·(1 − u)^k ≤ ŝ ≤ s·(1 + u)^k exactly, s = Σ v², u = 2⁻⁵³. */
function withinRoundings(values: readonly number[], got: number, k: number): boolean {
  const terms = values.filter((v) => v !== 0).map(decompose);
  const [gm, ge] = decompose(got);
  const low = Math.min(ge, ...terms.map(([, e]) => 2 * e));
  let s = 0n;
  for (const [m, e] of terms) s += (m * m) << BigInt(2 * e - low);
  const g = got === 0 ? 0n : gm << BigInt(ge - low);
  const big = BigInt(k);
  const two53k = 1n << (53n * big);
  return s * (2n ** 53n - 1n) ** big <= g * two53k && g * two53k <= s * (2n ** 53n + 1n) ** big;
}

describe('review stop 24: squaredSum32 (four f64x2 chains, eight a step, tail n mod 8)', () => {
  for (const [name, e] of builds) {
    it.skipIf(e === null)(`${name} build: small-integer rows give Σ v² exactly for every length 0..80 and misalignment`, () => {
      if (e === null) return;
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 80 }),
          fc.integer({ min: 1, max: 4 }),
          fc.constantFrom(0, 4, 8, 12),
          fc.nat(),
          (n, m, shift, seed) => {
            // distinct nonzero magnitudes per position: a dropped or doubled element changes the sum
            const rows = Array.from({ length: m }, (_, i) =>
              Array.from({ length: n }, (_, j) => (((seed + 31 * i + 7 * j) % 1000) + 1) * ((i + j) % 3 === 0 ? -1 : 1)),
            );
            const got = rowNorms(e, rows, n, shift);
            rows.forEach((row, i) => {
              expect(got[i]).toBe(row.reduce((t, v) => t + v * v, 0));
            });
          },
        ),
        { numRuns: 400, seed: 2424 },
      );
    });

    it.skipIf(e === null)(`${name} build: s·(1 − u)^(n−1) ≤ ŝ ≤ s·(1 + u)^(n−1) exactly over the binary32 range`, () => {
      if (e === null) return;
      const f32 = fc
        .tuple(fc.integer({ min: -149, max: 127 }), fc.double({ min: 1, max: 2, noNaN: true, maxExcluded: true }), fc.boolean())
        .map(([ex, man, neg]) => Math.fround((neg ? -1 : 1) * man * 2 ** ex));
      const sameScale = fc
        .tuple(fc.integer({ min: -140, max: 120 }), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 80 }))
        .map(([ex, ms]) => ms.map((v) => Math.fround(v * 2 ** ex)));
      fc.assert(
        fc.property(fc.oneof(fc.array(f32, { maxLength: 80 }), sameScale), fc.constantFrom(0, 4, 8, 12), (row, shift) => {
          const [got] = rowNorms(e, [row], row.length, shift);
          expect(Number.isFinite(got)).toBe(true);
          expect(withinRoundings(row, got as number, Math.max(row.length - 1, 0))).toBe(true);
        }),
        { numRuns: 400, seed: 2425 },
      );
    });
  }

  it('Conv2d per-example norms (wasm) equal the exact Σ g² of the returned rows, and the rows the reference', () => {
    fc.assert(
      fc.property(
        fc.record({
          C: fc.integer({ min: 1, max: 3 }),
          H: fc.integer({ min: 2, max: 7 }),
          k: fc.integer({ min: 1, max: 4 }),
          outC: fc.integer({ min: 1, max: 9 }),
          batch: fc.integer({ min: 1, max: 3 }),
          seed: fc.nat(),
        }),
        ({ C, H, k, outC, batch, seed }) => {
          fc.pre(k <= H);
          const oh = H - k + 1;
          const shape: ConvShape = { C, H, W: H, k, s: 1, p: 0, oh, ow: oh, outC };
          const K = C * k * k;
          const width = outC * K + outC;
          const x = Float64Array.from({ length: batch * C * H * H }, (_, i) => ((seed + 5 * i) % 7) - 3);
          const dy = Float64Array.from({ length: batch * outC * oh * oh }, (_, i) => ((seed + 3 * i) % 5) - 2);
          const run = (backend: 'wasm' | 'reference') => {
            setKernelBackend(backend);
            const grads = new Float64Array(batch * width);
            const norms = new Float64Array(batch);
            convExampleGrads(shape, x, dy, grads, norms, batch);
            return { grads, norms };
          };
          const want = run('reference');
          const got = run('wasm');
          expect(Array.from(got.grads)).toEqual(Array.from(want.grads));
          for (let i = 0; i < batch; i++) {
            let sq = 0;
            for (let j = 0; j < width; j++) sq += (got.grads[i * width + j] as number) ** 2;
            expect(got.norms[i]).toBe(sq);
          }
        },
      ),
      { numRuns: 150, seed: 2426 },
    );
  });
});
