/**
 * The shapes every release shares: contribution bounds, release options, the
 * released value with its guarantee and interval. A file of its own so that
 * the release modules (aggregates, quantiles) import it without importing
 * each other.
 * @module
 */

import type { PrivacyBudget } from '../core/budget.js';
import type { PrivacyLoss } from '../core/loss.js';
import type { RandomSource } from '../random/source.js';
import type { OutputBudget } from './output-budget.js';
import type { SpendOptions } from './release-measurement.js';

/** Per-unit contribution bounds (Google DP / PipelineDP semantics). */
export interface ContributionBounds {
  /** A unit contributes to at most this many partitions (groups). Default 1. */
  readonly maxPartitions?: number;
  /** A unit contributes at most this many rows to each partition. Default 1. */
  readonly maxContributionsPerPartition?: number;
}

/** A confidence interval for the exact (non-private) statistic. */
export interface ConfidenceInterval {
  readonly lower: number;
  readonly upper: number;
  /** The coverage probability it is stated at (e.g. 0.95). */
  readonly confidence: number;
  /**
   * How it was computed: `analytic` (exact noise quantiles), `union-bound`
   * (interval arithmetic over parts, each at a Bonferroni-split level: coverage
   * at least `confidence`), or `bounds` (the clamp bounds: coverage 1, no
   * information).
   */
  readonly method: 'analytic' | 'union-bound' | 'bounds';
}

/** One released statistic. */
export interface AggregateRelease {
  /** The DP value. */
  readonly value: number;
  /**
   * The privacy loss of this output (for all partitions released with the same
   * budget): its measurement's `privacyMap(1)`.
   */
  readonly guarantee: PrivacyLoss;
  /** With `spendFrom`: exactly what was charged (equal to `guarantee`). */
  readonly charged?: PrivacyLoss;
  /** With `spendFrom`: the budget after the charge. */
  readonly budgetAfter?: PrivacyBudget;
  /** Where the exact statistic lies with the stated confidence. */
  readonly interval: ConfidenceInterval;
  /** The noise used (public parameters). */
  readonly noise: readonly { readonly kind: string; readonly scale: number }[];
  /** Present when a seeded (test) source made this: not for release. */
  readonly notForRelease?: true;
}

/** Options every release takes. */
export interface ReleaseOptions extends ContributionBounds, SpendOptions {
  /** The budget of this output: `{ epsilon }` (discrete Laplace) or `{ rho }` (discrete Gaussian). */
  readonly budget: OutputBudget;
  /** Confidence level of the interval. Default 0.95. */
  readonly confidence?: number;
  /** Randomness; the platform CSPRNG by default. */
  readonly rng?: RandomSource;
}

/** An exact integer from a database or an aggregator: bigint or a safe integer. */
export type ExactInteger = bigint | number;
