/**
 * Newton's method for the perturbed, regularised logistic objective
 * J(θ) = Σᵢ log(1 + exp(−yᵢ θ·xᵢ)) + (Λ/2)‖θ‖² + b·θ   (yᵢ ∈ {−1, +1}),
 * which is Λ-strongly convex and smooth: with a backtracking line search it
 * converges to ‖∇J‖ ≤ γ. The privacy proofs (objective / output
 * perturbation) need exactly that bound: ‖θ̂ − θ*‖ ≤ ‖∇J(θ̂)‖/Λ ≤ γ/Λ.
 * @module
 */
import { solveSpd } from './linalg.js';

function softplus(z: number): number {
  return z > 30 ? z : z < -30 ? Math.exp(z) : Math.log1p(Math.exp(z));
}

function objective(x: Float64Array, y: Float64Array, n: number, d: number, lambda: number, b: Float64Array, theta: Float64Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < d; j++) m += (theta[j] as number) * (x[i * d + j] as number);
    s += softplus(-(y[i] as number) * m);
  }
  for (let j = 0; j < d; j++) s += 0.5 * lambda * (theta[j] as number) ** 2 + (b[j] as number) * (theta[j] as number);
  return s;
}

/** @internal Minimises J; returns θ̂ and the final gradient norm (≤ tolerance unless the step budget ran out). */
export function minimizeLogistic(
  x: Float64Array,
  y: Float64Array,
  n: number,
  d: number,
  lambda: number,
  b: Float64Array,
  tolerance: number,
): { theta: Float64Array; gradientNorm: number } {
  let theta = new Float64Array(d);
  let gradientNorm = Number.POSITIVE_INFINITY;
  for (let iter = 0; iter < 200; iter++) {
    const g = new Float64Array(d);
    const h = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let j = 0; j < d; j++) m += (theta[j] as number) * (x[i * d + j] as number);
      const yi = y[i] as number;
      const p = 1 / (1 + Math.exp(yi * m)); // σ(−y m)
      const w = p * (1 - p);
      for (let j = 0; j < d; j++) {
        const xj = x[i * d + j] as number;
        if (xj === 0) continue;
        g[j] = (g[j] as number) - yi * p * xj;
        const wx = w * xj;
        for (let k = 0; k <= j; k++) h[j * d + k] = (h[j * d + k] as number) + wx * (x[i * d + k] as number);
      }
    }
    let norm = 0;
    for (let j = 0; j < d; j++) {
      g[j] = (g[j] as number) + lambda * (theta[j] as number) + (b[j] as number);
      norm += (g[j] as number) ** 2;
      h[j * d + j] = (h[j * d + j] as number) + lambda;
      for (let k = 0; k < j; k++) h[k * d + j] = h[j * d + k] as number;
    }
    gradientNorm = Math.sqrt(norm);
    if (gradientNorm <= tolerance) break;
    const step = solveSpd(h, g, d);
    const current = objective(x, y, n, d, lambda, b, theta);
    let slope = 0;
    for (let j = 0; j < d; j++) slope += (g[j] as number) * (step[j] as number);
    let t = 1;
    let next = theta;
    // Near the optimum the Newton decrement (slope) is below the float resolution of J: take the full step
    // (Newton converges quadratically there); elsewhere backtrack on the Armijo rule.
    const local = slope <= 1e-9 * Math.max(1, Math.abs(current));
    for (let k = 0; k < 60; k++) {
      next = Float64Array.from(theta, (v, j) => v - t * (step[j] as number));
      if (local || objective(x, y, n, d, lambda, b, next) <= current - 1e-4 * t * slope) break;
      t /= 2;
    }
    theta = next;
  }
  return { theta, gradientNorm };
}
