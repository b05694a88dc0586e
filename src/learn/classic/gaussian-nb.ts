/**
 * Gaussian naive Bayes with differential privacy: per class, a noisy count
 * and noisy per-feature sums of u and u² (u = clamp(x)/m ∈ [−1, 1], see
 * features.ts), each by the secure vector Laplace mechanism. One row changes
 * one class's count by 1 and its sums by at most ‖u‖₁ ≤ L (declared
 * `maxRowL1`, rows clipped to it) and Σu² ≤ ‖u‖₁ ≤ L: so the sensitivities
 * are 1, L and L, whatever the number of features. diffprivlib's GaussianNB
 * splits ε per feature (sensitivity d·range); declaring L (e.g. 19 for
 * bench/models' Adult encoding: 7 numeric features + 12 one-hot groups) is
 * what makes ours more accurate. Priors, means and variances are
 * post-processing of the three releases (`_internal/nb-parameters.ts`: the
 * variance floor follows the noise of the released sums of squares and the
 * released count, never the data).
 *
 * Privacy unit: one row (add/remove); rows whose label is not one of the
 * declared classes are dropped (a stable, per-row rule).
 * @module
 */
import type { Measurement, PureLoss } from '../../core/index.js';
import type { RandomSource } from '../../random/index.js';
import { ExactTotals, LINEAR_GRID, ONE, PRODUCT_GRID, productUnits } from './_internal/exact-sums.js';
import { checkInteger } from './_internal/features.js';
import { modelMeasurement, type TrainingSet } from './_internal/fit-flow.js';
import { nbParameters, type UnitHull, unitHull } from './_internal/nb-parameters.js';
import { composePure, laplaceStatistic, splitEpsilon } from './_internal/noise.js';
import { snapshotOptions } from './_internal/options-snapshot.js';
import { BoundedModel, type BoundedModelOptions } from './bounded-model.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import type { LabelInput, ModelInput } from './model-input.js';
import { argmaxRows } from './scoring.js';

/** Options of {@link GaussianNB}: all public. */
export interface GaussianNBOptions extends BoundedModelOptions {
  /** Number of classes k: labels are 0 … k−1 (public). */
  readonly classes: number;
}

/** The released parameters. */
export interface GaussianNBParams {
  readonly classPrior: Float64Array;
  /** k×d means in u-space. */
  readonly means: Float64Array;
  /** k×d variances in u-space. */
  readonly variances: Float64Array;
}

// Shares of ε: counts, sums, sums of squares.
const SHARES = [0.1, 0.45, 0.45] as const;

/**
 * DP Gaussian naive Bayes (diffprivlib's `GaussianNB`, with row-norm sensitivities).
 * @example
 * const nb = new GaussianNB({ epsilon: 1, bounds: { lower: [0, 0], upper: [1, 1] }, classes: 2 });
 * await nb.fit([[0.1, 0.9], [0.8, 0.2]], [0, 1], { budget: PrivacyBudget.pure(1) });
 * nb.predict([[0.2, 0.8]]);
 */
export class GaussianNB extends BoundedModel<GaussianNBParams> {
  /** k. */
  readonly classes: number;
  /** The fit as a core Measurement: rows → parameters, with its privacy map. */
  readonly measurement: Measurement<TrainingSet, GaussianNBParams, 'pure'>;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options (checked in order: epsilon, bounds, maxRowL1, classes).
   * @privacy building reads no data.
   */
  constructor(options: GaussianNBOptions) {
    const o = snapshotOptions(options, ['epsilon', 'bounds', 'maxRowL1', 'features', 'classes']); // read once (options-snapshot.ts)
    super(o);
    this.classes = checkInteger(o.classes, 'classes', 2, 10_000);
    const d = this.width;
    const k = this.classes;
    const L = this.maxRowL1;
    const [eCount, eSum, eSquare] = splitEpsilon(this.epsilon, SHARES) as [number, number, number];
    const counts = laplaceStatistic(eCount, 1, k);
    const sums = laplaceStatistic(eSum, L, k * d);
    const squares = laplaceStatistic(eSquare, L, k * d);
    const hull = unitHull(this.bounds, this.scales);
    this.measurement = modelMeasurement(
      'gaussian-nb',
      (t, rng) => releaseNB(t, this.unitGrid(t), { d, k, counts, sums, squares, hull }, rng),
      (dIn): PureLoss => composePure([counts.loss(dIn), sums.loss(dIn), squares.loss(dIn)]),
    );
  }

