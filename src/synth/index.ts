/**
 * `tsdp/synth`: differentially private synthetic data — MST, AIM and MWEM, with
 * Private-PGM's graphical-model estimation, forward sampling, DP quantile bins,
 * Arrow output and a utility report (the Node-only file writer, CSV / Parquet /
 * Arrow IPC, is `writeSynthetic` in `tsdp/node`).
 * @module tsdp/synth
 */
export { type ArrowTableLike, toArrowTable } from './arrow.js';
export { associationMatrix, cramersV } from './association.js';
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
  withCuts,
} from './domain.js';
export { type EstimatedModel, type EstimateOptions, estimate, estimateTotal, type MarginalMeasurement } from './estimation.js';
export { countMarginal, type RhoCalibration, rhoForEpsilonDelta, ZcdpFilter } from './measure.js';
export { type ClassifierScore, type MlEfficacy, mlEfficacy } from './ml-efficacy.js';
export type { SynthProgress } from './mst.js';
export { REPORT_NOTICE, type ReportBudget, type UtilityReport, type UtilityReportInput, utilityReport } from './report.js';
export { reportHtml } from './report-html.js';
export {
  DEFAULT_ROWS_CAP,
  MAX_SYNTH_ROWS,
  makeSynthesizer,
  planSynthesis,
  type SynthBudget,
  type SynthesizeOptions,
  type SynthesizerOptions,
  type SynthGuarantee,
  type SynthLedgerCharge,
  type SynthMethod,
  type SynthOutput,
  type SynthPlan,
  type SynthPlanOptions,
  type SynthResult,
  synthesize,
} from './synthesize.js';
export { combinations, type MarginalError, marginalTvd, meanTvd, workloadErrors } from './utility.js';
