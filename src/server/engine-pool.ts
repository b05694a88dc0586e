/**
 * DuckDB statements of concurrent queries, run at once: a pool of engines,
 * each with its own connection, each running one statement at a time.
 *
 * Why one statement per connection: DuckDB has no per-statement timeout, so
 * `DuckDbEngine` interrupts its **connection** at the deadline; two statements
 * sharing a connection would fail together — one analyst's slow query would
 * make another's charged query fail. With one statement per connection, a
 * deadline interrupts only the statement that passed it.
 *
 * The catalog (`checkPublicStructure`, before each charge) is read once per set
 * of tables and kept: a DuckDB engine's catalog is fixed when it opens (the views
 * over the declared files are created at open and the configuration locked; a
 * database file is opened read-only, and DuckDB's file lock keeps writers out
 * while it is open), so the answer from memory is the answer `information_schema`
 * would give (≈ 2–5 ms saved per query). A failed read is not kept.
 * Every engine of a pool is opened from the same configuration, so all see the same tables.
 *
 * **A broken engine is replaced** (stop 19, review's S55c note). DuckDB invalidates its database after an INTERNAL
 * error (a value its storage could not narrow, a crash it caught): every later statement on that engine fails, so
 * before this rule one bad statement stopped the data set for every analyst until a restart. Now, when a statement,
 * preflight or catalog read fails with ENGINE_ERROR and the pool was given `reopen`, the engine is withheld from the
 * pool and asked a constant `SELECT 1`; if that fails too (invalidated, closed, or still stuck past its deadline) it
 * is closed and replaced by `reopen()` — the same open the server started with, so every open-time file check (the
 * footer's stored types, the line check, the identity bracket) runs again — and the kept catalogs are dropped. The
 * failing statement's caller gets its error at once (the check runs after it); a reopen that fails puts the old engine
 * back (its statements fail as before: never worse than without the rule). Nothing is charged by the check, and its
 * outcome is not in any answer: only the pool's members change. The statement that failed was charged and failed as
 * before (the classes that make DuckDB fail are refused at open: duckdb-parquet-types.ts).
 * @module
 */
import { DpError } from '../core/errors.js';
import { edgeArray, edgeFunction, edgeRead, edgeRecord, edgeStringArray } from '../numeric/edge.js';
import type { CompiledStatement } from '../sql/dialect.js';
import type { EngineRow, SnapshotReader, SqlEngine } from '../sql/engine.js';
import { type EngineWrapper, forwardPreflight, forwardQueryChunks, forwardSnapshot } from './engine-wrapper.js';

type Catalog = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** Options of `EnginePool`. */
export interface EnginePoolOptions {
  /** Opens one more engine like the pool's (the server's own open): used to replace a broken member (module header). */
  readonly reopen?: () => Promise<SqlEngine>;
}

/** The statement that tells a working engine from a broken one: constant, reads no table. */
const PROBE: CompiledStatement = { sql: 'SELECT 1 AS ok', params: [] };

/** A pool of engines over the same data (see the module header). */
export class EnginePool implements EngineWrapper {
  private readonly free: SqlEngine[];
  private readonly waiting: ((e: SqlEngine) => void)[] = [];
  private readonly catalogs = new Map<string, Promise<Catalog>>();
  private readonly engines: SqlEngine[];
  private readonly reopen: (() => Promise<SqlEngine>) | undefined;
  private replaced = 0;
  /**
   * Whether the engines' preflight can refuse anything (read once: engines opened from one configuration are of one
   * kind, and a DuckDB engine's declared files are fixed at open): see `checksBeforeCharge`.
   */
  private readonly preflights: boolean;
  private closed = false;
  private closing: Promise<void> | undefined;

  /**
   * @param engines - one or more engines opened on the same data (each used by one statement at a time).
   * @param options - `reopen`, to replace a broken engine (module header).
   * @throws DpError INTERNAL without an engine.
   */
  constructor(engines: readonly SqlEngine[], options: EnginePoolOptions = {}) {
    // S22 edge line: the engines read once (an array of objects), totally.
    this.engines = edgeRead('engines', () => {
      edgeArray(engines, 'engines');
      const all = Array.from(engines);
      for (const e of all) edgeRecord(e, 'engines[i]');
      return all;
    });
    if (this.engines.length === 0) throw new DpError('INTERNAL', 'an engine pool without an engine', {});
    this.preflights = edgeRead('engines', () => this.engines.some(checksBeforeCharge));
    this.free = [...this.engines];
    this.reopen = edgeRead('options', () => {
      edgeRecord(options, 'options');
      const r = options.reopen;
      if (r !== undefined && typeof r !== 'function')
        throw new DpError('INVALID_PARAMETER', 'reopen must be a function', { parameter: 'reopen' });
      return r;
    });
  }

  /** How many broken engines this pool has replaced (for tests and the operator). */
  get reopened(): number {
    return this.replaced;
  }

  get dialect() {
    return (this.engines[0] as SqlEngine).dialect;
  }

  /** Engines in the pool. */
  get size(): number {
    return this.engines.length;
  }

  private take(): Promise<SqlEngine> {
    const e = this.free.pop();
    if (e) return Promise.resolve(e);
    return new Promise((r) => this.waiting.push(r));
  }

  private give(e: SqlEngine): void {
    const next = this.waiting.shift();
    if (next) next(e);
    else this.free.push(e);
  }

