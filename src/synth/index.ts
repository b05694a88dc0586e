/**
 * `tsdp/synth`: differentially private synthetic data — MST and AIM, with
 * Private-PGM's graphical-model estimation, forward sampling and a utility report.
 * @module tsdp/synth
 */

export { toCsv } from './csv.js';
export {
  buildDomain,
  type CategoricalColumn,
  decodeRecords,
  encodeRecords,
  type NumericColumn,
  type SynthColumn,
  type SynthDomain,
  type SynthSchema,
  schemaFromDomainSizes,
} from './domain.js';
export { type EstimatedModel, type EstimateOptions, estimate, estimateTotal, type MarginalMeasurement } from './estimation.js';
export { countMarginal, rhoForEpsilonDelta, ZcdpFilter } from './measure.js';
export type { SynthProgress } from './mst.js';
export { reportHtml, type UtilityReport, type UtilityReportInput, utilityReport } from './report.js';
export {
  makeSynthesizer,
  type SynthesizeOptions,
  type SynthGuarantee,
  type SynthMethod,
  type SynthResult,
  synthesize,
} from './synthesize.js';
export { combinations, type MarginalError, marginalTvd, meanTvd, workloadErrors } from './utility.js';
