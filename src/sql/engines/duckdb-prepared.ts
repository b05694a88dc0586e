/**
 * Prepared statements of one DuckDB connection, kept and run again (issue 15: distinct queries of one shape). DuckDB
 * parses a statement at `prepare` and a prepared statement can be run again with new values bound — but a statement
 * with parameters is bound, optimised and planned again at every execute (server's measurement at stop 17, DuckDB 1.5,
 * bench/server/README.md "Stop 17": a prepared GROUP BY with one parameter 0.80 ms CPU per run, the same text run anew
 * 0.77 ms, prepared without parameters 0.57 ms), so a kept statement saves the first prepare's parse, not the
 * per-run planning. The cause (stop 21, DuckDB 1.5's `ClientContext::CreatePreparedStatementInternal` and
 * `PreparedStatement::CanCachePlan`): a statement prepared with parameters keeps its plan only when the plan has no
 * `LOGICAL_GET`; any table scan sets `always_require_rebind`, so every execute binds, optimises and plans it anew
 * (≈ 0.45 ms binding + 0.45 ms optimizers by DuckDB's profiler, `bench/server/prepared-replan.ts`), while the same
 * statement with no parameters keeps its plan (0 ms). tsdp compiles every
 * literal of a query, and the bounding salt, to bind parameters, so queries of one shape (the same statement text
 * with other constants, salts or ε) compile to the same text and reuse one prepared statement.
 *
 * ## The rule (privacy first)
 * 1. **The key is the statement's exact text, nothing else** — the text tsdp's compiler wrote, a function of the
 *    public plan. Values (literals, the salt) are never part of the key and are bound afresh for every run, all of
 *    them (`bind` sets every parameter the text has; a count that differs is refused by DuckDB as an engine error,
 *    never run with a stale value). So a salt is never carried from one run to another by this cache.
 * 2. **Hit or miss is a function of the sequence of statement texts this connection was asked to run**: least
 *    recently used first out, `max` kept. Nothing the engine returns decides it: a run that fails (an engine error,
 *    an interrupt at the deadline) keeps its prepared statement (DuckDB leaves it valid; tested), and only a
 *    `prepare` that fails — a function of the text and the catalog, public — keeps nothing. The cache is cleared
 *    when a view is rebuilt over a declared file the operator changed (`refreshChanged`: the catalog changed) and at
 *    close; both are facts about the operator's files, not about a row.
 * 3. **What runs is what a fresh prepare would run**: DuckDB re-binds a prepared statement itself when a bound
 *    value's type differs from the type it was prepared with or the catalog changed; the same text over the same
 *    catalog gives the same plan. Only statements DuckDB classifies as SELECT are kept (the engine refuses the rest).
 *    Tested: answers identical with and without the cache (fast-check over statements of one shape with random
 *    values and types, test/server/duckdb-prepared.test.ts).
 * 4. It sits below the charge: the plan, its sensitivity, the budget split and the charge are computed before any
 *    statement reaches the engine, so the cache cannot change a guarantee or a charge.
 *
 * **Residual (timing, stated):** a hit saves DuckDB's prepare (at most ≈ 1–2 ms, measured at stop 15), so it shows that the same statement text
 * ran on this connection before — a fact about the queries asked, hidden by the server's padding quantum like every
 * time difference. In the server's pool (`src/server/engine-pool.ts`) each connection has its own cache, and which
 * connection runs a statement is the first free one: that assignment — and, for two requests of one shape close
 * together, whether the first one's statement was already prepared when the second arrived — depends on when
 * earlier statements finished: the same fact the pool's queueing delay already shows (a whole engine run), of which
 * this adds at most one prepare. The cache's state changes when a statement is prepared, before it runs, never at
 * the end of the work (review S33's rule).
 * @module
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';

/** A prepared statement to run, and what to do when its run is over. */
export interface PreparedUse {
  readonly prepared: DuckDBPreparedStatement;
  /** Call once the run has returned: destroys a statement that is not kept. */
  readonly done: () => void;
}

/** A bounded LRU of one connection's prepared statements, by exact text (see the module header). */
export class PreparedStatements {
  private readonly kept = new Map<string, DuckDBPreparedStatement>();
  /** Runs that found their statement prepared. */
  hits = 0;
  /** Runs that prepared it. */
  misses = 0;

  /**
   * @param connection - the connection (statements are used one at a time on it: the engine's call queue).
   * @param max - statements kept (0: none, every statement prepared and destroyed as before).
   * @param keep - whether a newly prepared statement may be kept (the engine: DuckDB classifies it as SELECT).
   */
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly max: number,
    private readonly keep: (prepared: DuckDBPreparedStatement) => boolean,
  ) {}

  /**
   * The prepared statement of `sql`: the kept one, or a new one (kept when allowed, the least recently used
   * destroyed past `max`).
   * @param sql - the statement's exact text.
   * @returns the statement and its `done`.
   * @throws what DuckDB's prepare throws (nothing is kept then).
   */
  async acquire(sql: string): Promise<PreparedUse> {
    const known = this.kept.get(sql);
    if (known) {
      this.hits++;
      this.kept.delete(sql);
      this.kept.set(sql, known);
      return { prepared: known, done: noop };
    }
    this.misses++;
    const prepared = await this.connection.prepare(sql);
    if (this.max <= 0 || !this.keep(prepared)) return { prepared, done: () => prepared.destroySync() };
    this.kept.set(sql, prepared);
    // Calls on a connection are serial, so the statement evicted here is not running.
    while (this.kept.size > this.max) {
      const [oldest, statement] = this.kept.entries().next().value as [string, DuckDBPreparedStatement];
      this.kept.delete(oldest);
      statement.destroySync();
    }
    return { prepared, done: noop };
  }

  /** Statements kept now. */
  get size(): number {
    return this.kept.size;
  }

  /** Destroys every kept statement (the catalog changed, or the connection closes). */
  clear(): void {
    for (const p of this.kept.values()) p.destroySync();
    this.kept.clear();
  }
}

function noop(): void {}
