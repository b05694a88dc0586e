import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addBias,
  axpyInPlace,
  colSums,
  gemmNN,
  gemmNT,
  gemmTN,
  gemmTNScaled,
  kernelBackend,
  reluBwd,
  reluFwd,
  rowNorms2,
  setKernelBackend,
} from '../../src/learn/backend.js';
import * as ref from '../../src/learn/kernels.js';
import { instantiateKernels, loadWasmKernels } from '../../src/learn/wasm/wasm-kernels.js';
import { expectDpError, filler } from './_helpers.js';

// Shapes include 0 and sizes that straddle the SIMD kernel's blocks (4-row/4-column
// micro-tiles, 64-column and 256-row panels): every remainder path runs.
const size = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 60, max: 70 }));
const kSize = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 250, max: 262 }));
const value = fc.double({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true });
const seeded = filler;

/** |wasm − reference| ≤ 1e-13·(Σ_p |a||b|) + 1e-300: the two differ only in the order of additions. */
function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, scale: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs((got[i] as number) - (want[i] as number));
    expect(err).toBeLessThanOrEqual(1e-13 * (scale[i] as number) + 1e-300);
  }
}

const abs = (a: Float64Array): Float64Array => a.map(Math.abs);

afterEach(() => {
  setKernelBackend('auto');
});

