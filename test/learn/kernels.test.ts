import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addRowVector, axpy, columnSums, matmul, matmulTransA, matmulTransB, rowSquaredNorms, scaleRows } from '../../src/learn/kernels.js';
import { expectDpError } from './_helpers.js';

const dim = fc.integer({ min: 1, max: 5 });
const value = fc.double({ min: -4, max: 4, noNaN: true });
const matrix = (rows: number, cols: number) =>
  fc.array(value, { minLength: rows * cols, maxLength: rows * cols }).map((x) => Float64Array.from(x));

/** The definition: C[i][j] = Σ_p A[i][p]·B[p][j]. */
function naive(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++)
      for (let p = 0; p < k; p++) c[i * n + j] = (c[i * n + j] as number) + (a[i * k + p] as number) * (b[p * n + j] as number);
  return c;
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j] as number;
  return t;
}

function close(x: ArrayLike<number>, y: ArrayLike<number>, tol = 1e-12): void {
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++)
    expect(Math.abs((x[i] as number) - (y[i] as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i] as number)));
}

const shapes = fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(fc.constant([m, k, n] as const), matrix(m, k), matrix(k, n)));

describe('reference kernels', () => {
  it('matmul, matmulTransA and matmulTransB agree with the definition on random shapes', () => {
    fc.assert(
      fc.property(shapes, ([[m, k, n], a, b]) => {
        const want = naive(a, b, m, k, n);
        const c = new Float64Array(m * n);
        matmul(a, b, c, m, k, n);
        close(c, want);
        matmulTransA(transpose(a, m, k), b, c, m, k, n);
        close(c, want);
        matmulTransB(a, transpose(b, k, n), c, m, k, n);
        close(c, want);
        const f32 = new Float32Array(m * n);
        matmul(Float32Array.from(a), Float32Array.from(b), f32, m, k, n);
        close(f32, want, 1e-4 * k);
      }),
    );
  });

  it('accumulate adds the product to what C held', () => {
    fc.assert(
      fc.property(shapes, ([[m, k, n], a, b]) => {
        const want = naive(a, b, m, k, n).map((x) => 2 * x + 1);
        for (const f of [
          (c: Float64Array) => matmul(a, b, c, m, k, n, true),
          (c: Float64Array) => matmulTransA(transpose(a, m, k), b, c, m, k, n, true),
          (c: Float64Array) => matmulTransB(a, transpose(b, k, n), c, m, k, n, true),
        ]) {
          const c = naive(a, b, m, k, n).map((x) => x + 1);
          f(c);
          close(c, want);
        }
      }),
    );
  });

  it('row and column helpers agree with their definitions', () => {
    fc.assert(
      fc.property(
        fc.tuple(dim, dim).chain(([m, n]) => fc.tuple(fc.constant([m, n] as const), matrix(m, n), matrix(1, n), matrix(m, 1))),
        ([[m, n], a, v, s]) => {
          const norms = new Float64Array(m);
          rowSquaredNorms(a, m, n, norms);
          const sums = new Float64Array(n);
          columnSums(a, m, n, sums, s);
          const scaled = new Float64Array(m * n);
          scaleRows(a, s, m, n, scaled);
          const shifted = a.slice();
          addRowVector(shifted, v, m, n);
          for (let i = 0; i < m; i++) {
            let r = 0;
            for (let j = 0; j < n; j++) {
              r += (a[i * n + j] as number) ** 2;
              expect(scaled[i * n + j]).toBe((s[i] as number) * (a[i * n + j] as number));
              expect(shifted[i * n + j]).toBe((a[i * n + j] as number) + (v[j] as number));
            }
            close([norms[i] as number], [r]);
          }
          for (let j = 0; j < n; j++) {
            let c = 0;
            for (let i = 0; i < m; i++) c += (s[i] as number) * (a[i * n + j] as number);
            close([sums[j] as number], [c]);
          }
          const y = v.slice();
          axpy(-2, v, y);
          close(
            y,
            v.map((x) => -x),
          );
        },
      ),
    );
  });

  it('refuses mismatched lengths with INVALID_PARAMETER', () => {
    const a = new Float64Array(6);
    expectDpError(() => matmul(a, new Float64Array(5), new Float64Array(4), 2, 3, 2), 'INVALID_PARAMETER');
    expectDpError(() => matmulTransA(a, new Float64Array(6), new Float64Array(3), 2, 3, 2), 'INVALID_PARAMETER');
    expectDpError(() => matmulTransB(a, a, new Float64Array(4), 2, 3, 2.5), 'INVALID_PARAMETER');
    expectDpError(() => axpy(1, a, new Float64Array(5)), 'INVALID_PARAMETER');
  });
});
