/**
 * Running a DP SQL query end to end: plan → split the budget → check that
 * every release is finite → compile (total SQL) → check the public structure
 * (tables, columns, types) → charge the ledger (durably, before anything is
 * computed) → run on the engine → select groups, release each group's
 * aggregates with noise → post-process (derived outputs, HAVING, ORDER BY,
 * LIMIT) → result, at the padded instant when latency padding is asked for.
 *
 * The parts live beside it: `explain-dp-sql.ts` (the same checks, without
 * running), `release-group.ts` (each output's release parameters, built once
 * and checked before the charge), `release-through-table.ts` (the groups
 * released through stats' `releaseTable`, the one per-group release loop),
 * `post-process-result.ts` (post-processing and the
 * released table), `engine-values.ts` (reading exact engine values),
 * `dp-sql-types.ts` (the public types).
 * @module
 */

import { DpError } from '../core/errors.js';
import { type ExactLoss, statedExactLoss } from '../core/exact-loss.js';
import type { LedgerStatus } from '../ledger/ledger.js';
import { edgeRecord } from '../numeric/edge.js';
import { defaultRandomSource, isSecureSource, type RandomSource } from '../random/source.js';
import { compileBoundingReport, planBoundingReport, releaseBoundingReport } from './bounding-report.js';
import { budgetOf } from './budget-memo.js';
import type { BudgetSplit } from './budget-split.js';
import { checkPublicStructure } from './check-public.js';
import { type CompiledDpQuery, compileDpQuery } from './compile.js';
import type { CompiledStatement } from './dialect.js';
import { type DpSqlResult, type DpSqlValue, type QuantileNote, type RunDpSqlInput, readIntervalShare } from './dp-sql-types.js';
import { type EngineRow, ownStatements, type SnapshotReader, type SqlEngine } from './engine.js';
import { checkFiniteRelease, finiteValue } from './finite-release.js';
import { padLatency, readPadding, systemClock } from './latency.js';
import type { QueryPlan } from './plan.js';
import { planDpQuery } from './plan-query.js';
import { assembleResult, evalInterval, evalPost } from './post-process-result.js';
import { checkStreamable, type StatementChunks } from './quantile-stream-sql.js';
import { checkReleasedLosses, type DpSqlMeasurement, guaranteeOf } from './query-measurement.js';
import { outputLevels, planReleases, type SqlTableOutputs } from './release-group.js';
import { releaseGroups } from './release-through-table.js';
import { tracePublics } from './trace-publics.js';

export type {
  BoundingReport,
  DpSqlExplanation,
  DpSqlOptions,
  DpSqlPlanCache,
  DpSqlResult,
  DpSqlValue,
  QuantileNote,
  RunDpSqlInput,
} from './dp-sql-types.js';
export { SQL_QUANTILE_INTERVAL_SHARE } from './dp-sql-types.js';
export { explainDpSql } from './explain-dp-sql.js';
export { planReleases } from './release-group.js';

/**
 * Runs a DP SQL query: checks it, charges the ledger durably, computes exact
 * bounded aggregates in the engine and releases them with noise.
 * @returns the noisy table with intervals, the spend and what is left.
 * @throws DpError UNSUPPORTED_QUERY / INVALID_PARAMETER (nothing charged), NOT_FOUND / INVALID_SCHEMA when a table or column the
 *   schema declares is missing or stored with another type (nothing charged), BUDGET_EXHAUSTED (nothing charged), ENGINE_ERROR (charged).
 * @privacy (ε, δ)-DP under add/remove one privacy unit (all its rows), with the schema's contribution bounds enforced by the rewrite;
 *   ε is split equally over the outputs (and partition selection); δ is used only by partition selection.
 *   With `rho` (or `noise: 'gaussian'`) the outputs share ρ-zCDP instead (discrete Gaussian noise). The charge is the
 *   exact privacy map of the query's measurement (`query-measurement.ts`): ρ kept as ρ, partition selection as (ε, δ),
 *   Laplace outputs as ε; `result.loss` is that same value. A query refused for any reason (bad parameters, unsupported
 *   SQL, a missing table, budget) charges nothing.
 *   A quantile output spends `quantileIntervalShare` (20%) of its own share on its interval (two exponential
 *   mechanisms for the ends, basic composition within that share), so intervals never change the charge; an integer
 *   column's quantile and interval ends are integers.
 * @example
 * const result = await runDpSql({ sql, schema, engine, ledger: new FileLedger(), epsilon: 1 });
 */
