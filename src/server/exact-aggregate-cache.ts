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
 * Memory is bounded: at most `maxEntries` statements (least recently used
 * evicted) and at most `maxRows` rows each (a bigger result is not kept).
 * Kept rows are frozen (the release path only reads them).
 * @module
 */
import type { CompiledStatement } from '../sql/dialect.js';
import type { EngineRow, SqlEngine } from '../sql/engine.js';

/** Bounds of an exact-aggregate cache. */
export interface ExactAggregateCacheOptions {
  /** Statements kept (least recently used evicted; default 1024). */
  readonly maxEntries?: number;
  /** Rows a kept result may have (default 10,000; a bigger result is run every time). */
  readonly maxRows?: number;
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
export class ExactAggregateCache implements SqlEngine {
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
   * The statement's rows: kept ones (the same statement ran before, or runs now) or the engine's.
   * @throws DpError ENGINE_ERROR as the engine (a failure is not kept).
   */
  query(statement: CompiledStatement): Promise<EngineRow[]> {
    const key = keyOf(statement);
    const known = this.kept.get(key);
    if (known) {
      this.hits++;
      this.kept.delete(key);
      this.kept.set(key, known);
      return known;
    }
    this.misses++;
    const run = this.inner.query(statement).then((rows) => {
      for (const r of rows) Object.freeze(r);
      return Object.freeze(rows) as EngineRow[];
    });
    this.kept.set(key, run);
    run.then(
      (rows) => {
        if (rows.length > this.maxRows && this.kept.get(key) === run) this.kept.delete(key);
      },
      () => {
        if (this.kept.get(key) === run) this.kept.delete(key);
      },
    );
    while (this.kept.size > this.maxEntries) {
      const oldest = this.kept.keys().next().value as string;
      this.kept.delete(oldest);
    }
    return run;
  }

  close(): Promise<void> {
    this.kept.clear();
    return this.inner.close();
  }
}
