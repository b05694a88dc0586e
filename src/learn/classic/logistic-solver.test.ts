/**
 * Trust (issue 10): LogisticRegression's Newton solve had a data-dependent branch — after 200 steps
 * without ‖∇J‖ ≤ γ it released L(0) instead of L(θ̂). The rule (logistic-regression.proof.md, "One release
 * path"): the solver's only exit is a certificate on the TRUE gradient norm, no step cap, and the release is
 * always L(θ̂). Regression: the traced release input is exactly the certified solver's output. Generative:
 * random and degenerate data sets (one class, all-zero rows, duplicates, rows far outside the norm bound,
 * no rows, one row), random Λ and b: the certificate holds and an independent recomputation of ‖∇J(θ̂)‖
 * agrees.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../index.js';
import { SeededRandomSource, startTrace } from '../../testing/index.js';
import { clipRowsL2 } from './_internal/features.js';
import { minimizeLogistic } from './_internal/logistic.js';
import { LogisticRegression } from './logistic-regression.js';

const GAMMA = 1e-6;

/** x̃ = [clip_R(x), 1]/√(R² + 1), as the model builds it. */
function extend(x: number[][], d: number, norm: number): Float64Array {
  const flat = Float64Array.from(x.flat());
  clipRowsL2(flat, x.length, d, norm);
  const s = 1 / Math.sqrt(norm * norm + 1);
  const out = new Float64Array(x.length * (d + 1));
  for (let r = 0; r < x.length; r++) {
    for (let j = 0; j < d; j++) out[r * (d + 1) + j] = (flat[r * d + j] as number) * s;
    out[r * (d + 1) + d] = s;
  }
  return out;
}

/** ‖∇J(θ)‖₂ recomputed independently (plain loops, the stable σ form). */
function gradientNorm(xt: Float64Array, ys: Float64Array, n: number, d: number, lambda: number, b: Float64Array, theta: Float64Array) {
  const g = Float64Array.from(theta, (t, j) => lambda * t + (b[j] as number));
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < d; j++) m += (theta[j] as number) * (xt[i * d + j] as number);
    const z = (ys[i] as number) * m;
    const p = z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
    for (let j = 0; j < d; j++) g[j] = (g[j] as number) - (ys[i] as number) * p * (xt[i * d + j] as number);
  }
  return Math.hypot(...g);
}

const row = (d: number) => fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: d, maxLength: d });
/** Random data sets plus the degenerate shapes the old fallback was feared on. */
const dataset = (d: number) =>
  fc.oneof(
    fc.array(fc.tuple(row(d), fc.integer({ min: 0, max: 1 })), { minLength: 0, maxLength: 60 }),
    // one class only (separable: the unregularised minimiser is at infinity)
    fc.array(fc.tuple(row(d), fc.constant(1)), { minLength: 1, maxLength: 60 }),
    // all-zero rows
    fc
      .integer({ min: 1, max: 60 })
      .map((n) => Array.from({ length: n }, (_, i) => [new Array<number>(d).fill(0), i % 2] as [number[], number])),
    // one row duplicated many times, far outside the norm bound
    fc
      .tuple(row(d), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 400 }))
      .map(([r, y, n]) => Array.from({ length: n }, () => [r.map((v) => v * 1e6), y] as [number[], number])),
  );

describe('LogisticRegression: one release path (Trust, issue 10)', () => {
  it("regression: 'output' releases the certified minimiser itself (traced input = minimizeLogistic's θ̂, never 0)", async () => {
    const d = 3;
    const norm = 2;
    const x = Array.from({ length: 50 }, (_, i) => [Math.sin(i), Math.cos(3 * i), (i % 7) / 7]);
    const y = x.map((r) => ((r[0] as number) + (r[1] as number) > 0 ? 1 : 0));
    const lr = new LogisticRegression({ epsilon: 1, featureCount: d, dataNorm: norm, method: 'output' });
    const trace = startTrace();
    try {
      await lr.fit(x, y, { budget: PrivacyBudget.pure(1), rng: new SeededRandomSource(5) });
    } finally {
      trace.stop();
    }
    const ys = Float64Array.from(y, (v) => (v === 1 ? 1 : -1));
    const solution = minimizeLogistic(extend(x, d, norm), ys, x.length, d + 1, lr.regularization, new Float64Array(d + 1), GAMMA);
    expect(solution.gradientBound).toBeLessThanOrEqual(GAMMA);
    expect(trace.noise.map((r) => r.value)).toEqual(Array.from(solution.theta));
    expect(solution.theta.some((v) => v !== 0)).toBe(true);
  });

  it('generative: random and degenerate data, random Λ and b — the certificate always holds and an independent ‖∇J(θ̂)‖ agrees', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((d) => fc.tuple(fc.constant(d), dataset(d))),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 0.1, max: 20, noNaN: true }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        ([d, rows], lambda, norm, direction, radius) => {
          const n = rows.length;
          const xt = extend(
            rows.map((r) => r[0]),
            d,
            norm,
          );
          const ys = Float64Array.from(rows, (r) => (r[1] === 1 ? 1 : -1));
          const b = Float64Array.from({ length: d + 1 }, (_, j) => (direction[j] as number) * radius);
          const { theta, gradientBound } = minimizeLogistic(xt, ys, n, d + 1, lambda, b, GAMMA);
          expect(gradientBound).toBeLessThanOrEqual(GAMMA);
          expect(theta.every(Number.isFinite)).toBe(true);
          // The plain recomputation carries its own float error (≤ ~1e-12 at these sizes).
          expect(gradientNorm(xt, ys, n, d + 1, lambda, b, theta)).toBeLessThanOrEqual(GAMMA + 1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });
});