export async function runDpSql(input: RunDpSqlInput): Promise<DpSqlResult> {
  edgeRecord(input, 'input');
  const started = systemClock.now();
  const quantum = readPadding(input.padLatencyMs);
  const rng = input.rng ?? defaultRandomSource();
  const confidence = input.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1))
    throw new DpError('INVALID_PARAMETER', 'confidence must be in (0, 1)', { parameter: 'confidence' });
  const plan = cachedPlan(input);
  // The split and the query's measurement: kept per budget shape (budget-memo.ts: public inputs only).
  const { split, measurement } = budgetOf(plan, input);
  checkFiniteRelease(plan, split);
  const intervalShare = readIntervalShare(input);
  const analyst = input.analyst ?? 'default';
  const analystBudget = input.schema.analysts.get(analyst);
  if (input.schema.analysts.size > 0 && !analystBudget) {
    throw new DpError('UNAUTHORIZED', `the analyst "${analyst}" has no budget in the schema`, {});
  }
  // A salt for the random order of contribution bounding, from the CSPRNG (62 bits, a positive BIGINT); a plan cache
  // may keep the first one drawn for its plan (DpSqlPlanCache.salt: any data-independent salt keeps the guarantee).
  const draw = () => (BigInt(rng.nextUint32() & 0x3fffffff) << 32n) | BigInt(rng.nextUint32());
  const salt = input.planCache?.salt ? input.planCache.salt(input.sql, input.schema, draw) : draw();
  const compile = () => compileDpQuery(plan, input.engine.dialect, salt, input.schema);
  const compiled = input.planCache?.compiled ? input.planCache.compiled(plan, salt, input.engine.dialect, compile) : compile();
  // Every output's release planned from its public parameters (the statistics layer's checks), before the charge.
  const outputs = planReleases(plan, split, compiled, confidence, intervalShare);
  // The bounding report (reportBounding): its statement compiled and its two counts planned before the charge too.
  planBoundingReport(split, confidence);
  const boundingStatement = split.bounding ? compileBoundingReport(plan, input.engine.dialect, input.schema) : null;
  // Every value treated as public, recorded (stats' tracePublicParameter) before the charge.
  tracePublics(plan, split, outputs, { dataset: input.schema.budget, ...(analystBudget ? { analyst: analystBudget } : {}) });
  // The query as a measurement (built with the split): its exact privacy map is what is charged (checked against the
  // split's own statement). A copy: the kept measurement's loss is shared between queries and never handed out.
  const cost: ExactLoss = copyLoss(measurement.privacyMap(1));
  // Everything public — the tables exist and are readable, every declared column exists with an allowed type — before the charge.
  await checkPublicStructure(plan, input.schema, input.engine);
  // A streamed quantile histogram needs an engine that streams (public), refused before the charge otherwise.
  checkStreamable(compiled, typeof input.engine.queryChunks === 'function');
  // Every compiled statement planned as the query role (PostgreSQL EXPLAIN: privileges; review S45), before the charge.
  await input.engine.preflight?.([compiled.main, ...compiled.histograms, ...(boundingStatement ? [boundingStatement] : [])]);
  // Atomic with the budget check, before the data is touched; durable before anything of it is released. A ledger
  // with `chargeEarly` (the server's group commit, stop 26) settles once the charge is decided and its record
  // written, and its `durable` once the record's fsync returned: the statements then run while the fsync does, and
  // the answer — or the one error after the charge — is released only once `durable` resolved; when it rejects, its
  // error is the outcome, whatever the statements did (the charge stands: group-commit.ts rule 5).
  const scope = { dataset: input.schema.dataset, cap: input.schema.budget, analyst, analystBudget, unit: plan.privacy.privacyUnit };
  const early = input.ledger.chargeEarly ? await input.ledger.chargeEarly(scope, cost, input.sql) : undefined;
  const status: LedgerStatus = early ? early.status : await input.ledger.charge(scope, cost, input.sql);
  // After the charge: the answer, or the one error, only at the padded instant.
  try {
    const run = releaseCharged(input, plan, split, { compiled, outputs, boundingStatement, measurement }, status, cost, rng, confidence);
    const [ran, durable] = await Promise.allSettled([run, early?.durable]);
    if (durable.status === 'rejected') throw durable.reason;
    if (ran.status === 'rejected') throw ran.reason;
    const result = ran.value;
    await padLatency(started, quantum);
    return result;
  } catch (e) {
    await padLatency(started, quantum);
    throw e;
  }
}

