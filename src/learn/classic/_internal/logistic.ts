/**
 * Newton's method for the perturbed, regularised logistic objective
 * J(θ) = Σᵢ log(1 + exp(−yᵢ θ·xᵢ)) + (Λ/2)‖θ‖² + b·θ   (yᵢ ∈ {−1, +1}, ‖xᵢ‖₂ ≤ 1).
 *
 * Rule (logistic-regression.proof.md, "One release path"): the solver has ONE
 * exit — a certificate that the TRUE gradient norm is at most γ (the computed
 * norm plus a rigorous bound on its floating-point error) — and no step cap,
 * no fallback: the caller always releases the θ̂ it returns. The privacy proofs
 * (objective / output perturbation) need exactly that certificate:
 * ‖θ̂ − θ*‖₂ ≤ ‖∇J(θ̂)‖/Λ ≤ γ/Λ. What the data moves is the number of steps
 * (the running time), never which value is released.
 *
 * Why it ends on every data set: f = J/(4Λ) is standard self-concordant
 * (|ℓ'''| ≤ ℓ'', ‖x‖ ≤ 1 and ∇²J ⪰ ΛI give |D³J[h]³| ≤ Λ^{-1/2}(D²J[h,h])^{3/2}),
 * so Newton with backtracking (or Nesterov's damped step) decreases f by a
 * fixed amount while f's Newton decrement λ_f = λ_J/(2√Λ) exceeds 1/4, and
 * converges quadratically once it is below (Nesterov 2004, Thms 4.1.12–4.1.14;
 * Boyd & Vandenberghe 2004, §9.6).
 * @module
 */
import { solveSpd } from './linalg.js';

/** Unit round-off of binary64. */
const U = 2 ** -53;
/** Veltkamp's splitter 2²⁷ + 1 (for the error-free products of Dot2). */
const SPLIT = 134217729;

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

/** @internal The solver's result: θ̂, a certified upper bound on the true ‖∇J(θ̂)‖₂ (≤ tolerance), and the steps taken. */
export interface LogisticSolution {
  readonly theta: Float64Array;
  readonly gradientBound: number;
  readonly steps: number;
}

interface Derivatives {
  /** The computed gradient (compensated sums). */
  readonly g: Float64Array;
  /** The Hessian (full, symmetric). */
  readonly h: Float64Array;
  /** An upper bound on the true ‖∇J(θ)‖₂: computed norm plus the float error bound. */
  readonly bound: number;
}

/**
 * ∇J, ∇²J and a rigorous upper bound on the true gradient norm at θ.
 * Error model (binary64, round to nearest, `Math.exp` within 1 ulp — V8's fdlibm port): mᵢ = θ·xᵢ by Dot2 is off by
 * at most δᵢ = u|mᵢ| + γ_d² Σ_k |θ_k x_ik| (γ_d = du/(1 − du); counted twice over for the final add); σ' ≤ 1/4, and
 * σ'(m + δ) ≤ e^{3|δ|}σ'(m), so pᵢ = σ(−yᵢmᵢ) is off by δᵢ·min(1/4, 2wᵢ) when δᵢ ≤ 0.1, plus 5u·pᵢ for exp, the
 * add and the division (and 1e-300 absolute where exp overflows); the product with x_ij adds u·|a_ij|. The sum
 * over rows is Neumaier-compensated: error ≤ 2u|S| + 4nu²Σ|a| (Higham 2002, §4.3); adding Λθ_j and b_j adds
 * 2u(|S| + |Λθ_j| + |b_j|) and the norm (d + 4)u relatively. The bound is doubled for the rounding of its own terms.
 */
