/**
 * `tsdp/learn`: private learning — DP-SGD with per-example clipping by ghost
 * norms, Poisson sampling accounted by the PLD or RDP accountant, and an API
 * shaped like Opacus's `make_private`, on a small layer library with
 * WebAssembly SIMD kernels (binary64) chosen at run time, with the
 * plain-TypeScript reference kernels as fallback and test oracle.
 * Browser-safe: no Node built-ins.
 * @module tsdp/learn
 */
export { Activation, relu, tanh } from './activations.js';
export { type KernelBackend, kernelBackend, setKernelBackend, setRelaxedSimd } from './backend.js';
export { checkpointOf, restoreTrainer, type TrainerCheckpoint } from './checkpoint.js';
export type { BoundedModel, BoundedModelOptions } from './classic/bounded-model.js';
// DP classic models (models area, issue 13): src/learn/classic/.
export type { FitOptions, FitReport, LedgerCharge, ModelBudget } from './classic/fit-budget.js';
export type { FittedModel } from './classic/fitted-model.js';
export { GaussianNB, type GaussianNBOptions, type GaussianNBParams } from './classic/gaussian-nb.js';
export { KMeans, type KMeansOptions, type KMeansParams } from './classic/kmeans.js';
export { LinearRegression, type LinearRegressionOptions, type LinearRegressionParams } from './classic/linear-regression.js';
export {
  type LogisticMethod,
  type LogisticParams,
  LogisticRegression,
  type LogisticRegressionOptions,
} from './classic/logistic-regression.js';
export {
  type ArrowTableLike,
  type LabelInput,
  type Matrix,
  type ModelInput,
  readLabels,
  readMatrix,
  type SqlResultLike,
} from './classic/model-input.js';
export { PCA, type PCAOptions, type PCAParams } from './classic/pca.js';
export {
  DecisionTreeClassifier,
  RandomForestClassifier,
  type RandomForestOptions,
  type RandomForestParams,
  type RandomTree,
} from './classic/random-forest.js';
export { accuracy, argmaxRows, rSquared } from './classic/scoring.js';
export { StandardScaler, type StandardScalerOptions, type StandardScalerParams } from './classic/standard-scaler.js';
export { Conv2d, type Conv2dOptions, conv2d } from './conv2d.js';
export { Dense, type DenseOptions, dense } from './dense.js';
export { accountHistory, dpSgdStepEvent, type LearnAccountant, makeLearnAccountant } from './dp-sgd-accounting.js';
export { Embedding, type EmbeddingOptions, embedding } from './embedding.js';
export { accumulateClippedGradients, type ClippedBatch, type ClippingMode, clipFactor, perLayerSquaredNorms } from './ghost-clipping.js';
export { fillUniform, uniformUnit } from './init.js';
export { IterateAverage } from './iterate-average.js';
export {
  addRowVector,
  axpy,
  columnSums,
  type FloatArray,
  matmul,
  matmulTransA,
  matmulTransB,
  reluBackward,
  reluForward,
  rowSquaredNorms,
  scaleRows,
} from './kernels.js';
export { isTrainable, type Layer, type Parameter, type TrainableLayer } from './layer.js';
export { type Loss, logisticLoss, softmaxCrossEntropy } from './losses.js';
export { type MakePrivateWithEpsilonOptions, makePrivateWithEpsilon } from './make-private-with-epsilon.js';
// Membership-inference audits (models area, issue 13): src/learn/membership/.
export { type AttackReport, type AuditModelOptions, auditModel, type ModelAuditReport } from './membership/audit-model.js';
export { auditDpSgdOneRun, type DpSgdAuditOptions, dpSgdAuditSubject, labelConfidences } from './membership/dp-sgd-audit.js';
export { membershipEpsilonLowerBound } from './membership/epsilon-bound.js';
export {
  globalOutVariance,
  type LiraVariance,
  type OutStatistics,
  offlineLiraScores,
  outStatistics,
} from './membership/lira.js';
export {
  type MembershipMatcherOptions,
  type MembershipMatcherResult,
  type MembershipMatchers,
  membershipMatchers,
} from './membership/matchers.js';
export {
  type LabelledRows,
  labelLogOdds,
  logProbabilityOfLabel,
  type ProbabilisticModel,
  trueClassProbability,
} from './membership/model-confidence.js';
export {
  type OneRunAuditOptions,
  type OneRunAuditResult,
  oneRunAudit,
  oneRunEpsilonLowerBound,
  oneRunPValue,
} from './membership/one-run.js';
export { type LowFprPoint, lowFprPoint, type MembershipRoc, membershipRoc, tprAtFpr } from './membership/roc.js';
export { logisticRegression, type MnistCnnOptions, mlp, mnistCnn } from './models.js';
export { effectiveNoiseMultiplier, noiseGrid, roundToGrid } from './noise-grid.js';
export { isGenuineNoiseSource, type NoiseSource } from './noise-source.js';
export { groupNorm, layerNorm, Normalization } from './normalization.js';
export { type AdamOptions, adam, type Optimizer, type OptimizerState, type SgdOptions, sgd } from './optimizers.js';
export { perExampleGradient } from './per-example-gradients.js';
export { poissonSample, samplingRate } from './poisson-sampler.js';
export { avgPool2d, maxPool2d, Pool2d, type Pool2dOptions } from './pool2d.js';
export { type MakePrivateOptions, makePrivate, PrivateTrainer, type StepReport } from './private-trainer.js';
export { type Batch, checkBatch, Sequential } from './sequential.js';
export { LEARN_SIZE_LIMITS } from './size-limits.js';
