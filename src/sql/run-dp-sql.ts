/**
 * Running a DP SQL query end to end: check → plan → split the budget →
 * compile → charge the ledger (durably, before anything is computed) → run on
 * the engine → add noise, select partitions and compute intervals in
 * TypeScript → post-process (HAVING, ORDER BY, LIMIT) → result.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { ExactLoss } from '../core/exact-loss.js';
import { approximate, type PrivacyLoss, pure } from '../core/loss.js';
import { tracePublic } from '../core/trace.js';
import type { BudgetLedger, LedgerStatus } from '../ledger/ledger.js';
import { Rational } from '../numeric/rational.js';
import { defaultRandomSource, type RandomSource } from '../random/source.js';
import { makePartitionSelector } from '../stats/partition-selection.js';
import {
  type AggregateRelease,
  type OutputBudget,
  releaseCount,
  releaseMean,
  releaseStddev,
  releaseSum,
  releaseVariance,
} from '../stats/release-aggregates.js';
import { releaseQuantile, releaseQuantiles } from '../stats/release-quantiles.js';
import { type BudgetSplit, splitDpBudget } from './budget-split.js';
import { checkPublicStructure } from './check-public.js';
import { type CompiledDpQuery, compileDpQuery } from './compile.js';
import type { SqlDialect } from './dialect.js';
import type { EngineRow, EngineValue, SqlEngine } from './engine.js';
import { checkFiniteRelease, finiteValue } from './finite-release.js';
import { padLatency, readPadding, systemClock } from './latency.js';
import type { PlanOutput, PlanPostExpr, QueryPlan } from './plan.js';
import { aggregatesIn, planDpQuery } from './plan-query.js';
import type { SqlSchema } from './schema.js';

/** The budget and options of one query. */
export interface DpSqlOptions {
  /** ε of this query (a number or an exact fraction such as "1/11"); with `noise: 'gaussian'`, the ε the query is charged. */
  readonly epsilon?: number | string | Rational;
  /** δ of this query (used by DP partition selection, and by the conversion of ρ under Gaussian noise). Default 0. */
  readonly delta?: number | string | Rational;
  /**
   * ρ of this query (zCDP): its outputs get discrete Gaussian noise and the ledger is charged the
   * (ε, δ) that ρ implies at `delta` (> 0), see `splitDpBudget`. Exclusive with `epsilon`.
   */
  readonly rho?: number | string | Rational;
  /** 'laplace' (default with `epsilon`: discrete Laplace, pure ε) or 'gaussian' (discrete Gaussian; the largest ρ that fits (ε, δ)). */
  readonly noise?: 'laplace' | 'gaussian';
  /** The analyst charged (default 'default'). */
  readonly analyst?: string;
  /** Confidence level of the intervals (default 0.95). */
  readonly confidence?: number;
  /**
   * The share of each quantile output's ε (or ρ) spent on a noisy quantile tree (one level over
   * `QUANTILE_INTERVAL_BINS` coarse bins) whose union-bound interval is released with the value
   * (default `SQL_QUANTILE_INTERVAL_SHARE`, 20%, as the Session does); the rest goes to the
   * exponential mechanism that picks the value over the fine bins.
   * Within the output's own share, so the query's total charge is unchanged. 0 releases no
   * quantile interval.
   */
  readonly quantileIntervalShare?: number;
  /** Randomness (CSPRNG by default). A seeded source marks the result not for release. */
  readonly rng?: RandomSource;
  /**
   * Latency padding quantum in ms (default 0, none): the answer — and any error after the charge — is returned
   * only at the first multiple of this quantum after the query started that is not before it is ready, so its
   * timing reveals ⌈t/q⌉ instead of t (SECURITY.md §11; anything answering over a network should set it).
   */
  readonly padLatencyMs?: number;
}

/** The default share of a quantile output's budget spent on its confidence interval (as `Session.quantile`). */
export const SQL_QUANTILE_INTERVAL_SHARE = 0.2;

/** Coarse bins of the quantile tree that gives a quantile output its interval (one level, branching 16). */
export const QUANTILE_INTERVAL_BINS = 16;

