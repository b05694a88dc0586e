/** The standard normal quantile, for confidence intervals: the one in `src/numeric/special.ts`. @module */
export { normalQuantile } from '../../numeric/special.js';