  private async use<T>(f: (e: SqlEngine) => Promise<T>): Promise<T> {
    if (this.closed) throw new DpError('ENGINE_ERROR', 'the engine is closed', { engine: this.dialect.name });
    const e = await this.take();
    let broken = false;
    try {
      return await f(e);
    } catch (err) {
      broken = this.reopen !== undefined && err instanceof DpError && err.code === 'ENGINE_ERROR';
      throw err;
    } finally {
      if (broken) void this.recover(e);
      else this.give(e);
    }
  }

  /**
   * After an ENGINE_ERROR: gives back `e` if it still answers the probe, else a reopened engine in its place (the
   * old one closed), else `e` again when the reopen fails (module header). Never rejects; always gives one back.
   */
  private async recover(e: SqlEngine): Promise<void> {
    let next = e;
    try {
      if (!this.closed && this.reopen && !(await answers(e))) {
        const fresh = await this.reopen();
        const i = this.engines.indexOf(e);
        if (i >= 0) this.engines[i] = fresh;
        this.catalogs.clear(); // the reopened engine's file checks ran again: its catalog is read anew
        this.replaced++;
        next = fresh;
        await e.close().catch(() => {});
      }
    } catch {
      // The reopen failed (the file is gone or now refused): the old engine stays, failing as it did.
    }
    this.give(next);
  }

  /**
   * The statement's rows in chunks (`SqlEngine.queryChunks`, forwarded: `engine-wrapper.ts`), never kept.
   * @throws DpError ENGINE_ERROR as the engine.
   */
  queryChunks(statement: CompiledStatement, chunkRows: number, onChunk: (rows: EngineRow[]) => void | Promise<void>): Promise<void> {
    return this.use((e) => forwardQueryChunks(e, statement, chunkRows, onChunk));
  }

  query(statement: CompiledStatement): Promise<EngineRow[]> {
    return this.use((e) => e.query(statement));
  }

  /**
   * Every statement of `work` on one pooled engine's snapshot (`SqlEngine.snapshot`, forwarded: `engine-wrapper.ts`):
   * the engine is held until `work` settles, so no statement of one query runs on another engine.
   * @throws DpError INVALID_PARAMETER when `work` is not a function; ENGINE_ERROR as the engine, or what `work` throws.
   */
  async snapshot<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    edgeFunction(work, 'work');
    return this.use((e) => forwardSnapshot(e, work));
  }

  /**
   * The engines' preflight (review S45b: every hook forwarded, `engine-wrapper.ts`), on an engine of its own like a
   * statement, on every query (never kept: a privilege may change). Engines without one (DuckDB) have nothing to
   * check, and neither have DuckDB engines over a database file alone (no declared file to re-read:
   * `DuckDbEngine.preflightChecks`, stop 26): no engine is taken. Taking one queued every query twice behind the
   * pool's statements — once for a check that did nothing — and held a connection idle for a turn of the event loop.
   * A closed pool refuses here, before the charge, whether or not its engines check anything.
   * @throws DpError INVALID_PARAMETER when `statements` is not an array; INVALID_SCHEMA / ENGINE_ERROR as the engine;
   *   ENGINE_ERROR once the pool is closed.
   */
  async preflight(statements: readonly CompiledStatement[]): Promise<void> {
    const all = edgeRead('statements', () => {
      edgeArray(statements, 'statements');
      return Array.from(statements);
    });
    if (this.closed) throw new DpError('ENGINE_ERROR', 'the engine is closed', { engine: this.dialect.name });
    if (!this.preflights) return;
    await this.use((e) => forwardPreflight(e, all));
  }

  catalog(tables: readonly string[]): Promise<Catalog> {
    tables = edgeStringArray(tables, 'tables'); // S7 edge: read once, totally (numeric/edge.ts)
    const key = JSON.stringify([...tables].sort());
    const known = this.catalogs.get(key);
    if (known) return known;
    const read = this.use((e) => e.catalog(tables));
    this.catalogs.set(key, read);
    read.catch(() => this.catalogs.delete(key));
    return read;
  }

  /**
   * Waits for the statements running now, then closes every engine. Idempotent: a second call returns the first
   * call's promise (it used to wait forever for engines the first call had taken — found by the S7 sweep).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      const all = await Promise.all(this.engines.map(() => this.take()));
      for (const e of all) await e.close().catch(() => {});
    })();
    return this.closing;
  }
}

/**
 * Whether `e`'s preflight can refuse anything: it has one, and does not say it checks nothing (`preflightChecks`
 * false: a DuckDB engine without declared files, whose preflight is an empty loop — `DuckDbEngine.preflightChecks`).
 */
function checksBeforeCharge(e: SqlEngine): boolean {
  if (typeof e.preflight !== 'function') return false;
  return (e as { readonly preflightChecks?: unknown }).preflightChecks !== false;
}

/** Whether `e` runs the constant probe (a broken or stuck engine fails it, within its own deadline). */
async function answers(e: SqlEngine): Promise<boolean> {
  try {
    await e.query(PROBE);
    return true;
  } catch {
    return false;
  }
}

/** A pool of one engine: its statements run one after another (its catalog read once, as the pool's). */
export class SerialEngine extends EnginePool {
  /** @param inner - the engine (its catalog fixed while it is open). */
  constructor(inner: SqlEngine) {
    super([inner]);
  }
}
