/**
 * DuckDB, the embedded default engine (`@duckdb/node-api`). Tables come from
 * CSV, Parquet or JSON files, queried **in place** through views, or from a
 * DuckDB database file (opened read-only).
 *
 * Threat model (what an analyst's statement can reach). Analysts never send
 * SQL to DuckDB: statements are compiled by tsdp. Defence in depth, so that
 * even a statement that tried could not escape the declared data:
 * - Each declared file becomes a view `SELECT TRY_CAST(col AS declared) …
 *   FROM <reader>`. CSV: the one record rule of private CSV
 *   (`src/io/csv-records.ts`, review S2), enforced in SQL by `duckdb-csv.ts`:
 *   the file is cut into physical lines first (no quoting, so no state crosses
 *   a line) — by DuckDB's own parallel reader, in place, when a public check
 *   of the file's bytes admits it (one line ending throughout, LF or CR LF,
 *   no blank line, no NUL: review S15,
 *   `line-check.ts` and its proof), else by the shared Node reader at open;
 *   a file written after open is checked again before the next statement —
 *   each line is one record split by RFC 4180 without line breaks and
 *   dropped alone when malformed (an unclosed quote no longer swallows the
 *   rest of the file); the dialect is DECLARED (RFC 4180, or TAB for `.tsv`)
 *   and the columns read from the header line alone (the file's public
 *   structure; `csv-header.ts`) — never sniffed from the records. Where the
 *   check admits it, declared integer and float columns are parsed by
 *   DuckDB's typed reader when every field of them parses, else by the text
 *   path: one bit of the file version, decided by the first statement that
 *   reads a typed field, with the whole file read and every typed column
 *   forced (or by one scan of its own), never by the columns a statement
 *   reads; a statement that reads no typed field runs on the text path,
 *   every state's answer, and decides nothing (review S62; issue 11 stop
 *   25; `duckdb-csv-typed.ts`, `duckdb-csv-choice.ts`).
 *   JSON: each physical line (the same line reader as CSV) that is one JSON
 *   object is one record, its declared keys read by name with
 *   `TRY(json_extract_string(…))` (`duckdb-csv.ts`) — a key no record
 *   carries is NULL; the column set is never read from
 *   the records (which records carry a key would decide answered-or-refused);
 *   the layout of every JSON file (`.json`, `.jsonl`, `.ndjson`) is pinned by
 *   its name to one object per line, never detected from its records (review
 *   S9), so a broken record is dropped alone wherever it is; a JSON array
 *   file is not supported (convert it to JSON Lines). Parquet: `read_parquet` (its schema is
 *   the file's metadata), each declared column admitted only from a stored type whose conversion to the declared
 *   type is total on every raw value, decided from the footer at open (`duckdb-parquet-types.ts`, reviews
 *   S54/S55/S57/S58); what the file stores under each converted column is kept for the catalog, which names it
 *   (`duckdb-catalog.ts`, review S56), and is fixed at open: a rewrite that changes it is refused before a charge. No view column takes its type from the values, and
 *   no value can make a scan fail: a malformed value becomes NULL (TRY_CAST)
 *   and a line the CSV/JSON reader cannot split is skipped — a per-row rule,
 *   so an engine error never depends on which rows a query filters to. (The
 *   in-memory copy this replaces cost 5.3 s and 4 GB for COUNT(*) on 2·10⁷
 *   Parquet rows; the views cost DuckDB's own scan: bench/sql/README.md.)
 * - Before any statement runs: `allowed_paths` is exactly the declared files
 *   (resolved), `enable_external_access = false` (no other file, no ATTACH of
 *   a file, no INSTALL, no extension from disk, no network), and
 *   `lock_configuration = true` (no SET can undo it).
 * - `query` prepares one statement and runs it only when DuckDB classifies it
 *   as SELECT (no COPY — which could write the allowed files — ATTACH, SET,
 *   LOAD, CALL or PRAGMA), with the one data-independent ENGINE_ERROR
 *   otherwise.
 * Checked by test/sql/duckdb-in-place.test.ts.
 *
 * Each statement has a deadline (`statementTimeoutMs`, default 60 s): DuckDB
 * has no statement_timeout setting, so the connection is interrupted when it
 * passes, and the statement fails with the one data-independent ENGINE_ERROR
 * — also when DuckDB never returns: then when a grace of min(deadline, 5 s)
 * after the deadline ends (`deadline-queue.ts`: statements run one at a time,
 * each bounded; `close` frees DuckDB only once it has returned). Opening, the
 * view definitions and the catalog read are bounded the same way, by
 * max(deadline, 60 s) (metadata, never a value). Memory and spilling are
 * pinned at open and locked (`memory_limit`, a private `temp_directory`
 * removed at close — DuckDB's own default was `.tmp` in the working directory
 * — and `max_temp_directory_size`): a statement they stop fails with the same
 * one ENGINE_ERROR, naming the limits (`resource-limits.ts`). No DuckDB setting that adds
 * work beside the statement is on unless asked for: the progress bar only
 * with `trackProgress` (the CLI's progress line on a terminal).
 * @module
 */

import { rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as DuckDbApi from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DpError } from '../../core/errors.js';
import { isCsvLineBreaks } from '../../io/csv-records.js';
import { edgeArray, edgeFunction, edgeRead } from '../../numeric/edge.js';
import type { CompiledStatement } from '../dialect.js';
import { duckdbDialect } from '../dialects/duckdb.js';
import { type EngineRow, engineError, normalizeValue, type SnapshotReader, type SqlEngine } from '../engine.js';
import { DeadlineQueue, withDeadline } from './deadline-queue.js';
import { type CatalogRunner, DuckDbCatalog } from './duckdb-catalog.js';
import { sqlString } from './duckdb-csv.js';
import { CsvReaderDecider } from './duckdb-csv-decide.js';
import { typedReaderRefusal } from './duckdb-csv-typed.js';
import { duckdb, PARAM_TYPES } from './duckdb-driver.js';
import { DuckDbFileViews, MAX_TIMEOUT_MS, type Runner } from './duckdb-file-view.js';
import type { DuckDbOptions } from './duckdb-options.js';
import { PinnedVersions } from './duckdb-pinned-versions.js';
import { PreparedStatements } from './duckdb-prepared.js';
import { streamPreparedChunks } from './duckdb-stream.js';
import { fileIdentity, sameIdentity } from './line-check.js';
import { type DuckDbLimits, duckdbLimits } from './resource-limits.js';

const { DuckDBInstance, listValue, StatementType } = duckdb;
type DuckDBInstance = DuckDbApi.DuckDBInstance;

/** The least deadline of opening, view definitions and catalog reads (metadata): a slow machine is not a stuck call. */
const SETUP_DEADLINE_MS = 60_000;

export type { DeclaredColumnType, DuckDbOptions } from './duckdb-options.js';

