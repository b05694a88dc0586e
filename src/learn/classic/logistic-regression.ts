/**
 * Binary logistic regression with differential privacy, three ways:
 *
 * - `'objective'` (default): objective perturbation (Chaudhuri, Monteleoni,
 *   Sarwate 2011, Alg. 2; Kifer, Smith, Thakurta 2012) with the approximate
 *   minimum made exact by a last, tiny norm-noise (Iyengar et al. 2019);
 * - `'output'`: output perturbation (Chaudhuri et al. 2011, Alg. 1);
 * - `'dp-sgd'`: tsdp/learn's DP-SGD (`makePrivateWithEpsilon`, per-example
 *   gradients computed analytically, PLD accounting) on a one-layer model.
 *
 * Rows are clipped to ‖x‖₂ ≤ R (the declared `dataNorm`) and extended with
 * an intercept column, x̃ = [x, 1]/√(R² + 1), so ‖x̃‖ ≤ 1. Labels: 1 is the
 * positive class, anything else reads as 0 (a per-row value rule).
 * Privacy unit: one row (add/remove). The privacy maps and their proofs are
 * in `logistic-regression.proof.md`.
 * @module
 */
import { type ApproximateLoss, approximate, DpError, type LossKind, type PrivacyLoss, pure } from '../../core/index.js';
import { Rational } from '../../numeric/rational.js';
import { defaultRandomSource, type RandomSource } from '../../random/index.js';
import { accountHistory } from '../dp-sgd-accounting.js';
import { makePrivateWithEpsilon } from '../make-private-with-epsilon.js';
import { logisticRegression } from '../models.js';
import { sgd } from '../optimizers.js';
import { makePrivate, type PrivateTrainer } from '../private-trainer.js';
import { checkInteger, checkPositive, clipRowsL2, copyFeatures } from './_internal/features.js';
import { checkFitOptions } from './_internal/fit-flow.js';
import { minimizeLogistic } from './_internal/logistic.js';
import { type LaplaceStatistic, laplaceStatistic, sampleObjectiveNoise, splitEpsilon } from './_internal/noise.js';
import { snapshotOptions } from './_internal/options-snapshot.js';
import { chargeFit, type FitOptions, type FitReport } from './fit-budget.js';
import { FittedModel } from './fitted-model.js';
import { type LabelInput, type ModelInput, readLabels } from './model-input.js';

/** How the model is made private. */
export type LogisticMethod = 'objective' | 'output' | 'dp-sgd';

/** Options of {@link LogisticRegression}: all public. */
export interface LogisticRegressionOptions {
  /** ε of the fit, a finite number > 0 (pure DP for 'objective' and 'output'; (ε, δ) for 'dp-sgd'). */
  readonly epsilon: number;
  /** Number of features d. */
  readonly featureCount: number;
  /** R: rows are clipped to ‖x‖₂ ≤ R (declared, never read from the data). */
  readonly dataNorm: number;
  /** Default 'objective'. */
  readonly method?: LogisticMethod;
  /** Λ, the L2 regularisation of the summed loss (default: chosen from ε, see the proof note). */
  readonly regularization?: number;
  /** Feature column names (for records, Arrow tables and SQL results). */
  readonly features?: readonly string[];
  /** 'dp-sgd' only: δ ∈ (0, 1). */
  readonly delta?: number;
  /** 'dp-sgd' only: the declared public number of training rows N (sampling rate = batchSize / N). */
  readonly datasetSize?: number;
  /** 'dp-sgd' only: epochs (default 10), expected batch size (default 512), learning rate (default 2), clip norm (default 1). */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly maxGradNorm?: number;
}

/** The released weights: θ on x̃ = [x, 1]/√(R² + 1) (the last entry is the intercept's). */
export interface LogisticParams {
  readonly theta: Float64Array;
  /**
   * 'objective' and 'output': the public power-of-two grid g every entry of θ is a multiple of (grid Laplace release,
   * SECURITY §1; logistic-regression.proof.md). Undefined for 'dp-sgd' (its noise is on the gradients).
   */
  readonly granularity?: number;
}

