/**
 * A grouped aggregate query as public parameters: what is asked
 * (`AggregateQuerySpec`), the budget of each output (`QueryBudgetPlan`), the
 * neighbouring relation its guarantee is stated for, and the checks of all of
 * it that run before anything is charged (`checkAggregateQuery`). Reads no data.
 * @module
 */

import { DpError } from '../core/errors.js';
import type { ExactLoss } from '../core/exact-loss.js';
import { type PrivacyLoss, zcdp } from '../core/loss.js';
import { describePrivacyUnit, type PrivacyUnit, privacyUnit } from '../core/privacy-unit.js';
import { edgeArray, edgeRecord } from '../numeric/edge.js';
import { type OutputBudget, readBudget, splitBudget } from './_internal/noise.js';
import { planAggregate } from './aggregate-plan.js';
import { checkBounds } from './fixed-point-grid.js';
import { makePartitionSelector } from './partition-selection.js';
import { tracePublicParameter } from './public-parameters.js';
import { DEFAULT_QUANTILE_BINS } from './quantile-common.js';
import { checkQuantileParameters } from './release-quantiles.js';
import type { AggregateRow } from './release-table.js';
import { checkInvalidValueRule, type InvalidValueRule, keyText } from './value-rules.js';

/** One requested aggregate. */
export type AggregateSpec =
  | { readonly kind: 'count'; readonly name: string }
  | { readonly kind: 'countDistinct'; readonly name: string }
  | {
      readonly kind: 'sum' | 'mean' | 'variance' | 'stddev';
      readonly name: string;
      readonly column: string;
      /** Declared bounds; absent = estimated with DP (`boundsShare` of this output's budget). */
      readonly bounds?: readonly [number, number];
      readonly onInvalid?: InvalidValueRule;
    }
  | {
      readonly kind: 'quantiles';
      /** One name per quantile. */
      readonly names: readonly string[];
      readonly column: string;
      readonly quantiles: readonly number[];
      readonly bounds?: readonly [number, number];
      readonly bins?: number;
      /** For a single quantile: share of its budget spent on a tree for the interval (default 0: the bounds). */
      readonly intervalShare?: number;
      /** The column holds integers (declared): integer quantiles. */
      readonly integer?: boolean;
      readonly onInvalid?: InvalidValueRule;
    };

/** A grouped aggregation. */
export interface AggregateQuerySpec {
  /** Column of the privacy unit; absent = each row is its own unit. */
  readonly privacyUnit?: string;
  /** Group-by column; absent = one group. */
  readonly groupBy?: string;
  /** Declared public keys (all released, even empty); absent with a groupBy = DP partition selection. */
  readonly keys?: readonly (string | number | boolean | null)[];
  readonly maxPartitions?: number;
  readonly maxContributionsPerPartition?: number;
  readonly aggregates: readonly AggregateSpec[];
  /** Share of an output's budget spent on estimating its bounds when none are declared. Default 0.25. */
  readonly boundsShare?: number;
  /** Method of partition selection. Default 'truncated-geometric'. */
  readonly partitionSelection?: 'truncated-geometric' | 'laplace' | 'gaussian';
}

/**
 * The budget plan of a query, in core's one loss type (`ExactLoss`, what is
 * charged, spent and left): what each output may spend, in order, and what
 * partition selection spends when keys are not declared. An output's loss is
 * pure `{ε, 0, 0}` (discrete Laplace) or zCDP `{0, 0, ρ}` (discrete Gaussian);
 * selection's is `{ε, δ, 0}`.
 */
export interface QueryBudgetPlan {
  /** Loss per aggregate spec, in order. */
  readonly outputs: readonly ExactLoss[];
  /** (ε, δ) of partition selection, when keys are not declared. */
  readonly selection?: ExactLoss;
}

/**
 * The noise budget an output of a plan is calibrated to: `{ rho }` when its
 * loss is ρ-zCDP, else `{ epsilon }`; each amount rounded DOWN to a double (the
 * noise is calibrated to at most the planned loss, and the query's privacy map
 * is computed from these same budgets).
 * @throws DpError INVALID_PARAMETER for a loss with δ, or with both ε and ρ (an output has one kind of noise).
 */
export function budgetOfLoss(loss: ExactLoss): OutputBudget {
  if (!loss.delta.isZero() || (!loss.rho.isZero() && !loss.epsilon.isZero())) {
    throw new DpError('INVALID_PARAMETER', 'an output spends pure ε or ρ, not a mix or δ', { parameter: 'budget' });
  }
  return loss.rho.isZero() ? { epsilon: loss.epsilon.toNumberDown() } : { rho: loss.rho.toNumberDown() };
}

