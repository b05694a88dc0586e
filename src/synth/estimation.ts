/**
 * Private-PGM's estimator: find the distribution in the marginal polytope
 * that minimises the weighted squared error of the noisy marginals,
 * L(μ) = ½ Σₘ ‖wₘ ⊙ (μₘ − yₘ)‖², by mirror descent on the log-potentials
 * θ (θ ← θ − α ∇L(μ(θ))), with Armijo backtracking on α; μ(θ) comes from
 * log-space belief propagation. Post-processing of the measurements: it
 * costs no privacy. Warm starts pass the previous θ.
 * @module
 * @see McKenna, Sheldon, Miklau (2019), §4 (mirror descent, Algorithm 1).
 */

import { cliqueMarginals, type ModelStructure, modelStructure, zeroPotentials } from './belief-propagation.js';
import { addInto, copyFactor, type Factor, isSubset, sumProject, zeroFactor } from './factor.js';
import { checkMeasurements, checkObject, checkSizes } from './params.js';

/** One noisy marginal: the counts over `attrs` plus noise, and a weight (1/σ) per cell. */
export interface MarginalMeasurement {
  /** The attributes (sorted column indices). */
  readonly attrs: readonly number[];
  /** The noisy counts, row-major over `attrs`. */
  readonly values: Float64Array;
  /** 1/σ of each cell's noise. */
  readonly weights: Float64Array;
}

/** Options of {@link estimate}. */
export interface EstimateOptions {
  /** Mirror-descent iterations (default 1000). */
  readonly iterations?: number;
  /** The model's cliques beyond those measured (default none). */
  readonly extraCliques?: readonly (readonly number[])[];
  /** Log-potentials to start from (a warm start): matched to the new cliques by containment. */
  readonly warmStart?: { readonly model: ModelStructure; readonly potentials: readonly Factor[] };
  /** The number of records; default: the inverse-variance-weighted total of the measurements. */
  readonly total?: number;
}

/** The fitted model. */
export interface EstimatedModel {
  readonly model: ModelStructure;
  readonly potentials: Factor[];
  readonly total: number;
  /** The final loss L(μ). */
  readonly loss: number;
}

/**
 * The inverse-variance-weighted estimate of the number of records from the measurements' sums
 * (at least 1).
 */
export function estimateTotal(measurements: readonly MarginalMeasurement[]): number {
  checkMeasurements(measurements, 'measurements');
  let num = 0;
  let den = 0;
  for (const m of measurements) {
    let sum = 0;
    let variance = 0;
    for (let i = 0; i < m.values.length; i++) {
      sum += m.values[i] as number;
      const w = m.weights[i] as number;
      variance += 1 / (w * w);
    }
    num += sum / variance;
    den += 1 / variance;
  }
  return den > 0 ? Math.max(1, num / den) : 1;
}

function lossAndGradient(
  model: ModelStructure,
  mu: readonly Factor[],
  measurements: readonly MarginalMeasurement[],
  home: readonly number[],
): { loss: number; gradient: Factor[] } {
  const gradient = model.cliques.map((c) => zeroFactor(c, model.sizes));
  let loss = 0;
  measurements.forEach((m, i) => {
    const r = home[i] as number;
    const proj = sumProject(mu[r] as Factor, m.attrs);
    const g = new Float64Array(proj.values.length);
    for (let j = 0; j < g.length; j++) {
      const w = m.weights[j] as number;
      const d = w * ((proj.values[j] as number) - (m.values[j] as number));
      loss += 0.5 * d * d;
      g[j] = w * d;
    }
    addInto(gradient[r] as Factor, { attrs: proj.attrs, shape: proj.shape, values: g });
  });
  return { loss, gradient };
}

function dot(a: readonly Factor[], b: readonly Factor[], c: readonly Factor[]): number {
  // Σ a · (b − c)
  let s = 0;
  for (let r = 0; r < a.length; r++) {
    const x = (a[r] as Factor).values;
    const y = (b[r] as Factor).values;
    const z = (c[r] as Factor).values;
    for (let i = 0; i < x.length; i++) s += (x[i] as number) * ((y[i] as number) - (z[i] as number));
  }
  return s;
}

/**
 * Fits a graphical model to noisy marginals (post-processing; no privacy cost).
 * @param sizes - each attribute's domain size.
 * @param measurements - the noisy marginals.
 * @param options - iterations, extra cliques, warm start, total.
 * @returns the model, its log-potentials and the record total.
 * @example
 * const fit = estimate([2, 3], [{ attrs: [0, 1], values: noisy, weights: new Float64Array(6).fill(1) }]);
 */
export function estimate(
  sizes: readonly number[],
  measurements: readonly MarginalMeasurement[],
  options: EstimateOptions = {},
): EstimatedModel {
  checkSizes(sizes, 'sizes');
  checkMeasurements(measurements, 'measurements');
  if (options !== undefined) checkObject(options, 'options');
  const iterations = options.iterations ?? 1000;
  const model = modelStructure(sizes, [...measurements.map((m) => m.attrs), ...(options.extraCliques ?? []), ...sizes.map((_, a) => [a])]);
  const total = options.total ?? estimateTotal(measurements);
  const home = measurements.map((m) => model.cliques.findIndex((c) => isSubset(m.attrs, c)));
  let theta = zeroPotentials(model);
  const warm = options.warmStart;
  if (warm) {
    // Each old potential moves into a new clique that contains it (every old clique is in the new model's cliques or one of their supersets).
    warm.potentials.forEach((p) => {
      const r = model.cliques.findIndex((c) => isSubset(p.attrs, c));
      if (r >= 0) addInto(theta[r] as Factor, p);
    });
  }
  let mu = cliqueMarginals(model, theta, total);
  let current = lossAndGradient(model, mu, measurements, home);
  let alpha = 1 / (total * total);
  for (let t = 0; t < iterations; t++) {
    const omega = theta;
    const nu = mu;
    const before = current;
    alpha *= 2;
    let accepted = false;
    for (let s = 0; s < 25; s++) {
      const next = omega.map((o, r) => {
        const f = copyFactor(o);
        addInto(f, before.gradient[r] as Factor, -alpha);
        return f;
      });
      const nextMu = cliqueMarginals(model, next, total);
      const after = lossAndGradient(model, nextMu, measurements, home);
      if (before.loss - after.loss >= 0.5 * alpha * dot(before.gradient, nu, nextMu)) {
        theta = next;
        mu = nextMu;
        current = after;
        accepted = true;
        break;
      }
      alpha *= 0.5;
    }
    if (!accepted) break; // no step decreases the loss: converged to the float precision of the line search
  }
  return { model, potentials: theta, total, loss: current.loss };
}
