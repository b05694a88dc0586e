/**
 * Exact arithmetic: BigInt rationals and the bits of IEEE-754 doubles. The
 * ground floor of tsdp: it imports nothing else of the package.
 * @module
 */
export { ceilLog2, decomposeDouble, nextDown, nextUp, powerOfTwo, ulp } from './float-bits.js';
export { Rational } from './rational.js';
