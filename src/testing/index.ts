/**
 * `tsdp/testing`: what tests of DP code need — a seeded source, distribution
 * tests with exact critical values, the mechanism contract kit, and the trace
 * hook. Nothing here is for releases.
 * @module
 */
export { startTrace, type Trace } from './trace.js';
export { assertMeasurementContract, type MeasurementContractOptions } from './contract.js';
export { SeededRandomSource, type Seed } from './seeded-source.js';
export { type DpMatcherOptions, type DpMatcherResult, type DpMatchers, dpMatchers } from './matchers.js';
export { chiSquareTest, type ChiSquareTestOptions, type GoodnessOfFitResult, ksTest, type KsTestOptions } from './distribution-tests.js';
