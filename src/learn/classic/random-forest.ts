/**
 * Random forests with differential privacy, as diffprivlib's
 * (Fletcher & Islam 2017 style "random decision trees"): every tree's
 * structure is drawn without looking at the data (at each node a feature
 * uniformly at random and a threshold uniform within the node's public
 * bounds, to `maxDepth`); each row is assigned to one tree uniformly at
 * random, independently of the other rows, and each tree releases the class
 * counts of its leaves with the secure vector Laplace mechanism (one row
 * changes one count of one leaf of one tree by 1: L1 sensitivity 1, and the
 * trees see disjoint rows, so the forest's map is one tree's map —
 * parallel composition). Predictions sum the trees' leaf counts.
 * @see Fletcher & Islam, "Differentially private random decision forests using smooth sensitivity", 2017;
 *   Jagannathan, Pillaipakkamnatt, Wright, "A practical differentially private random decision tree classifier", 2012.
 * @module
 */
import { DpError, type Measurement, type PureLoss } from '../../core/index.js';
import { type RandomSource, sampleUniformBelow } from '../../random/index.js';
import { checkObject } from '../_internal/validate.js';
import { uniformUnit } from '../init.js';
import { checkBounds, checkInteger, checkPositive, type FeatureBounds } from './_internal/features.js';
import { checkFitOptions, modelMeasurement, runFit, type TrainingSet } from './_internal/fit-flow.js';
import { type LaplaceStatistic, laplaceStatistic } from './_internal/noise.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import { type LabelInput, type ModelInput, readLabels, readMatrix } from './model-input.js';
import { accuracy, argmaxRows } from './scoring.js';

/** Options of {@link RandomForestClassifier}: all public. */
export interface RandomForestOptions {
  /** ε of the fit (pure DP). */
  readonly epsilon: number;
  /** Per-feature bounds (declared): the trees' thresholds are drawn inside them. */
  readonly bounds: FeatureBounds;
  /** Number of classes k (labels 0 … k−1; other labels: the row is dropped). */
  readonly classes: number;
  /** Trees (default 10). */
  readonly trees?: number;
  /** Depth of each tree (default 5): 2^depth leaves. */
  readonly maxDepth?: number;
  /** Feature column names (records, Arrow, SQL). */
  readonly features?: readonly string[];
}

/** A released tree: complete binary, nodes in heap order (children of i: 2i+1, 2i+2), leaves' class distributions. */
export interface RandomTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** leaves × k: the leaves' noisy class counts, clamped at 0. */
  readonly leaves: Float64Array;
}

/** The released forest. */
export interface RandomForestParams {
  readonly trees: readonly RandomTree[];
}

/** DP random forest (diffprivlib's `RandomForestClassifier`). */
export class RandomForestClassifier {
  readonly epsilon: number;
  readonly bounds: FeatureBounds;
  readonly classes: number;
  readonly trees: number;
  readonly maxDepth: number;
  readonly features: readonly string[] | undefined;
  /** The fit as a core Measurement with its privacy map. */
  readonly measurement: Measurement<TrainingSet, RandomForestParams, 'pure'>;
  #params: RandomForestParams | undefined;
  #report: FitReport | undefined;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options.
   * @privacy reads no data.
   * @example
   * new RandomForestClassifier({ epsilon: 1, bounds: { lower: [0, 0], upper: [1, 1] }, classes: 2 });
   */
  constructor(options: RandomForestOptions) {
    checkObject(options, 'options');
    this.epsilon = checkPositive(options.epsilon, 'epsilon');
    this.bounds = checkBounds(options.bounds);
    this.classes = checkInteger(options.classes, 'classes', 2, 10_000);
    this.trees = checkInteger(options.trees ?? 10, 'trees', 1, 10_000);
    this.maxDepth = checkInteger(options.maxDepth ?? 5, 'maxDepth', 1, 20);
    this.features = options.features;
    const leaves = laplaceStatistic(this.epsilon * (1 - 1e-9), 1, 2 ** this.maxDepth * this.classes);
    this.measurement = modelMeasurement(
      this.trees === 1 ? 'decision-tree' : 'random-forest',
      (t, rng) => this.release(t, leaves, rng),
      // Disjoint rows per tree: one tree's map (parallel composition).
      (dIn): PureLoss => leaves.loss(dIn),
    );
  }

  private release(t: TrainingSet, leaves: LaplaceStatistic, rng: RandomSource): RandomForestParams {
    const d = this.bounds.lower.length;
    const k = this.classes;
    const inner = 2 ** this.maxDepth - 1;
    const structures = Array.from({ length: this.trees }, () => this.drawStructure(rng));
    const counts = structures.map(() => new Array<number>((inner + 1) * k).fill(0));
    for (let r = 0; r < t.rows; r++) {
      const tree = sampleUniformBelow(this.trees, rng); // drawn for every row, kept or not: independent of the others
      const c = t.y?.[r] as number;
      if (!(Number.isInteger(c) && c >= 0 && c < k)) continue;
      const leaf = leafOf(structures[tree] as Structure, t.x, r, d, inner);
      const row = counts[tree] as number[];
      row[leaf * k + c] = (row[leaf * k + c] as number) + 1;
    }
    return {
      trees: structures.map((s, i) => {
        const noisy = leaves.release(counts[i] as number[], rng);
        // Noisy counts clamped at 0: a leaf with few rows weighs little in the vote (post-processing).
        return { feature: s.feature, threshold: s.threshold, leaves: Float64Array.from(noisy, (v) => Math.max(0, v)) };
      }),
    };
  }

