/**
 * A grouped aggregate query as a measurement of the calculus (core's
 * `defineTransformation` / `defineMeasurement` / `chain`): contribution
 * bounding (a transformation, stable in privacy units) followed by the
 * release of every output and of partition selection (a measurement whose
 * privacy map composes what each output's noise was calibrated to).
 *
 * The Session prices a query with this measurement's `privacyMap(1)` before it
 * reads any row, charges exactly that loss, and states that same loss as the
 * released guarantee; the query's budget split (what the plan says the query
 * costs) is compared with it, and a map above the plan is an INTERNAL error.
 * @module
 */
import { anyDomain } from '../core/domain.js';
import type { LossKind, PrivacyLoss } from '../core/loss.js';
import { chain, defineMeasurement, defineTransformation, type Measurement } from '../core/measurement.js';
import type { RandomSource } from '../random/source.js';
import { composeLosses } from './_internal/compose.js';
import {
  type AggregateQueryResult,
  type AggregateQuerySpec,
  checkAggregateQuery,
  describeNeighbouring,
  type QueryBudgetPlan,
  runAggregateQuery,
} from './aggregate-query.js';
import type { InMemoryTable } from './data-source.js';
import { chargedLoss } from './output-budget.js';
import { makePartitionSelector } from './partition-selection.js';
import { budgetOfLoss, selectionOf } from './query-spec.js';
import { groupLoss } from './release-measurement.js';

/**
 * The loss of a query at distance 1 (one privacy unit added or removed): the
 * composition of every output's budget (each output's noise is calibrated to
 * at most it) and, when keys are not declared, partition selection's (ε, δ).
 * @throws DpError INVALID_PARAMETER / UNSUPPORTED_QUERY on an invalid spec or plan.
 * @privacy none (reads no data).
 */
export function aggregateQueryLoss(spec: AggregateQuerySpec, plan: QueryBudgetPlan): PrivacyLoss {
  // The budgets the noise is calibrated to (each at most the planned loss), composed.
  const losses = plan.outputs.map((l) => chargedLoss(budgetOfLoss(l)));
  if (plan.selection) {
    const neighbouring = describeNeighbouring(spec);
    losses.push(
      makePartitionSelector({
        ...selectionOf(plan),
        maxPartitions: neighbouring.maxPartitions,
        method: spec.partitionSelection ?? 'truncated-geometric',
      }).guarantee,
    );
  }
  return composeLosses(losses);
}

/** A query measurement, with its loss at distance 1 (its `privacyMap(1)`). */
export interface AggregateQueryMeasurement extends Measurement<InMemoryTable, AggregateQueryResult, LossKind> {
  /** `privacyMap(1)`: what the query is charged and states as its guarantee. */
  readonly loss: PrivacyLoss;
}

/**
 * Builds the measurement of a grouped aggregate query over an in-memory table:
 * `chain(boundContributions, releaseOutputs)`. Validates everything public
 * (`checkAggregateQuery`) when built, so building it is the last step before
 * a charge.
 * @param spec - the query (public parameters).
 * @param plan - its budget per output (and partition selection's).
 * @returns a measurement whose `privacyMap(dIn)` is the loss for `dIn` units added or removed.
 * @throws DpError INVALID_PARAMETER / UNSUPPORTED_QUERY
 * @privacy `privacyMap(1)` = `aggregateQueryLoss(spec, plan)` under add/remove one unit.
 * @example
 * const m = makeAggregateQueryMeasurement(spec, plan);
 * m.privacyMap(1); // priced before anything touches data
 */
export function makeAggregateQueryMeasurement(spec: AggregateQuerySpec, plan: QueryBudgetPlan): AggregateQueryMeasurement {
  checkAggregateQuery(spec, plan);
  const neighbouring = describeNeighbouring(spec);
  const loss = aggregateQueryLoss(spec, plan);
  const units = anyDomain(`rows with privacy unit ${neighbouring.unit}`);
  const bounded = anyDomain(
    `rows, each ${neighbouring.unit} cut to ${neighbouring.maxPartitions}×${neighbouring.maxContributionsPerPartition}`,
  );
  // Bounding is stable in privacy units (one unit added or removed stays one unit); it is carried out inside the
  // release's single pass (uniform selection per unit), so the transformation passes the table through.
  const bound = defineTransformation<InMemoryTable, InMemoryTable>({
    name: 'bound contributions',
    inputDomain: units,
    outputDomain: bounded,
    inputMetric: 'symmetric-distance',
    outputMetric: 'symmetric-distance',
    invoke: (table) => table,
    stabilityMap: (dIn) => dIn,
  });
  const release = defineMeasurement<InMemoryTable, AggregateQueryResult, LossKind>({
    name: 'release outputs',
    inputDomain: bounded,
    inputMetric: 'symmetric-distance',
    outputMeasure: loss.kind,
    invoke: (table: InMemoryTable, rng: RandomSource) => runAggregateQuery(table, spec, plan, rng),
    privacyMap: (dIn) => groupLoss(loss, dIn),
  });
  const m = chain(bound, release) as Measurement<InMemoryTable, AggregateQueryResult, LossKind>;
  return { ...m, loss: m.privacyMap(1) };
}
