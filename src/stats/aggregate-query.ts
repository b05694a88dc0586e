/**
 * A grouped DP aggregation over a data source, in one pass (two when some
 * bounds are estimated): contribution bounding per privacy unit, the value
 * rule, clamping, exact sums, then the releases of `release-aggregates.ts`.
 *
 * The neighbouring relation is always **add or remove one privacy unit with
 * all its rows** (Tumult's `AddRowsWithID`); without a unit column each row is
 * its own unit. Because bounding runs inside, the guarantee holds whatever the
 * unit's raw number of rows; the stated bounds are what it is cut to.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { PrivacyLoss } from '../core/loss.js';
import { tracePublic } from '../core/trace.js';
import { isSecureSource, sampleUniformBelow } from '../random/index.js';
import { defaultRandomSource, type RandomSource } from '../random/source.js';
import { type OutputBudget, readBudget, splitBudget } from './_internal/noise.js';
import { LogHistogram, releaseApproximateBounds } from './approximate-bounds.js';
import { ContributionBounder } from './contribution-bounding.js';
import type { DataSource, InMemoryTable } from './data-source.js';
import { checkBounds, type FixedPointGrid, meanGrid, sumGrid, varianceGrid } from './fixed-point-grid.js';
import { makePartitionSelector } from './partition-selection.js';
import { planAggregate } from './release-aggregates.js';
import { checkQuantileParameters, DEFAULT_QUANTILE_BINS, quantileBinIndex } from './release-quantiles.js';
import { type AggregateRow, type ExactPartition, releaseTable, type TableOutput } from './release-table.js';
import { applyValueRule, checkInvalidValueRule, type InvalidValueRule, keyText, readCell, readField, unitText } from './value-rules.js';

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

/** The budget plan of a query: one budget per output, plus partition selection's. */
export interface QueryBudgetPlan {
  /** Budget per aggregate spec, in order. */
  readonly outputs: readonly OutputBudget[];
  /** (ε, δ) for partition selection, when keys are not declared. */
  readonly selection?: { readonly epsilon: number; readonly delta: number };
}

/** The neighbouring relation a guarantee is stated for. */
export interface NeighbouringRelation {
  readonly kind: 'add-remove-unit';
  /** The unit column, or 'row' when each row is its own unit. */
  readonly unit: string;
  readonly maxPartitions: number;
  readonly maxContributionsPerPartition: number;
  /** In words. */
  readonly description: string;
}

export type { AggregateRow } from './release-table.js';

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
  const unit = spec.privacyUnit ?? 'row';
  const maxPartitions = spec.privacyUnit ? (spec.maxPartitions ?? 1) : 1;
  const maxContributionsPerPartition = spec.privacyUnit ? (spec.maxContributionsPerPartition ?? 1) : 1;
  return {
    kind: 'add-remove-unit',
    unit,
    maxPartitions,
    maxContributionsPerPartition,
    description: spec.privacyUnit
      ? `add or remove one ${unit} with all their rows; each ${unit} is cut to at most ${maxPartitions} group(s) and ${maxContributionsPerPartition} row(s) per group`
      : 'add or remove one row',
  };
}

type Key = string | number | boolean | null;

/** Bounds estimated with DP lie within the log histogram's range, ±2⁶³: the worst case a plan is checked with. */
const WORST_ESTIMATED_BOUNDS: readonly [number, number] = [-(2 ** 63), 2 ** 63];

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
    let budget = plan.outputs[index] as OutputBudget;
    if (a.kind === 'count' || a.kind === 'countDistinct') {
      planAggregate('count', { budget, ...bounding, ...(a.kind === 'countDistinct' ? { maxContributionsPerPartition: 1 } : {}) });
      return;
    }
    let bounds = a.bounds;
    if (bounds === undefined) {
      const [boundsBudget, rest] = splitBudget(budget, [boundsShare, 1 - boundsShare]) as [OutputBudget, OutputBudget];
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
      epsilon: plan.selection.epsilon,
      delta: plan.selection.delta,
      maxPartitions: neighbouring.maxPartitions,
      method: spec.partitionSelection ?? 'truncated-geometric',
    });
  }
}