  private drawStructure(rng: RandomSource): Structure {
    const d = this.bounds.lower.length;
    const inner = 2 ** this.maxDepth - 1;
    const feature = new Int32Array(inner);
    const threshold = new Float64Array(inner);
    const walk = (node: number, lower: number[], upper: number[]) => {
      if (node >= inner) return;
      const f = sampleUniformBelow(d, rng);
      const lo = lower[f] as number;
      const hi = upper[f] as number;
      const cut = lo + uniformUnit(rng) * (hi - lo);
      feature[node] = f;
      threshold[node] = cut;
      const leftUpper = [...upper];
      leftUpper[f] = cut;
      const rightLower = [...lower];
      rightLower[f] = cut;
      walk(2 * node + 1, lower, leftUpper);
      walk(2 * node + 2, rightLower, upper);
    };
    walk(0, [...this.bounds.lower], [...this.bounds.upper]);
    return { feature, threshold };
  }

  /**
   * Fits, charging exactly `measurement.privacyMap(1)` before any value is used.
   * @param x - features.
   * @param y - labels 0 … k−1 (others dropped) or a column name.
   * @param options - budget and randomness.
   * @returns the report (guarantee = charge).
   * @throws DpError INVALID_PARAMETER (public shapes), BUDGET_EXHAUSTED, DOMAIN_MISMATCH: before the charge.
   * @privacy pure ε = measurement.privacyMap(1) ≤ epsilon, add/remove one row.
   */
  async fit(x: ModelInput, y: LabelInput, options: FitOptions): Promise<FitReport> {
    const o = checkFitOptions(options);
    const m = readMatrix(x, this.features, this.bounds.lower.length);
    const labels = readLabels(x, y, m.rows);
    const { params, report } = await runFit(
      this.measurement,
      { x: m.values as Float64Array, rows: m.rows, columns: m.columns, y: labels },
      o,
    );
    this.#params = params;
    this.#report = report;
    return report;
  }

  /** The released forest. @throws DpError INVALID_PARAMETER before fit. */
  get params(): RandomForestParams {
    if (!this.#params) throw new DpError('INVALID_PARAMETER', 'the model is not fitted', { parameter: 'model' });
    return this.#params;
  }

  /** The last fit's report. */
  get report(): FitReport | undefined {
    return this.#report;
  }

  /** Class probabilities (rows × k): the trees' leaf counts summed and normalised (uniform where all are 0). @param x - features. @returns probabilities. @privacy post-processing. */
  predictProba(x: ModelInput): Float64Array {
    const d = this.bounds.lower.length;
    const k = this.classes;
    const inner = 2 ** this.maxDepth - 1;
    const m = readMatrix(x, this.features, d);
    const values = Float64Array.from(m.values);
    const out = new Float64Array(m.rows * k);
    const trees = this.params.trees;
    for (let r = 0; r < m.rows; r++)
      for (const tree of trees) {
        const leaf = leafOf(tree, values, r, d, inner);
        for (let c = 0; c < k; c++) out[r * k + c] = (out[r * k + c] as number) + (tree.leaves[leaf * k + c] as number);
      }
    for (let r = 0; r < m.rows; r++) {
      let z = 0;
      for (let c = 0; c < k; c++) z += out[r * k + c] as number;
      for (let c = 0; c < k; c++) out[r * k + c] = z > 0 ? (out[r * k + c] as number) / z : 1 / k;
    }
    return out;
  }

  /** Predicted classes. @param x - features. @returns one class per row. @privacy post-processing. */
  predict(x: ModelInput): Int32Array {
    return argmaxRows(this.predictProba(x), this.classes);
  }

  /** Accuracy. @param x - features. @param y - labels. @returns the fraction right. @privacy not a release. */
  score(x: ModelInput, y: LabelInput): number {
    const predicted = this.predict(x);
    return accuracy(predicted, readLabels(x, y, predicted.length));
  }
}

/** A DP decision tree: a random forest of one tree (diffprivlib's `DecisionTreeClassifier`). */
export class DecisionTreeClassifier extends RandomForestClassifier {
  /**
   * @param options - as the forest's, without `trees`.
   * @throws DpError INVALID_PARAMETER on bad options.
   * @privacy reads no data.
   * @example
   * new DecisionTreeClassifier({ epsilon: 1, bounds: { lower: [0], upper: [1] }, classes: 2, maxDepth: 3 });
   */
  constructor(options: Omit<RandomForestOptions, 'trees'>) {
    checkObject(options, 'options');
    super({ ...options, trees: 1 });
  }
}

interface Structure {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
}

function leafOf(tree: Structure, x: Float64Array, r: number, d: number, inner: number): number {
  let node = 0;
  while (node < inner) {
    const v = x[r * d + (tree.feature[node] as number)] as number;
    node = v <= (tree.threshold[node] as number) ? 2 * node + 1 : 2 * node + 2;
  }
  return node - inner;
}
