/**
 * `tsdp/testing`: what tests of DP code need — a seeded source, distribution
 * tests with exact critical values, the mechanism contract kit, and the trace
 * hook. Nothing here is for releases.
 * @module tsdp/testing
 */

export { assertMeasurementContract, type MeasurementContractOptions } from './contract.js';
export { type ChiSquareTestOptions, chiSquareTest, type GoodnessOfFitResult, type KsTestOptions, ksTest } from './distribution-tests.js';
export { type DpMatcherOptions, type DpMatcherResult, type DpMatchers, dpMatchers } from './matchers.js';
export { type Seed, SeededRandomSource } from './seeded-source.js';
export { startTrace, type Trace } from './trace.js';