/** The engine's `snapshot`, bound, or its own statements when it has none (`ownStatements`). */
function snapshotOf(engine: SqlEngine): <T>(work: (reader: SnapshotReader) => Promise<T>) => Promise<T> {
  return <T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> =>
    engine.snapshot ? engine.snapshot(work) : work(ownStatements(engine));
}

/**
 * A snapshot reader's chunked reader with its one error (`quantile-stream-sql.ts`). Rule (review stop 24, class "the
 * check before the charge and the path after it read different objects"): every streamed pass after the charge reads
 * THIS reader, and every reader streams (`SnapshotReader.queryChunks` is required; `ownStatements` falls back to its
 * own `query` in chunks), so no after-charge failure depends on what `checkStreamable` asked before the charge.
 * Test: test/review/wrapper-streamable-after-charge.test.ts, test/sql/snapshot-wrappers-stream.test.ts.
 */
function readerChunks(reader: SnapshotReader): StatementChunks {
  const f = reader.queryChunks;
  return Object.assign(
    (statement: CompiledStatement, chunkRows: number, onChunk: (rows: EngineRow[]) => void | Promise<void>) =>
      f.call(reader, statement, chunkRows, onChunk),
    { failure: () => reader.failure() },
  );
}

/** A fresh object holding the same (immutable) rationals. */
function copyLoss(l: ExactLoss): ExactLoss {
  return { epsilon: l.epsilon, delta: l.delta, rho: l.rho };
}

/** The query's plan: from the caller's plan cache (keyed on schema and text) or planned now (and stored there). */
function cachedPlan(input: RunDpSqlInput): QueryPlan {
  const hit = input.planCache?.get(input.sql, input.schema);
  if (hit) return hit;
  const plan = planDpQuery(input.sql, input.schema);
  input.planCache?.set(input.sql, input.schema, plan);
  return plan;
}

