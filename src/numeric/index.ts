/**
 * Exact arithmetic (BigInt rationals, the bits of IEEE-754 doubles), log-space arithmetic and the one
 * set of special functions (erfc, Φ, Φ⁻¹, log Γ, incomplete gamma and beta). The
 * ground floor of tsdp: it imports nothing else of the package.
 * @module
 */
export { addDown, addUp, divUp, mulDown, mulUp } from './directed-rounding.js';
export { ceilLog2, decomposeDouble, nextDown, nextUp, powerOfTwo, ulp } from './float-bits.js';
export { logAdd, logSub, logSumExp } from './log-space.js';
export { Rational } from './rational.js';
export {
  betaQuantile,
  erfc,
  logAbsBinomial,
  logErfc,
  logGamma,
  logNormalCdf,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  regularizedGammaQ,
} from './special.js';