/** The pure ε the bounds estimation runs with, from its share of an output's budget. @throws DpError INVALID_PARAMETER */
function boundsEpsilon(budget: OutputBudget, rowsPerUnit: number): { epsilon: number; loss: PrivacyLoss | undefined } {
  const b = readBudget(budget);
  const epsilon = b.kind === 'zcdp' ? Math.sqrt(2 * b.rho) * (1 - 1e-12) : b.epsilon;
  if (!(epsilon > 0 && rowsPerUnit / epsilon <= 2 ** 64)) {
    throw new DpError('INVALID_PARAMETER', 'the budget is too small to estimate bounds: declare bounds or raise the budget', {
      parameter: 'budget',
    });
  }
  return { epsilon, loss: b.kind === 'zcdp' ? { kind: 'zcdp', rho: b.rho } : undefined };
}

interface PartitionState {
  rows: number;
  units: number;
  sums: Map<number, SumState>;
  bins: Map<number, number[]>;
}

const CHUNK = 1 << 19;

/** Exact running sums: doubles for up to CHUNK rows (no bit lost), flushed into BigInts. */
interface SumState {
  count: number;
  units: number;
  squares: number;
  chunk: number;
  big: bigint;
  bigSquares: bigint;
}

const emptySum = (): SumState => ({ count: 0, units: 0, squares: 0, chunk: 0, big: 0n, bigSquares: 0n });

/** Runs a query over an in-memory table (synchronous). */
export function runAggregateQuery(
  source: InMemoryTable,
  spec: AggregateQuerySpec,
  plan: QueryBudgetPlan,
  rng: RandomSource = defaultRandomSource(),
): AggregateQueryResult {
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
    const get = (name: string) => readCell(columns.get(name) as ArrayLike<unknown>, i);
    for (i = 0; i < source.length; i++) {
      if (keep && keep[i] === 0) continue;
      visit(get, unitCol ? readCell(unitCol, i) : i, keyCol ? readCell(keyCol, i) : undefined);
    }
  };
  const steps = makeSteps(prepared, rng, preBounded);
  if (steps.needsBounds) scan(steps.boundsVisitor());
  steps.finishBounds();
  scan(steps.mainVisitor());
  return steps.finish();
}

function partitionKeyOf(prepared: Prepared, key: unknown): string | undefined {
  if (!prepared.spec.groupBy) return '';
  const k = keyText(key);
  if (k === undefined) return undefined;
  if (prepared.declared && !prepared.declared.has(k)) return undefined;
  return k;
}

/** Picks `k` of `items` uniformly at random (partial Fisher–Yates). */
function pickUniform<T>(items: T[], k: number, rng: RandomSource): T[] {
  if (items.length <= k) return items;
  const a = items.slice();
  for (let i = 0; i < k; i++) {
    const j = i + sampleUniformBelow(a.length - i, rng);
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
  return a.slice(0, k);
}

/**
 * Contribution bounding of an in-memory table: rows grouped by unit (counting
 * sort), then per unit a uniform choice of ≤ maxPartitions partitions and of
 * ≤ maxContributionsPerPartition rows in each. Returns the kept rows and the
 * number of distinct units kept per partition.
 */
function boundInMemory(
  units: ArrayLike<unknown>,
  parts: readonly (string | undefined)[],
  bounds: { maxPartitions: number; maxContributionsPerPartition: number },
  rng: RandomSource,
): { keep: Uint8Array; unitsPerPartition: Map<string, number> } {
  const n = parts.length;
  const ids = new Map<unknown, number>();
  const unitOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (parts[i] === undefined) continue;
    // A unit id that is not a key (object, symbol, function) drops the row (value rule).
    const u = unitText(readCell(units, i));
    if (u === undefined) continue;
    let id = ids.get(u);
    if (id === undefined) {
      id = ids.size;
      ids.set(u, id);
    }
    unitOf[i] = id;
  }
  const offsets = new Int32Array(ids.size + 1);
  for (let i = 0; i < n; i++)
    if ((unitOf[i] as number) >= 0) offsets[(unitOf[i] as number) + 1] = (offsets[(unitOf[i] as number) + 1] as number) + 1;
  for (let u = 0; u < ids.size; u++) offsets[u + 1] = (offsets[u + 1] as number) + (offsets[u] as number);
  const fill = offsets.slice(0, ids.size);
  const order = new Int32Array(offsets[ids.size] as number);
  for (let i = 0; i < n; i++) {
    const u = unitOf[i] as number;
    if (u >= 0) {
      order[fill[u] as number] = i;
      fill[u] = (fill[u] as number) + 1;
    }
  }
  const keep = new Uint8Array(n);
  const unitsPerPartition = new Map<string, number>();
  const bump = (p: string) => unitsPerPartition.set(p, (unitsPerPartition.get(p) ?? 0) + 1);
  for (let u = 0; u < ids.size; u++) {
    const start = offsets[u] as number;
    const end = offsets[u + 1] as number;
    if (end - start === 1) {
      const i = order[start] as number;
      keep[i] = 1;
      bump(parts[i] as string);
      continue;
    }
    const byPartition = new Map<string, number[]>();
    for (let r = start; r < end; r++) {
      const i = order[r] as number;
      const p = parts[i] as string;
      const list = byPartition.get(p);
      if (list) list.push(i);
      else byPartition.set(p, [i]);
    }
    for (const p of pickUniform([...byPartition.keys()], bounds.maxPartitions, rng)) {
      for (const i of pickUniform(byPartition.get(p) as number[], bounds.maxContributionsPerPartition, rng)) keep[i] = 1;
      bump(p);
    }
  }
  return { keep, unitsPerPartition };
}

