/**
 * Mechanisms: each constructor validates its options and returns a
 * `Measurement` whose privacy map states the guarantee; each has a proof note
 * (`*.proof.md`) beside it and a calibration helper.
 * @module
 */

export type { RationalLike } from './_internal/params.js';
export { analyticGaussianDelta, analyticGaussianEpsilon, analyticGaussianSigma } from './analytic-gaussian.js';
export { CLASSIC_GAUSSIAN_MAX_EPSILON, classicGaussianEpsilon, classicGaussianSigma } from './classic-gaussian.js';
export {
  type DiscreteGaussianOptions,
  discreteGaussianEpsilon,
  discreteGaussianSigmaForEpsilonDelta,
  discreteGaussianSigmaSquaredForRho,
  makeDiscreteGaussian,
} from './discrete-gaussian.js';
export {
  discreteGaussianCdf,
  discreteGaussianLogNormalizingConstant,
  discreteGaussianLogPmf,
  discreteGaussianLogSurvival,
  discreteGaussianNormalizingConstant,
  discreteGaussianPmf,
  discreteGaussianSurvival,
  discreteGaussianVariance,
} from './discrete-gaussian-distribution.js';
export { type DiscreteLaplaceOptions, discreteLaplaceScaleForEpsilon, makeDiscreteLaplace } from './discrete-laplace.js';
export {
  discreteLaplaceCdf,
  discreteLaplaceLogPmf,
  discreteLaplaceNormalizingConstant,
  discreteLaplacePmf,
  discreteLaplaceSurvival,
  discreteLaplaceVariance,
} from './discrete-laplace-distribution.js';
export { type ExponentialOptions, makeExponential, permuteAndFlipProbabilities } from './exponential.js';
export {
  type AnalyticGaussianOptions,
  type GaussianOptions,
  gaussianSigmaForEpsilonDelta,
  gaussianSigmaForRho,
  makeGaussian,
  makeVectorGaussian,
  type VectorAnalyticGaussianOptions,
  type VectorGaussianOptions,
} from './gaussian.js';
export { type LaplaceOptions, laplaceScaleForEpsilon, makeLaplace, makeVectorLaplace, type VectorLaplaceOptions } from './laplace.js';
export {
  discreteGaussianDeltaForEpsilon,
  discreteGaussianEpsilonForDelta,
  discreteLaplaceDeltaForEpsilon,
  discreteLaplaceEpsilonForDelta,
  laplaceDeltaForEpsilon,
  laplaceEpsilonForDelta,
} from './privacy-profiles.js';
export {
  type CategoricalRandomizedResponseOptions,
  makeCategoricalRandomizedResponse,
  makeRandomizedResponse,
  type RandomizedResponseCalibration,
  type RandomizedResponseOptions,
  randomizedResponseCalibration,
} from './randomized-response.js';
export { makeReportNoisyMax, type ReportNoisyMaxOptions, reportNoisyMaxScaleForEpsilon } from './report-noisy-max.js';
export { makeSparseVector, type SparseVectorOptions, sparseVectorSplit } from './sparse-vector.js';
