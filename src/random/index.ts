export { ceilLog2, decomposeDouble, nextDown, nextUp, powerOfTwo, ulp } from './float-bits.js';
export { Rational } from './rational.js';
export { CryptoRandomSource, defaultRandomSource, type RandomSource } from './source.js';
