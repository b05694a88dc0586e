/**
 * Privacy accounting (browser-safe): DpEvent constructors and parsing; RDP,
 * PLD and zCDP accountants; composition theorems; calibration; filters and
 * odometers. Agrees with Google's `dp_accounting` (see test/fixtures/accounting).
 * @module
 */

export { ApproxDpFilter } from './approx-dp-filter.js';
export {
  type AccountantChoice,
  type CalibrationOptions,
  calibrateLaplaceScale,
  calibrateNoiseMultiplier,
  calibrateNoiseParameter,
  makeAccountant,
} from './calibration.js';
export {
  advancedComposition,
  basicComposition,
  type EpsilonDelta,
  heterogeneousComposition,
  optimalComposition,
  optimalCompositionDelta,
} from './composition.js';
export { DpEvents, describeEvent, dpEventToJson, parseDpEvent, validateDpEvent } from './dp-events.js';
export {
  type GdpCltEstimate,
  type GdpCltOptions,
  type GdpSampling,
  gdpDelta,
  gdpEpsilon,
  gdpEpsilonClt,
  gdpMuPoissonClt,
  gdpMuUniformClt,
} from './gdp-accountant.js';
export { KOV_GRID_MAX_K, kovCompositionEpsilon, kovCompositionGrid } from './kov-composition.js';
export { PldAccountant, type PldAccountantOptions } from './pld-accountant.js';
export type { AccountingMethod, Adjacency, PrivacyAccountant } from './privacy-accountant.js';
export { DEFAULT_VALUE_DISCRETIZATION_INTERVAL, type PldOptions, PrivacyLossDistribution } from './privacy-loss-distribution.js';
export { PrivacyOdometer } from './privacy-odometer.js';
export {
  DEFAULT_RDP_ORDERS,
  laplaceRdp,
  RdpAccountant,
  type RdpAccountantOptions,
  rdpPoissonSubsampledGaussian,
  rdpSampledWithoutReplacementGaussian,
  rdpToDelta,
  rdpToEpsilon,
} from './rdp-accountant.js';
export { RdpFilter } from './rdp-filter.js';
export { ZcdpAccountant, zcdpDelta } from './zcdp-accountant.js';
export { zcdpDeltaForEpsilon, zcdpEpsilonForDelta } from './zcdp-conversion.js';
export { ZcdpFilter } from './zcdp-filter.js';
