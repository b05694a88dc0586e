/**
 * The one-pass aggregator of a grouped query (two passes when some bounds are
 * estimated): per row, the value rule, clamping and exact grid sums or bin
 * counts per partition, with contribution bounding per privacy unit (streaming
 * reservoirs, or rows already bounded up front); then the exact partitions go
 * to `releaseTable`, the one per-group release loop.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { PrivacyLoss } from '../core/loss.js';
import { isSecureSource } from '../random/index.js';
import type { RandomSource } from '../random/source.js';
import type { OutputBudget } from './_internal/noise.js';
import { LogHistogram, releaseApproximateBounds } from './approximate-bounds.js';
import { ContributionBounder } from './contribution-bounding.js';
import { checkBounds, type FixedPointGrid, meanGrid, sumGrid, varianceGrid } from './fixed-point-grid.js';
import { DEFAULT_QUANTILE_BINS, quantileBinIndex } from './quantile-common.js';
import { type SparseBins, sparseFromCounts } from './quantile-sparse.js';
import {
  type AggregateQueryResult,
  type AggregateSpec,
  boundsEpsilon,
  outputBudget,
  type Prepared,
  partitionKeyOf,
  selectionOf,
  splitBoundsBudget,
} from './query-spec.js';
import { type ExactPartition, releaseTable, type TableOutput } from './release-table.js';
import { applyValueRule, checkInvalidValueRule, type InvalidValueRule, unitText } from './value-rules.js';

/** What a pass hands each row: a cell reader, the unit id and the group key. */
export type Visitor = (get: (c: string) => unknown, unit: unknown, key: unknown) => void;

/** Rows per exact chunk: |u| ≤ 2³² + 1 per row, so 2¹⁹ rows stay below 2⁵³ in a double. */
const CHUNK = 1 << 19;

/** Exact running sums: doubles for up to CHUNK rows (no bit lost), flushed into BigInts. */
class SumState {
  count = 0;
  private units = 0;
  private squares = 0;
  private chunk = 0;
  private big = 0n;
  private bigSquares = 0n;

  add(u: number, squares: boolean): void {
    this.count++;
    this.units += u;
    // Variance grids have |u| ≤ 2¹⁶ + 1, so u² ≤ 2³³ and 2¹⁹ of them stay below 2⁵³.
    if (squares) this.squares += u * u;
    if (++this.chunk === CHUNK) {
      this.big += BigInt(this.units);
      this.bigSquares += BigInt(this.squares);
      this.units = 0;
      this.squares = 0;
      this.chunk = 0;
    }
  }

  exact(): { count: bigint; units: bigint; squaredUnits: bigint } {
    return { count: BigInt(this.count), units: this.big + BigInt(this.units), squaredUnits: this.bigSquares + BigInt(this.squares) };
  }
}

interface PartitionState {
  rows: number;
  units: number;
  readonly sums: Map<number, SumState>;
  /**
   * Per quantile output: its non-empty bins (bin → rows). Rule (S66, class 11): a partition's quantile counts are
   * sparse, so their memory is ≤ the rows counted (never partitions × bins, which under partition selection has no
   * public bound); `finish` hands them on as `SparseBins` and `releaseTable` makes one partition dense at a time.
   */
  readonly bins: Map<number, Map<number, number>>;
}

/** A value output (sum, mean, variance, stddev, quantiles) and what its pass needs. */
interface ValueOutput {
  readonly index: number;
  readonly spec: Exclude<AggregateSpec, { kind: 'count' | 'countDistinct' }>;
  readonly rule: InvalidValueRule;
  /** Declared, or estimated with DP before the main pass. */
  bounds: readonly [number, number] | undefined;
  readonly histogram: LogHistogram | undefined;
  boundsLoss: PrivacyLoss | undefined;
  /** The output's budget, less the bounds estimation's share once it ran. */
  budget: OutputBudget;
  grid: FixedPointGrid | undefined;
}

function valueOutputs(prepared: Prepared): ValueOutput[] {
  const out: ValueOutput[] = [];
  prepared.spec.aggregates.forEach((a, index) => {
    if (a.kind === 'count' || a.kind === 'countDistinct') return;
    out.push({
      index,
      spec: a,
      rule: checkInvalidValueRule(a.onInvalid),
      bounds: a.bounds === undefined ? undefined : checkBounds(a.bounds),
      histogram: a.bounds === undefined ? new LogHistogram() : undefined,
      boundsLoss: undefined,
      budget: outputBudget(prepared.plan, index),
      grid: undefined,
    });
  });
  return out;
}

/** A quantile output's number of bins (declared or the default). */
function binsOf(v: ValueOutput): number {
  return (v.spec.kind === 'quantiles' ? v.spec.bins : undefined) ?? DEFAULT_QUANTILE_BINS;
}

