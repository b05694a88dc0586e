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
 * @module
 */
import { DpError } from '../core/errors.js';
import { edgeArray, edgeRead, edgeRecord, edgeStringArray } from '../numeric/edge.js';
import type { CompiledStatement } from '../sql/dialect.js';
import type { EngineRow, SqlEngine } from '../sql/engine.js';
import { type EngineWrapper, forwardPreflight } from './engine-wrapper.js';

type Catalog = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** A pool of engines over the same data (see the module header). */
export class EnginePool implements EngineWrapper {
  private readonly free: SqlEngine[];
  private readonly waiting: ((e: SqlEngine) => void)[] = [];
  private readonly catalogs = new Map<string, Promise<Catalog>>();
  private readonly engines: readonly SqlEngine[];
  /** Whether the engines have a preflight (read once: engines opened from one configuration are of one kind). */
  private readonly preflights: boolean;
  private closed = false;
  private closing: Promise<void> | undefined;

  /**
   * @param engines - one or more engines opened on the same data (each used by one statement at a time).
   * @throws DpError INTERNAL without an engine.
   */
  constructor(engines: readonly SqlEngine[]) {
    // S22 edge line: the engines read once (an array of objects), totally.
    this.engines = edgeRead('engines', () => {
      edgeArray(engines, 'engines');
      const all = Array.from(engines);
      for (const e of all) edgeRecord(e, 'engines[i]');
      return all;
    });
    if (this.engines.length === 0) throw new DpError('INTERNAL', 'an engine pool without an engine', {});
    this.preflights = edgeRead('engines', () => this.engines.some((e) => typeof e.preflight === 'function'));
    this.free = [...this.engines];
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
    try {
      return await f(e);
    } finally {
      this.give(e);
    }
  }

  query(statement: CompiledStatement): Promise<EngineRow[]> {
    return this.use((e) => e.query(statement));
  }

  /**
   * The engines' preflight (review S45b: every hook forwarded, `engine-wrapper.ts`), on an engine of its own like a
   * statement, on every query (never kept: a privilege may change). Engines without one (DuckDB) have nothing to
   * check: no engine is taken.
   * @throws DpError INVALID_PARAMETER when `statements` is not an array; INVALID_SCHEMA / ENGINE_ERROR as the engine.
   */
  async preflight(statements: readonly CompiledStatement[]): Promise<void> {
    const all = edgeRead('statements', () => {
      edgeArray(statements, 'statements');
      return Array.from(statements);
    });
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

/** A pool of one engine: its statements run one after another (its catalog read once, as the pool's). */
export class SerialEngine extends EnginePool {
  /** @param inner - the engine (its catalog fixed while it is open). */
  constructor(inner: SqlEngine) {
    super([inner]);
  }
}
