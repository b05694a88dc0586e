/**
 * `tsdp/testing`: what tests of DP code need — a seeded source, the one
 * statistical kit (distribution tests with exact critical values, exact binomial
 * limits, Clopper–Pearson bounds), the mechanism contract kit, and the trace
 * hook. Nothing here is for releases.
 * @module tsdp/testing
 */

export { clopperPearsonLower, clopperPearsonUpper } from '../audit/clopper-pearson.js';
export { binomialLowerLimit, binomialPmf, binomialUpperLimit } from './binomial-test.js';
export { assertMeasurementContract, type MeasurementContractOptions } from './contract.js';
export { type ChiSquareTestOptions, chiSquareTest, type GoodnessOfFitResult, type KsTestOptions, ksTest } from './distribution-tests.js';
export { type DpMatcherOptions, type DpMatcherResult, type DpMatchers, dpMatchers } from './matchers.js';
export { type Seed, SeededRandomSource } from './seeded-source.js';
export { startTrace, type Trace } from './trace.js';