function gridFor(kind: 'sum' | 'mean' | 'variance' | 'stddev', bounds: readonly [number, number]): FixedPointGrid {
  return kind === 'sum' ? sumGrid(bounds) : kind === 'mean' ? meanGrid(bounds) : varianceGrid(bounds);
}

/** Copies the values a row needs (a bounder may keep it after the source has moved on). */
function snapshotRow(get: (c: string) => unknown, outputs: readonly ValueOutput[]): (c: string) => unknown {
  if (outputs.length === 0) return () => undefined;
  const values = new Map<string, unknown>();
  for (const v of outputs) values.set(v.spec.column, get(v.spec.column));
  return (c) => values.get(c);
}

/**
 * One run of a query: `boundsVisitor` (when `needsBounds`), `finishBounds`,
 * `mainVisitor`, then `finish`. With `preBounded`, rows arrive already bounded
 * and the units per partition are known.
 */
export class QueryPass {
  readonly needsBounds: boolean;
  private readonly values: ValueOutput[];
  private readonly partitions = new Map<string, PartitionState>();
  private readonly boundsShare: number;
  private flushBounds = () => {};
  private flushMain = () => {};

  constructor(
    private readonly prepared: Prepared,
    private readonly rng: RandomSource,
    private readonly preBounded?: ReadonlyMap<string, number>,
  ) {
    this.boundsShare = prepared.spec.boundsShare ?? 0.25;
    if (!(this.boundsShare > 0 && this.boundsShare < 1)) {
      throw new DpError('INVALID_PARAMETER', 'boundsShare must be in (0, 1)', { parameter: 'boundsShare' });
    }
    this.values = valueOutputs(prepared);
    this.needsBounds = this.values.some((v) => v.histogram !== undefined);
  }

  private get bounding() {
    const { maxPartitions, maxContributionsPerPartition } = this.prepared.neighbouring;
    return { maxPartitions, maxContributionsPerPartition };
  }

  /** Bounding runs here (streaming) when the query has a unit and rows were not bounded up front. */
  private get boundsHere(): boolean {
    return this.prepared.spec.privacyUnit !== undefined && this.preBounded === undefined;
  }

  private state(p: string): PartitionState {
    let s = this.partitions.get(p);
    if (!s) {
      s = { rows: 0, units: 0, sums: new Map(), bins: new Map() };
      this.partitions.set(p, s);
    }
    return s;
  }

  private accumulate(s: PartitionState, get: (c: string) => unknown): void {
    s.rows++;
    for (const v of this.values) {
      const x = applyValueRule(get(v.spec.column), v.rule);
      if (x === undefined) continue;
      if (v.spec.kind === 'quantiles') {
        let b = s.bins.get(v.index);
        if (!b) {
          b = new Map();
          s.bins.set(v.index, b);
        }
        const [lo, hi] = this.boundsOf(v);
        const i = quantileBinIndex(x, lo, hi, binsOf(v));
        b.set(i, (b.get(i) ?? 0) + 1);
        continue;
      }
      let acc = s.sums.get(v.index);
      if (!acc) {
        acc = new SumState();
        s.sums.set(v.index, acc);
      }
      const grid = v.grid;
      if (grid === undefined) throw new DpError('INTERNAL', 'a value output has no grid in the main pass', {});
      acc.add(grid.toUnits(x), v.spec.kind === 'variance' || v.spec.kind === 'stddev');
    }
  }

  private boundsOf(v: ValueOutput): readonly [number, number] {
    if (v.bounds === undefined) throw new DpError('INTERNAL', 'a value output has no bounds in the main pass', {});
    return v.bounds;
  }

  /** The first pass: fills the log histograms of outputs whose bounds are estimated (after bounding). */
  boundsVisitor(): Visitor {
    const bounder = this.boundsHere ? new ContributionBounder<(c: string) => unknown>(this.bounding, this.rng) : undefined;
    const add = (get: (c: string) => unknown) => {
      for (const v of this.values) {
        if (!v.histogram) continue;
        const x = applyValueRule(get(v.spec.column), v.rule);
        if (x !== undefined) v.histogram.add(x);
      }
    };
    this.flushBounds = () => {
      if (bounder) for (const { rows } of bounder.kept()) for (const r of rows) add(r);
    };
    return (get, unit, key) => {
      const p = partitionKeyOf(this.prepared, key);
      if (p === undefined) return;
      if (!bounder) return add(get);
      const u = unitText(unit);
      if (u !== undefined) bounder.add(u, p, snapshotRow(get, this.values));
    };
  }