/** Everything after the charge: run the statements, release each group through `releaseTable`, post-process. */
async function releaseCharged(
  input: RunDpSqlInput,
  plan: QueryPlan,
  split: BudgetSplit,
  prepared: {
    compiled: CompiledDpQuery;
    outputs: SqlTableOutputs;
    boundingStatement: CompiledStatement | null;
    measurement: DpSqlMeasurement;
  },
  status: LedgerStatus,
  cost: ExactLoss,
  rng: RandomSource,
  confidence: number,
): Promise<DpSqlResult> {
  const { compiled, outputs, boundingStatement, measurement } = prepared;
  const { derivedHasInterval } = outputLevels(plan, confidence);
  // Rule (one snapshot; review stop 23 third, classes "an after-charge failure whose occurrence depends on the data or
  // on concurrent writes" and "an after-charge law change"): every statement of the query after the charge — the main
  // one, the histograms, the bounding report's, each pass of a streamed quantile — runs through ONE reader of the
  // engine's `snapshot`, so all of them read the same rows: a row written between two of them is seen by none
  // (PostgreSQL: one REPEATABLE READ READ ONLY transaction; DuckDB: the declared files' versions pinned, a change the
  // one engine error; `SqlEngine.snapshot`). An engine without the hook reads each statement on its own
  // (`ownStatements`: wrappers over data that does not change, third-party engines).
  const { boundingRows, groups, losses } = await snapshotOf(input.engine)(async (reader) => {
    const mainRows = await reader.query(compiled.main);
    // A streamed histogram is read in passes by its release, never held (quantile-stream-sql.ts).
    const histRows = await Promise.all(compiled.histograms.map((h) => (h.streamed ? [] : reader.query(h))));
    const boundingRows = boundingStatement ? await reader.query(boundingStatement) : null;
    const released = await releaseGroups(plan, split, compiled, outputs, mainRows, histRows, rng, readerChunks(reader));
    return { boundingRows, ...released };
  });
  // The bounding report, released after the groups (its noise drawn last), with its own share of the charge.
  const bounding = boundingRows ? releaseBoundingReport(boundingRows[0], split, confidence, rng) : null;
  // What the releases state (from the budgets their noise was set with) must add up to what was charged.
  checkReleasedLosses([...losses, ...(bounding?.losses ?? []).map(statedExactLoss)], measurement);

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
      const rel = g.releases.get(i);
      if (!rel) throw new DpError('INTERNAL', 'an output without its release');
      // Counts are post-processed to be non-negative (the exact count is ≥ 0, so the interval may be cut at 0 too).
      const count = isCount(o.aggregate.kind);
      const cut = (x: number) => (count ? Math.max(0, x) : x);
      // Finite by checkFiniteRelease; saturated here should noise beyond its reach (probability < e⁻⁶⁴) occur.
      const value = finiteValue(cut(rel.value), 0);
      row.push(value);
      ivs.push(
        rel.interval.method === 'bounds'
          ? null
          : [finiteValue(cut(rel.interval.lower), value), finiteValue(cut(rel.interval.upper), value)],
      );
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

  const { columns, rows, intervals } = assembleResult(plan, outRows, outIntervals);
  const left = status.analyst ?? status.dataset;
  const spent = {
    epsilon: cost.epsilon.toNumberUp(),
    delta: cost.delta.toNumberUp(),
    ...(cost.rho.isZero() ? {} : { rho: cost.rho.toNumberUp() }),
  };
  const result: DpSqlResult = {
    columns,
    rows,
    intervals,
    spent,
    remaining: { epsilon: left.remaining.epsilon.toNumberDown(), delta: left.remaining.delta.toNumberDown() },
    guarantee: guaranteeOf(cost),
    loss: cost,
    confidence,
    ...(bounding ? { bounding: bounding.report } : {}),
    ...quantileNote(plan, compiled, columns, intervalShareOf(outputs)),
  };
  return !isSecureSource(rng) ? { ...result, notForRelease: true } : result;
}

/** The interval share the quantile outputs were planned with (the same for all of a query's quantiles). */
function intervalShareOf(t: SqlTableOutputs): number {
  for (const o of t.outputs) if (o.kind === 'quantiles') return o.intervalShare ?? 0;
  return 0;
}

/** The printed quantile columns and how they were released (public), or nothing without any. */
function quantileNote(
  plan: QueryPlan,
  compiled: CompiledDpQuery,
  columns: readonly string[],
  intervalShare: number,
): { quantiles?: QuantileNote } {
  const quantile = new Set<string>();
  const integer = new Set<string>();
  plan.outputs.forEach((o, i) => {
    if (o.kind !== 'aggregate' || o.aggregate.kind !== 'quantile' || o.hidden) return;
    quantile.add(o.name);
    const inputs = compiled.inputs[i];
    if (inputs?.kind === 'quantile' && inputs.integer) integer.add(o.name);
  });
  if (quantile.size === 0) return {};
  return {
    quantiles: {
      columns: columns.filter((c) => quantile.has(c)),
      intervalShare,
      integerColumns: columns.filter((c) => integer.has(c)),
    },
  };
}

/** A count output (post-processed to be non-negative). */
function isCount(kind: string): boolean {
  return kind === 'count' || kind === 'countValues' || kind === 'countUnits';
}