describe('WebAssembly SIMD kernels against the reference kernels (the oracle)', () => {
  it('WebAssembly SIMD is available in this Node and is the default', () => {
    expect(loadWasmKernels()).not.toBeNull();
    expect(kernelBackend()).toBe('wasm');
  });

  it('gemmNN, gemmTN, gemmNT (overwrite and accumulate) agree with matmul, matmulTransA, matmulTransB on random shapes incl. 0 and odd sizes', () => {
    fc.assert(
      fc.property(size, kSize, size, fc.integer(), fc.boolean(), (m, k, n, seed, accumulate) => {
        const a = seeded(m * k, seed);
        const b = seeded(k * n, seed + 1);
        const c0 = seeded(m * n, seed + 2);
        const at = new Float64Array(k * m);
        for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) at[p * m + i] = a[i * k + p] as number;
        const bt = new Float64Array(n * k);
        for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j] as number;
        const want = c0.slice();
        ref.matmul(a, b, want, m, k, n, accumulate);
        const bound = accumulate ? abs(c0) : new Float64Array(m * n);
        ref.matmul(abs(a), abs(b), bound, m, k, n, true);
        for (const run of [
          (c: Float64Array) => gemmNN(a, b, c, m, k, n, accumulate),
          (c: Float64Array) => gemmTN(at, b, c, m, k, n, accumulate),
          (c: Float64Array) => gemmNT(a, bt, c, m, k, n, accumulate),
        ]) {
          const c = c0.slice();
          run(c);
          expectNear(c, want, bound);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('gemmTNScaled (the clipped-gradient product Aᵀ·diag(s)·B) and colSums agree with scaleRows + matmulTransA and columnSums', () => {
    fc.assert(
      fc.property(size, kSize, size, fc.integer(), (m, k, n, seed) => {
        const at = seeded(k * m, seed);
        const b = seeded(k * n, seed + 1);
        const s = seeded(k, seed + 2).map((x) => Math.abs(x) / 4);
        const scaled = new Float64Array(k * n);
        ref.scaleRows(b, s, k, n, scaled);
        const want = new Float64Array(m * n);
        ref.matmulTransA(at, scaled, want, m, k, n);
        const bound = new Float64Array(m * n);
        ref.matmulTransA(abs(at), abs(scaled), bound, m, k, n);
        const c = new Float64Array(m * n);
        gemmTNScaled(at, b, s, c, m, k, n);
        expectNear(c, want, bound);
        const sums = new Float64Array(n);
        ref.columnSums(b, k, n, sums, s);
        const sumBound = new Float64Array(n);
        ref.columnSums(abs(b), k, n, sumBound, s);
        const got = new Float64Array(n).fill(1);
        colSums(b, k, n, got, s, true);
        expectNear(
          got,
          sums.map((x) => x + 1),
          sumBound.map((x) => x + 1),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('elementwise kernels (ReLU both ways, row norms, bias, axpy) equal the reference, incl. NaN, ±0 and subnormals', () => {
    const special = fc.oneof(value, fc.constantFrom(0, -0, Number.NaN, 1e-310, -1e-310, Number.POSITIVE_INFINITY));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 13 }),
        fc.array(special, { maxLength: 200 }),
        value,
        (m, n, pool, alpha) => {
          const len = m * n;
          const x = Float64Array.from({ length: len }, (_, i) => (pool.length ? (pool[i % pool.length] as number) : i - 3));
          const g = Float64Array.from({ length: len }, (_, i) => Math.sin(i) * 3);
          const r1 = new Float64Array(len);
          const r2 = new Float64Array(len);
          ref.reluForward(x, r1);
          reluFwd(x, r2);
          expect(Array.from(r2)).toEqual(Array.from(r1));
          ref.reluBackward(x, g, r1);
          reluBwd(x, g, r2);
          expect(Array.from(r2)).toEqual(Array.from(r1));
          const finite = x.map((v) => (Number.isFinite(v) ? v : 1));
          const n1 = new Float64Array(m);
          const n2 = new Float64Array(m);
          ref.rowSquaredNorms(finite, m, n, n1);
          rowNorms2(finite, m, n, n2);
          expectNear(n2, n1, n1);
          const v = g.subarray(0, n).slice();
          if (v.length === n) {
            const c1 = finite.slice();
            const c2 = finite.slice();
            ref.addRowVector(c1, v, m, n);
            addBias(c2, v, m, n);
            expect(Array.from(c2)).toEqual(Array.from(c1));
          }
          const y1 = g.slice();
          const y2 = g.slice();
          ref.axpy(alpha, finite, y1);
          axpyInPlace(alpha, finite, y2);
          expect(Array.from(y2)).toEqual(Array.from(y1));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('Float32Array operands give the reference result rounded to float32', () => {
    const a = Float32Array.from(seeded(7 * 9, 5));
    const b = Float32Array.from(seeded(9 * 6, 6));
    const want = new Float32Array(7 * 6);
    const got = new Float32Array(7 * 6);
    ref.matmul(a, b, want, 7, 9, 6);
    gemmNN(a, b, got, 7, 9, 6);
    for (let i = 0; i < want.length; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThanOrEqual(1e-5);
  });

  it('a platform without WebAssembly (or without SIMD) gets null and the reference kernels', () => {
    expect(instantiateKernels(undefined)).toBeNull();
    const noSimd = { ...WebAssembly, validate: () => false } as unknown as typeof WebAssembly;
    expect(instantiateKernels(noSimd)).toBeNull();
    expect(setKernelBackend('reference')).toBe('reference');
    const c = new Float64Array(4);
    gemmNN(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 0, 0, 1), c, 2, 2, 2);
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
    expect(setKernelBackend('auto')).toBe('wasm');
  });

  it('bad shapes and names are typed DpErrors before any work', () => {
    expectDpError(() => gemmNN(new Float64Array(3), new Float64Array(4), new Float64Array(4), 2, 2, 2), 'INVALID_PARAMETER');
    expectDpError(() => gemmTN(new Float64Array(4), new Float64Array(4), new Float64Array(4), 2, 2, -1), 'INVALID_PARAMETER');
    expectDpError(() => gemmNT(new Float64Array(4), new Float64Array(4), new Float64Array(4), 2, 2, 2.5), 'INVALID_PARAMETER');
    expectDpError(() => reluFwd(new Float64Array(2), new Float64Array(3)), 'INVALID_PARAMETER');
    expectDpError(() => setKernelBackend('gpu' as 'wasm'), 'INVALID_PARAMETER');
  });
});

describe('row norms do not depend on the row’s position (reviewml NEWS 22:23)', () => {
  it('each row’s wasm squared norm equals that row’s norm computed alone, bit for bit (odd widths: rows at every alignment)', () => {
    setKernelBackend('wasm');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 41 }), fc.nat(1000), (m, n, seed) => {
        const a = seeded(m * n, seed + 1).map((x) => x * 2 ** ((seed % 40) - 20));
        const all = new Float64Array(m);
        rowNorms2(a, m, n, all);
        for (let i = 0; i < m; i++) {
          const one = new Float64Array(1);
          rowNorms2(a.slice(i * n, (i + 1) * n), 1, n, one);
          expect(all[i]).toBe(one[0]);
        }
      }),
      { numRuns: 60, seed: 20261207 },
    );
  });
});