/** Runs a query over any source (CSV sources are streamed). */
export async function runAggregateQueryAsync(
  source: DataSource,
  spec: AggregateQuerySpec,
  plan: QueryBudgetPlan,
  rng: RandomSource = defaultRandomSource(),
): Promise<AggregateQueryResult> {
  if (source.kind === 'memory') return runAggregateQuery(source, spec, plan, rng);
  const prepared = prepare(spec, plan);
  return executeStreaming(prepared, source, rng);
}

interface Prepared {
  spec: AggregateQuerySpec;
  plan: QueryBudgetPlan;
  neighbouring: NeighbouringRelation;
  declared?: Map<string, Key>;
}

function prepare(spec: AggregateQuerySpec, plan: QueryBudgetPlan): Prepared {
  const neighbouring = describeNeighbouring(spec);
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
    tracePublic('keys', spec.keys);
  } else if (spec.groupBy && !plan.selection) {
    throw new DpError('UNSUPPORTED_QUERY', 'group keys are not declared: declare them or give a delta for DP partition selection', {
      construct: 'groupBy',
      hint: 'groupBy(column, { keys: [...] }) or release({ epsilon, delta })',
    });
  }
  return declared ? { spec, plan, neighbouring, declared } : { spec, plan, neighbouring };
}

type Visitor = (get: (c: string) => unknown, unit: unknown, key: unknown) => void;

async function executeStreaming(
  prepared: Prepared,
  source: DataSource & { kind: 'stream' },
  rng: RandomSource,
): Promise<AggregateQueryResult> {
  const steps = makeSteps(prepared, rng);
  const pass = async (visit: Visitor) => {
    let i = 0;
    for await (const record of source.rows()) {
      const get = (c: string) => readField(record, c);
      const unit = prepared.spec.privacyUnit ? readField(record, prepared.spec.privacyUnit) : i;
      visit(get, unit, prepared.spec.groupBy ? readField(record, prepared.spec.groupBy) : undefined);
      i++;
    }
  };
  if (steps.needsBounds) await pass(steps.boundsVisitor());
  steps.finishBounds();
  await pass(steps.mainVisitor());
  return steps.finish();
}

interface ValueAgg {
  index: number;
  column: string;
  rule: InvalidValueRule;
  grid?: FixedPointGrid;
  squares?: boolean;
  bins?: number;
  bounds?: [number, number];
  estimated: boolean;
  histogram?: LogHistogram;
  boundsLoss?: PrivacyLoss;
  budget: OutputBudget;
}