/** Sums `bins` into `coarse` equal groups of adjacent bins, or null when they do not divide evenly. */
function coarsenBins(bins: readonly bigint[], coarse: number): bigint[] | null {
  if (bins.length <= coarse || bins.length % coarse !== 0) return null;
  const width = bins.length / coarse;
  return Array.from({ length: coarse }, (_, i) => bins.slice(i * width, (i + 1) * width).reduce((a, b) => a + b, 0n));
}

/** Splits one output's exact ε (or ρ) into (1 − share, share), each rounded down, so that the two never exceed it. */
function shareBudget(amount: Rational, share: number, noise: 'laplace' | 'gaussian'): [OutputBudget, OutputBudget] {
  const tree = Rational.fromNumber(share);
  const parts = [amount.mul(Rational.ONE.sub(tree)).toNumberDown(), amount.mul(tree).toNumberDown()];
  return parts.map((x) => (noise === 'gaussian' ? { rho: x } : { epsilon: x })) as [OutputBudget, OutputBudget];
}

function readIntervalShare(options: DpSqlOptions): number {
  const share = options.quantileIntervalShare ?? SQL_QUANTILE_INTERVAL_SHARE;
  if (typeof share !== 'number' || !(share >= 0 && share < 1)) {
    throw new DpError('INVALID_PARAMETER', 'quantileIntervalShare must be in [0, 1)', { parameter: 'quantileIntervalShare' });
  }
  return share;
}

/** A released cell. */
export type DpSqlValue = string | number | boolean | null;

/** A DP SQL result. */
export interface DpSqlResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly DpSqlValue[])[];
  /** Per aggregate column, one [lower, upper] per row (null where no interval is known). */
  readonly intervals: Readonly<Record<string, readonly ([number, number] | null)[]>>;
  /** What this query spent (and, under Gaussian noise, the ρ of its outputs that this (ε, δ) covers). */
  readonly spent: { readonly epsilon: number; readonly delta: number; readonly rho?: number };
  /** What is left of the analyst's budget, or of the data set's when analysts are not modelled. */
  readonly remaining: { readonly epsilon: number; readonly delta: number };
  /** The guarantee of the whole result. */
  readonly guarantee: PrivacyLoss;
  /** The confidence level of the intervals. */
  readonly confidence: number;
  /** Present when a seeded source made this: not for release. */
  readonly notForRelease?: true;
}

/** What `explainDpSql` returns: nothing is run or charged. */
export interface DpSqlExplanation {
  readonly plan: QueryPlan;
  readonly compiled: CompiledDpQuery;
  readonly split: BudgetSplit;
  /** A human-readable account: outputs, budget split, bounding, SQL. */
  readonly text: string;
}

function num(r: Rational): number {
  return r.toNumberDown();
}

/** An exact amount as its fraction when short (1/3), else as its decimal when exact (2.348351733), else ≈ the double above it. */
function fmtAmount(r: Rational): string {
  const t = r.toString();
  if (t.length <= 12) return t;
  const d = String(r.toNumber());
  return Rational.parse(d).equals(r) ? d : `≈${r.toNumberUp()}`;
}

function describeSplit(plan: QueryPlan, split: BudgetSplit, intervalShare: number): string[] {
  const lines: string[] = [];
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  plan.outputs.forEach((o, i) => {
    const e = split.outputs[i];
    if (o.kind === 'derived') lines.push(`  ${o.name}: no cost (arithmetic over the noisy outputs: post-processing)`);
    if (o.kind !== 'aggregate' || !e) return;
    const how =
      o.aggregate.kind === 'quantile' && intervalShare > 0
        ? `quantile: ${pct(1 - intervalShare)} exponential mechanism for the value, ${pct(intervalShare)} quantile tree (${QUANTILE_INTERVAL_BINS} bins) for its interval`
        : o.aggregate.kind;
    const hidden = o.hidden ? ', not printed: used by a derived output, HAVING or ORDER BY' : '';
    lines.push(`  ${o.name}: ${split.noise === 'gaussian' ? `ρ=${fmtAmount(e)}` : `ε=${e.toString()}`} (${how}${hidden})`);
  });
  if (split.selection) lines.push(`  partition selection: ε=${fmtAmount(split.selection.epsilon)}, δ=${fmtAmount(split.selection.delta)}`);
  return lines;
}

