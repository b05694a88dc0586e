/**
 * Test helpers for the audit tests: a small seeded source until (and unless)
 * the shared one is used, and float samplers for planted bugs.
 * @module
 */
import type { RandomSource } from '../../src/random/source.js';

/** SplitMix64-based deterministic source (test code only). */
export class TestSeededSource implements RandomSource {
  readonly isSeeded = true;
  private state: bigint;
  constructor(seed: number) {
    this.state = BigInt(seed) & 0xffffffffffffffffn;
  }
  private next64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return z ^ (z >> 31n);
  }
  nextUint32(): number {
    return Number(this.next64() >> 32n);
  }
  fill(out: Uint32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.nextUint32();
  }
}

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