/** The DuckDB engine. */
export class DuckDbEngine implements SqlEngine {
  readonly dialect = duckdbDialect;
  /** Every DuckDB call of a statement goes through this queue: one at a time, each with its deadline. */
  private readonly calls: DeadlineQueue;
  /** The deadline of opening, view definitions and catalog reads (module header). */
  private readonly setupDeadlineMs: number;
  /** The views over declared files, and what the engine's other steps read about them (`duckdb-file-view.ts`). */
  private readonly views: DuckDbFileViews;
  /** Decides the reader state of undecided declared CSVs around a statement (`duckdb-csv-decide.ts`). */
  private readonly decider: CsvReaderDecider;
  /** The runner of opening: each call through the queue, bounded by the setup deadline unless given. */
  private readonly setup: Runner = (work, deadlineMs) => this.calls.run(work, deadlineMs ?? this.setupDeadlineMs);
  private closed = false;
  /** The catalog step (`duckdb-catalog.ts`): stored relations only, no shadowed built-ins. */
  private readonly catalogReader: DuckDbCatalog;
  /** Prepared statements kept by exact text (`duckdb-prepared.ts`; none unless `preparedStatements` > 0). */
  readonly prepared: PreparedStatements;
  /** The declared files (resolved), whose versions a snapshot pins (`snapshot`). */
  private declaredFiles: readonly string[] = [];
  /** The database file (resolved), pinned with the declared files by a snapshot; none in memory. */
  private databaseFile: readonly string[] = [];

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
    timeoutMs: number,
    keptStatements: number,
    /** The pinned resource limits (`resource-limits.ts`): named by the engine error; a private spill directory removed at close. */
    private readonly pinned: DuckDbLimits,
    inMemory: boolean,
  ) {
    this.prepared = new PreparedStatements(db, keptStatements, (p) => p.statementType === StatementType.SELECT);
    this.views = new DuckDbFileViews(db, !inMemory);
    this.decider = new CsvReaderDecider(db, this.prepared, this.views, () => engineError('duckdb', pinned.limits));
    this.setupDeadlineMs = Math.max(timeoutMs, SETUP_DEADLINE_MS);
    this.calls = new DeadlineQueue(
      timeoutMs,
      () => db.interrupt(),
      () => engineError('duckdb', pinned.limits),
    );
    const run: CatalogRunner = (work) => this.calls.run(work, this.setupDeadlineMs);
    this.catalogReader = new DuckDbCatalog(
      db,
      run,
      this.views.ownViews,
      this.views.fileStored,
      this.views.viewTypes,
      listValue,
      () => engineError('duckdb', pinned.limits),
      () => this.closed,
      inMemory,
    );
  }

  /**
   * The connection, for loading data in tests and benchmarks. Whoever holds it can create functions, so reading it
   * makes the catalog step list the function catalog again (`duckdb-catalog.ts`, review S39).
   */
  get connection(): DuckDBConnection {
    this.catalogReader.connectionShared();
    return this.db;
  }

  /**
   * Opens DuckDB and loads the given files.
   * @throws DpError NOT_FOUND when a file does not exist, INVALID_PARAMETER when it cannot be loaded (public facts about the operator's input).
   */
  static async open(options: DuckDbOptions = {}): Promise<DuckDbEngine> {
    const timeout = options.statementTimeoutMs ?? 60_000;
    // setTimeout's own limit (2³¹−1 ms, ~24.8 days): a longer delay would fire at once.
    if (typeof timeout !== 'number' || !(timeout > 0) || !(timeout <= MAX_TIMEOUT_MS)) {
      throw new DpError('INVALID_PARAMETER', 'statementTimeoutMs must be a positive number of milliseconds (at most 2147483647)', {
        parameter: 'statementTimeoutMs',
      });
    }
    for (const v of Object.values(options.csvLineBreaks ?? {})) {
      if (!isCsvLineBreaks(v)) {
        throw new DpError('INVALID_PARAMETER', "csvLineBreaks: each value must be 'none', 'escaped' or 'quoted'", {
          parameter: 'csvLineBreaks',
        });
      }
    }
    const config: Record<string, string> = {};
    if (options.database) config.access_mode = 'READ_ONLY';
    if (options.threads) config.threads = String(options.threads);
    // The resource limits, pinned here and locked with the configuration below (resource-limits.ts).
    const pinned = duckdbLimits(options, timeout);
    Object.assign(config, pinned.config);
    // Binary comparison of text everywhere (duckdb-catalog.ts "No collations", review S41c).
    config.default_collation = '';
    // Each declared CSV/JSON file's line check starts now, beside DuckDB's start-up (`DuckDbFileViews.linePrecheck`).
    // The declared files are read once (S7 edge): each precheck is handed to the view of the very entry it checked.
    const files = Object.entries(options.files ?? {});
    const prechecks = files.map(([table, path]) => DuckDbFileViews.linePrecheck(path, options.columnTypes?.[table]));
    // Opening is bounded by the statement deadline too (ENGINE_ERROR at the deadline); a database that finishes
    // opening after it is closed then.
    const opening = (async () => {
      let instance: DuckDBInstance;
      try {
        instance = await DuckDBInstance.create(options.database ?? ':memory:', config);
      } catch {
        throw new DpError('INVALID_PARAMETER', `cannot open the DuckDB database ${options.database ?? ''}`, { parameter: 'database' });
      }
      try {
        return { instance, connection: await instance.connect() };
      } catch {
        instance.closeSync();
        throw engineError('duckdb', pinned.limits);
      }
    })();
    const { instance, connection } = await withDeadline(
      opening,
      Math.max(timeout, SETUP_DEADLINE_MS),
      () => engineError('duckdb', pinned.limits),
      (late) => {
        late.connection.closeSync();
        late.instance.closeSync();
      },
    );
    const kept = options.preparedStatements ?? 0;
    if (!(Number.isInteger(kept) && kept >= 0 && kept <= 65_536)) {
      connection.closeSync();
      instance.closeSync();
      throw new DpError('INVALID_PARAMETER', 'preparedStatements must be an integer in [0, 65536]', { parameter: 'preparedStatements' });
    }
    const engine = new DuckDbEngine(instance, connection, timeout, kept, pinned, options.database === undefined);
    const allowed: string[] = [];
    const run = (sql: string) => engine.calls.run(() => connection.run(sql), engine.setupDeadlineMs);
    try {
      for (const [i, [table, path]] of files.entries()) {
        const lineBreaks = Object.hasOwn(options.csvLineBreaks ?? {}, table) ? options.csvLineBreaks?.[table] : undefined;
        allowed.push(await engine.views.create(table, path, options.columnTypes?.[table], lineBreaks, engine.setup, false, prechecks[i]));
      }
      // Progress is tracked only when asked for (for `progress()`), and never printed by DuckDB itself.
      if (options.trackProgress) {
        await run('SET enable_progress_bar = true');
        await run('SET enable_progress_bar_print = false');
      }
      engine.declaredFiles = [...allowed];
      engine.databaseFile = databaseFileOf(options.database);
      if (!options.allowExternalAccess) {
        // DuckDB's own boundary: only the declared files, nothing else, and no statement can change it.
        if (allowed.length > 0) await run(`SET allowed_paths = [${allowed.map(sqlString).join(', ')}]`);
        await run('SET enable_external_access = false');
        await run('SET lock_configuration = true');
      }
    } catch (e) {
      await engine.close();
      throw e;
    }
    return engine;
  }

  /**
   * How far the running statement is, in percent (DuckDB's estimate), or null when nothing is running or DuckDB
   * gives no estimate. Polled by the CLI's progress line.
   */
  progress(): number | null {
    try {
      const p = this.db.progress.percentage;
      return Number.isFinite(p) && p >= 0 ? p : null;
    } catch {
      return null;
    }
  }

  /**
   * The readable columns of `tables` from DuckDB's catalog (no row is read), refusing before any charge a declared
   * table that would run SQL tsdp did not compile — a view tsdp did not make, a column computed from an expression —
   * and a database with a user function named like a built-in (`duckdb-catalog.ts`; reviews S29b, S30, S39).
   * @throws DpError INVALID_PARAMETER when `tables` is not an array of strings; ENGINE_ERROR; INVALID_SCHEMA when a
   *   declared table is a view tsdp did not make or has a column computed from an expression, or when a user
   *   function shares a built-in's name.
   */
  catalog(tables: readonly string[]): Promise<ReadonlyMap<string, ReadonlyMap<string, string>>> {
    return this.catalogReader.read(tables);
  }

  /**
   * Whether `preflight` can refuse anything: only an engine with declared CSV/JSON files has views to rebuild (their
   * set is fixed when the engine opens; a rebuild replaces a view, never adds one). False for a database file alone:
   * the server's pool then takes no connection for the preflight (`src/server/engine-pool.ts`, stop 26).
   */
  get preflightChecks(): boolean {
    return this.views.watched.size > 0;
  }

  /**
   * Before the charge (`SqlEngine.preflight`): rebuilds the view of every declared file that changed since its view
   * was built, so that a new version the view cannot read — a Parquet file whose text is not UTF-8 (review S53) —
   * is refused with nothing charged. A file changed between this call and the statement is still checked inside
   * the statement (the residual of `line-check.proof.md`).
   * @throws DpError INVALID_PARAMETER when `statements` is not an array (S7 edge); ENGINE_ERROR (a changed file
   *   that cannot be read; after `close`)
   */
  async preflight(statements: readonly CompiledStatement[]): Promise<void> {
    edgeRead('statements', () => edgeArray(statements, 'statements')); // a public method: its argument is read at the edge (S7)
    if (this.closed) throw engineError('duckdb', this.pinned.limits);
    await this.calls.run((expired) => this.refreshChanged(expired));
  }

  /**
   * Runs a compiled statement: exactly one statement, which DuckDB classifies as SELECT, after the statements
   * before it, failing at its deadline even if DuckDB never returns (module header).
   * @throws DpError ENGINE_ERROR (also for anything but one SELECT: COPY, ATTACH, SET, LOAD, CALL, several statements;
   * at the deadline; after `close`)
   */
  query(statement: CompiledStatement): Promise<EngineRow[]> {
    return this.runQuery(statement, undefined);
  }

  /** `query`, its files' versions checked against `pin` (a snapshot's) once the views are current. */
  private async runQuery(statement: CompiledStatement, pin: PinnedVersions | undefined): Promise<EngineRow[]> {
    if (this.closed) throw engineError('duckdb', this.pinned.limits);
    return this.calls.run(async (expired) => {
      await this.refreshChanged(expired);
      await pin?.check();
      // At most: the fold's run, the text path's run, and once more for a file changed under the statement.
      for (let attempt = 0; ; attempt++) {
        if (attempt > 3) throw engineError('duckdb', this.pinned.limits);
        // A statement that reads no typed field of the one undecided CSV runs on its text path, deciding nothing
        // (`duckdb-csv-choice.ts`, "A statement that reads no typed field"): every state's answer, no forced scan.
        const textRun = await this.decider.textRun(statement, expired);
        if (textRun) {
          try {
            return await this.runStatement(statement, expired);
          } finally {
            await this.decider.endTextRun(textRun, expired);
          }
        }
        const fold = await this.decider.choose(statement, expired);
        const before = fold ? await this.decider.counted(fold, expired) : 0;
        let rows: EngineRow[];
        try {
          rows = await this.runStatement(statement, expired);
        } catch (e) {
          // The strict typed reader (a decided version) refuses a line only when the file changed after
          // `refreshChanged` looked (the residual of line-check.proof.md): the view is rebuilt from the new version
          // and the statement runs again, within the same call and deadline; otherwise the error stands.
          if (!typedReaderRefusal(e) || attempt >= 3) throw e;
          if (await this.refreshChanged(expired)) continue;
          throw e;
        }
        if (!fold) return rows;
        // The fold (`duckdb-csv-choice.ts`, "Counting"): the counted lenient scan read the whole file, whatever its
        // fields hold. Its answer stands only when it produced every line of the version (and the file did not change
        // under it); otherwise the answer is discarded, never released, and the statement runs again — on the text
        // path, the version decided for it, or over the rebuilt view of the new version.
        const whole = (await this.decider.counted(fold, expired)) - before === fold.choice?.dataLines;
        if (await this.refreshChanged(expired)) continue;
        await this.decider.decide(fold, whole ? 'typed' : 'text', expired);
        if (whole) return rows;
      }
    });
  }

  /**
   * Runs a compiled statement as `query` does (one SELECT, after the statements before it, under its deadline), but
   * hands its rows to `onChunk` in chunks of `chunkRows` (public) instead of returning them all: the rows held at
   * any time are bounded by a public number (`duckdb-stream.ts`). The whole stream is one call with one deadline.
   * @throws DpError ENGINE_ERROR as `query`, also when `onChunk` throws (the deadline queue's one error).
   */
  queryChunks(statement: CompiledStatement, chunkRows: number, onChunk: (rows: EngineRow[]) => void | Promise<void>): Promise<void> {
    return this.runChunks(statement, chunkRows, onChunk, undefined);
  }

  /**
   * Every statement of `work` on ONE version of the data (`SqlEngine.snapshot`; review stop 23 third, classes "an
   * after-charge failure whose occurrence depends on concurrent writes" and "an after-charge law change"). What
   * DuckDB reads here, and how each is held still:
   * - a declared CSV/JSON/Parquet file is read in place by every statement, so a file rewritten between two
   *   statements would be read new by the later one (a CSV's view is even rebuilt, `refreshChanged`). Rule: the
   *   identities (size, mtime, ctime, inode, device) of every declared file are pinned when the reader's first
   *   statement starts, once the views are current, and every later statement checks them inside its own call, after
   *   its views are made current: a file changed since is the one engine error — never a statement over another
   *   version, whatever the rows (the failure depends on the operator's write, not on a value). A write during one
   *   statement's own read is the residual `line-check.proof.md` already states for one statement;
   * - a database file is opened READ_ONLY; DuckDB's lock is advisory (it keeps DuckDB writers out, not an in-place
   *   copy over the file), so the database file's identity is pinned and checked with the declared files' (review
   *   stop 24);
   * - in memory, the tables are what the holder of `connection` loaded (tests and benchmarks): it must not write
   *   while a query runs — no statement of the engine writes (one SELECT each).
   * Once `work` returns, the versions are checked once more: a write during the LAST statement is the one engine
   * error too (not only the line check's residual).
   * `work`'s own errors pass through unchanged. Test: test/sql/duckdb-snapshot.test.ts.
   * @throws DpError INVALID_PARAMETER when `work` is not a function; ENGINE_ERROR, or what `work` throws.
   */
  async snapshot<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    edgeFunction(work, 'work');
    const pin = new PinnedVersions([...this.declaredFiles, ...this.databaseFile], () => engineError('duckdb', this.pinned.limits));
    const result = await work({
      query: (s) => this.runQuery(s, pin),
      queryChunks: (s, n, on) => this.runChunks(s, n, on, pin),
      failure: () => engineError('duckdb', this.pinned.limits),
    });
    await pin.check();
    return result;
  }

  /** `queryChunks`, its files' versions checked against `pin` (a snapshot's) once the views are current. */
  private async runChunks(
    statement: CompiledStatement,
    chunkRows: number,
    onChunk: (rows: EngineRow[]) => void | Promise<void>,
    pin: PinnedVersions | undefined,
  ): Promise<void> {
    if (this.closed) throw engineError('duckdb', this.pinned.limits);
    const fail = () => engineError('duckdb', this.pinned.limits);
    return this.calls.run(async (expired) => {
      await this.refreshChanged(expired);
      await pin?.check();
      // A stream cannot be run again once its chunks are handed on (`query`'s fold): every undecided CSV reader is
      // decided first by its own counted scan against the line check's count (`duckdb-csv-decide.ts`,
      // `decideEachByCount`; never by "the scan ran": the counted scan never fails), so no typed-reader refusal
      // comes mid-stream from a version the statement saw.
      await this.decider.decideEachByCount(expired);
      if (expired()) throw fail();
      const { prepared, done } = await this.prepared.acquire(statement.sql);
      try {
        if (expired() || prepared.statementType !== StatementType.SELECT) throw fail();
        prepared.bind(
          statement.params.map((p) => p.value) as never,
          statement.params.map((p) => PARAM_TYPES[p.type]),
        );
        await streamPreparedChunks(prepared, chunkRows, onChunk, expired, fail);
      } finally {
        done();
      }
    });
  }

  /**
   * Rebuilds the view of every declared CSV/JSON file whose identity (size, modification and change time, inode)
   * moved since its view was built, from the file's bytes now: the line-reader check runs again, so bytes written
   * after open never reach DuckDB's line reader unchecked (review S15; `line-check.ts`). Runs inside the
   * statement's own call, under its deadline; no DuckDB call of a rebuild starts after it (deadline-queue.ts, rule 4).
   * @param expired - whether the statement's deadline has passed.
   * @returns whether any view was rebuilt.
   * @throws DpError ENGINE_ERROR when the file cannot be read or its view rebuilt (the operator's file, not a value).
   */
  private async refreshChanged(expired: () => boolean): Promise<boolean> {
    let any = false;
    for (const file of [...this.views.watched.values()]) {
      try {
        if (sameIdentity(await fileIdentity(file.path), file.identity)) continue;
        this.prepared.clear(); // the catalog changes: nothing prepared over the old view is run again
        // Each DuckDB call of the rebuild starts only before the deadline (deadline-queue.ts, rule 4).
        await file.rebuild((work) => (expired() ? Promise.reject(new Error('deadline')) : work()));
        any = true;
      } catch {
        throw engineError('duckdb', this.pinned.limits);
      }
    }
    return any;
  }

  /** One statement, from prepare (or a kept prepared statement) to rows; one not kept is destroyed once DuckDB has returned. */
  private async runStatement(statement: CompiledStatement, expired: () => boolean): Promise<EngineRow[]> {
    // Not started after the deadline (deadline-queue.ts, rule 4): DuckDB would drop the interrupt sent before it.
    if (expired()) throw engineError('duckdb', this.pinned.limits);
    const { prepared, done } = await this.prepared.acquire(statement.sql);
    if (expired()) {
      done();
      throw engineError('duckdb', this.pinned.limits);
    }
    try {
      if (prepared.statementType !== StatementType.SELECT) throw engineError('duckdb', this.pinned.limits);
      const values = statement.params.map((p) => p.value);
      // Bind with the declared types: left to infer, the driver binds an integral double such as 1e150 as BIGINT and fails.
      const types = statement.params.map((p) => PARAM_TYPES[p.type]);
      prepared.bind(values as never, types);
      const reader = await prepared.runAndReadAll();
      const names = reader.columnNames();
      return reader.getRowsJS().map((row) => {
        const o: Record<string, ReturnType<typeof normalizeValue>> = {};
        names.forEach((n, i) => {
          o[n] = normalizeValue(row[i]);
        });
        return o;
      });
    } finally {
      done();
    }
  }

  /**
   * Settles when DuckDB has returned from every call made so far, also from calls whose callers have already
   * failed at their deadline (it never rejects; it waits as long as DuckDB does).
   * @returns a promise of nothing.
   */
  whenIdle(): Promise<void> {
    return this.calls.whenIdle();
  }

  /**
   * Closes the engine: at once when no DuckDB call runs; otherwise the running call is interrupted and DuckDB is
   * closed when it returns (closing under a running statement would block this thread until then). Never waits.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.calls.busy) {
      this.db.interrupt();
      void this.calls.whenIdle().then(() => this.closeNow());
      return;
    }
    this.closeNow();
  }

  private closeNow(): void {
    this.prepared.clear();
    this.db.closeSync();
    this.instance.closeSync();
    if (this.pinned.ownTempDirectory) rmSync(this.pinned.ownTempDirectory, { recursive: true, force: true });
  }
}

/**
 * The database file a snapshot pins (`DuckDbEngine.snapshot`): the opened path, resolved, when it names a regular file
 * (a READ_ONLY open needs one); none for an in-memory database.
 */
function databaseFileOf(database: string | undefined): string[] {
  if (database === undefined) return [];
  const path = resolve(database);
  try {
    return statSync(path).isFile() ? [path] : [];
  } catch {
    return [];
  }
}