function inlineParams(sql: string, params: CompiledDpQuery['main']['params']): string {
  return sql.replace(/\$(\d+)/g, (m, d: string) => {
    const p = params[Number(d) - 1];
    return p ? `${m}/*${typeof p.value === 'string' ? JSON.stringify(p.value) : String(p.value)}*/` : m;
  });
}

/**
 * Plans, splits and compiles a query without running or charging it.
 * @throws DpError UNSUPPORTED_QUERY, INVALID_PARAMETER
 * @example
 * console.log(explainDpSql(sql, schema, duckdbDialect, { epsilon: 1 }).text);
 */
export function explainDpSql(sql: string, schema: SqlSchema, dialect: SqlDialect, options: DpSqlOptions, salt = 0n): DpSqlExplanation {
  const plan = planDpQuery(sql, schema);
  const split = splitDpBudget(plan, options);
  checkFiniteRelease(plan, split);
  const intervalShare = readIntervalShare(options);
  const compiled = compileDpQuery(plan, dialect, salt, schema);
  const p = plan.privacy;
  const text = [
    `dialect: ${dialect.name}`,
    `privacy unit: ${p.rowLevel ? 'each row (row-level)' : `${plan.sources[(p.unit as { source: number }).source]?.alias}.${(p.unit as { column: string }).column}`}`,
    `bounding: maxPartitions=${p.maxPartitions}, maxContributionsPerPartition=${p.maxContributionsPerPartition}; noise calibrated for ${split.partitions} partition(s) per unit`,
    `group keys: ${plan.groupBy.length === 0 ? '(none)' : plan.groupBy.map((k) => `${k.name} (${k.categories ? `${k.categories.length} declared` : 'DP partition selection'})`).join(', ')}`,
    `noise: ${split.noise === 'gaussian' ? `discrete Gaussian, ρ=${fmtAmount(split.rho ?? Rational.ZERO)} (zCDP), charged as (ε, δ) by the Canonne–Kamath–Steinke conversion` : 'discrete Laplace (pure ε per output)'}`,
    `charge: ε=${fmtAmount(split.charge.epsilon)}, δ=${fmtAmount(split.charge.delta)}`,
    'budget split:',
    ...describeSplit(plan, split, intervalShare),
    'rewritten SQL:',
    `  ${inlineParams(compiled.main.sql, compiled.main.params)}`,
    ...compiled.histograms.map((h) => `  ${inlineParams(h.sql, h.params)}`),
  ].join('\n');
  return { plan, compiled, split, text };
}

function keyString(values: readonly EngineValue[]): string {
  return JSON.stringify(values.map((v) => (v === null ? null : String(v))));
}

function toBig(v: EngineValue | undefined): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+\.0*$/.test(v)) return BigInt(v.split('.')[0] as string);
  return 0n;
}

