/**
 * Random forests with differential privacy, as diffprivlib's
 * (Fletcher & Islam 2017 style "random decision trees"): every tree's
 * structure is drawn at random (at each node a feature, never twice on a
 * path, and a threshold uniform within the node's public bounds, to
 * `maxDepth`). diffprivlib draws the feature uniformly, which on Adult's 83
 * mostly one-hot columns gives the majority class at every ε; here a share of
 * ε (`featureShare`, default 0.2) first releases per-class feature sums (grid
 * Laplace) and the split features are drawn ∝ the squared spread of the noisy
 * class means (10 % uniform): post-processing of a DP release. Each row is assigned to one tree uniformly at
 * random, independently of the other rows, and each tree releases the class
 * counts of its leaves with the secure vector Laplace mechanism (one row
 * changes one count of one leaf of one tree by 1: L1 sensitivity 1, and the
 * trees see disjoint rows, so the forest's map is one tree's map —
 * parallel composition; the feature weighting composes with it).
 * Predictions average the trees' leaf class frequencies.
 * @see Fletcher & Islam, "Differentially private random decision forests using smooth sensitivity", 2017;
 *   Jagannathan, Pillaipakkamnatt, Wright, "A practical differentially private random decision tree classifier", 2012.
 * @module
 */
import { DpError, type Measurement, type PureLoss } from '../../core/index.js';
import { type RandomSource, sampleUniformBelow } from '../../random/index.js';
import { checkObject } from '../_internal/validate.js';
import { uniformUnit } from '../init.js';
import { ExactTotals, LINEAR_GRID, ONE } from './_internal/exact-sums.js';
import { checkInteger } from './_internal/features.js';
import { modelMeasurement, type TrainingSet } from './_internal/fit-flow.js';
import { composePure, type LaplaceStatistic, laplaceStatistic, splitEpsilon } from './_internal/noise.js';
import { snapshotOptions } from './_internal/options-snapshot.js';
import { BoundedModel, type BoundedModelOptions } from './bounded-model.js';
import type { FitOptions, FitReport } from './fit-budget.js';
import type { LabelInput, ModelInput } from './model-input.js';
import { argmaxRows } from './scoring.js';

/** Options of {@link RandomForestClassifier}: all public. */
export interface RandomForestOptions extends BoundedModelOptions {
  /** Number of classes k (labels 0 … k−1; other labels: the row is dropped). */
  readonly classes: number;
  /** Trees (default 10). */
  readonly trees?: number;
  /** Depth of each tree (default 5): 2^depth leaves. */
  readonly maxDepth?: number;
  /**
   * Share of ε (in [0, 0.9], default 0.2) spent on which features the trees split on: per-class sums of the
   * unit-scaled features (grid Laplace, L1 sensitivity `maxRowL1`) give each feature a weight (how far apart the
   * class means are), and split features are drawn with probability ∝ that weight (mixed half-and-half with the
   * uniform draw). 0: every split feature uniform, as diffprivlib (the structure then never looks at the data).
   */
  readonly featureShare?: number;
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
export class RandomForestClassifier extends BoundedModel<RandomForestParams> {
  /** k. */
  readonly classes: number;
  /** The number of trees. */
  readonly trees: number;
  /** Each tree's depth. */
  readonly maxDepth: number;
  /** The share of ε spent on the split-feature weights. */
  readonly featureShare: number;
  /** The fit as a core Measurement with its privacy map. */
  readonly measurement: Measurement<TrainingSet, RandomForestParams, 'pure'>;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options (checked in order: epsilon, bounds, maxRowL1, classes, trees, maxDepth, featureShare).
   * @privacy reads no data.
   * @example
   * new RandomForestClassifier({ epsilon: 1, bounds: { lower: [0, 0], upper: [1, 1] }, classes: 2 });
   */
  constructor(options: RandomForestOptions) {
    const o = snapshotOptions(options, ['epsilon', 'bounds', 'maxRowL1', 'features', 'classes', 'trees', 'maxDepth', 'featureShare']); // read once (options-snapshot.ts)
    super(o);
    this.classes = checkInteger(o.classes, 'classes', 2, 10_000);
    this.trees = checkInteger(o.trees ?? 10, 'trees', 1, 10_000);
    this.maxDepth = checkInteger(o.maxDepth ?? 5, 'maxDepth', 1, 20);
    const d = this.width;
    const share = o.featureShare ?? 0.2;
    if (!(typeof share === 'number' && share >= 0 && share <= 0.9)) {
      throw new DpError('INVALID_PARAMETER', 'featureShare must be a number in [0, 0.9]', { parameter: 'featureShare' });
    }
    this.featureShare = share;
    const k = this.classes;
    const size = 2 ** this.maxDepth * k;
    let weighting: Weighting | undefined;
    let leaves: LaplaceStatistic;
    if (share > 0) {
      const [eC, eS, eL] = splitEpsilon(this.epsilon, [0.2 * share, 0.8 * share, 1 - share]) as [number, number, number];
      weighting = { counts: laplaceStatistic(eC, 1, k), sums: laplaceStatistic(eS, this.maxRowL1, k * d) };
      leaves = laplaceStatistic(eL, 1, size);
    } else {
      leaves = laplaceStatistic(this.epsilon * (1 - 1e-9), 1, size);
    }
    const w = weighting;
    this.measurement = modelMeasurement(
      this.trees === 1 ? 'decision-tree' : 'random-forest',
      (t, rng) => this.release(t, w, leaves, rng),
      // The weighting statistics compose with the leaves; the trees see disjoint rows: one tree's map (parallel composition).
      (dIn): PureLoss => composePure(w ? [w.counts.loss(dIn), w.sums.loss(dIn), leaves.loss(dIn)] : [leaves.loss(dIn)]),
    );
  }

