/**
 * The exact-aggregate cache: on a data set that cannot change while the server
 * runs, the rows a compiled statement returns are kept and returned again when
 * the very same statement (text and bind values, the bounding salt among them)
 * is run again. Noise is drawn afresh for every query and every query is
 * charged in full, exactly as without the cache; only the engine's work (the
 * bounded aggregation over every row, ≈ 5 ms of DuckDB CPU on Adult) is saved.
 *
 * **Why the guarantee is unchanged.** A DP SQL answer is M(D) = f_s(D) + Z:
 * f_s is the compiled bounded aggregation with salt s (it orders a unit's
 * contributions for bounding), Z fresh noise calibrated to f_s's sensitivity,
 * which holds for every value of s (compile.ts: bounding caps each unit's
 * contributions whatever order the salt gives). The server keeps one salt per
 * cached plan, drawn from the CSPRNG independently of the data
 * (`plan-cache.ts`, kept salt), so k repeats of a query are k releases
 * f_s(D) + Z₁, …, f_s(D) + Z_k with independent Zᵢ: a sequential composition of
 * k mechanisms, each charged by the ledger before it runs. Computing f_s(D)
 * once or k times gives the same numbers — the engine is deterministic on
 * fixed data for a fixed statement (exact integer fixed-point sums, a salted
 * hash order) — so the released distribution is identical; the cache changes
 * when the value is computed, never what is released or charged.
 *
 * **When it applies (the rule that keeps it exact).** Only on data sets whose
 * data is fixed while the server runs: a DuckDB database file (opened
 * read-only; DuckDB's file lock keeps writers out while it is open), or files
 * the operator declares immutable (`exactAggregateCache: true`: Parquet/CSV
 * files that are never replaced in place). Never on PostgreSQL or ClickHouse
 * (live databases) unless the operator says so. A failed statement is never
 * kept (the next run tries again); concurrent runs of one statement share one
 * engine run.
 *
 * **Side channel.** A hit answers faster than a miss, so its timing says that
 * the same statement — the same query text on the same data set, hence the
 * same public plan — was run before (by anyone): a fact about the queries
 * asked, not about the data, and hidden by the padding quantum (on by default)
 * like every other time difference (the threat model in `index.ts`).
 *
 * **Whether a result is kept is decided before the run, from public facts
 * only** (review S27). A result is kept only for a statement declared with a
 * public row bound (`declareRowBound`; the plan cache declares each statement
 * it keeps compiled, from its plan: no GROUP BY → 1 row; declared keys → the
 * product of the declared category counts, × the bins for a histogram; any key
 * chosen by partition selection → no bound, never kept) and only when that
 * bound is ≤ `maxRows`. The rows returned are never looked at for the
 * decision: the number of groups present in the data (private for selected
 * keys, one person can add one) once decided it, so one person could flip
 * every later run of a query from hit to miss, a whole engine run of time
 * that the analyst can size to cross a padding quantum. With the decision
 * made from the statement alone, the sequence of hits and misses is a
 * function of the sequence of statements (tested on neighbouring tables,
 * test/server/exact-aggregate-cache.test.ts).
 *
 * Memory is bounded: at most `maxEntries` statements (least recently used
 * evicted: an order of the statements asked, public) and, per kept statement,
 * its public bound in rows plus the groups of values outside the declared
 * categories that the operator's own data holds (no analyst can add those).
 * Kept rows are frozen (the release path only reads them).
 * @module
 */
import type { CompiledDpQuery } from '../sql/compile.js';
import type { CompiledStatement } from '../sql/dialect.js';
import type { EngineRow, SnapshotReader, SqlEngine } from '../sql/engine.js';
import type { QueryPlan } from '../sql/plan.js';
import { type EngineWrapper, forwardPreflight, forwardQueryChunks, forwardSnapshot } from './engine-wrapper.js';

/** Bounds of an exact-aggregate cache. */
export interface ExactAggregateCacheOptions {
  /** Statements kept (least recently used evicted; default 1024). */
  readonly maxEntries?: number;
  /** The largest public row bound a kept statement may have (default 10,000; a statement with a bigger one, or none, is run every time). */
  readonly maxRows?: number;
}

/** Public row bounds of statement objects (compiled statements are frozen; the bound is a fact about the object). */
const publicRowBounds = new WeakMap<CompiledStatement, number>();

/**
 * Declares a public upper bound on the rows a statement returns (before any run: from its plan, never from data);
 * only a declared statement's result can be kept (see the module header).
 * @param statement - the compiled statement (by identity; frozen).
 * @param rows - the bound: a non-negative integer or Infinity (never kept).
 */
export function declareRowBound(statement: CompiledStatement, rows: number): void {
  publicRowBounds.set(statement, Number.isInteger(rows) && rows >= 0 ? rows : Number.POSITIVE_INFINITY);
}

