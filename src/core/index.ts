export { PrivacyBudget, type PrivacyBudgetJson } from './budget.js';
export { type AccountingChoice, type AccountingMode, type BudgetPin, largestFirstRho } from './budget-filter.js';
export type { OutputBudget } from './budget-input.js';
export {
  anyDomain,
  bigintDomain,
  type Domain,
  describeDomain,
  domainEquals,
  domainWithin,
  floatDomain,
  intDomain,
  type Metric,
  vectorDomain,
} from './domain.js';
export type * from './dp-event.js';
export {
  assertNever,
  DP_ERRORS,
  DpError,
  type DpErrorCode,
  type DpErrorDetails,
  isDpError,
  type SafeResult,
  safely,
} from './errors.js';
export {
  type ApproximateCap,
  addLoss,
  checkExactLoss,
  type ExactLoss,
  type ExactLossJson,
  effectiveEpsilon,
  exactLoss,
  fitsCap,
  formatExactLoss,
  lossEquals,
  lossFromJson,
  lossLe,
  lossToJson,
  readAmount,
  statedExactLoss,
  ZERO_LOSS,
  zcdpEpsilonBound,
} from './exact-loss.js';
export {
  type ApproximateLoss,
  approximate,
  convertLoss,
  formatLoss,
  type LossKind,
  type LossOf,
  type PrivacyLoss,
  type PureLoss,
  pure,
  pureToApproximate,
  pureToZcdp,
  roundUpCost,
  type ZcdpLoss,
  zcdp,
  zcdpToApproximate,
  zcdpToApproximateSimple,
} from './loss.js';
export {
  chain,
  defineMeasurement,
  defineTransformation,
  type Measurement,
  type MeasurementSpec,
  type Release,
  type Transformation,
  type TransformationSpec,
} from './measurement.js';
export {
  type Branded,
  checkDeltaForSize,
  checkDistance,
  Delta,
  type DeltaBound,
  deltaBound,
  Epsilon,
  type EpsilonBound,
  epsilonBound,
  LossAmount,
  Rho,
  Scale,
  Sensitivity,
} from './params.js';
export {
  describePrivacyUnit,
  type PrivacyUnit,
  type PrivacyUnitBounds,
  type PrivacyUnitJson,
  privacyUnit,
  readPrivacyUnit,
  samePrivacyUnit,
} from './privacy-unit.js';
export { type NoiseTraceRecord, type PublicTraceRecord, traceNoise, tracePublic } from './trace.js';