function makeSteps(prepared: Prepared, rng: RandomSource, preBounded?: Map<string, number>) {
  const { spec, plan, neighbouring, declared } = prepared;
  // With `preBounded`, rows arrive already bounded and units per partition are known.
  const hasUnit = spec.privacyUnit !== undefined && preBounded === undefined;
  const bounding = { maxPartitions: neighbouring.maxPartitions, maxContributionsPerPartition: neighbouring.maxContributionsPerPartition };
  const rowsPerUnit = neighbouring.maxPartitions * neighbouring.maxContributionsPerPartition;
  const boundsShare = spec.boundsShare ?? 0.25;
  if (!(boundsShare > 0 && boundsShare < 1)) {
    throw new DpError('INVALID_PARAMETER', 'boundsShare must be in (0, 1)', { parameter: 'boundsShare' });
  }
  const valueAggs: ValueAgg[] = [];
  spec.aggregates.forEach((a, index) => {
    if (!('column' in a)) return;
    const budget = plan.outputs[index] as OutputBudget;
    const v: ValueAgg = { index, column: a.column, rule: checkInvalidValueRule(a.onInvalid), estimated: a.bounds === undefined, budget };
    if (a.bounds) v.bounds = checkBounds(a.bounds);
    else v.histogram = new LogHistogram();
    if (a.kind === 'quantiles') v.bins = a.bins ?? DEFAULT_QUANTILE_BINS;
    valueAggs.push(v);
  });
  const needsBounds = valueAggs.some((v) => v.histogram);

  const partitions = new Map<string, PartitionState>();
  const partitionOf = (key: unknown): string | undefined => partitionKeyOf(prepared, key);
  const state = (p: string): PartitionState => {
    let s = partitions.get(p);
    if (!s) {
      s = { rows: 0, units: 0, sums: new Map(), bins: new Map() };
      partitions.set(p, s);
    }
    return s;
  };

  const accumulate = (s: PartitionState, get: (c: string) => unknown) => {
    s.rows++;
    for (const v of valueAggs) {
      const x = applyValueRule(get(v.column), v.rule);
      if (x === undefined) continue;
      if (v.bins !== undefined) {
        let b = s.bins.get(v.index);
        if (!b) {
          b = new Array<number>(v.bins).fill(0);
          s.bins.set(v.index, b);
        }
        const [lo, hi] = v.bounds as [number, number];
        const i = quantileBinIndex(x, lo, hi, v.bins);
        b[i] = (b[i] as number) + 1;
        continue;
      }
      let acc = s.sums.get(v.index);
      if (!acc) {
        acc = emptySum();
        s.sums.set(v.index, acc);
      }
      acc.count++;
      const u = (v.grid as FixedPointGrid).toUnits(x);
      acc.units += u;
      // Variance grids have |u| ≤ 2¹⁶ + 1, so u² ≤ 2³³ and 2¹⁹ of them stay below 2⁵³.
      if (v.squares) acc.squares += u * u;
      // Flush before a double sum could lose a bit (|u| ≤ 2³² + 1, so 2¹⁹ rows stay below 2⁵³).
      if (++acc.chunk === CHUNK) {
        acc.big += BigInt(acc.units);
        acc.bigSquares += BigInt(acc.squares);
        acc.units = 0;
        acc.squares = 0;
        acc.chunk = 0;
      }
    }
  };

  const boundsVisitor = (): Visitor => {
    const bounder = hasUnit ? new ContributionBounder<(c: string) => unknown>(bounding, rng) : undefined;
    const add = (get: (c: string) => unknown) => {
      for (const v of valueAggs) {
        if (!v.histogram) continue;
        const x = applyValueRule(get(v.column), v.rule);
        if (x !== undefined) v.histogram.add(x);
      }
    };
    const visitor: Visitor = (get, unit, key) => {
      const p = partitionOf(key);
      if (p === undefined) return;
      if (bounder) {
        const u = unitText(unit);
        if (u === undefined) return;
        bounder.add(u, p, snapshotRow(get, valueAggs));
      } else add(get);
    };
    flushBounds = () => {
      if (bounder) for (const { rows } of bounder.kept()) for (const r of rows) add(r);
    };
    return visitor;
  };
  let flushBounds = () => {};

  const finishBounds = () => {
    flushBounds();
    for (const v of valueAggs) {
      if (v.histogram) {
        const [boundsBudget, rest] = splitBudget(v.budget, [boundsShare, 1 - boundsShare]) as [OutputBudget, OutputBudget];
        const { epsilon, loss } = boundsEpsilon(boundsBudget, rowsPerUnit);
        const r = releaseApproximateBounds(v.histogram, { epsilon, maxRowsPerUnit: rowsPerUnit, rng });
        v.boundsLoss = loss ?? r.guarantee;
        v.bounds = r.bounds ?? [0, 1];
        v.budget = rest;
      }
      const agg = spec.aggregates[v.index];
      if (agg && agg.kind !== 'quantiles' && agg.kind !== 'count' && agg.kind !== 'countDistinct') {
        const bounds = v.bounds as [number, number];
        v.grid = agg.kind === 'sum' ? sumGrid(bounds) : agg.kind === 'mean' ? meanGrid(bounds) : varianceGrid(bounds);
        v.squares = agg.kind === 'variance' || agg.kind === 'stddev';
      }
    }
  };

  const mainVisitor = (): Visitor => {
    if (!hasUnit) {
      return (get, _unit, key) => {
        const p = partitionOf(key);
        if (p === undefined) return;
        const s = state(p);
        if (!preBounded) s.units++;
        accumulate(s, get);
      };
    }
    const bounder = new ContributionBounder<(c: string) => unknown>(bounding, rng);
    flushMain = () => {
      for (const { partition, rows } of bounder.kept()) {
        const s = state(partition);
        s.units++;
        for (const r of rows) accumulate(s, r);
      }
    };
    return (get, unit, key) => {
      const p = partitionOf(key);
      const u = unitText(unit);
      if (p === undefined || u === undefined) return;
      bounder.add(u, p, snapshotRow(get, valueAggs));
    };
  };
  let flushMain = () => {};

  const finish = (): AggregateQueryResult => {
    flushMain();
    if (preBounded) for (const [p, units] of preBounded) state(p).units = units;
    const exact = new Map<string, ExactPartition>();
    for (const [k, st] of partitions) exact.set(k, exactPartition(st));
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
          plan.outputs[index],
          valueAggs.find((v) => v.index === index),
        ),
      ),
      maxPartitions: neighbouring.maxPartitions,
      maxContributionsPerPartition: neighbouring.maxContributionsPerPartition,
      rng,
    });
    const bounds: Record<string, { bounds: readonly [number, number]; estimated: boolean }> = {};
    for (const v of valueAggs) {
      const a = spec.aggregates[v.index];
      const name = a === undefined ? v.column : 'names' in a ? (a.names[0] as string) : a.name;
      if (v.bounds) bounds[name] = { bounds: v.bounds, estimated: v.estimated };
    }
    const result: AggregateQueryResult = { rows: table.rows, guarantee: table.guarantee, neighbouring, bounds };
    return !isSecureSource(rng) ? { ...result, notForRelease: true } : result;
  };

  return { needsBounds, boundsVisitor, finishBounds, mainVisitor, finish };
}

