/**
 * The DP SQL checker's entry point; the steps live in `./plan/` (see
 * `./plan/plan-query.ts`).
 * @module
 */
export { planDpQuery } from './plan/plan-query.js';
export { aggregatesIn } from './plan/post-process.js';