  /** Releases the estimated bounds (DP, a share of each output's budget) and builds every value output's grid. */
  finishBounds(): void {
    this.flushBounds();
    const rowsPerUnit = this.bounding.maxPartitions * this.bounding.maxContributionsPerPartition;
    for (const v of this.values) {
      if (v.histogram) {
        const { boundsBudget, rest } = splitBoundsBudget(v.budget, this.boundsShare);
        const { epsilon, loss } = boundsEpsilon(boundsBudget, rowsPerUnit);
        const r = releaseApproximateBounds(v.histogram, { epsilon, maxRowsPerUnit: rowsPerUnit, rng: this.rng });
        v.boundsLoss = loss ?? r.guarantee;
        v.bounds = r.bounds ?? [0, 1];
        v.budget = rest;
      }
      if (v.spec.kind !== 'quantiles') v.grid = gridFor(v.spec.kind, this.boundsOf(v));
    }
  }

  /** The main pass: bounds contributions (unless done up front) and accumulates exact aggregates per partition. */
  mainVisitor(): Visitor {
    if (!this.boundsHere) {
      return (get, _unit, key) => {
        const p = partitionKeyOf(this.prepared, key);
        if (p === undefined) return;
        const s = this.state(p);
        if (!this.preBounded) s.units++;
        this.accumulate(s, get);
      };
    }
    const bounder = new ContributionBounder<(c: string) => unknown>(this.bounding, this.rng);
    this.flushMain = () => {
      for (const { partition, rows } of bounder.kept()) {
        const s = this.state(partition);
        s.units++;
        for (const r of rows) this.accumulate(s, r);
      }
    };
    return (get, unit, key) => {
      const p = partitionKeyOf(this.prepared, key);
      const u = unitText(unit);
      if (p === undefined || u === undefined) return;
      bounder.add(u, p, snapshotRow(get, this.values));
    };
  }

  /** Hands the exact partitions to `releaseTable` and returns the released rows with the table's guarantee. */
  finish(): AggregateQueryResult {
    this.flushMain();
    const { spec, plan, neighbouring, declared } = this.prepared;
    if (this.preBounded) for (const [p, units] of this.preBounded) this.state(p).units = units;
    const exact = new Map<string, ExactPartition>();
    for (const [k, st] of this.partitions) {
      const sums = new Map<number, { count: bigint; units: bigint; squaredUnits: bigint }>();
      for (const [index, acc] of st.sums) sums.set(index, acc.exact());
      const bins = new Map<number, SparseBins>();
      for (const v of this.values) {
        const counts = st.bins.get(v.index);
        if (counts) bins.set(v.index, sparseFromCounts(counts, binsOf(v)));
      }
      st.bins.clear();
      exact.set(k, { rows: BigInt(st.rows), units: BigInt(st.units), sums, bins });
    }
    const table = releaseTable({
      partitions: exact,
      keys: !spec.groupBy
        ? { kind: 'single' }
        : declared
          ? { kind: 'declared', keys: [...declared.entries()] }
          : { kind: 'select', ...selectionOf(plan), method: spec.partitionSelection ?? 'truncated-geometric' },
      outputs: spec.aggregates.map((a, index) =>
        tableOutput(
          a,
          outputBudget(plan, index),
          this.values.find((v) => v.index === index),
        ),
      ),
      maxPartitions: neighbouring.maxPartitions,
      maxContributionsPerPartition: neighbouring.maxContributionsPerPartition,
      rng: this.rng,
    });
    const bounds: Record<string, { bounds: readonly [number, number]; estimated: boolean }> = {};
    for (const v of this.values) {
      const name = v.spec.kind === 'quantiles' ? (v.spec.names[0] ?? v.spec.column) : v.spec.name;
      if (v.bounds) bounds[name] = { bounds: v.bounds, estimated: v.histogram !== undefined };
    }
    const result: AggregateQueryResult = { rows: table.rows, guarantee: table.guarantee, neighbouring, bounds };
    return isSecureSource(this.rng) ? result : { ...result, notForRelease: true };
  }
}

/** One output of the table: the spec's aggregate with its budget and its (declared or estimated) bounds. */
function tableOutput(a: AggregateSpec, budget: OutputBudget, v: ValueOutput | undefined): TableOutput {
  if (a.kind === 'count' || a.kind === 'countDistinct') return { kind: a.kind, name: a.name, budget };
  if (v === undefined || v.bounds === undefined) throw new DpError('INTERNAL', 'a value output has no bounds', {});
  const boundsLoss = v.boundsLoss ? { boundsLoss: v.boundsLoss, totalBudget: budget } : {};
  if (a.kind === 'quantiles') {
    return {
      kind: 'quantiles',
      names: a.names,
      quantiles: a.quantiles,
      budget: v.budget,
      bounds: v.bounds,
      bins: a.bins ?? DEFAULT_QUANTILE_BINS,
      intervalShare: a.intervalShare ?? 0,
      integer: a.integer === true,
      ...boundsLoss,
    };
  }
  return { kind: a.kind, name: a.name, budget: v.budget, bounds: v.bounds, ...boundsLoss };
}
