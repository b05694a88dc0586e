/** Exact binomial limits for statistical tests: the published kit's (tsdp/testing), one statistical kit for the project. */
export { binomialLowerLimit, binomialPmf, binomialUpperLimit } from '../../src/testing/binomial-test.js';