/**
 * Partition selection's (ε, δ) from a plan, as doubles rounded down.
 * @throws DpError INTERNAL when the plan has none.
 */
export function selectionOf(plan: QueryBudgetPlan): { epsilon: number; delta: number } {
  if (!plan.selection) throw new DpError('INTERNAL', 'group keys are not declared and the plan has no partition selection', {});
  return { epsilon: plan.selection.epsilon.toNumberDown(), delta: plan.selection.delta.toNumberDown() };
}

/** The neighbouring relation a guarantee is stated for. */
export interface NeighbouringRelation extends PrivacyUnit {
  readonly kind: 'add-remove-unit';
  /** The unit column, or 'row' when each row is its own unit (for display; `column` is the core `PrivacyUnit`'s). */
  readonly unit: string;
  /** In words (`describePrivacyUnit`). */
  readonly description: string;
}

/** The result of a query. */
export interface AggregateQueryResult {
  readonly rows: readonly AggregateRow[];
  /** Total loss of the query (all outputs, bounds estimation, partition selection). */
  readonly guarantee: PrivacyLoss;
  readonly neighbouring: NeighbouringRelation;
  /** Bounds used per output (by its first name), and whether they were estimated with DP. */
  readonly bounds: Readonly<Record<string, { readonly bounds: readonly [number, number]; readonly estimated: boolean }>>;
  /** Present when a seeded source was used: not for release. */
  readonly notForRelease?: true;
}

/** Validates a spec (public parameters only) and returns the neighbouring relation. */
export function describeNeighbouring(spec: AggregateQuerySpec): NeighbouringRelation {
  edgeRecord(spec, 'spec');
  // Core's one privacy-unit type, validated once here (without a unit column each row is its own unit: bounds 1).
  const u = spec.privacyUnit
    ? privacyUnit(spec.privacyUnit, {
        maxPartitions: spec.maxPartitions ?? 1,
        maxContributionsPerPartition: spec.maxContributionsPerPartition ?? 1,
      })
    : privacyUnit(null);
  return {
    kind: 'add-remove-unit',
    column: u.column,
    unit: u.column ?? 'row',
    maxPartitions: u.maxPartitions,
    maxContributionsPerPartition: u.maxContributionsPerPartition,
    description: describePrivacyUnit(u),
  };
}

/** A group key as declared. */
export type Key = string | number | boolean | null;

/** Bounds estimated with DP lie within the log histogram's range, ±2⁶³: the worst case a plan is checked with. */
export const WORST_ESTIMATED_BOUNDS: readonly [number, number] = [-(2 ** 63), 2 ** 63];

/**
 * Checks a query and its budget plan from public parameters only, as the
 * release will use them — every output's grid and noise (with the worst
 * bounds DP estimation can return when bounds are not declared), the bounds
 * estimation's noise and partition selection — so that a query that cannot
 * give a finite, valid release is refused before anything is charged.
 * @throws DpError INVALID_PARAMETER / UNSUPPORTED_QUERY / INTERNAL
 * @privacy none (reads no data).
 */
export function checkAggregateQuery(spec: AggregateQuerySpec, plan: QueryBudgetPlan): void {
  edgeRecord(spec, 'spec');
  edgeRecord(plan, 'plan');
  const { neighbouring } = prepare(spec, plan);
  const bounding = {
    maxPartitions: neighbouring.maxPartitions,
    maxContributionsPerPartition: neighbouring.maxContributionsPerPartition,
  };
  const boundsShare = spec.boundsShare ?? 0.25;
  if (!(boundsShare > 0 && boundsShare < 1)) {
    throw new DpError('INVALID_PARAMETER', 'boundsShare must be in (0, 1)', { parameter: 'boundsShare' });
  }
  spec.aggregates.forEach((a, index) => {
    let budget = outputBudget(plan, index);
    if (a.kind === 'count' || a.kind === 'countDistinct') {
      planAggregate('count', { budget, ...bounding, ...(a.kind === 'countDistinct' ? { maxContributionsPerPartition: 1 } : {}) });
      return;
    }
    let bounds = a.bounds;
    if (bounds === undefined) {
      const { boundsBudget, rest } = splitBoundsBudget(budget, boundsShare);
      boundsEpsilon(boundsBudget, neighbouring.maxPartitions * neighbouring.maxContributionsPerPartition);
      budget = rest;
      bounds = WORST_ESTIMATED_BOUNDS;
    }
    if (a.kind === 'quantiles') {
      checkQuantileParameters({
        bounds,
        bins: a.bins ?? DEFAULT_QUANTILE_BINS,
        quantiles: a.quantiles,
        budget,
        ...bounding,
        ...(a.quantiles.length === 1 ? { intervalShare: a.intervalShare ?? 0 } : {}),
      });
      return;
    }
    planAggregate(a.kind, { budget, bounds, ...bounding });
  });
  if (plan.selection) {
    makePartitionSelector({
      ...selectionOf(plan),
      maxPartitions: neighbouring.maxPartitions,
      method: spec.partitionSelection ?? 'truncated-geometric',
    });
  }
}

