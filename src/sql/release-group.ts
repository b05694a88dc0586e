/**
 * The release parameters of a DP SQL query's aggregate outputs, built ONCE
 * (`tableOutputs`) and used twice: before the charge, to run the statistics
 * layer's parameter checks (`planTableOutputs`), and after it, as the outputs
 * of the one per-group release loop, stats' `releaseTable`
 * (`release-through-table.ts`). So the release that runs is the release that
 * was checked, and nothing public is checked after the charge.
 *
 * Each output gets its share of the budget (ε, or ρ with Gaussian noise),
 * its clamp bounds, its confidence level, and — for a quantile — the share of
 * its own budget that buys its interval: the statistics layer's quantile
 * release (`releaseQuantile` with `intervalShare`: the value by one
 * exponential mechanism, each interval end by another, aimed a public number
 * of ranks below and above; src/stats/quantile-interval.proof.md), over the
 * histogram's grid (one bin per integer for a narrow integer column,
 * `quantileGrid`), reported as an integer for an integer column.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { Rational } from '../numeric/rational.js';
import type { OutputBudget } from '../stats/release-aggregates.js';
import { checkQuantileParameters } from '../stats/release-quantiles.js';
import type { TableOutput } from '../stats/release-table.js';
import { keptMeasurement } from '../stats/release-table-measurement.js';
import type { BudgetSplit } from './budget-split.js';
import type { CompiledDpQuery } from './compile.js';
import { QUANTILE_BINS_FALLBACK } from './dp-sql-types.js';
import type { QueryPlan } from './plan.js';
import { aggregatesIn } from './plan-query.js';

/** The aggregate outputs as `releaseTable` outputs, and which plan output each one is. */
export interface SqlTableOutputs {
  /** One per aggregate output of the plan, in plan order; `name` is the plan output's index. */
  readonly outputs: readonly TableOutput[];
  /** `outputs[j]` releases `plan.outputs[planIndex[j]]`. */
  readonly planIndex: readonly number[];
}

/** An output's share of the budget as the statistics layer reads it (rounded down: never more than the share). */
function budgetOf(share: Rational, noise: 'laplace' | 'gaussian'): OutputBudget {
  return noise === 'gaussian' ? { rho: share.toNumberDown() } : { epsilon: share.toNumberDown() };
}

/**
 * Builds every aggregate output's release parameters from public values only.
 * @param plan - the plan.
 * @param split - the budget split (each output's share, the noise).
 * @param compiled - the compiled query (where each output's exact inputs are; histogram bins).
 * @param levels - the confidence level of each plan output.
 * @param intervalShare - the share of a quantile's budget that buys its interval (0: none).
 * @returns the outputs and their plan indices.
 * @throws DpError INTERNAL on an inconsistent compiled query.
 * @privacy reads no data.
 */
export function tableOutputs(
  plan: QueryPlan,
  split: BudgetSplit,
  compiled: CompiledDpQuery,
  levels: readonly number[],
  intervalShare: number,
): SqlTableOutputs {
  const outputs: TableOutput[] = [];
  const planIndex: number[] = [];
  plan.outputs.forEach((o, i) => {
    if (o.kind !== 'aggregate') return;
    const inputs = compiled.inputs[i];
    const share = split.outputs[i];
    const confidence = levels[i];
    if (!inputs || !share || confidence === undefined) throw new DpError('INTERNAL', 'inconsistent compiled query');
    const base = { name: String(i), budget: budgetOf(share, split.noise), confidence };
    const a = o.aggregate;
    switch (inputs.kind) {
      case 'count':
        // By the aggregate, not by the column: row-level, COUNT(*) reads the `units` column too (stop 19) and stays a
        // count (its contribution bound C), as before.
        outputs.push({ ...base, kind: a.kind === 'countUnits' ? 'countDistinct' : 'count' });
        break;
      case 'sum':
      case 'mean':
        outputs.push({ ...base, kind: inputs.kind, bounds: inputs.bounds });
        break;
      case 'variance':
        outputs.push({ ...base, kind: a.kind === 'variance' && a.stddev ? 'stddev' : 'variance', bounds: inputs.bounds });
        break;
      case 'quantile':
        outputs.push({
          kind: 'quantiles',
          names: [base.name],
          quantiles: [a.kind === 'quantile' ? a.p : 0.5],
          budget: base.budget,
          confidence,
          bounds: inputs.bounds,
          bins: compiled.histograms[inputs.histogram]?.bins ?? QUANTILE_BINS_FALLBACK,
          intervalShare,
          integer: inputs.integer,
          // The histogram holds the non-empty bins of the fine grid (quantile-grid.ts): released from them alone.
          sparse: true,
        });
        break;
      default: {
        const never: never = inputs;
        throw new DpError('INTERNAL', `unknown output ${JSON.stringify(never)}`);
      }
    }
    planIndex.push(i);
  });
  return { outputs, planIndex };
}