function derivatives(
  x: Float64Array,
  y: Float64Array,
  n: number,
  d: number,
  lambda: number,
  b: Float64Array,
  theta: Float64Array,
): Derivatives {
  const sum = new Float64Array(d);
  const comp = new Float64Array(d);
  const absSum = new Float64Array(d);
  const termError = new Float64Array(d);
  const h = new Float64Array(d * d);
  const gammaD = (d * U) / (1 - d * U);
  for (let i = 0; i < n; i++) {
    // m = θ·xᵢ by Dot2 (Ogita, Rump, Oishi 2005): error ≤ u|m| + γ_d²Σ|θ_k x_ik|.
    let m = 0;
    let c = 0;
    let reach = 0;
    for (let j = 0; j < d; j++) {
      const a = theta[j] as number;
      const v = x[i * d + j] as number;
      const prod = a * v;
      reach += Math.abs(prod);
      const ca = SPLIT * a;
      const ah = ca - (ca - a);
      const al = a - ah;
      const cv = SPLIT * v;
      const vh = cv - (cv - v);
      const vl = v - vh;
      const q = al * vl - (prod - ah * vh - al * vh - ah * vl);
      const t = m + prod;
      const z = t - m;
      c += m - (t - z) + (prod - z) + q;
      m = t;
    }
    m += c;
    const mError = 2 * U * Math.abs(m) + 2 * gammaD * gammaD * reach;
    const yi = y[i] as number;
    const p = 1 / (1 + Math.exp(yi * m)); // σ(−y m)
    const w = p * (1 - p);
    // σ' ≤ 1/4 everywhere, and within |δ| ≤ 0.1 of m it is ≤ e^{3|δ|}σ'(m) ≤ 2w.
    const pError = (mError <= 0.1 ? Math.min(0.25, 2 * w) : 0.25) * mError + 5 * U * p + 1e-300;
    for (let j = 0; j < d; j++) {
      const xj = x[i * d + j] as number;
      if (xj === 0) continue;
      const a = -yi * p * xj;
      // Neumaier: add a to (sum, comp).
      const s = sum[j] as number;
      const t = s + a;
      comp[j] = (comp[j] as number) + (Math.abs(s) >= Math.abs(a) ? s - t + a : a - t + s);
      sum[j] = t;
      absSum[j] = (absSum[j] as number) + Math.abs(a);
      termError[j] = (termError[j] as number) + Math.abs(xj) * pError;
      const wx = w * xj;
      for (let k = 0; k <= j; k++) h[j * d + k] = (h[j * d + k] as number) + wx * (x[i * d + k] as number);
    }
  }
  const g = new Float64Array(d);
  let norm = 0;
  let error = 0;
  for (let j = 0; j < d; j++) {
    const s = (sum[j] as number) + (comp[j] as number);
    const reg = lambda * (theta[j] as number);
    g[j] = s + reg + (b[j] as number);
    norm += (g[j] as number) ** 2;
    const e =
      (termError[j] as number) +
      2 * U * Math.abs(s) +
      4 * n * U * U * (absSum[j] as number) +
      2 * U * (Math.abs(s) + Math.abs(reg) + Math.abs(b[j] as number));
    error += e * e;
    h[j * d + j] = (h[j * d + j] as number) + lambda;
    for (let k = 0; k < j; k++) h[k * d + j] = h[j * d + k] as number;
  }
  return { g, h, bound: Math.sqrt(norm) * (1 + (d + 4) * U) + 2 * Math.sqrt(error) };
}

/**
 * @internal Minimises J until the certificate holds: returns θ̂ with a bound ≥ the true ‖∇J(θ̂)‖₂ that is ≤ `tolerance`.
 * The only exit is that certificate (no step cap). It is reached whenever the float error bound at the minimum is below
 * the tolerance, which the proof note quantifies (logistic-regression.proof.md, "Floating point").
 */
export function minimizeLogistic(
  x: Float64Array,
  y: Float64Array,
  n: number,
  d: number,
  lambda: number,
  b: Float64Array,
  tolerance: number,
): LogisticSolution {
  let theta: Float64Array = new Float64Array(d);
  for (let steps = 0; ; steps++) {
    const { g, h, bound } = derivatives(x, y, n, d, lambda, b, theta);
    if (bound <= tolerance) return { theta, gradientBound: bound, steps };
    const step = solveSpd(h, g, d);
    let decrement2 = 0; // λ_J² = gᵀH⁻¹g
    for (let j = 0; j < d; j++) decrement2 += (g[j] as number) * (step[j] as number);
    // f = J/(4Λ) is self-concordant; its Newton decrement is λ_J/(2√Λ).
    const lambdaF = Math.sqrt(Math.max(0, decrement2)) / (2 * Math.sqrt(lambda));
    if (lambdaF <= 0.25) {
      // Quadratic region: the full Newton step (λ_f⁺ ≤ (λ_f/(1 − λ_f))²).
      theta = Float64Array.from(theta, (v, j) => v - (step[j] as number));
      continue;
    }
    // Damped region: backtracking on the Armijo rule (α = 1/4, β = 1/2), and Nesterov's damped step
    // t = 1/(1 + λ_f) (a guaranteed decrease of f by λ_f − log(1 + λ_f)) if float resolution defeats the search.
    const current = objective(x, y, n, d, lambda, b, theta);
    let next: Float64Array | undefined;
    for (let k = 0, t = 1; k < 60; k++, t /= 2) {
      const candidate = Float64Array.from(theta, (v, j) => v - t * (step[j] as number));
      if (objective(x, y, n, d, lambda, b, candidate) <= current - 0.25 * t * decrement2) {
        next = candidate;
        break;
      }
    }
    theta = next ?? Float64Array.from(theta, (v, j) => v - (step[j] as number) / (1 + lambdaF));
  }
}