/** The pure ε the bounds estimation runs with, from its share of an output's budget. @throws DpError INVALID_PARAMETER */
export function boundsEpsilon(budget: OutputBudget, rowsPerUnit: number): { epsilon: number; loss: PrivacyLoss | undefined } {
  const b = readBudget(budget);
  const epsilon = b.kind === 'zcdp' ? Math.sqrt(2 * b.rho) * (1 - 1e-12) : b.epsilon;
  if (!(epsilon > 0 && rowsPerUnit / epsilon <= 2 ** 64)) {
    throw new DpError('INVALID_PARAMETER', 'the budget is too small to estimate bounds: declare bounds or raise the budget', {
      parameter: 'budget',
    });
  }
  return { epsilon, loss: b.kind === 'zcdp' ? zcdp(b.rho) : undefined };
}

/**
 * The budget of output `index` in a plan.
 * @throws DpError INTERNAL when the plan has no such output.
 */
export function outputBudget(plan: QueryBudgetPlan, index: number): OutputBudget {
  const b = plan.outputs[index];
  if (b === undefined) throw new DpError('INTERNAL', 'budget plan does not match the aggregates', {});
  return budgetOfLoss(b);
}

/** Splits an output's budget between estimating its bounds (`share`) and releasing it. */
export function splitBoundsBudget(budget: OutputBudget, share: number): { boundsBudget: OutputBudget; rest: OutputBudget } {
  const [boundsBudget, rest] = splitBudget(budget, [share, 1 - share]);
  if (boundsBudget === undefined || rest === undefined) throw new DpError('INTERNAL', 'a budget split lost a part', {});
  return { boundsBudget, rest };
}

/** A query checked and ready to run: its spec, plan, relation and declared keys. */
export interface Prepared {
  spec: AggregateQuerySpec;
  plan: QueryBudgetPlan;
  neighbouring: NeighbouringRelation;
  declared?: Map<string, Key>;
}

/**
 * Validates what a run needs from the spec and plan (bounds, value rules, keys or a selection) and traces the
 * declared keys as public.
 * @throws DpError INVALID_PARAMETER / UNSUPPORTED_QUERY / INTERNAL
 */
export function prepare(spec: AggregateQuerySpec, plan: QueryBudgetPlan): Prepared {
  const neighbouring = describeNeighbouring(spec);
  edgeArray(spec.aggregates, 'spec.aggregates');
  edgeRecord(plan, 'plan');
  edgeArray(plan.outputs, 'plan.outputs');
  if (plan.outputs.length !== spec.aggregates.length) {
    throw new DpError('INTERNAL', 'budget plan does not match the aggregates', {});
  }
  for (const a of spec.aggregates) {
    if ('bounds' in a && a.bounds !== undefined) checkBounds(a.bounds);
    if ('onInvalid' in a) checkInvalidValueRule(a.onInvalid);
  }
  let declared: Map<string, Key> | undefined;
  if (spec.groupBy && spec.keys) {
    declared = new Map();
    for (const k of spec.keys) declared.set(keyText(k) ?? '', k);
    tracePublicParameter('keys', spec.keys);
  } else if (spec.groupBy && !plan.selection) {
    throw new DpError('UNSUPPORTED_QUERY', 'group keys are not declared: declare them or give a delta for DP partition selection', {
      construct: 'groupBy',
      hint: 'groupBy(column, { keys: [...] }) or release({ epsilon, delta })',
    });
  }
  return declared ? { spec, plan, neighbouring, declared } : { spec, plan, neighbouring };
}

/** The partition text of a row's group key, or undefined when the row is dropped (no key, or not declared). */
export function partitionKeyOf(prepared: Prepared, key: unknown): string | undefined {
  if (!prepared.spec.groupBy) return '';
  const k = keyText(key);
  if (k === undefined) return undefined;
  if (prepared.declared && !prepared.declared.has(k)) return undefined;
  return k;
}