/**
 * Declares the public row bounds of a plan's compiled statements: the main statement has one row per group — 1
 * without GROUP BY, the product of the declared category counts when every key is declared, no bound when a key
 * is chosen by partition selection (its groups are the data's); a histogram has that many groups × its bins.
 * @param plan - the plan (public).
 * @param compiled - its compiled statements.
 */
export function declarePlanRowBounds(plan: QueryPlan, compiled: CompiledDpQuery): void {
  let groups = 1;
  for (const k of plan.groupBy) groups = k.categories === null ? Number.POSITIVE_INFINITY : groups * k.categories.length;
  declareRowBound(compiled.main, groups);
  for (const h of compiled.histograms) declareRowBound(h, groups * h.bins);
}

/**
 * The cache key: the statement's text and its typed bind values, nothing else, and injective: bigints as `<n>n`,
 * numbers as `Object.is`-exact text (NaN, ±Infinity and −0 kept apart from null and 0), strings quoted by JSON.
 */
function keyOf(statement: CompiledStatement): string {
  const value = (v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : JSON.stringify(v);
  return JSON.stringify([statement.sql, statement.params.map((p) => [p.type, value(p.value)])]);
}

/** An engine over immutable data whose statements' rows are reused (see the module header). */
export class ExactAggregateCache implements EngineWrapper {
  private readonly kept = new Map<string, Promise<EngineRow[]>>();
  private readonly maxEntries: number;
  private readonly maxRows: number;
  /** Statements answered from the cache (for the benchmark and tests). */
  hits = 0;
  /** Statements run on the engine. */
  misses = 0;

  /**
   * @param inner - the engine over data that does not change while this cache is open.
   * @param options - the bounds.
   */
  constructor(
    private readonly inner: SqlEngine,
    options: ExactAggregateCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 1024;
    this.maxRows = options.maxRows ?? 10_000;
  }

  get dialect() {
    return this.inner.dialect;
  }

  catalog(tables: readonly string[]) {
    return this.inner.catalog(tables);
  }

  /**
   * The engine's preflight (review S45b: every hook forwarded, `engine-wrapper.ts`), on every query, never kept: the
   * public causes it checks (a privilege) may change while the data does not.
   * @throws DpError INVALID_SCHEMA / ENGINE_ERROR as the engine (before the charge).
   */
  preflight(statements: readonly CompiledStatement[]): Promise<void> {
    return forwardPreflight(this.inner, statements);
  }

  /**
   * The statement's rows in chunks (`SqlEngine.queryChunks`, forwarded: `engine-wrapper.ts`), never kept.
   * @throws DpError ENGINE_ERROR as the engine.
   */
  queryChunks(statement: CompiledStatement, chunkRows: number, onChunk: (rows: EngineRow[]) => void | Promise<void>): Promise<void> {
    return forwardQueryChunks(this.inner, statement, chunkRows, onChunk);
  }

  /**
   * The statement's rows: kept ones (the same statement ran before, or runs now) or the engine's.
   * @throws DpError ENGINE_ERROR as the engine (a failure is not kept).
   */
  query(statement: CompiledStatement): Promise<EngineRow[]> {
    return this.cached(statement, (s) => this.inner.query(s));
  }

  /**
   * Every statement of `work` on the engine's snapshot (`SqlEngine.snapshot`, forwarded: `engine-wrapper.ts`), its
   * `query` answered from the cache as `query` is (kept rows are of the same data: module header) and run on the
   * snapshot when not kept.
   * @throws DpError ENGINE_ERROR as the engine, or what `work` throws.
   */
  snapshot<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    return forwardSnapshot(this.inner, (reader) => work({ ...reader, query: (s) => this.cached(s, (t) => reader.query(t)) }));
  }

  /** `query` with `run` for a statement not kept. @throws DpError ENGINE_ERROR as the engine. */
  private cached(statement: CompiledStatement, run: (s: CompiledStatement) => Promise<EngineRow[]>): Promise<EngineRow[]> {
    // Decided before the run from the statement's public bound alone, never from the rows (review S27).
    const bound = publicRowBounds.get(statement);
    if (bound === undefined || bound > this.maxRows) {
      this.misses++;
      return run(statement);
    }
    const key = keyOf(statement);
    const known = this.kept.get(key);
    if (known) {
      this.hits++;
      this.kept.delete(key);
      this.kept.set(key, known);
      return known;
    }
    this.misses++;
    const running = run(statement).then((rows) => {
      for (const r of rows) Object.freeze(r);
      return Object.freeze(rows) as EngineRow[];
    });
    this.kept.set(key, running);
    // A failure is not kept (the next run tries again); compiled SQL is total, so failures do not depend on the data.
    running.catch(() => {
      if (this.kept.get(key) === running) this.kept.delete(key);
    });
    while (this.kept.size > this.maxEntries) {
      const oldest = this.kept.keys().next().value as string;
      this.kept.delete(oldest);
    }
    return running;
  }

  close(): Promise<void> {
    this.kept.clear();
    return this.inner.close();
  }
}
