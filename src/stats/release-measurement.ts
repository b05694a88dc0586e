/**
 * The calculus under every statistics release (issue 10, "the calculus carries
 * the load"): each public release function (`releaseCount`, `releaseSum`,
 * `releaseMean`, …, `releaseQuantile(s)`, the column helpers `dpCount` …
 * `dpHistogram`, `releaseApproximateBounds`) is a core `Measurement` built
 * with `defineTransformation` / `defineMeasurement` / `chain`, and releases
 * through `releaseWith`, which
 *
 * 1. prices the release with the measurement's `privacyMap(1)` (public
 *    parameters only: nothing has been read or drawn yet);
 * 2. when a `PrivacyBudget` is passed (`spendFrom`), charges it exactly that
 *    loss — `BUDGET_EXHAUSTED` (nothing charged, no noise drawn) when it does
 *    not fit;
 * 3. runs the measurement and states that same loss as the released
 *    `guarantee` (and as `charged`, with the budget after the charge).
 *
 * ## Rule (closes the class "the charge, the guarantee and the map disagree")
 * A statistics release never composes its guarantee by hand: the guarantee and
 * the charge are one value, `measurement.privacyMap(1)`, taken before the data
 * is touched. The map of a noisy part is its calibrated noise's `lossAt(k)`
 * (exact rationals, rounded up, equal to the output budget at k = 1); parts
 * compose by `composeLosses`. Tests: test/stats/release-calculus.test.ts (one
 * per release function and a property test over random parameters).
 * @module
 */