function publicKey(v: EngineValue): DpSqlValue {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

function evalPost(e: PlanPostExpr, row: readonly DpSqlValue[]): DpSqlValue {
  switch (e.kind) {
    case 'output':
      return row[e.index] ?? null;
    case 'literal':
      return e.value;
    case 'unary': {
      const a = evalPost(e.arg, row);
      return e.op === '-' ? (typeof a === 'number' ? -a : null) : a === null ? null : !a;
    }
    case 'binary': {
      const a = evalPost(e.left, row);
      const b = evalPost(e.right, row);
      if (e.op === 'AND') return Boolean(a) && Boolean(b);
      if (e.op === 'OR') return Boolean(a) || Boolean(b);
      if (a === null || b === null) return null;
      const x = typeof a === 'number' && typeof b === 'number' ? [a, b] : [String(a), String(b)];
      const [l, r] = x as [number | string, number | string];
      switch (e.op) {
        case '=':
          return l === r;
        case '<>':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
        case '+':
          return Number(a) + Number(b);
        case '-':
          return Number(a) - Number(b);
        case '*':
          return Number(a) * Number(b);
        case '/':
          return Number(b) === 0 ? null : Number(a) / Number(b);
        case '||':
          return `${String(a)}${String(b)}`;
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

type Interval = readonly [number, number];

/**
 * Interval arithmetic over a derived output: the range of the expression when every aggregate
 * it reads lies in its interval (and keys and literals are exact); null where none follows.
 */
function evalInterval(e: PlanPostExpr, row: readonly DpSqlValue[], ivs: readonly (Interval | null)[], plan: QueryPlan): Interval | null {
  switch (e.kind) {
    case 'output': {
      if (plan.outputs[e.index]?.kind === 'aggregate') return ivs[e.index] ?? null;
      const v = row[e.index];
      return typeof v === 'number' ? [v, v] : null;
    }
    case 'literal':
      return typeof e.value === 'number' ? [e.value, e.value] : null;
    case 'unary': {
      const a = e.op === '-' ? evalInterval(e.arg, row, ivs, plan) : null;
      return a && [-a[1], -a[0]];
    }
    case 'binary': {
      const a = evalInterval(e.left, row, ivs, plan);
      const b = evalInterval(e.right, row, ivs, plan);
      if (!a || !b) return null;
      const hull = (xs: number[]): Interval | null => (xs.every(Number.isFinite) ? [Math.min(...xs), Math.max(...xs)] : null);
      switch (e.op) {
        case '+':
          return hull([a[0] + b[0], a[1] + b[1]]);
        case '-':
          return hull([a[0] - b[1], a[1] - b[0]]);
        case '*':
          return hull([a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]]);
        case '/':
          if (b[0] <= 0 && b[1] >= 0) return null;
          return hull([a[0] / b[0], a[0] / b[1], a[1] / b[0], a[1] / b[1]]);
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

function compareValues(a: DpSqlValue, b: DpSqlValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** Everything `runDpSql` needs. */
export interface RunDpSqlInput extends DpSqlOptions {
  readonly sql: string;
  readonly schema: SqlSchema;
  readonly engine: SqlEngine;
  readonly ledger: BudgetLedger;
}

/**
 * Runs a DP SQL query: checks it, charges the ledger durably, computes exact
 * bounded aggregates in the engine and releases them with noise.
 * @returns the noisy table with intervals, the spend and what is left.
 * @throws DpError UNSUPPORTED_QUERY / INVALID_PARAMETER (nothing charged), NOT_FOUND / INVALID_SCHEMA when a table or column the
 *   schema declares is missing or stored with another type (nothing charged), BUDGET_EXHAUSTED (nothing charged), ENGINE_ERROR (charged).
 * @privacy (ε, δ)-DP under add/remove one privacy unit (all its rows), with the schema's contribution bounds enforced by the rewrite;
 *   ε is split equally over the outputs (and partition selection); δ is used only by partition selection.
 *   With `rho` (or `noise: 'gaussian'`) the outputs share ρ-zCDP instead (discrete Gaussian noise) and the charge is the
 *   (ε, δ) it implies at δ; a query refused for any reason (bad parameters, unsupported SQL, budget) charges nothing.
 *   A quantile output spends `quantileIntervalShare` (20%) of its own share on a one-level noisy quantile tree over
 *   `QUANTILE_INTERVAL_BINS` coarse bins for its interval (basic composition within that share), so intervals never
 *   change the charge.
 * @example
 * const result = await runDpSql({ sql, schema, engine, ledger: new FileLedger(), epsilon: 1 });
 */
export async function runDpSql(input: RunDpSqlInput): Promise<DpSqlResult> {
  const started = systemClock.now();
  const quantum = readPadding(input.padLatencyMs);
  const rng = input.rng ?? defaultRandomSource();
  const confidence = input.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1))
    throw new DpError('INVALID_PARAMETER', 'confidence must be in (0, 1)', { parameter: 'confidence' });
  const plan = planDpQuery(input.sql, input.schema);
  const split = splitDpBudget(plan, input);
  checkFiniteRelease(plan, split);
  const intervalShare = readIntervalShare(input);
  const analyst = input.analyst ?? 'default';
  const analystBudget = input.schema.analysts.get(analyst);
  if (input.schema.analysts.size > 0 && !analystBudget) {
    throw new DpError('UNAUTHORIZED', `the analyst "${analyst}" has no budget in the schema`, {});
  }
  // A salt for the random order of contribution bounding, from the CSPRNG (62 bits, a positive BIGINT).
  const salt = (BigInt(rng.nextUint32() & 0x3fffffff) << 32n) | BigInt(rng.nextUint32());
  const compiled = compileDpQuery(plan, input.engine.dialect, salt, input.schema);
  const cost: ExactLoss = { ...split.charge, rho: Rational.ZERO };
  // Everything public — the tables exist and are readable, every declared column exists with an allowed type — before the charge.
  await checkPublicStructure(plan, input.schema, input.engine);
  // Durable and atomic with the budget check, before the data is touched.
  const status: LedgerStatus = await input.ledger.charge(
    { dataset: input.schema.dataset, cap: input.schema.budget, analyst, analystBudget },
    cost,
    input.sql,
  );
  // After the charge: the answer, or the one error, only at the padded instant.
  try {
    const result = await releaseCharged(input, plan, split, compiled, status, cost, rng, confidence, intervalShare);
    await padLatency(started, quantum);
    return result;
  } catch (e) {
    await padLatency(started, quantum);
    throw e;
  }
}

/** Everything after the charge: run the statements, release each group, post-process. */
async function releaseCharged(
  input: RunDpSqlInput,
  plan: QueryPlan,
  split: BudgetSplit,
  compiled: CompiledDpQuery,
  status: LedgerStatus,
  cost: ExactLoss,
  rng: RandomSource,
  confidence: number,
  intervalShare: number,
): Promise<DpSqlResult> {
  const mainRows = await input.engine.query(compiled.main);
  const histRows = await Promise.all(compiled.histograms.map((h) => input.engine.query(h)));

  // A derived output gets an interval at the stated level by a union bound: each hidden aggregate it reads
  // (not printed, so its own level is free) is released at 1 − (1 − level)/m, m = the aggregates it reads.
  // A derived output that reads a printed aggregate (released at the stated level) gets no interval.
  const outputConfidence: (number | undefined)[] = plan.outputs.map(() => undefined);
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
  plan.outputs.forEach((_, i) => {
    if (!derivedHasInterval[i]) return;
    const reads = derivedReads[i] ?? [];
    for (const j of reads) outputConfidence[j] = Math.max(outputConfidence[j] ?? 0, 1 - (1 - confidence) / reads.length);
  });

  const P = split.partitions;
  const C = plan.privacy.maxContributionsPerPartition;
  const keyCount = plan.groupBy.length;
  /** The group-key values of an engine row (main or histogram), in GROUP BY order. */
  const keyValues = (r: EngineRow) => compiled.keyColumns.map((k) => r[k] ?? null);

  // Which groups are released: declared keys (all of them, even empty) or DP partition selection.
  let groups: { key: string; values: DpSqlValue[]; row: EngineRow | undefined }[] = [];
  if (keyCount === 0) groups = [{ key: keyString([]), values: [], row: mainRows[0] }];
  else if (!split.selection) {
    const rowsByKey = new Map<string, EngineRow>();
    for (const r of mainRows) rowsByKey.set(keyString(keyValues(r)), r);
    let combos: DpSqlValue[][] = [[]];
    for (const k of plan.groupBy) {
      const cats = k.categories ?? [];
      tracePublic(`declared keys of ${k.name}`, cats);
      combos = combos.flatMap((c) => cats.map((v) => [...c, v]));
    }
    groups = combos.map((values) => {
      const key = keyString(values);
      return { key, values, row: rowsByKey.get(key) };
    });
  } else {
    const selector = makePartitionSelector({
      epsilon: num(split.selection.epsilon),
      delta: split.selection.delta.toNumberDown(),
      maxPartitions: P,
    });
    const declared = plan.groupBy.map((k) => (k.categories ? new Set(k.categories.map((c) => String(c))) : null));
    for (const r of mainRows) {
      const values = keyValues(r);
      // Keys outside declared categories are dropped before selection (a public rule).
      if (values.some((v, i) => declared[i] && (v === null || !declared[i]?.has(String(v))))) continue;
      if (selector.keep(toBig(r[compiled.unitsColumn]), rng))
        groups.push({ key: keyString(values), values: values.map(publicKey), row: r });
    }
    // Sorted by key: the engine's group order (a hash table's layout) may depend on keys that were not kept.
    groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  const histograms = histRows.map((rows) => {
    const m = new Map<string, bigint[]>();
    for (const r of rows) {
      const key = keyString(keyValues(r));
      const bins = m.get(key) ?? new Array<bigint>(compiled.histograms[0]?.bins ?? 0).fill(0n);
      const b = Number(r.bin);
      if (Number.isInteger(b) && b >= 0 && b < bins.length) bins[b] = toBig(r.n);
      m.set(key, bins);
    }
    return m;
  });

  const outRows: DpSqlValue[][] = [];
  const outIntervals: ([number, number] | null)[][] = [];
  for (const g of groups) {
    const row: DpSqlValue[] = [];
    const ivs: ([number, number] | null)[] = [];
    plan.outputs.forEach((o, i) => {
      if (o.kind !== 'aggregate') {
        // Derived outputs are filled in below, once every aggregate of the row is released.
        row.push(o.kind === 'key' ? (g.values[o.key] ?? null) : null);
        ivs.push(null);
        return;
      }
      const inp = compiled.inputs[i];
      const eps = split.outputs[i];
      if (!inp || !eps) throw new DpError('INTERNAL', 'inconsistent compiled query');
      const budget = split.noise === 'gaussian' ? { rho: num(eps) } : { epsilon: num(eps) };
      const opts = { budget, maxPartitions: P, maxContributionsPerPartition: C, confidence: outputConfidence[i] ?? confidence, rng };
      const get = (col: string) => toBig(g.row?.[col]);
      let rel: AggregateRelease;
      switch (inp.kind) {
        case 'count': {
          const isUnits = inp.count === compiled.unitsColumn;
          rel = releaseCount({ ...opts, count: get(inp.count), maxContributionsPerPartition: isUnits ? 1 : C });
          // Counts are post-processed to be non-negative; the exact count is ≥ 0, so the interval may be cut at 0 too.
          rel = {
            ...rel,
            value: Math.max(0, rel.value),
            interval: { ...rel.interval, lower: Math.max(0, rel.interval.lower), upper: Math.max(0, rel.interval.upper) },
          };
          break;
        }
        case 'sum':
          rel = releaseSum({ ...opts, units: get(inp.units), bounds: inp.bounds });
          break;
        case 'mean':
          rel = releaseMean({ ...opts, count: get(inp.count), units: get(inp.units), bounds: inp.bounds });
          break;
        case 'variance': {
          const a = o.aggregate;
          const vin = { ...opts, count: get(inp.count), units: get(inp.units), squaredUnits: get(inp.squares), bounds: inp.bounds };
          rel = a.kind === 'variance' && a.stddev ? releaseStddev(vin) : releaseVariance(vin);
          break;
        }
        case 'quantile': {
          const a = o.aggregate;
          const bins = histograms[inp.histogram]?.get(g.key) ?? new Array<bigint>(compiled.histograms[inp.histogram]?.bins ?? 2).fill(0n);
          const quantile = a.kind === 'quantile' ? a.p : 0.5;
          const coarse = coarsenBins(bins, QUANTILE_INTERVAL_BINS);
          if (intervalShare === 0 || !coarse) {
            // Part of this output's own budget buys a quantile tree over the same bins (as Session.quantile does).
            rel = releaseQuantile({ ...opts, binCounts: bins, bounds: inp.bounds, quantile, intervalShare });
            break;
          }
          // The value from the exponential mechanism over the fine bins; its interval from a one-level quantile tree over
          // QUANTILE_INTERVAL_BINS coarse bins (unions of fine ones, same edges), bought with `intervalShare` of this
          // output's budget. A one-level tree's union bound is about 6× tighter in rank than a two-level tree over 256 bins.
          const [pointBudget, treeBudget] = shareBudget(eps, intervalShare, split.noise);
          const point = releaseQuantile({ ...opts, budget: pointBudget, binCounts: bins, bounds: inp.bounds, quantile });
          const [tree] = releaseQuantiles({
            ...opts,
            budget: treeBudget,
            binCounts: coarse,
            bounds: inp.bounds,
            quantiles: [quantile],
            branching: QUANTILE_INTERVAL_BINS,
          });
          if (!tree) throw new DpError('INTERNAL', 'no quantile tree release');
          const lower = Math.min(tree.interval.lower, point.value);
          const upper = Math.max(tree.interval.upper, point.value);
          rel = { ...point, interval: { ...tree.interval, lower, upper } };
          break;
        }
        default: {
          const never: never = inp;
          throw new DpError('INTERNAL', `unknown output ${JSON.stringify(never)}`);
        }
      }
      // Finite by checkFiniteRelease; saturated here should noise beyond its reach (probability < e⁻⁶⁴) occur.
      const value = finiteValue(rel.value, 0);
      row.push(value);
      ivs.push(rel.interval.method === 'bounds' ? null : [finiteValue(rel.interval.lower, value), finiteValue(rel.interval.upper, value)]);
    });
    // Arithmetic over the noisy aggregates and keys of this row: post-processing, no further cost.
    plan.outputs.forEach((o, i) => {
      if (o.kind !== 'derived') return;
      const derived = evalPost(o.expr, row);
      // Arithmetic over finite releases may still overflow (1e200 * 1e200): saturated, as every released number is finite.
      row[i] = typeof derived === 'number' ? finiteValue(derived, 0) : derived;
      const iv = derivedHasInterval[i] ? evalInterval(o.expr, row, ivs, plan) : null;
      const v = row[i];
      // The value lies inside when computed from the same noisy inputs; checked so that a rounding edge never shows one outside.
      ivs[i] = iv && typeof v === 'number' ? [Math.min(iv[0], v), Math.max(iv[1], v)] : null;
    });
    outRows.push(row);
    outIntervals.push(ivs);
  }

  // Post-processing of noisy values only.
  let order = outRows.map((_, i) => i);
  const having = plan.having;
  if (having) order = order.filter((i) => evalPost(having, outRows[i] as DpSqlValue[]) === true);
  if (plan.orderBy.length > 0) {
    order.sort((a, b) => {
      for (const ob of plan.orderBy) {
        const c = compareValues((outRows[a] as DpSqlValue[])[ob.output] ?? null, (outRows[b] as DpSqlValue[])[ob.output] ?? null);
        if (c !== 0) return ob.descending ? -c : c;
      }
      return 0;
    });
  }
  order = order.slice(plan.offset, plan.limit === null ? undefined : plan.offset + plan.limit);
  // Hidden aggregates (used only by derived outputs, HAVING or ORDER BY) are released and charged but not printed.
  const visible = plan.outputs.flatMap((o, j) => (o.kind === 'aggregate' && o.hidden ? [] : [j]));
  const columns = visible.map((j) => (plan.outputs[j] as PlanOutput).name);
  const intervals: Record<string, ([number, number] | null)[]> = {};
  for (const j of visible) {
    const o = plan.outputs[j] as PlanOutput;
    // A derived output has an interval when every aggregate it reads is hidden (see outputConfidence).
    if (o.kind === 'aggregate' || o.kind === 'derived')
      intervals[o.name] = order.map((i) => (outIntervals[i] as ([number, number] | null)[])[j] ?? null);
  }
  const left = status.analyst ?? status.dataset;
  const spent = {
    epsilon: cost.epsilon.toNumberUp(),
    delta: cost.delta.toNumberUp(),
    ...(split.rho ? { rho: split.rho.toNumber() } : {}),
  };
  const result: DpSqlResult = {
    columns,
    rows: order.map((i) => visible.map((j) => (outRows[i] as DpSqlValue[])[j] ?? null)),
    intervals,
    spent,
    remaining: { epsilon: left.remaining.epsilon.toNumberDown(), delta: left.remaining.delta.toNumberDown() },
    guarantee: cost.delta.isZero() ? pure(spent.epsilon) : approximate(spent.epsilon, spent.delta),
    confidence,
  };
  return rng.isSeeded ? { ...result, notForRelease: true } : result;
}