/** The exact aggregates of a partition, as `releaseTable` takes them. */
function exactPartition(st: PartitionState): ExactPartition {
  const sums = new Map<number, { count: bigint; units: bigint; squaredUnits: bigint }>();
  for (const [index, acc] of st.sums) {
    sums.set(index, { count: BigInt(acc.count), units: acc.big + BigInt(acc.units), squaredUnits: acc.bigSquares + BigInt(acc.squares) });
  }
  return { rows: BigInt(st.rows), units: BigInt(st.units), sums, bins: st.bins };
}

function selectionOf(plan: QueryBudgetPlan): { epsilon: number; delta: number } {
  if (!plan.selection) throw new DpError('INTERNAL', 'group keys are not declared and the plan has no partition selection', {});
  return plan.selection;
}

/** One output of the table: the spec's aggregate with its budget and its (declared or estimated) bounds. */
function tableOutput(a: AggregateSpec, budget: OutputBudget | undefined, v: ValueAgg | undefined): TableOutput {
  if (budget === undefined) throw new DpError('INTERNAL', 'budget plan does not match the aggregates', {});
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
      bins: v.bins ?? DEFAULT_QUANTILE_BINS,
      intervalShare: a.intervalShare ?? 0,
      integer: a.integer === true,
      ...boundsLoss,
    };
  }
  return { kind: a.kind, name: a.name, budget: v.budget, bounds: v.bounds, ...boundsLoss };
}

/** Copies the values a row needs (a bounder may keep it after the source has moved on). */
function snapshotRow(get: (c: string) => unknown, aggs: readonly ValueAgg[]): (c: string) => unknown {
  if (aggs.length === 0) return () => undefined;
  const values = new Map<string, unknown>();
  for (const v of aggs) values.set(v.column, get(v.column));
  return (c) => values.get(c);
}