  /** Split-feature probabilities: uniform, or half uniform and half ∝ the spread of the noisy class means. */
  private featureProbabilities(t: TrainingSet, w: Weighting | undefined, rng: RandomSource): Float64Array {
    const d = this.width;
    const k = this.classes;
    const uniform = new Float64Array(d).fill(1 / d);
    if (!w) return uniform;
    // Exact units (BoundedModel.unitGrid; exact-sums.ts).
    const q = this.unitGrid(t);
    const count = new Array<number>(k).fill(0);
    const sum = new ExactTotals(k * d, ONE);
    for (let r = 0; r < t.rows; r++) {
      const c = t.y?.[r] as number;
      if (Number.isInteger(c) && c >= 0 && c < k) {
        count[c] = (count[c] as number) + 1;
        for (let f = 0; f < d; f++) if (q[r * d + f] !== 0) sum.add(c * d + f, q[r * d + f] as number);
      }
      sum.endRow();
    }
    const nCount = w.counts.release(count, rng);
    const nSum = w.sums.release(sum.values(LINEAR_GRID), rng);
    const spread = new Float64Array(d);
    let total = 0;
    for (let f = 0; f < d; f++) {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const mean = Math.min(1, Math.max(-1, (nSum[c * d + f] as number) / Math.max(1, nCount[c] as number)));
        lo = Math.min(lo, mean);
        hi = Math.max(hi, mean);
      }
      spread[f] = (hi - lo) ** POWER;
      total += spread[f] as number;
    }
    if (!(total > 0)) return uniform;
    return Float64Array.from(spread, (v) => (1 - FLOOR) * (v / total) + FLOOR / d);
  }

  private release(t: TrainingSet, w: Weighting | undefined, leaves: LaplaceStatistic, rng: RandomSource): RandomForestParams {
    const d = this.width;
    const k = this.classes;
    const inner = 2 ** this.maxDepth - 1;
    const probabilities = this.featureProbabilities(t, w, rng);
    const structures = Array.from({ length: this.trees }, () => this.drawStructure(probabilities, rng));
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

  private drawStructure(probabilities: Float64Array, rng: RandomSource): Structure {
    const inner = 2 ** this.maxDepth - 1;
    const feature = new Int32Array(inner);
    const threshold = new Float64Array(inner);
    const walk = (node: number, lower: number[], upper: number[], used: readonly number[]) => {
      if (node >= inner) return;
      const f = drawIndex(probabilities, used, rng);
      const lo = lower[f] as number;
      const hi = upper[f] as number;
      const cut = lo + uniformUnit(rng) * (hi - lo);
      feature[node] = f;
      threshold[node] = cut;
      const leftUpper = [...upper];
      leftUpper[f] = cut;
      const rightLower = [...lower];
      rightLower[f] = cut;
      const path = [...used, f]; // a feature is split at most once per path (a second cut on a one-hot column is empty)
      walk(2 * node + 1, lower, leftUpper, path);
      walk(2 * node + 2, rightLower, upper, path);
    };
    walk(0, [...this.bounds.lower], [...this.bounds.upper], []);
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
    return this.fitSupervised(this.measurement, x, y, options);
  }

  /** Class probabilities (rows × k): the trees' leaf class frequencies averaged (uniform where every leaf is empty). @param x - features. @returns probabilities. @privacy post-processing. */
  predictProba(x: ModelInput): Float64Array {
    const d = this.width;
    const k = this.classes;
    const inner = 2 ** this.maxDepth - 1;
    const m = this.readRows(x);
    const values = Float64Array.from(m.values);
    const out = new Float64Array(m.rows * k);
    const trees = this.params.trees;
    for (let r = 0; r < m.rows; r++)
      for (const tree of trees) {
        const leaf = leafOf(tree, values, r, d, inner);
        let n = 0;
        for (let c = 0; c < k; c++) n += tree.leaves[leaf * k + c] as number;
        // Each tree votes its leaf's class frequencies (an empty leaf abstains): summed counts let the large,
        // uninformative leaves drown the pure ones.
        if (n > 0) for (let c = 0; c < k; c++) out[r * k + c] = (out[r * k + c] as number) + (tree.leaves[leaf * k + c] as number) / n;
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
    return this.accuracyOn(this.predict(x), x, y);
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

// Split-feature weights ∝ spread^POWER, mixed with FLOOR of the uniform draw (chosen on Adult at ε = 1, public).
const POWER = 2;
const FLOOR = 0.1;

interface Weighting {
  readonly counts: LaplaceStatistic;
  readonly sums: LaplaceStatistic;
}

/** An index drawn with probabilities ∝ p, indices in `used` excluded (unless every index is used). */
function drawIndex(p: Float64Array, used: readonly number[], rng: RandomSource): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) if (!used.includes(i)) total += p[i] as number;
  const skip = total > 0 ? used : [];
  if (!(total > 0)) total = p.reduce((a, b) => a + b, 0);
  let u = uniformUnit(rng) * total;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (skip.includes(i)) continue;
    last = i;
    u -= p[i] as number;
    if (u < 0) return i;
  }
  return last;
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
