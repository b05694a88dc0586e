/**
 * The one walk over a plan's outputs that both statement compilers share (`aggregateInputs`), and the column-writer
 * hook each implements (`AggregateColumns`).
 * @module
 */
import { DpError } from '../core/errors.js';
import { type FixedPointGrid, meanGrid, sumGrid, varianceGrid } from '../stats/fixed-point-grid.js';
import type { HistogramStatement, LinearUnits, OutputInputs } from './compiled-query.js';
import { measureBounds } from './finite-release.js';
import type { PlanExpr, PlanMeasure, QueryPlan } from './plan.js';
import { type QuantileGrid, quantileGrid, streamedQuantileGrid } from './quantile-grid.js';

/**
 * How one dialect's compiler writes the exact per-group columns of the aggregate outputs: the hook of
 * `aggregateInputs`, implemented by `compileDpQuery` (DuckDB, PostgreSQL) and by ClickHouse's compiler
 * (`dialects/clickhouse-compile.ts`). Each method returns the result column holding the value; asked again
 * for the same value (the same key), it returns the same column.
 */
export interface AggregateColumns {
  /** The column of the number of distinct units per group (COUNT(DISTINCT unit)). */
  readonly unitsColumn: string;
  /** COUNT(*): rows, at most C per unit and group. */
  rows(): string;
  /** COUNT(e): the non-NULL values of `e`, at most C per unit and group. */
  values(e: PlanExpr): string;
  /**
   * Σ grid units of the clamped measure on `grid` (`sumGrid` for SUM, `meanGrid` for AVG), clamped to ±C·maxUnits per
   * unit and group: one column, or (row-level linear sums) the SUM column with the affine map that gives the units.
   */
  sum(
    key: string,
    measure: PlanMeasure,
    grid: FixedPointGrid,
    of: 'sum' | 'mean',
  ): string | { readonly units: string; readonly linear: LinearUnits };
  /** Σ units and Σ units² on `grid` (`varianceGrid`), each bounded per unit and group. */
  moments(key: string, measure: PlanMeasure, grid: FixedPointGrid): { readonly units: string; readonly squares: string };
  /** The histogram statement of a quantile measure on its public grid. */
  histogram(measure: PlanMeasure, grid: QuantileGrid): HistogramStatement;
}

/** A sum's columns as `OutputInputs` fields. */
function unitsInputs(c: string | { readonly units: string; readonly linear: LinearUnits }): { units: string; linear?: LinearUnits } {
  return typeof c === 'string' ? { units: c } : { units: c.units, linear: c.linear };
}

/**
 * The one walk over a plan's outputs: which exact columns each aggregate needs (a mean its values' count and
 * sum on the mean grid, a variance its count, sum and sum of squares, a quantile a histogram), written by the
 * dialect's `columns`. Both statement compilers call it, so an aggregate is added in one place.
 * @param plan - the checked plan.
 * @param columns - the dialect compiler's column writer.
 * @param streamed - the dialect streams quantile histograms (`streamsQuantiles`): they use the fine grid.
 * @returns per output (null for keys and derived outputs) where its exact inputs are, and the histogram statements.
 * @throws DpError INTERNAL on an unknown aggregate kind.
 */
export function aggregateInputs(
  plan: QueryPlan,
  columns: AggregateColumns,
  streamed = false,
): { readonly inputs: readonly (OutputInputs | null)[]; readonly histograms: readonly HistogramStatement[] } {
  const inputs: (OutputInputs | null)[] = [];
  const histograms: HistogramStatement[] = [];
  for (const o of plan.outputs) {
    if (o.kind !== 'aggregate') {
      inputs.push(null);
      continue;
    }
    const a = o.aggregate;
    switch (a.kind) {
      case 'count':
        inputs.push({ kind: 'count', count: columns.rows() });
        break;
      case 'countValues':
        inputs.push({ kind: 'count', count: columns.values(a.arg) });
        break;
      case 'countUnits':
        inputs.push({ kind: 'count', count: columns.unitsColumn });
        break;
      case 'sum': {
        const bounds = measureBounds(a.measure);
        const units = unitsInputs(columns.sum(`sum:${JSON.stringify(a.measure)}`, a.measure, sumGrid(bounds), 'sum'));
        inputs.push({ kind: 'sum', ...units, bounds });
        break;
      }
      case 'mean': {
        const bounds = measureBounds(a.measure);
        const units = unitsInputs(columns.sum(`mean:${JSON.stringify(a.measure)}`, a.measure, meanGrid(bounds), 'mean'));
        inputs.push({ kind: 'mean', count: columns.values(a.measure.expr), ...units, bounds });
        break;
      }
      case 'variance': {
        const bounds = measureBounds(a.measure);
        const { units, squares } = columns.moments(`var:${JSON.stringify(a.measure)}`, a.measure, varianceGrid(bounds));
        inputs.push({ kind: 'variance', count: columns.values(a.measure.expr), units, squares, bounds });
        break;
      }
      case 'quantile': {
        // Streamed (DuckDB, PostgreSQL; `quantile-stream-sql.ts`): the fine grid; else the 4,096-bin grid (S64).
        const grid = streamed ? streamedQuantileGrid(a.measure) : quantileGrid(a.measure);
        inputs.push({ kind: 'quantile', histogram: histograms.length, bounds: grid.bounds, integer: grid.integer });
        histograms.push(columns.histogram(a.measure, grid));
        break;
      }
      default: {
        const never: never = a;
        throw new DpError('INTERNAL', `unknown aggregate ${JSON.stringify(never)}`);
      }
    }
  }
  return { inputs: Object.freeze(inputs), histograms: Object.freeze(histograms) };
}
