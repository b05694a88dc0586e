/**
 * Helpers for the statistical tests of tsdp/local: populations, simulated
 * reports, and the bounds that give each test its false-failure probability.
 */
import { normalQuantile } from '../../src/local/_internal/normal.js';
import { createAggregator, type LocalAggregator } from '../../src/local/aggregator.js';
import { createClient } from '../../src/local/client.js';
import type { LocalProtocolConfig } from '../../src/local/protocol-config.js';
import { createMemoryMemoStore, createRapporEncoder, type RapporParams } from '../../src/local/protocols/rappor.js';
import type { RandomSource } from '../../src/random/source.js';

/** Counts per value 0…k−1: a skewed population with some empty values. */
export function skewedCounts(k: number, n: number): number[] {
  const weights = Array.from({ length: k }, (_, v) => (v % 5 === 4 ? 0 : 1 / (v + 1)));
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((w / total) * n));
  counts[0] = (counts[0] as number) + n - counts.reduce((a, b) => a + b, 0);
  return counts;
}

/** The population as a list of values (value v repeated counts[v] times). */
export function population(counts: readonly number[]): number[] {
  const out: number[] = [];
  counts.forEach((c, v) => {
    for (let i = 0; i < c; i++) out.push(v);
  });
  return out;
}

/** The value a sketch/RAPPOR protocol receives for domain index v. */
export const label = (v: number) => `item-${v}`;

const isStringProtocol = (config: LocalProtocolConfig) =>
  config.protocol === 'cms' || config.protocol === 'hcms' || config.protocol === 'rappor';

/**
 * Encodes every user's value (one report per user; RAPPOR users each get
 * their own memo, with cohorts assigned round-robin so every cohort holds the
 * same share of each value) and aggregates.
 */
export function simulate(config: LocalProtocolConfig, counts: readonly number[], rng: RandomSource): LocalAggregator {
  const aggregator = createAggregator(config);
  if (config.protocol === 'rappor') {
    const params = aggregator.params as RapporParams;
    counts.forEach((c, v) => {
      for (let i = 0; i < c; i++) {
        const memo = createMemoryMemoStore();
        memo.set(`cohort:${params.cohorts}`, String(i % params.cohorts));
        const result = aggregator.add(createRapporEncoder(params, rng, memo).encode(label(v)));
        if (!result.accepted) throw new Error(`honest report rejected: ${result.reason}`);
      }
    });
    return aggregator;
  }
  const client = createClient({ ...config, rng });
  const strings = isStringProtocol(config);
  counts.forEach((c, v) => {
    const value = config.protocol === 'rr' ? v === 1 : strings ? label(v) : v;
    for (let i = 0; i < c; i++) {
      const result = aggregator.add(client.encode(value));
      if (!result.accepted) throw new Error(`honest report rejected: ${result.reason}`);
    }
  });
  return aggregator;
}

/**
 * Bernstein's inequality: for a sum of independent terms with total variance
 * σ² and each term within B of its mean, P(|S − E S| ≥ t) ≤ α for the t
 * returned (t solves 2·exp(−t²/(2(σ² + B t/3))) = α).
 */
export function bernsteinRadius(variance: number, bound: number, alpha: number): number {
  const l = Math.log(2 / alpha);
  const b = (bound * l) / 3;
  return b + Math.sqrt(b * b + 2 * variance * l);
}

/** Two-sided normal critical value at total level α. */
export function zCritical(alpha: number): number {
  return normalQuantile(1 - alpha / 2);
}

/** Wilson–Hilferty χ² quantile for ν degrees of freedom at probability p. */
export function chiSquareQuantile(nu: number, p: number): number {
  const z = normalQuantile(p);
  const a = 2 / (9 * nu);
  return nu * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Sample mean and (unbiased) sample variance. */
export function meanAndVariance(xs: readonly number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
}

/**
 * Every estimator here except RAPPOR's is a sum over reports of α + b·U_i,
 * with U_i a Bernoulli indicator whose probability π depends only on the
 * estimated value d and the reporter's true value d′ (and, for the sketches,
 * on the fixed public hash functions). This gives the exact mean, variance
 * and fourth cumulant of each estimate.
 */
export interface LinearModel {
  readonly alpha: number;
  readonly b: number;
  /** π(d, d′). */
  readonly pi: (d: number, dPrime: number) => number;
}

/** Exact moments of the estimate of d for a population with these counts. */
export function exactMoments(model: LinearModel, counts: readonly number[], d: number): { mean: number; variance: number; kappa4: number } {
  let mean = 0;
  let variance = 0;
  let kappa4 = 0;
  counts.forEach((c, dPrime) => {
    const pi = model.pi(d, dPrime);
    const v = pi * (1 - pi);
    mean += c * (model.alpha + model.b * pi);
    variance += c * model.b ** 2 * v;
    kappa4 += c * model.b ** 4 * v * (1 - 6 * v);
  });
  return { mean, variance, kappa4 };
}
