/**
 * The public half of an aggregate release — its plan: from parameters only
 * (never from data), the fixed-point grid, the calibrated noise of each part
 * and the guarantee. Every release function of `release-count-sum.ts` and
 * `release-mean-variance.ts` starts from its plan, and the Session and DP SQL
 * build the plan BEFORE they charge.
 *
 * ## Rule: every released value is finite (issue 10, items 4 and 12)
 * The plan refuses with INVALID_PARAMETER, before anything is charged: bounds
 * whose span or magnitude is not a finite double (e.g. ±Number.MAX_VALUE),
 * variance bounds wider than 2⁵⁰⁰ (the variance's range must be finite),
 * bounds × contributions that overflow the double range, and budgets so small
 * that the noise scale passes 2⁸⁰ integer units (e.g. `{ rho: 5e-324 }`) or
 * that the noise or its interval, in value units, is not finite. What the data
 * can still push out of range (a sum of very many rows near the bounds) is
 * saturated to ±Number.MAX_VALUE — post-processing, the guarantee is
 * unchanged — so every value and interval end is finite.
 * @module
 */

import { DpError } from '../core/errors.js';
import type { PrivacyLoss } from '../core/loss.js';
import { edgeRecord } from '../numeric/edge.js';
import { composeLosses } from './_internal/compose.js';
import {
  type CalibratedNoise,
  calibrateNoise,
  checkConfidence,
  checkFiniteInValueUnits,
  type OutputBudget,
  readBounding,
  splitBudget,
} from './_internal/noise.js';
import { type FixedPointGrid, meanGrid, sumGrid, varianceGrid } from './fixed-point-grid.js';
import type { ContributionBounds } from './release-types.js';

/** The aggregates `planAggregate` prices. */
export type AggregateKind = 'count' | 'sum' | 'mean' | 'variance' | 'stddev';

/** One noisy part of a release: its noise, its per-partition sensitivity (integer units) and the value of one unit. */
export interface NoisePart {
  readonly noise: CalibratedNoise;
  readonly perPartition: bigint;
  /** The value of one integer unit (1 for counts, the grid's granularity for sums, its square for sums of squares). */
  readonly unit: number;
}

/**
 * The public half of a release, computed from parameters only (never from
 * data): the grid, the calibrated noise of each part and the guarantee. A
 * parameter that cannot give a finite release (bounds too wide, a budget too
 * small) is refused with INVALID_PARAMETER having charged nothing.
 */
export interface AggregatePlan {
  readonly kind: AggregateKind;
  /** The fixed-point grid (undefined for counts). */
  readonly grid: FixedPointGrid | undefined;
  readonly parts: readonly NoisePart[];
  /** The loss of the whole release (all parts composed). */
  readonly guarantee: PrivacyLoss;
  readonly confidence: number;
}

/** The division of a mean's (variance's) budget between its parts. */
export interface SplitOptions {
  /** Relative weights of count and normalized sum (and sum of squares). Default equal. */
  readonly split?: readonly number[];
}

/** Parameters of `planAggregate`. */
export interface AggregatePlanInput extends ContributionBounds, SplitOptions {
  readonly budget: OutputBudget;
  /** Clamp bounds (all kinds but count). */
  readonly bounds?: readonly [number, number];
  readonly confidence?: number;
  /** Extra per-partition sensitivity in grid units (float sums; internal). */
  readonly widening?: bigint;
}

/**
 * Sensitivity of a per-partition sum of per-row integers in [−k, k] under add/remove one unit.
 * @param perRow - the largest magnitude of one row, in integer units.
 * @param o - the contribution bounds.
 * @returns L1, squared L2 (over all partitions) and per-partition sensitivity.
 */
export function sumSensitivity(perRow: bigint, o: ContributionBounds): { l1: bigint; l2Squared: bigint; perPartition: bigint } {
  const { partitions, contributions } = readBounding(o);
  const perPartition = contributions * perRow;
  return { l1: partitions * perPartition, l2Squared: partitions * perPartition * perPartition, perPartition };
}

function gridOf(kind: AggregateKind, bounds: () => readonly [number, number]): FixedPointGrid | undefined {
  switch (kind) {
    case 'count':
      return undefined;
    case 'sum':
      return sumGrid(bounds());
    case 'mean':
      return meanGrid(bounds());
    default:
      return varianceGrid(bounds());
  }
}

