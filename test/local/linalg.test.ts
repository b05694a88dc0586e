/** The small linear algebra of RAPPOR's decoder: Cholesky solves and non-negative least squares. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cholesky, choleskySolve, nnls } from '../../src/local/_internal/linalg.js';

/** G = AᵀA + λI and h = Aᵀb for a random A (rows × n). */
function normalEquations(a: number[], b: number[], rows: number, n: number, ridge: number) {
  const g = new Float64Array(n * n);
  const h = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const ai = a[r * n + i] as number;
      h[i] = (h[i] as number) + ai * (b[r] as number);
      for (let j = 0; j < n; j++) g[i * n + j] = (g[i * n + j] as number) + ai * (a[r * n + j] as number);
    }
  }
  for (let i = 0; i < n; i++) g[i * n + i] = (g[i * n + i] as number) + ridge;
  return { g, h };
}

const objective = (g: Float64Array, h: Float64Array, x: ArrayLike<number>, n: number) => {
  let value = 0;
  for (let i = 0; i < n; i++) {
    let gx = 0;
    for (let j = 0; j < n; j++) gx += (g[i * n + j] as number) * (x[j] as number);
    value += 0.5 * (x[i] as number) * gx - (h[i] as number) * (x[i] as number);
  }
  return value;
};

const problem = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    a: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: (n + 2) * n, maxLength: (n + 2) * n }),
    b: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n + 2, maxLength: n + 2 }),
  }),
);

describe('linear algebra', () => {
  it('property: Cholesky solves G x = h for symmetric positive-definite G to 1e-8 relative residual', () => {
    fc.assert(
      fc.property(problem, ({ n, a, b }) => {
        const { g, h } = normalEquations(a, b, n + 2, n, 0.5);
        const l = cholesky(g, n);
        expect(l).not.toBeNull();
        const x = choleskySolve(l as Float64Array, n, h);
        for (let i = 0; i < n; i++) {
          let gx = 0;
          for (let j = 0; j < n; j++) gx += (g[i * n + j] as number) * (x[j] as number);
          expect(Math.abs(gx - (h[i] as number))).toBeLessThanOrEqual(1e-8 * (1 + Math.abs(h[i] as number)));
        }
      }),
    );
  });

  it('Cholesky refuses a singular matrix', () => {
    expect(cholesky(Float64Array.from([1, 1, 1, 1]), 2)).toBeNull();
  });

  it('property: NNLS reaches the minimum over all supports (brute force over the 2ⁿ active sets) and stays ≥ 0', () => {
    fc.assert(
      fc.property(problem, ({ n, a, b }) => {
        const { g, h } = normalEquations(a, b, n + 2, n, 0.1);
        const x = nnls(g, h, n);
        for (const xi of x) expect(xi).toBeGreaterThanOrEqual(0);
        let best = 0; // x = 0 is feasible
        for (let mask = 1; mask < 1 << n; mask++) {
          const idx = Array.from({ length: n }, (_, i) => i).filter((i) => (mask >> i) & 1);
          const s = idx.length;
          const sub = new Float64Array(s * s);
          idx.forEach((i, p) => {
            idx.forEach((j, q) => {
              sub[p * s + q] = g[i * n + j] as number;
            });
          });
          const l = cholesky(sub, s);
          if (l === null) continue;
          const z = choleskySolve(
            l,
            s,
            idx.map((i) => h[i] as number),
          );
          if ([...z].some((v) => v < 0)) continue;
          const full = new Float64Array(n);
          idx.forEach((i, p) => {
            full[i] = z[p] as number;
          });
          best = Math.min(best, objective(g, h, full, n));
        }
        expect(objective(g, h, x, n)).toBeLessThanOrEqual(best + 1e-9 * (1 + Math.abs(best)));
      }),
      { numRuns: 300 },
    );
  });
});
