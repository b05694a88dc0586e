/**
 * Test helpers for the audit tests: float samplers for planted bugs (test
 * code only; never for releases).
 * @module
 */
import type { RandomSource } from '../../src/random/source.js';

/** A uniform double in (0, 1) with 53 random bits (never 0). */
export function uniformOpen(rng: RandomSource): number {
  const hi = rng.nextUint32() >>> 5;
  const lo = rng.nextUint32() >>> 6;
  return (hi * 67108864 + lo + 0.5) / 9007199254740992;
}

/** Textbook floating-point Laplace noise (inverse CDF): the sampler Mironov (2012) attacks. */
export function naiveLaplaceNoise(scale: number, rng: RandomSource): number {
  const u = uniformOpen(rng) - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

/** Laplace noise by inverse CDF, rounded to the grid 2^−20 so that no low-order bits are left to attack. */
export function gridLaplaceNoise(scale: number, rng: RandomSource): number {
  return Math.round(naiveLaplaceNoise(scale, rng) * 2 ** 20) / 2 ** 20;
}

/** Gaussian noise by Box–Muller, rounded to the grid 2^−20. */
export function gaussianNoise(sigma: number, rng: RandomSource): number {
  const u = uniformOpen(rng);
  const v = uniformOpen(rng);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.round(z * sigma * 2 ** 20) / 2 ** 20;
}
