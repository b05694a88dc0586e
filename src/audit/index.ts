/**
 * `tsdp/audit`: empirical privacy testing. Estimate a rigorous lower bound on
 * a mechanism's ε from samples on neighbouring inputs, find the inputs and
 * event that witness it, and flag claims that the samples refute.
 * @module tsdp/audit
 */
export {
  type AuditEvent,
  auditEventPredicate,
  describeAuditEvent,
  type FeatureRecord,
  type IntervalEvent,
  type LinearEvent,
  type OutcomesEvent,
  type ThresholdEvent,
} from './audit-event.js';
export {
  type AuditableMeasurement,
  type AuditOptions,
  type AuditResult,
  type AuditWitness,
  auditPrivacy,
  DEFAULT_AUDIT_CONFIDENCE,
  DEFAULT_AUDIT_SAMPLES,
  type PrivacyClaim,
  type RandomizedFunction,
} from './audit-privacy.js';
export { clopperPearsonLower, clopperPearsonUpper } from './clopper-pearson.js';
export { lowestSetBitExponent } from './float-bits-feature.js';
export { MAX_DEFAULT_PAIRS, type NeighbourPair, neighbourCandidates } from './neighbour-search.js';