import { PrivacyBudget } from '../core/budget.js';
import { anyDomain, type Domain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { approximate, checkLoss, type LossKind, type PrivacyLoss, pure, roundUpCost, zcdp } from '../core/loss.js';
import { defineMeasurement, defineTransformation, type Measurement, type Transformation } from '../core/measurement.js';
import { edgeArray, edgeFunction, edgeKind, edgeNumber, edgeOptionalRecord, edgeRecord, edgeString } from '../numeric/edge.js';
import { Rational } from '../numeric/rational.js';
import { defaultRandomSource, isSecureSource, type RandomSource } from '../random/source.js';
import { composeLosses } from './_internal/compose.js';

/** Spending options every release function takes. */
export interface SpendOptions {
  /**
   * A budget to spend from: the release charges it exactly its measurement's
   * `privacyMap(1)` before any noise is drawn, and returns the budget after the
   * charge as `budgetAfter` (a `PrivacyBudget` is immutable).
   */
  readonly spendFrom?: PrivacyBudget;
}

/** What a release that spent from a `PrivacyBudget` reports. */
export interface SpendRecord {
  /** Exactly what was charged: the measurement's `privacyMap(1)`, equal to the released `guarantee`. */
  readonly charged: PrivacyLoss;
  /** The budget after the charge. */
  readonly budgetAfter: PrivacyBudget;
}

/** A measurement's output released with its guarantee (and the charge, when a budget was passed). */
export interface MeasuredRelease<O> {
  readonly value: O;
  readonly guarantee: PrivacyLoss;
  readonly spend: SpendRecord | undefined;
  readonly notForRelease: boolean;
}

/** The contribution bounds a transformation is stable under. */
export interface UnitBounds {
  readonly maxPartitions?: number;
  readonly maxContributionsPerPartition?: number;
}

function describeUnits(o: UnitBounds): string {
  return `≤ ${o.maxPartitions ?? 1} partition(s) × ≤ ${o.maxContributionsPerPartition ?? 1} row(s) per unit`;
}

/**
 * The exact aggregate of bounded data, as the first step of a release: the
 * aggregates a database or an aggregator computed exactly after contribution
 * bounding. Stable in privacy units (one unit added or removed is one unit);
 * the sensitivity per unit is carried by the noise measurement that follows.
 * @param what - what the aggregate is (for the domain's description).
 * @param bounds - the contribution bounds it was computed under.
 * @param outputDomain - the domain of the aggregate, as the noise step expects it.
 * @returns the transformation (identity on the exact aggregate).
 * @privacy stability map d ↦ d (symmetric distance in privacy units).
 * @example
 * boundedAggregate<bigint>('count', { maxPartitions: 1 }, bigintDomain()).stabilityMap(1); // 1
 */
export function boundedAggregate<I>(what: string, bounds: UnitBounds, outputDomain: Domain): Transformation<I, I> {
  edgeString(what, 'what');
  edgeOptionalRecord(bounds, 'bounds');
  edgeKind(outputDomain, 'outputDomain');
  return defineTransformation<I, I>({
    name: `exact ${what}`,
    inputDomain: anyDomain(`exact ${what} of bounded data (${describeUnits(bounds)})`),
    outputDomain,
    inputMetric: 'symmetric-distance',
    outputMetric: 'symmetric-distance',
    invoke: (x) => x,
    stabilityMap: (d) => d,
  });
}

/**
 * A row-level transformation from a column to its exact aggregate (each row its
 * own privacy unit): stable, one row added or removed moves the aggregate's
 * input by one unit.
 * @param what - what it computes.
 * @param outputDomain - the domain of the aggregate (must fit the next step).
 * @param invoke - the exact computation.
 * @returns the transformation.
 * @privacy stability map d ↦ d (symmetric distance in rows).
 */
export function columnAggregate<I, O>(what: string, outputDomain: Domain, invoke: (column: I) => O): Transformation<I, O> {
  return defineTransformation<I, O>({
    name: what,
    inputDomain: anyDomain('a column (each row its own unit)'),
    outputDomain,
    inputMetric: 'symmetric-distance',
    outputMetric: 'symmetric-distance',
    invoke,
    stabilityMap: (d) => d,
  });
}

/**
 * The noisy step of a release: a measurement whose privacy map composes the
 * maps of its parts (`lossAt` of each calibrated noise, or any map in units).
 * @param name - the release.
 * @param inputDomain - the domain of its input (the bounded aggregate's).
 * @param parts - each part's privacy map in privacy units.
 * @param invoke - draws the noise and post-processes.
 * @returns the measurement.
 * @throws DpError INVALID_PARAMETER when a part's map refuses.
 * @privacy the basic composition of the parts' losses at the same distance.
 */
export function noisyRelease<I, O>(
  name: string,
  inputDomain: Domain,
  parts: readonly { lossAt(units: number): PrivacyLoss }[],
  invoke: (input: I, rng: RandomSource) => O,
): Measurement<I, O, LossKind> {
  edgeString(name, 'name');
  edgeKind(inputDomain, 'inputDomain');
  edgeArray(parts, 'parts');
  edgeFunction(invoke, 'invoke');
  const map = (units: number): PrivacyLoss => {
    const losses = parts.map((p) => p.lossAt(units));
    const [only] = losses;
    return losses.length === 1 && only !== undefined ? only : composeLosses(losses);
  };
  return defineMeasurement<I, O, LossKind>({
    name,
    inputDomain,
    inputMetric: 'symmetric-distance',
    outputMeasure: map(1).kind,
    invoke,
    privacyMap: map,
  });
}

/**
 * Group privacy: the loss at distance `k` from the loss at distance 1 — pure
 * kε; zCDP k²ρ; (ε, δ) becomes (kε, k·e^{(k−1)ε}·δ) (Dwork & Roth 2014,
 * Thm 2.2 and its approximate form), capped at δ = 1. Rounded up.
 */
export function groupLoss(loss: PrivacyLoss, k: number): PrivacyLoss {
  checkLoss(loss);
  edgeNumber(k, 'k');
  if (k === 0) return loss.kind === 'pure' ? pure(0) : loss.kind === 'zcdp' ? zcdp(0) : approximate(0, 0);
  if (k === 1) return loss;
  const times = (x: number, m: number) => Rational.fromNumber(x).mul(Rational.fromNumber(m)).toNumberUp();
  switch (loss.kind) {
    case 'pure':
      return pure(times(loss.epsilon, k));
    case 'zcdp':
      return zcdp(times(times(loss.rho, k), k));
    case 'approximate': {
      const delta = roundUpCost(k * Math.exp((k - 1) * loss.epsilon) * loss.delta);
      return approximate(times(loss.epsilon, k), Number.isFinite(delta) && delta < 1 ? delta : 1);
    }
    default:
      throw new DpError('INTERNAL', 'unknown loss kind', {});
  }
}

/** Reads `spendFrom`: a `PrivacyBudget` or absent. */
function readSpendFrom(x: unknown): PrivacyBudget | undefined {
  if (x === undefined) return undefined;
  if (!(x instanceof PrivacyBudget)) {
    throw new DpError('INVALID_PARAMETER', 'spendFrom must be a PrivacyBudget', { parameter: 'spendFrom' });
  }
  return x;
}

/**
 * Releases through a measurement: prices it (`privacyMap(1)`), charges a
 * passed budget exactly that (or refuses, having charged and drawn nothing),
 * runs it, and states the same loss as the guarantee.
 * @param measurement - the release's measurement.
 * @param input - its input (exact aggregates, or a column).
 * @param options - the randomness and the budget to spend from.
 * @returns the output, the guarantee, the charge record and whether it is not for release (a non-CSPRNG source).
 * @throws DpError BUDGET_EXHAUSTED (nothing charged) when the loss does not fit `spendFrom`; DOMAIN_MISMATCH when its kind cannot be charged there; INVALID_PARAMETER on a bad `spendFrom`.
 * @privacy the measurement's `privacyMap(1)` under add/remove one privacy unit.
 * @example
 * releaseWith(makeCountMeasurement({ budget: { epsilon: 1 } }), 10n, { spendFrom: PrivacyBudget.pure(1) }).spend?.charged;
 */
export function releaseWith<I, O>(
  measurement: Measurement<I, O, LossKind>,
  input: I,
  options: SpendOptions & { readonly rng?: RandomSource | undefined },
): MeasuredRelease<O> {
  edgeRecord(measurement, 'measurement');
  edgeFunction(measurement.privacyMap, 'measurement.privacyMap');
  edgeRecord(options, 'options');
  const spendFrom = readSpendFrom(options.spendFrom);
  const guarantee = measurement.privacyMap(1); // priced before anything touches data
  const budgetAfter = spendFrom?.charge(guarantee); // throws having changed nothing
  const rng = options.rng ?? defaultRandomSource();
  const value = measurement.invoke(input, rng);
  return {
    value,
    guarantee,
    spend: budgetAfter === undefined ? undefined : { charged: guarantee, budgetAfter },
    notForRelease: !isSecureSource(rng),
  };
}

/** The fields a release adds for its guarantee, its charge and its marking. */
export function releaseFields(r: MeasuredRelease<unknown>): {
  guarantee: PrivacyLoss;
  charged?: PrivacyLoss;
  budgetAfter?: PrivacyBudget;
  notForRelease?: true;
} {
  edgeRecord(r, 'r');
  return {
    guarantee: r.guarantee,
    ...(r.spend ? { charged: r.spend.charged, budgetAfter: r.spend.budgetAfter } : {}),
    ...(r.notForRelease ? { notForRelease: true as const } : {}),
  };
}