/** Per-row magnitudes (integer units) and unit values of each part of a release. */
function shapesOf(kind: AggregateKind, d: bigint, g: number, widening: bigint): Array<[bigint, number]> {
  switch (kind) {
    case 'count':
      return [[1n, 1]];
    case 'sum':
      return [[d + widening, g]];
    case 'mean':
      return [
        [1n, 1],
        [d, g],
      ];
    default:
      // Squares in [0, D²] are shifted by ⌊D²/2⌋: their magnitude is at most D² − ⌊D²/2⌋.
      return [
        [1n, 1],
        [d, g],
        [d * d - (d * d) / 2n, g * g],
      ];
  }
}

/**
 * Plans a release from its public parameters: validates them, builds the grid
 * and calibrates each part's noise, and checks that every value the release
 * can produce is finite (the per-unit contribution, the noise scale and the
 * interval half-width, in value units).
 * @param kind - count, sum, mean, variance or stddev.
 * @param input - budget, bounds, contribution bounds, confidence, split.
 * @returns the plan; its `guarantee` is what the release will state.
 * @throws DpError INVALID_PARAMETER when a parameter is invalid or the release could not be finite.
 * @privacy none (reads no data).
 * @example
 * planAggregate('mean', { bounds: [0, 100], budget: { epsilon: 1 } }).guarantee; // { kind: 'pure', epsilon: 1 }
 */
export function planAggregate(kind: AggregateKind, input: AggregatePlanInput): AggregatePlan {
  edgeRecord(input, 'input');
  const confidence = checkConfidence(input.confidence ?? 0.95);
  const grid = gridOf(kind, () => {
    if (input.bounds === undefined) throw new DpError('INVALID_PARAMETER', `a ${kind} needs bounds`, { parameter: 'bounds' });
    return input.bounds;
  });
  const g = grid?.granularity ?? 1;
  const d = BigInt(grid?.maxUnits ?? 1);
  const widening = kind === 'sum' ? (input.widening ?? 0n) : 0n;
  const shapes = shapesOf(kind, d, g, widening);
  const budgets = shapes.length === 1 ? [input.budget] : splitBudget(input.budget, input.split ?? shapes.map(() => 1));
  if (budgets.length !== shapes.length) {
    throw new DpError('INVALID_PARAMETER', `split must have ${shapes.length} weights`, { parameter: 'split' });
  }
  const { partitions } = readBounding(input);
  const parts = shapes.map(([perRow, unit], i): NoisePart => {
    // The widening is per partition: a unit moves each of its partitions' sums by at most perPartition.
    const perPartition = sumSensitivity(perRow - widening, input).perPartition + widening;
    const budget = budgets[i];
    if (budget === undefined) throw new DpError('INTERNAL', 'a part has no budget', {});
    const noise = calibrateNoise(budget, {
      l1: partitions * perPartition,
      l2Squared: partitions * perPartition * perPartition,
    });
    // What one unit can move the released values by must be a finite double, and so must the noise.
    if (!Number.isFinite(Number(partitions * perPartition) * unit * 4)) {
      throw new DpError('INVALID_PARAMETER', 'bounds times contributions overflow the double range: narrow the bounds', {
        parameter: 'bounds',
      });
    }
    checkFiniteInValueUnits(noise, unit, confidence);
    return { noise, perPartition, unit };
  });
  const only = parts.length === 1 ? parts[0] : undefined;
  const guarantee = only ? only.noise.guarantee : composeLosses(parts.map((p) => p.noise.guarantee));
  return { kind, grid, parts, guarantee, confidence };
}

/**
 * The `index`-th noisy part of a plan (count, sum, sum of squares, in that order).
 * @param plan - a plan.
 * @param index - the part.
 * @returns the part.
 * @throws DpError INTERNAL when the plan has no such part (a plan of another kind).
 */
export function partOf(plan: AggregatePlan, index: number): NoisePart {
  const p = plan.parts[index];
  if (p === undefined) throw new DpError('INTERNAL', `a ${plan.kind} plan has no part ${index}`, {});
  return p;
}
