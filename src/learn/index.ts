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
export { type KernelBackend, kernelBackend, setKernelBackend } from './backend.js';
export { checkpointOf, restoreTrainer, type TrainerCheckpoint } from './checkpoint.js';
export { Conv2d, type Conv2dOptions, conv2d } from './conv2d.js';
export { Dense, type DenseOptions, dense } from './dense.js';
export { accountHistory, dpSgdStepEvent, type LearnAccountant, makeLearnAccountant } from './dp-sgd-accounting.js';
export { Embedding, type EmbeddingOptions, embedding } from './embedding.js';
export { accumulateClippedGradients, type ClippedBatch, type ClippingMode, clipFactor, perLayerSquaredNorms } from './ghost-clipping.js';
export { fillUniform, uniformUnit } from './init.js';
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
export { logisticRegression, mlp, mnistCnn } from './models.js';
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