// γ: Newton stops when a certified bound on the true ‖∇J‖ (float error included) is at most γ.
const TOLERANCE = 1e-6;
// Smallest default Λ.
const MIN_REGULARIZATION = 0.01;
// Weights of ε: the Jacobian term (objective), the noise b, the two approximate-minimum terms. The Jacobian share fixes
// the default Λ = 1/(4(e^{ε_J} − 1)); 0.05 (Λ ≈ 4.9 at ε = 1, 50 at 0.1, 0.39 at 10) was chosen on a held-out fifth
// of Adult's TRAINING split (4 seeds; validation accuracy at ε = 1: share 0.25 → 0.829, Λ 2–8 → 0.835–0.839; at
// ε = 0.1 larger Λ kept helping up to 40: 0.731 → 0.780), never on the test split. A public constant.
const OBJECTIVE_WEIGHTS = [0.05, 0.94, 0.005, 0.005] as const;

/** DP logistic regression (diffprivlib's `LogisticRegression`, plus output perturbation and DP-SGD). */
export class LogisticRegression extends FittedModel<LogisticParams> {
  readonly epsilon: number;
  readonly featureCount: number;
  readonly dataNorm: number;
  readonly method: LogisticMethod;
  /** Λ (objective and output). */
  readonly regularization: number;
  readonly features: readonly string[] | undefined;
  readonly delta: number | undefined;
  readonly #options: LogisticRegressionOptions;
  readonly #plan: { epsilonB: number; jacobian: number; final: LaplaceStatistic } | undefined;
  /**
   * 'dp-sgd': the calibrated σ and step limit, and the run's (ε, δ), computed once. They are functions of the
   * frozen options snapshot only, so a second calibration would return the same σ; it was half of a fit's time
   * (stop 18: each calibration is ≈ 20 PLD self-compositions).
   */
  #calibrated: { noiseMultiplier: number; maxSteps: number } | undefined;
  #dpSgdOne: ApproximateLoss | undefined;

