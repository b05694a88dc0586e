/**
 * A grouped DP aggregation over a data source, in one pass (two when some
 * bounds are estimated): contribution bounding per privacy unit, the value
 * rule, clamping, exact sums, then the per-group releases of `releaseTable`.
 *
 * The neighbouring relation is always **add or remove one privacy unit with
 * all its rows** (Tumult's `AddRowsWithID`); without a unit column each row is
 * its own unit. Because bounding runs inside, the guarantee holds whatever the
 * unit's raw number of rows; the stated bounds are what it is cut to.
 *
 * Parts: `query-spec.ts` (the query as public parameters and its checks),
 * `bound-in-memory.ts` (bounding a table up front), `query-pass.ts` (the
 * one-pass aggregator), `query-measurement.ts` (the query as a Measurement).
 * @module
 */
import { edgeKind, edgeRecord } from '../numeric/edge.js';
import { defaultRandomSource, type RandomSource } from '../random/source.js';
import { boundInMemory } from './bound-in-memory.js';
import type { DataSource, InMemoryTable } from './data-source.js';
import { QueryPass, type Visitor } from './query-pass.js';
import { type AggregateQueryResult, type AggregateQuerySpec, partitionKeyOf, prepare, type QueryBudgetPlan } from './query-spec.js';
import { readCell, readField } from './value-rules.js';

export {
  type AggregateQueryResult,
  type AggregateQuerySpec,
  type AggregateSpec,
  checkAggregateQuery,
  describeNeighbouring,
  type NeighbouringRelation,
  type QueryBudgetPlan,
} from './query-spec.js';
export type { AggregateRow } from './release-table.js';

/**
 * Runs a query over an in-memory table (synchronous).
 * @param source - the table (private).
 * @param spec - the query.
 * @param plan - the budget of each output (and partition selection's).
 * @param rng - randomness (CSPRNG by default).
 * @returns the released rows, the guarantee and the neighbouring relation.
 * @throws DpError INVALID_PARAMETER / UNSUPPORTED_QUERY / INTERNAL
 * @privacy the composition of the plan's budgets under add/remove one unit (see `makeAggregateQueryMeasurement`, which callers charge).
 */
export function runAggregateQuery(
  source: InMemoryTable,
  spec: AggregateQuerySpec,
  plan: QueryBudgetPlan,
  rng: RandomSource = defaultRandomSource(),
): AggregateQueryResult {
  edgeRecord(source, 'source');
  edgeRecord(spec, 'spec');
  edgeRecord(plan, 'plan');
  const prepared = prepare(spec, plan);
  const unitCol = spec.privacyUnit ? source.column(spec.privacyUnit) : undefined;
  const keyCol = spec.groupBy ? source.column(spec.groupBy) : undefined;
  const columns = new Map<string, ArrayLike<unknown>>();
  for (const a of spec.aggregates) if ('column' in a && !columns.has(a.column)) columns.set(a.column, source.column(a.column));
  let keep: Uint8Array | undefined;
  let preBounded: Map<string, number> | undefined;
  if (unitCol) {
    // In memory, bounding is done once, up front, by uniform selection per unit (partial Fisher–Yates),
    // which keeps the same distribution as the streaming reservoirs.
    const parts = new Array<string | undefined>(source.length);
    for (let i = 0; i < source.length; i++) parts[i] = partitionKeyOf(prepared, keyCol ? readCell(keyCol, i) : undefined);
    const bounded = boundInMemory(unitCol, parts, prepared.neighbouring, rng);
    keep = bounded.keep;
    preBounded = bounded.unitsPerPartition;
  }
  const scan = (visit: Visitor) => {
    let i = 0;
    const get = (name: string) => {
      const c = columns.get(name);
      return c === undefined ? undefined : readCell(c, i);
    };
    for (i = 0; i < source.length; i++) {
      if (keep && keep[i] === 0) continue;
      visit(get, unitCol ? readCell(unitCol, i) : i, keyCol ? readCell(keyCol, i) : undefined);
    }
  };
  const pass = new QueryPass(prepared, rng, preBounded);
  if (pass.needsBounds) scan(pass.boundsVisitor());
  pass.finishBounds();
  scan(pass.mainVisitor());
  return pass.finish();
}

/**
 * Runs a query over any source (stream sources, e.g. CSV files, are read twice when bounds are estimated).
 * @param source - the data source (private).
 * @param spec - the query.
 * @param plan - the budget of each output (and partition selection's).
 * @param rng - randomness (CSPRNG by default).
 * @returns as `runAggregateQuery`.
 * @throws DpError INVALID_PARAMETER / UNSUPPORTED_QUERY / INTERNAL
 * @privacy as `runAggregateQuery`.
 */
export async function runAggregateQueryAsync(
  source: DataSource,
  spec: AggregateQuerySpec,
  plan: QueryBudgetPlan,
  rng: RandomSource = defaultRandomSource(),
): Promise<AggregateQueryResult> {
  edgeKind(source, 'source');
  edgeRecord(spec, 'spec');
  edgeRecord(plan, 'plan');
  if (source.kind === 'memory') return runAggregateQuery(source, spec, plan, rng);
  const prepared = prepare(spec, plan);
  const run = new QueryPass(prepared, rng);
  const pass = async (visit: Visitor) => {
    let i = 0;
    for await (const record of source.rows()) {
      const get = (c: string) => readField(record, c);
      const unit = spec.privacyUnit ? readField(record, spec.privacyUnit) : i;
      visit(get, unit, spec.groupBy ? readField(record, spec.groupBy) : undefined);
      i++;
    }
  };
  if (run.needsBounds) await pass(run.boundsVisitor());
  run.finishBounds();
  await pass(run.mainVisitor());
  return run.finish();
}
