/**
 * Every value DP SQL treats as public, recorded through the statistics layer's
 * `tracePublicParameter` (the one entry point for public values, read by
 * grey-box audits): what was not noised must be something the threat model
 * calls public — the schema's declarations and the analyst's own parameters,
 * never a value read from the data. Recorded before the charge.
 *
 * Recorded: the privacy unit, the contribution bounds (maxPartitions,
 * maxContributionsPerPartition) and the partitions the noise is calibrated
 * for; the data set's and the analyst's budget caps; the charge and partition
 * selection's share; per aggregate output its share, its clamp bounds, its
 * confidence level and (quantiles) its bins, grid bounds, integer rounding and interval share; per group key
 * its declared categories (or that it has none: DP partition selection).
 * The declared key combinations released are recorded again where they are
 * used (`release-through-table.ts`).
 * @module
 */
import { tracePublicParameter } from '../stats/public-parameters.js';
import type { BudgetSplit } from './budget-split.js';
import type { QueryPlan } from './plan.js';
import type { SqlTableOutputs } from './release-group.js';
import type { ExactBudget } from './schema.js';

const budgetText = (b: ExactBudget) => ({ epsilon: b.epsilon.toString(), delta: b.delta.toString() });

/**
 * Records the public values of one DP SQL query.
 * @param plan - the plan (privacy unit, bounds, keys, outputs).
 * @param split - the budget split.
 * @param outputs - the release parameters of the aggregate outputs (`tableOutputs`).
 * @param caps - the data set's cap and, when analysts are modelled, the analyst's.
 * @privacy records only declared or analyst-given values; reads no data.
 */
export function tracePublics(
  plan: QueryPlan,
  split: BudgetSplit,
  outputs: SqlTableOutputs,
  caps: { readonly dataset: ExactBudget; readonly analyst?: ExactBudget },
): void {
  const p = plan.privacy;
  tracePublicParameter('sql.privacyUnit', p.rowLevel ? 'row' : p.unit);
  tracePublicParameter('sql.maxPartitions', p.maxPartitions);
  tracePublicParameter('sql.maxContributionsPerPartition', p.maxContributionsPerPartition);
  tracePublicParameter('sql.partitions', split.partitions);
  tracePublicParameter('sql.cap', budgetText(caps.dataset));
  if (caps.analyst) tracePublicParameter('sql.analystCap', budgetText(caps.analyst));
  tracePublicParameter('sql.charge', {
    epsilon: split.charge.epsilon.toString(),
    delta: split.charge.delta.toString(),
    rho: split.charge.rho.toString(),
  });
  if (split.bounding)
    tracePublicParameter(`sql.boundingReport.${split.noise === 'gaussian' ? 'rho' : 'epsilon'}`, split.bounding.toString());
  if (split.selection)
    tracePublicParameter('sql.selection', { epsilon: split.selection.epsilon.toString(), delta: split.selection.delta.toString() });
  for (const k of plan.groupBy) tracePublicParameter(`sql.key.${k.name}.categories`, k.categories ?? 'none: DP partition selection');
  plan.outputs.forEach((o, i) => {
    if (o.kind !== 'aggregate') return;
    tracePublicParameter(`sql.output.${o.name}.${split.noise === 'gaussian' ? 'rho' : 'epsilon'}`, split.outputs[i]?.toString());
    const a = o.aggregate;
    if ('measure' in a) tracePublicParameter(`sql.output.${o.name}.bounds`, [a.measure.lower, a.measure.upper]);
  });
  outputs.outputs.forEach((t, j) => {
    const o = plan.outputs[outputs.planIndex[j] ?? -1];
    if (!o) return;
    tracePublicParameter(`sql.output.${o.name}.confidence`, t.confidence);
    if (t.kind === 'quantiles') {
      tracePublicParameter(`sql.output.${o.name}.bins`, t.bins);
      tracePublicParameter(`sql.output.${o.name}.grid`, t.bounds);
      tracePublicParameter(`sql.output.${o.name}.integer`, t.integer === true);
      tracePublicParameter(`sql.output.${o.name}.intervalShare`, t.intervalShare ?? 0);
    }
  });
}