  /**
   * @param options - the public parameters.
   * @throws DpError INVALID_PARAMETER on bad options (a Λ too small for ε, a missing δ or datasetSize for 'dp-sgd').
   * @privacy reads no data.
   * @example
   * new LogisticRegression({ epsilon: 1, featureCount: 48, dataNorm: Math.sqrt(12) });
   */
  constructor(options: LogisticRegressionOptions) {
    super();
    // Every field read once into a frozen snapshot (options-snapshot.ts, review ML M7): the trainer that is priced
    // and the trainer that runs are both built from it, never from the caller's object.
    const o = snapshotOptions(options, [
      'epsilon',
      'featureCount',
      'dataNorm',
      'method',
      'regularization',
      'features',
      'delta',
      'datasetSize',
      'epochs',
      'batchSize',
      'learningRate',
      'maxGradNorm',
    ]);
    this.#options = o;
    this.epsilon = checkPositive(o.epsilon, 'epsilon');
    this.featureCount = checkInteger(o.featureCount, 'featureCount', 1, 100_000);
    this.dataNorm = checkPositive(o.dataNorm, 'dataNorm');
    this.method = o.method ?? 'objective';
    this.features = copyFeatures(o.features);
    const d = this.featureCount + 1;
    switch (this.method) {
      case 'objective': {
        const [eJ, , eZ] = splitEpsilon(this.epsilon, OBJECTIVE_WEIGHTS) as [number, number, number];
        // Λ with log(1 + 1/(4Λ)) = ε_J (ℓ'' ≤ 1/4 and ‖x̃‖ ≤ 1), unless declared.
        // The floor keeps the last noise (scale γ/(Λ ε_z)) and the conditioning sane at large ε.
        this.regularization =
          o.regularization === undefined
            ? Math.max(MIN_REGULARIZATION, 1 / (4 * Math.expm1(eJ)))
            : checkPositive(o.regularization, 'regularization');
        const jacobian = Rational.fromNumber(1)
          .add(Rational.fromNumber(1).div(Rational.fromNumber(4 * this.regularization)))
          .toNumberUp();
        const jacobianEpsilon = Math.log(jacobian) * (1 + 1e-12);
        const epsilonB = this.epsilon * (1 - 1e-9) - jacobianEpsilon - 2 * eZ;
        if (!(epsilonB > 0.01 * this.epsilon)) {
          throw new DpError(
            'INVALID_PARAMETER',
            `regularization ${this.regularization} is too small for epsilon ${this.epsilon}: log(1 + 1/(4Λ)) must stay below ε`,
            {
              parameter: 'regularization',
            },
          );
        }
        // The released vector: θ̂ by the grid Laplace mechanism at L1 sensitivity √d·γ/Λ (‖θ̂ − θ*‖₂ ≤ γ/Λ).
        const final = laplaceStatistic(eZ, (Math.sqrt(d) * TOLERANCE * (1 + 1e-9)) / this.regularization, d);
        this.#plan = { epsilonB, jacobian: jacobianEpsilon, final };
        break;
      }
      case 'output':
        this.regularization = o.regularization === undefined ? (5 * d) / this.epsilon : checkPositive(o.regularization, 'regularization');
        // θ* moves by ≤ (1 + 2γ)/Λ in L2, so ≤ √d(1 + 2γ)/Λ in L1: the grid Laplace release at that sensitivity.
        this.#plan = {
          epsilonB: 0,
          jacobian: 0,
          final: laplaceStatistic(this.epsilon * (1 - 1e-9), (Math.sqrt(d) * (1 + 2 * TOLERANCE) * (1 + 1e-9)) / this.regularization, d),
        };
        break;
      case 'dp-sgd':
        this.regularization = 0;
        this.#plan = undefined;
        if (!(typeof o.delta === 'number' && o.delta > 0 && o.delta < 1)) {
          throw new DpError('INVALID_PARAMETER', "method 'dp-sgd' needs delta in (0, 1)", { parameter: 'delta' });
        }
        checkInteger(o.datasetSize, 'datasetSize', 1, 2 ** 31 - 1);
        break;
      default:
        throw new DpError('INVALID_PARAMETER', "method must be 'objective', 'output' or 'dp-sgd'", { parameter: 'method' });
    }
    this.delta = this.method === 'dp-sgd' ? o.delta : undefined;
  }

  /** The kind of guarantee: 'pure' for objective/output, 'approximate' for dp-sgd. */
  get outputMeasure(): LossKind {
    return this.method === 'dp-sgd' ? 'approximate' : 'pure';
  }

  /**
   * The privacy map of the fit, from public parameters only: the loss for neighbours `dIn` rows apart.
   * @param dIn - added/removed rows, ≥ 0.
   * @returns pure ε (objective, output; dIn·ε by group privacy) or (ε, δ) (dp-sgd; group privacy for dIn > 1).
   * @throws DpError INVALID_PARAMETER on a bad dIn.
   * @privacy this is what fit charges at dIn = 1.
   */
  privacyMap(dIn: number): PrivacyLoss {
    if (!(Number.isFinite(dIn) && dIn >= 0)) throw new DpError('INVALID_PARAMETER', 'dIn must be finite and ≥ 0', { parameter: 'dIn' });
    if (dIn === 0) return this.method === 'dp-sgd' ? approximate(0, 0) : pure(0);
    const k = Math.ceil(dIn);
    if (this.method === 'dp-sgd') {
      const one = this.dpSgdLoss();
      if (k === 1) return one;
      // Group privacy for (ε, δ): (kε, k e^{(k−1)ε} δ).
      return approximate(one.epsilon * k * (1 + 1e-12), Math.min(1, k * Math.exp((k - 1) * one.epsilon) * one.delta * (1 + 1e-12)));
    }
    return pure(
      Rational.fromNumber(this.pureEpsilonOne())
        .mul(Rational.of(BigInt(k)))
        .toNumberUp(),
    );
  }

  private pureEpsilonOne(): number {
    const p = this.#plan as { epsilonB: number; jacobian: number; final: LaplaceStatistic };
    const last = Rational.fromNumber(p.final.loss(1).epsilon);
    if (this.method === 'objective') {
      return Rational.fromNumber(p.epsilonB)
        .add(Rational.fromNumber(p.jacobian))
        .add(last.mul(Rational.of(2n)))
        .toNumberUp();
    }
    return last.toNumberUp();
  }

  private dpSgdLoss(): ApproximateLoss {
    this.#dpSgdOne ??= this.trainerLoss(
      this.makeTrainer({ inputs: new Float64Array(0), labels: new Int32Array(0), size: 0 }, defaultRandomSource()),
    );
    return this.#dpSgdOne;
  }

  // The (ε, δ) of a trainer's whole planned run, priced by its own step event and step limit.
  private trainerLoss(trainer: PrivateTrainer): ApproximateLoss {
    const epsilon = accountHistory([], trainer.accountant)
      .compose(trainer.dpStepEvent, trainer.maxSteps)
      .epsilon(this.delta as number);
    return approximate(epsilon, this.delta as number);
  }

  // The first trainer is calibrated (makePrivateWithEpsilon: σ for the target, re-checked there); later ones reuse
  // its σ and step limit. Each trainer is still priced by its own step event (trainerLoss) before a charge.
  private makeTrainer(data: { inputs: Float64Array; labels: Int32Array; size: number }, rng: RandomSource): PrivateTrainer {
    const o = this.#options;
    const common = {
      model: logisticRegression(this.featureCount, rng),
      optimizer: sgd({ learningRate: o.learningRate ?? 2 }),
      data,
      datasetSize: o.datasetSize as number,
      expectedBatchSize: o.batchSize ?? 512,
      maxGradNorm: o.maxGradNorm ?? 1,
      rng,
    };
    if (this.#calibrated !== undefined) return makePrivate({ ...common, ...this.#calibrated });
    const trainer = makePrivateWithEpsilon({
      ...common,
      targetEpsilon: this.epsilon,
      targetDelta: this.delta as number,
      epochs: o.epochs ?? 10,
    });
    this.#calibrated = { noiseMultiplier: trainer.noiseMultiplier, maxSteps: trainer.maxSteps };
    return trainer;
  }

  /** The number of feature columns. */
  protected get width(): number {
    return this.featureCount;
  }

  /**
   * Fits the model, charging `options.budget` exactly `privacyMap(1)` before any value is used.
   * @param x - features (d columns).
   * @param y - labels (1 positive, anything else 0) or a label column name.
   * @param options - budget and randomness.
   * @returns the report (guarantee = charge).
   * @throws DpError INVALID_PARAMETER (public shapes), BUDGET_EXHAUSTED, DOMAIN_MISMATCH: all before the charge.
   * @privacy privacyMap(1), add/remove one row.
   * @see Chaudhuri, Monteleoni, Sarwate, JMLR 12 (2011); Kifer, Smith, Thakurta, COLT 2012; Iyengar et al., IEEE S&P 2019.
   * @example
   * const lr = new LogisticRegression({ epsilon: 1, featureCount: 2, dataNorm: 1 });
   * await lr.fit([[0, 1], [1, 0]], [1, 0], { budget: PrivacyBudget.pure(1) });
   */
  async fit(x: ModelInput, y: LabelInput, options: FitOptions): Promise<FitReport> {
    const o = checkFitOptions(options);
    const m = this.readRows(x);
    const labels = readLabels(x, y, m.rows);
    const rng = o.rng ?? defaultRandomSource();
    const loss = this.privacyMap(1);
    if (this.method === 'dp-sgd') {
      const data = { inputs: Float64Array.from(m.values), labels: Int32Array.from(labels, (v) => (v === 1 ? 1 : 0)), size: m.rows };
      const trainer = this.makeTrainer(data, rng); // public checks only; before the charge
      // The charge is the map of the trainer that runs: priced from it, and compared with privacyMap(1) (both come
      // from the frozen options snapshot, so a mismatch is a bug, refused before anything is charged or trained).
      const ran = this.trainerLoss(trainer);
      if (!(ran.epsilon === (loss as ApproximateLoss).epsilon && ran.delta === (loss as ApproximateLoss).delta))
        throw new DpError('INTERNAL', 'the DP-SGD run to be trained is not the one its privacy map priced');
      const report = await chargeFit(o.budget, loss, `tsdp/learn logistic-regression dp-sgd`, rng);
      while (trainer.steps < trainer.maxSteps) trainer.step();
      const dense = trainer.model.parameters;
      const w = dense[0]?.value as Float64Array;
      const b = dense[1]?.value as Float64Array;
      // Re-express the weights on x̃ = [x, 1]/√(R² + 1).
      const scale = Math.sqrt(this.dataNorm * this.dataNorm + 1);
      const theta = new Float64Array(this.featureCount + 1);
      for (let j = 0; j < this.featureCount; j++) theta[j] = (w[j] as number) * scale;
      theta[this.featureCount] = (b[0] as number) * scale;
      return this.store({ theta }, { ...report, notForRelease: report.notForRelease || trainer.notForRelease });
    }
    const report = await chargeFit(o.budget, loss, `tsdp/learn logistic-regression ${this.method}`, rng);
    return this.store(this.release(m.values as Float64Array, labels, m.rows, rng), report);
  }

  private release(values: Float64Array, labels: Float64Array, rows: number, rng: RandomSource): LogisticParams {
    const d = this.featureCount + 1;
    const xt = this.extend(values, rows);
    const ys = Float64Array.from(labels, (v) => (v === 1 ? 1 : -1));
    const p = this.#plan as { epsilonB: number; final: LaplaceStatistic };
    // Objective: b (never released) perturbs J; output: no b.
    const b = this.method === 'objective' ? sampleObjectiveNoise(d, 1 / p.epsilonB, rng) : new Float64Array(d);
    // One release path (logistic-regression.proof.md): the solver's only exit is the certificate ‖∇J(θ̂)‖ ≤ γ, and θ̂ is
    // always what the grid Laplace mechanism releases (multiples of p.final.granularity, exact discrete noise).
    const { theta } = minimizeLogistic(xt, ys, rows, d, this.regularization, b, TOLERANCE);
    return { theta: Float64Array.from(p.final.release(Array.from(theta), rng)), granularity: p.final.granularity };
  }

  /** x̃ = [clip_R(x), 1]/√(R² + 1), rows × (d + 1). */
  private extend(values: Float64Array, rows: number): Float64Array {
    const d = this.featureCount;
    const clipped = Float64Array.from(values);
    clipRowsL2(clipped, rows, d, this.dataNorm);
    const out = new Float64Array(rows * (d + 1));
    const s = 1 / Math.sqrt(this.dataNorm * this.dataNorm + 1);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) out[r * (d + 1) + j] = (clipped[r * d + j] as number) * s;
      out[r * (d + 1) + d] = s;
    }
    return out;
  }

  /**
   * P(y = 1 | x) for each row.
   * @param x - features.
   * @returns one probability per row.
   * @throws DpError INVALID_PARAMETER before fit or on a wrong number of columns.
   * @privacy post-processing.
   */
  predictProba(x: ModelInput): Float64Array {
    const theta = this.params.theta;
    const m = this.readRows(x);
    const xt = this.extend(m.values as Float64Array, m.rows);
    const d = this.featureCount + 1;
    const out = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += (theta[j] as number) * (xt[r * d + j] as number);
      out[r] = 1 / (1 + Math.exp(-z));
    }
    return out;
  }

  /** Predicted classes (0/1). @param x - features. @returns one class per row. @privacy post-processing. */
  predict(x: ModelInput): Int32Array {
    return Int32Array.from(this.predictProba(x), (p) => (p > 0.5 ? 1 : 0));
  }

  /** Accuracy. @param x - features. @param y - labels (1 positive). @returns the fraction right. @privacy not a release. */
  score(x: ModelInput, y: LabelInput): number {
    return this.accuracyOn(this.predict(x), x, y, (v) => (v === 1 ? 1 : 0));
  }
}
