/**
 * The public types of DP SQL: the options and inputs of `runDpSql` and
 * `explainDpSql`, and what they return. Shared by the files of the run path
 * (run-dp-sql, explain-dp-sql, release-group, release-through-table,
 * post-process-result), so that none of them imports another's types in a
 * cycle.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { ExactLoss } from '../core/exact-loss.js';
import type { PrivacyLoss } from '../core/loss.js';
import type { BudgetLedger } from '../ledger/ledger.js';
import type { Rational } from '../numeric/rational.js';
import type { RandomSource } from '../random/source.js';
import type { BudgetSplit } from './budget-split.js';
import type { CompiledDpQuery } from './compile.js';
import type { SqlDialect } from './dialect.js';
import type { SqlEngine } from './engine.js';
import type { QueryPlan } from './plan.js';
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
   * The share of each quantile output's ε (or ρ) spent on its confidence interval: two exponential
   * mechanisms (half the share each) pick the interval's ends a public number of ranks below and above
   * the quantile (the statistics layer's `releaseQuantile`, src/stats/quantile-interval.proof.md)
   * (default `SQL_QUANTILE_INTERVAL_SHARE`, 20%, as the Session does); the rest goes to the
   * exponential mechanism that picks the value.
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
  /**
   * Also release, with DP, how many privacy units lost rows to contribution bounding and how many units there are
   * (issue 11 `--report-bounding`): `true` spends `DEFAULT_BOUNDING_SHARE` (5%, budget-split.ts) of the query's ε (or ρ) on the two
   * counts, `{ share }` a share in (0, 0.5]. Inside the query's charge: the outputs share the rest.
   * Unit-level queries only (with each row its own unit, bounding removes nothing).
   */
  readonly reportBounding?: boolean | { readonly share: number };
}

/** The bounding report of a query (`reportBounding`). */
export interface BoundingReport {
  /** Noisy number of privacy units that lost at least one row to contribution bounding (rounded, ≥ 0). */
  readonly unitsCut: number;
  /** Noisy number of privacy units the query's FROM/WHERE reads (rounded, ≥ 0). */
  readonly units: number;
  /** The interval of each count at the query's confidence level (the noise only). */
  readonly interval: { readonly unitsCut: readonly [number, number]; readonly units: readonly [number, number] };
  /** Each count's share of the budget: ε (Laplace noise) or ρ (Gaussian noise); part of the query's charge. */
  readonly epsilon?: number;
  readonly rho?: number;
  /** The confidence level of the intervals. */
  readonly confidence: number;
}

/** The default share of a quantile output's budget spent on its confidence interval (as `Session.quantile`). */
export const SQL_QUANTILE_INTERVAL_SHARE = 0.2;

/** Bins of an empty group's quantile histogram when the compiled query names none (it always does). */
export const QUANTILE_BINS_FALLBACK = 2;

/** The quantile interval share of a query, validated. @throws DpError INVALID_PARAMETER unless in [0, 1). */
export function readIntervalShare(options: DpSqlOptions): number {
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
  /** What this query spent, in the measures it was spent in: ε and δ (Laplace outputs, partition selection) and ρ (Gaussian outputs). */
  readonly spent: { readonly epsilon: number; readonly delta: number; readonly rho?: number };
  /** What is left of the analyst's budget, or of the data set's when analysts are not modelled. */
  readonly remaining: { readonly epsilon: number; readonly delta: number };
  /** The guarantee of the whole result (ρ-zCDP, pure ε or (ε, δ); a mix of ρ and (ε, δ) stated as (ε, δ), see `guaranteeOf`). */
  readonly guarantee: PrivacyLoss;
  /** The exact loss of the query: its measurement's privacy map at distance 1, and exactly what the ledger was charged. */
  readonly loss: ExactLoss;
  /** The confidence level of the intervals. */
  readonly confidence: number;
  /** Present when a seeded source made this: not for release. */
  readonly notForRelease?: true;
  /** The bounding report, when `reportBounding` was asked for. */
  readonly bounding?: BoundingReport;
  /** How the printed quantile columns (MEDIAN, PERCENTILE_CONT, QUANTILE, MIN, MAX) were released; absent without any. */
  readonly quantiles?: QuantileNote;
}

/** How a query's printed quantile columns were released (public: from the plan and the options). */
export interface QuantileNote {
  /** The quantile columns, in column order. */
  readonly columns: readonly string[];
  /**
   * The share of each quantile's budget spent on its interval (two exponential mechanisms, half each, for the ends);
   * 0: no interval. The interval covers the exact quantile of the clamped, bounded values at the stated confidence.
   */
  readonly intervalShare: number;
  /** The columns over an integer measure: value and interval ends are integers. */
  readonly integerColumns: readonly string[];
}

/** What `explainDpSql` returns: nothing is run or charged. */
export interface DpSqlExplanation {
  readonly plan: QueryPlan;
  readonly compiled: CompiledDpQuery;
  readonly split: BudgetSplit;
  /** A human-readable account: outputs, budget split, bounding, SQL. */
  readonly text: string;
}

/** Everything `runDpSql` needs. */
export interface RunDpSqlInput extends DpSqlOptions {
  readonly sql: string;
  readonly schema: SqlSchema;
  readonly engine: SqlEngine;
  readonly ledger: BudgetLedger;
  /**
   * A cache of checked plans (the query server's, `tsdp/server`): a plan is a deep-frozen pure function of the query
   * text and the schema, so a cache keyed on both returns the plan `planDpQuery(sql, schema)` would build. Everything
   * after the plan (budget split, compile with a fresh salt, public checks, charge) runs on every query.
   */
  readonly planCache?: DpSqlPlanCache;
}

/** A cache of plans keyed on (schema, query text): `get` returns only a plan stored for that very schema and text. */
export interface DpSqlPlanCache {
  get(sql: string, schema: SqlSchema): QueryPlan | undefined;
  set(sql: string, schema: SqlSchema, plan: QueryPlan): void;
  /**
   * Optional: the bounding salt to compile this (schema, text) with — `draw()` (a fresh CSPRNG value) once, then kept
   * with the cached plan, so that a repeated query compiles to the same statement (the server's exact-aggregate cache,
   * `src/server/exact-aggregate-cache.ts`). Any salt fixed independently of the data keeps the guarantee: the
   * bounding is stable for every salt value (compile.ts), the noise is fresh and each query is charged.
   */
  salt?(sql: string, schema: SqlSchema, draw: () => bigint): bigint;
  /**
   * Optional: the compiled statements of a cached plan under its kept salt — `compile()` once, then kept (a pure
   * function of plan, salt, dialect and schema). A cache returns a kept one only for that very plan, salt and dialect
   * object (by identity: two dialects may share a name — a test's or a wrapper's — and compile differently).
   */
  compiled?(plan: QueryPlan, salt: bigint, dialect: SqlDialect, compile: () => CompiledDpQuery): CompiledDpQuery;
}