  /**
   * Fits the model, charging `options.budget` exactly `measurement.privacyMap(1)` before reading a value.
   * @param x - the features.
   * @param y - labels 0 … k−1 (others: the row is dropped), or a label column name.
   * @param options - the budget and the randomness.
   * @returns the report (guarantee = charge).
   * @throws DpError INVALID_PARAMETER (public shapes), BUDGET_EXHAUSTED, DOMAIN_MISMATCH — all before anything is charged.
   * @privacy pure ε = measurement.privacyMap(1) ≤ epsilon, add/remove one row.
   */
  async fit(x: ModelInput, y: LabelInput, options: FitOptions): Promise<FitReport> {
    return this.fitSupervised(this.measurement, x, y, options);
  }

  /**
   * Class probabilities, row by row (k per row).
   * @param x - features.
   * @returns a rows×k row-major array.
   * @throws DpError INVALID_PARAMETER before fit or on a wrong number of columns.
   * @privacy post-processing of the released parameters.
   */
  predictProba(x: ModelInput): Float64Array {
    const p = this.params;
    const d = this.bounds.lower.length;
    const k = this.classes;
    const m = this.readRows(x);
    const u = this.unitRows(m.values, m.rows);
    const out = new Float64Array(m.rows * k);
    for (let r = 0; r < m.rows; r++) {
      let best = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        let s = Math.log(p.classPrior[c] as number);
        for (let f = 0; f < d; f++) {
          const v = p.variances[c * d + f] as number;
          const diff = (u[r * d + f] as number) - (p.means[c * d + f] as number);
          s -= 0.5 * Math.log(2 * Math.PI * v) + (diff * diff) / (2 * v);
        }
        out[r * k + c] = s;
        best = Math.max(best, s);
      }
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp((out[r * k + c] as number) - best);
      for (let c = 0; c < k; c++) out[r * k + c] = Math.exp((out[r * k + c] as number) - best) / z;
    }
    return out;
  }

  /** Predicted classes. @param x - features. @returns one class per row. @privacy post-processing. */
  predict(x: ModelInput): Int32Array {
    return argmaxRows(this.predictProba(x), this.classes);
  }

  /** Accuracy on (x, y). @param x - features. @param y - labels. @returns the fraction predicted right. @privacy evaluates on the data given (not a DP release). */
  score(x: ModelInput, y: LabelInput): number {
    return this.accuracyOn(this.predict(x), x, y);
  }
}

interface NBPlan {
  d: number;
  k: number;
  counts: ReturnType<typeof laplaceStatistic>;
  sums: ReturnType<typeof laplaceStatistic>;
  squares: ReturnType<typeof laplaceStatistic>;
  hull: UnitHull;
}

/** `q`: the rows as exact units (BoundedModel.unitGrid); counts, sums and sums of squares are exact (exact-sums.ts). */
function releaseNB(t: TrainingSet, q: Float64Array, plan: NBPlan, rng: RandomSource): GaussianNBParams {
  const { d, k } = plan;
  const count = new Array<number>(k).fill(0);
  const sum = new ExactTotals(k * d, ONE);
  const square = new ExactTotals(k * d, productUnits(ONE, ONE));
  for (let r = 0; r < t.rows; r++) {
    const c = t.y?.[r] as number;
    if (Number.isInteger(c) && c >= 0 && c < k) {
      count[c] = (count[c] as number) + 1;
      for (let f = 0; f < d; f++) {
        const v = q[r * d + f] as number;
        if (v === 0) continue;
        sum.add(c * d + f, v);
        square.add(c * d + f, productUnits(v, v));
      }
    } // else dropped: a per-row rule
    sum.endRow();
    square.endRow();
  }
  const released = {
    counts: plan.counts.release(count, rng),
    sums: plan.sums.release(sum.values(LINEAR_GRID), rng),
    squares: plan.squares.release(square.values(PRODUCT_GRID), rng),
  };
  // Post-processing of the releases and public parameters only (nb-parameters.ts).
  return nbParameters(released, plan.hull, plan.squares.scale);
}
