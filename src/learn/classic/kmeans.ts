/**
 * k-means with differential privacy (DP Lloyd's iterations, Su et al. 2016,
 * as diffprivlib's `KMeans`): centres start uniform in the public box (no
 * data), then each of T iterations assigns rows to their nearest centre and
 * releases per-cluster noisy counts (sensitivity 1: a row is in one cluster)
 * and noisy per-cluster sums of u (sensitivity ‖u‖₁ ≤ L), with the secure
 * vector Laplace mechanism; new centres are sums/counts (post-processing).
 * The map is the composition of the 2T releases.
 * @see Su, Cao, Li, Bertino, Xiao, Lin, "Differentially private k-means clustering", VLDB J. 2016.
 * @module
 */
import type { Measurement, PureLoss } from '../../core/index.js';
import type { RandomSource } from '../../random/index.js';
import { uniformUnit } from '../init.js';
import { ExactTotals, LINEAR_GRID, ONE } from './_internal/exact-sums.js';
import { checkInteger } from './_internal/features.js';
import { modelMeasurement, type TrainingSet } from './_internal/fit-flow.js';
import { composePure, laplaceStatistic, splitEpsilon } from './_internal/noise.js';
import { snapshotOptions } from './_internal/options-snapshot.js';
import { BoundedModel, type BoundedModelOptions } from './bounded-model.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import type { ModelInput } from './model-input.js';

/** Options of {@link KMeans}: all public. */
export interface KMeansOptions extends BoundedModelOptions {
  /** Number of clusters k ≥ 1. */
  readonly clusters: number;
  /** Lloyd iterations T (default 5). */
  readonly iterations?: number;
}

/** The released centres (k×d, in the data's units). */
export interface KMeansParams {
  readonly centres: Float64Array;
}

/** DP k-means (diffprivlib's `KMeans`). */
export class KMeans extends BoundedModel<KMeansParams> {
  /** k. */
  readonly clusters: number;
  /** T. */
  readonly iterations: number;
  /** The fit as a core Measurement with its privacy map. */
  readonly measurement: Measurement<TrainingSet, KMeansParams, 'pure'>;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options (checked in order: epsilon, bounds, maxRowL1, clusters, iterations).
   * @privacy reads no data.
   * @example
   * new KMeans({ epsilon: 1, clusters: 3, bounds: { lower: [0, 0], upper: [1, 1] } });
   */
  constructor(options: KMeansOptions) {
    const o = snapshotOptions(options, ['epsilon', 'bounds', 'maxRowL1', 'features', 'clusters', 'iterations']); // read once (options-snapshot.ts)
    super(o);
    this.clusters = checkInteger(o.clusters, 'clusters', 1, 10_000);
    this.iterations = checkInteger(o.iterations ?? 5, 'iterations', 1, 1000);
    const d = this.width;
    const T = this.iterations;
    const k = this.clusters;
    const weights: number[] = [];
    for (let t = 0; t < T; t++) weights.push(0.3, 0.7);
    const shares = splitEpsilon(this.epsilon, weights);
    const steps = Array.from({ length: T }, (_, t) => ({
      counts: laplaceStatistic(shares[2 * t] as number, 1, k),
      sums: laplaceStatistic(shares[2 * t + 1] as number, this.maxRowL1, k * d),
    }));
    this.measurement = modelMeasurement(
      'kmeans',
      (t, rng) => this.release(t, steps, rng),
      (dIn): PureLoss => composePure(steps.flatMap((s) => [s.counts.loss(dIn), s.sums.loss(dIn)])),
    );
  }

  private release(
    t: TrainingSet,
    steps: { counts: ReturnType<typeof laplaceStatistic>; sums: ReturnType<typeof laplaceStatistic> }[],
    rng: RandomSource,
  ): KMeansParams {
    const d = this.width;
    const k = this.clusters;
    // Exact units (BoundedModel.unitGrid); the assignment reads their exact real values q·2⁻²⁰.
    const q = this.unitGrid(t);
    const u = Float64Array.from(q, (v) => v * LINEAR_GRID);
    const lowerU = this.bounds.lower.map((lo, f) => lo / (this.scales[f] as number));
    const upperU = this.bounds.upper.map((hi, f) => hi / (this.scales[f] as number));
    // Data-independent start: uniform in the public box.
    const centres = new Float64Array(k * d);
    for (let c = 0; c < k; c++)
      for (let f = 0; f < d; f++)
        centres[c * d + f] = (lowerU[f] as number) + uniformUnit(rng) * ((upperU[f] as number) - (lowerU[f] as number));
    for (const step of steps) {
      const count = new Array<number>(k).fill(0);
      const sum = new ExactTotals(k * d, ONE);
      for (let r = 0; r < t.rows; r++) {
        const c = nearest(u, r, centres, k, d);
        count[c] = (count[c] as number) + 1;
        for (let f = 0; f < d; f++) if (q[r * d + f] !== 0) sum.add(c * d + f, q[r * d + f] as number);
        sum.endRow();
      }
      const nc = step.counts.release(count, rng);
      const ns = step.sums.release(sum.values(LINEAR_GRID), rng);
      for (let c = 0; c < k; c++) {
        const n = nc[c] as number;
        if (!(n >= 1)) continue; // a cluster with (noisily) no rows keeps its centre
        for (let f = 0; f < d; f++) {
          centres[c * d + f] = Math.min(upperU[f] as number, Math.max(lowerU[f] as number, (ns[c * d + f] as number) / n));
        }
      }
    }
    for (let c = 0; c < k; c++)
      for (let f = 0; f < d; f++) centres[c * d + f] = (centres[c * d + f] as number) * (this.scales[f] as number);
    return { centres };
  }

  /**
   * Fits, charging exactly `measurement.privacyMap(1)` before any value is used.
   * @param x - features.
   * @param options - budget and randomness.
   * @returns the report (guarantee = charge).
   * @throws DpError INVALID_PARAMETER (public shapes), BUDGET_EXHAUSTED, DOMAIN_MISMATCH: before the charge.
   * @privacy pure ε = measurement.privacyMap(1) ≤ epsilon, add/remove one row.
   */
  async fit(x: ModelInput, options: FitOptions): Promise<FitReport> {
    return this.fitUnsupervised(this.measurement, x, options);
  }

  /** The nearest centre of each row. @param x - features. @returns cluster indices. @privacy post-processing. */
  predict(x: ModelInput): Int32Array {
    const d = this.bounds.lower.length;
    const m = this.readRows(x);
    const out = new Int32Array(m.rows);
    const values = Float64Array.from(m.values);
    for (let r = 0; r < m.rows; r++) out[r] = nearest(values, r, this.params.centres, this.clusters, d);
    return out;
  }

  /** −inertia (sklearn's score): minus the sum of squared distances to the nearest centre. @param x - features. @returns the score. @privacy not a release. */
  score(x: ModelInput): number {
    const d = this.bounds.lower.length;
    const m = this.readRows(x);
    const c = this.params.centres;
    let inertia = 0;
    const values = Float64Array.from(m.values);
    for (let r = 0; r < m.rows; r++) {
      const j = nearest(values, r, c, this.clusters, d);
      for (let f = 0; f < d; f++) inertia += ((values[r * d + f] as number) - (c[j * d + f] as number)) ** 2;
    }
    return -inertia;
  }
}

function nearest(x: Float64Array, r: number, centres: Float64Array, k: number, d: number): number {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let f = 0; f < d; f++) s += ((x[r * d + f] as number) - (centres[c * d + f] as number)) ** 2;
    if (s < bestDistance) {
      bestDistance = s;
      best = c;
    }
  }
  return best;
}