/**
 * Runs the statistics layer's parameter checks on every output exactly as `releaseTable` will release it, BEFORE
 * the charge, so that a release it would refuse is refused uncharged (review finding 5).
 * @param t - the outputs (`tableOutputs`).
 * @param partitions - partitions per unit the noise is calibrated for.
 * @param contributions - contributions per partition.
 * @throws DpError INVALID_PARAMETER when the statistics layer would refuse a release.
 * @privacy reads no data.
 */
export function planTableOutputs(t: SqlTableOutputs, partitions: number, contributions: number): void {
  for (const o of t.outputs) {
    const base = { budget: o.budget, maxPartitions: partitions, maxContributionsPerPartition: contributions, confidence: o.confidence };
    switch (o.kind) {
      // The measurement releaseTable will release through (its plan's checks and more), built now from public
      // parameters and kept (release-table-measurement.ts): the release after the charge finds it built.
      case 'count':
        keptMeasurement('count', base);
        break;
      case 'countDistinct':
        keptMeasurement('count', { ...base, maxContributionsPerPartition: 1 });
        break;
      case 'sum':
      case 'mean':
      case 'variance':
      case 'stddev':
        keptMeasurement(o.kind, { ...base, bounds: o.bounds });
        break;
      case 'quantiles':
        planQuantile(o, base);
        break;
      default: {
        const never: never = o;
        throw new DpError('INTERNAL', `unknown output ${JSON.stringify(never)}`);
      }
    }
  }
}

/** The checks of a quantile's release (value and interval ends) exactly as `releaseTable` runs it (`releaseQuantile`). */
function planQuantile(
  o: Extract<TableOutput, { kind: 'quantiles' }>,
  base: { budget: OutputBudget; maxPartitions: number; maxContributionsPerPartition: number; confidence?: number },
): void {
  checkQuantileParameters({
    ...base,
    bounds: o.bounds,
    bins: o.bins,
    quantiles: o.quantiles,
    intervalShare: o.intervalShare ?? 0,
    sparse: o.sparse === true,
  });
}

/**
 * The confidence level each output is released at. A derived output gets an interval at the stated level by a
 * union bound: each hidden aggregate it reads (not printed, so its own level is free) is released at
 * 1 − (1 − level)/m, m = the aggregates it reads. A derived output that reads a printed aggregate gets no interval.
 */
export function outputLevels(plan: QueryPlan, confidence: number): { levels: number[]; derivedHasInterval: boolean[] } {
  const levels = plan.outputs.map(() => confidence);
  const derivedReads = plan.outputs.map((o) => (o.kind === 'derived' ? [...aggregatesIn(o.expr, plan.outputs)] : []));
  const derivedHasInterval = plan.outputs.map(
    (o, i) =>
      o.kind === 'derived' &&
      (derivedReads[i] ?? []).length > 0 &&
      (derivedReads[i] ?? []).every((j) => {
        const a = plan.outputs[j];
        return a?.kind === 'aggregate' && a.hidden === true;
      }),
  );
  const raised: (number | undefined)[] = plan.outputs.map(() => undefined);
  plan.outputs.forEach((_, i) => {
    if (!derivedHasInterval[i]) return;
    const reads = derivedReads[i] ?? [];
    for (const j of reads) raised[j] = Math.max(raised[j] ?? 0, 1 - (1 - confidence) / reads.length);
  });
  return { levels: levels.map((l, j) => raised[j] ?? l), derivedHasInterval };
}

/**
 * Every aggregate output's release parameters, built once from public values (`tableOutputs`) and checked by the
 * statistics layer (`planTableOutputs`) — so that a release it would refuse is refused before the charge, and the
 * release after the charge runs with exactly these parameters.
 * @throws DpError INVALID_PARAMETER
 */
export function planReleases(
  plan: QueryPlan,
  split: BudgetSplit,
  compiled: CompiledDpQuery,
  confidence: number,
  intervalShare: number,
): SqlTableOutputs {
  const outputs = tableOutputs(plan, split, compiled, outputLevels(plan, confidence).levels, intervalShare);
  planTableOutputs(outputs, split.partitions, plan.privacy.maxContributionsPerPartition);
  return outputs;
}
