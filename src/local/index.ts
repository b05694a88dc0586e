/**
 * `tsdp/local` — local differential privacy: each user's device randomizes
 * its own value before anything is sent, so the collector never holds raw
 * data. Clients (browser-safe, also in `tsdp/local/client`) and a streaming
 * server-side aggregator for randomized response (binary and k-ary), optimized
 * and symmetric unary encoding, optimized local hashing, Hadamard response,
 * Apple's count-mean-sketch and Hadamard count-mean-sketch, and RAPPOR.
 *
 * ## Threat model
 *
 * - **Trusted**: the user's device and the page's code that calls `encode`
 *   (it sees the raw value); the platform CSPRNG (`crypto.getRandomValues`);
 *   for RAPPOR's longitudinal bound, the memo store on the device.
 * - **Not trusted**: the network, the collector, the aggregator and anyone
 *   who reads the reports or the estimates. Each report is ε-LDP on its own
 *   (ε stated by `client.epsilon`, computed from the probabilities actually
 *   sampled — rounded toward more privacy onto a 2⁻³² grid, sampled exactly).
 *   Reports of one user compose: k reports cost k·ε, except RAPPOR reports of
 *   the same value through the same memo, which together never exceed ε∞
 *   (`epsilonInfinity`).
 * - **What the report reveals besides the randomized value**: the protocol,
 *   its public parameters and (RAPPOR) the user's cohort, which is random and
 *   independent of the value. The hash functions are public; privacy never
 *   depends on them, only utility does.
 * - **Forged reports**: a malicious client can send any report its protocol
 *   allows and so shift estimates by about its own weight (as in every LDP
 *   protocol — poisoning is out of scope); the aggregator refuses and counts
 *   what no honest client sends (wrong protocol or parameters, wrong lengths,
 *   out-of-range indices, non-0/1 bits, bad JSON, bit counts outside a 1e-9
 *   plausibility window).
 * - **Saved states** (`toState`, `merge`, `restoreAggregator`): sums of
 *   reports, never a report. A state is accepted only if some sequence of
 *   `accepted` valid reports could have produced it (lengths, integer cells,
 *   conservation laws; see `aggregator-state.ts`), so a forged state moves an
 *   estimate no further than that many forged reports, and is refused with
 *   INVALID_PARAMETER before anything is added otherwise. States are not
 *   authenticated: keep them where reports would be kept.
 * - **Consistency** (`makeConsistent`, `estimate({ consistency })`):
 *   post-processing of the estimates, free of privacy cost.
 * - **Not addressed**: timing of `encode` (it is not constant-time: RAPPOR's
 *   memo lookup and unary encodings depend on the domain size, not on the
 *   value, but JavaScript gives no guarantees), traffic analysis (when and how
 *   often a user reports), and linkage of reports through network identity.
 *   Send reports without cookies or accounts if users must stay unlinkable.
 * - The seeded source of `tsdp/testing` is for tests only: reports made with
 *   it are not private.
 *
 * @module tsdp/local
 */
export {
  type AddResult,
  type AggregatorStats,
  type CountEstimates,
  createAggregator,
  type EstimateOptions,
  type FrequencyEstimate,
  type HeavyHitterOptions,
  type LocalAggregator,
  type RapporDecoding,
  REJECTION_REASONS,
  type RejectionReason,
  restoreAggregator,
} from './aggregator.js';
export { AGGREGATOR_STATE_FORMAT, AGGREGATOR_STATE_VERSION, type LocalAggregatorState } from './aggregator-state.js';
export {
  type ClientRandomness,
  createClient,
  createGrrClient,
  createHrClient,
  createOlhClient,
  createRapporClient,
  createRrClient,
  createSketchClient,
  createUnaryClient,
  type LocalClient,
  type LocalClientConfig,
} from './client.js';
export { CONSISTENCY_METHODS, type ConsistencyMethod, type ConsistencyOptions, makeConsistent } from './consistency.js';
export { type LocalProtocolConfig, type LocalProtocolParams, resolveLocalParams } from './protocol-config.js';
export { encodeCms, encodeHcms, type SketchOptions, type SketchParams, sketchBucket, sketchParams } from './protocols/count-mean-sketch.js';
export { encodeHr, type HrParams, hrInSupport, hrParams, MAX_HR_DOMAIN } from './protocols/hadamard-response.js';
export { encodeOlh, MAX_OLH_DOMAIN, type OlhParams, olhHash, olhParams } from './protocols/local-hashing.js';
export { encodeGrr, encodeRr, type GrrParams, grrParams, MAX_GRR_DOMAIN, rrParams } from './protocols/randomized-response.js';
export {
  createMemoryMemoStore,
  createRapporEncoder,
  createStorageMemoStore,
  type RapporEncoder,
  type RapporMemoStore,
  type RapporOptions,
  type RapporParams,
  rapporBloomPositions,
  rapporParams,
  type StorageLike,
} from './protocols/rappor.js';
export { encodeUnary, MAX_UNARY_DOMAIN, type UnaryParams, unaryParams } from './protocols/unary-encoding.js';
export {
  type CmsReport,
  type GrrReport,
  type HcmsReport,
  type HrReport,
  LOCAL_PROTOCOL_IDS,
  LOCAL_REPORT_VERSION,
  type LocalProtocolId,
  type LocalReport,
  type OlhReport,
  type RapporReport,
  type RrReport,
  type UnaryReport,
} from './report.js';
