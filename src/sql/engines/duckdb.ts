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
 *   reads the file whole with every typed column forced (or by one scan of
 *   its own), never by the columns a statement reads (review S62;
 *   `duckdb-csv-typed.ts`, `duckdb-csv-choice.ts`).
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

import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as DuckDbApi from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { DpError } from '../../core/errors.js';
import { type CsvLineBreaks, isCsvLineBreaks } from '../../io/csv-records.js';
import { edgeArray, edgeRead } from '../../numeric/edge.js';
import type { CompiledStatement, SqlParamType } from '../dialect.js';
import { duckdbDialect } from '../dialects/duckdb.js';
import { type EngineRow, engineError, normalizeValue, type SqlEngine } from '../engine.js';
import { csvDialectOf, readCsvHeader } from './csv-header.js';
import { DeadlineQueue, withDeadline } from './deadline-queue.js';
import { type CatalogRunner, DuckDbCatalog } from './duckdb-catalog.js';
import { type LineSource, loadFileLines, sqlString } from './duckdb-csv.js';
import { choiceReaderSql, foldablePlan, type ReaderState, setStateSql } from './duckdb-csv-choice.js';
import { type TypedCsvColumn, typedFieldsSql, typedPositions, typedReaderRefusal, typedScanSql } from './duckdb-csv-typed.js';
import { duckdb } from './duckdb-driver.js';
import type { DeclaredColumnType, DuckDbOptions } from './duckdb-options.js';
import {
  admittedDeclaredTypes,
  blobBoundedSource,
  type ParquetColumn,
  parquetSchemaSql,
  storedTypeName,
  storedTypeRefused,
  topLevelColumns,
} from './duckdb-parquet-types.js';
import { PreparedStatements } from './duckdb-prepared.js';
import { type FileFormat, type FileProbe, formatOf, notUtf8, parquetTextCheckSql, readerSql } from './duckdb-reader.js';
import { streamPreparedChunks } from './duckdb-stream.js';
import { checkNativeLines, type FileIdentity, fileIdentity, sameIdentity } from './line-check.js';
import { type DuckDbLimits, duckdbLimits } from './resource-limits.js';

const { BIGINT, BOOLEAN, DOUBLE, DuckDBInstance, listValue, StatementType, VARCHAR } = duckdb;
type DuckDBInstance = DuckDbApi.DuckDBInstance;

/** setTimeout's longest delay (a longer one fires at once). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** The least deadline of opening, view definitions and catalog reads (metadata): a slow machine is not a stuck call. */
const SETUP_DEADLINE_MS = 60_000;

const PARAM_TYPES: Record<SqlParamType, DuckDBType> = { bigint: BIGINT, double: DOUBLE, text: VARCHAR, boolean: BOOLEAN };

export type { DeclaredColumnType, DuckDbOptions } from './duckdb-options.js';

const DECLARED_TYPES = { integer: 'integer', float: 'double', string: 'varchar', boolean: 'boolean', date: 'date' } as const;

/** Runs one DuckDB call of opening or of a view's (re)definition: through the engine's queue at open, directly inside a statement. */
type Runner = <T>(work: () => Promise<T>, deadlineMs?: number) => Promise<T>;

/** The reader choice of one version of a declared CSV (`duckdb-csv-choice.ts`). */
interface ReaderChoice {
  /** The DuckDB variable holding the state. */
  readonly variable: string;
  /** The typed reader's types by header position. */
  readonly types: readonly (TypedCsvColumn | undefined)[];
  /** The scan of every typed column that decides the state when no statement can (`typedScanSql`). */
  readonly scan: string;
  state: ReaderState;
}

let readerVariableNo = 0;

/** A declared CSV/JSON file and the version of it its view was built from. */
interface WatchedFile {
  readonly path: string;
  readonly identity: FileIdentity;
  /** The table the Node loader filled, when the file's lines were cut in Node. */
  readonly linesTable: string | undefined;
  /** A declared CSV's typed/text reader choice, when the typed reader may read it. */
  readonly choice: ReaderChoice | undefined;
  /** Rebuilds the view from the file's current bytes (with `run` for each DuckDB call). */
  readonly rebuild: (run: Runner) => Promise<string>;
}

/** The DuckDB engine. */
export class DuckDbEngine implements SqlEngine {
  readonly dialect = duckdbDialect;
  /** Every DuckDB call of a statement goes through this queue: one at a time, each with its deadline. */
  private readonly calls: DeadlineQueue;
  /** The deadline of opening, view definitions and catalog reads (module header). */
  private readonly setupDeadlineMs: number;
  /** Declared CSV/JSON files, by table: the version of the file each view was built from (see `refreshChanged`). */
  private readonly watched = new Map<string, WatchedFile>();
  /** The views tsdp made over declared files (total by construction: TRY_CAST); any other view is refused (S29b). */
  private readonly ownViews = new Set<string>();
  /** For each view over a declared file, the type the file stores for each declared column (S56; `duckdb-catalog.ts`). */
  private readonly fileStored = new Map<string, ReadonlyMap<string, string>>();
  /** The tables whose view reads through DuckDB's `read_csv` (which READ_CSV of a plan is whose: `duckdb-csv-choice.ts`). */
  private readonly csvScanned = new Set<string>();
  /** The runner of opening: each call through the queue, bounded by the setup deadline unless given. */
  private readonly setup: Runner = (work, deadlineMs) => this.calls.run(work, deadlineMs ?? this.setupDeadlineMs);
  private closed = false;
  /** The catalog step (`duckdb-catalog.ts`): stored relations only, no shadowed built-ins. */
  private readonly catalogReader: DuckDbCatalog;
  /** Prepared statements kept by exact text (`duckdb-prepared.ts`; none unless `preparedStatements` > 0). */
  readonly prepared: PreparedStatements;

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
      this.ownViews,
      this.fileStored,
      listValue,
      () => engineError('duckdb', pinned.limits),
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
      for (const [table, path] of Object.entries(options.files ?? {})) {
        const lineBreaks = Object.hasOwn(options.csvLineBreaks ?? {}, table) ? options.csvLineBreaks?.[table] : undefined;
        allowed.push(await engine.createFileView(table, path, options.columnTypes?.[table], lineBreaks, engine.setup));
      }
      // Progress is tracked only when asked for (for `progress()`), and never printed by DuckDB itself.
      if (options.trackProgress) {
        await run('SET enable_progress_bar = true');
        await run('SET enable_progress_bar_print = false');
      }
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
   * Creates the view `table` over the file at `path` (see the module header) and returns the resolved path.
   * @throws DpError NOT_FOUND (no file; a declared column a CSV header or Parquet schema lacks), INVALID_PARAMETER (unreadable).
   */
  private async createFileView(
    table: string,
    path: string,
    declared: Readonly<Record<string, DeclaredColumnType>> | undefined,
    lineBreaks: CsvLineBreaks = 'none',
    run: Runner,
    replace = false,
  ): Promise<string> {
    if (!existsSync(path)) {
      throw new DpError('NOT_FOUND', `the data file ${path} for table "${table}" does not exist`, { kind: 'file', name: path });
    }
    const full = resolve(path);
    const format = formatOf(full);
    const q = duckdbDialect.quoteIdentifier;
    const unreadable = () =>
      new DpError('INVALID_PARAMETER', `cannot read ${path} as table "${table}" (CSV with a header, Parquet or JSON expected)`, {
        parameter: 'data',
      });
    // A Parquet file's version, taken before anything reads it: its footer (probe, stored types) and its text (S49)
    // are read from this one version, compared again after the last read (review 01:42: a file replaced between the
    // footer check and the text check would have been read with its stored types never checked, by every query).
    const parquetIdentity = format === 'parquet' ? await fileIdentity(full) : undefined;
    let probe: FileProbe;
    try {
      // JSON has no header: its keys are the records' own, so a declared column is never looked for in them
      // (whether any record carries it would decide answered-or-refused); a key no record has reads as NULL.
      probe =
        format === 'json' && declared
          ? { columns: Object.keys(declared) }
          : await this.probeFile(full, format, declared !== undefined, run);
    } catch {
      throw unreadable();
    }
    const present = new Map(probe.columns.map((c) => [c.toLowerCase(), c]));
    let select = '*';
    let reader = readerSql(full, format, undefined);
    let watch: WatchedFile | undefined;
    /** The version of the file this view is built from; a changed file rebuilds the view (see `refreshChanged`). */
    let choice: ReaderChoice | undefined;
    const watched = (identity: FileIdentity, linesTable: string | undefined): WatchedFile => ({
      path: full,
      identity,
      linesTable,
      choice,
      rebuild: (direct) => this.createFileView(table, path, declared, lineBreaks, direct, true),
    });
    /** What the file stores for each declared column (S56): CSV and JSON Lines hold text; Parquet, its footer's types. */
    let storedTypes: ReadonlyMap<string, string> | undefined =
      declared && format !== 'parquet' ? new Map(Object.keys(declared).map((c) => [c, 'varchar'])) : undefined;
    if (format === 'parquet' && declared) storedTypes = await this.admitParquetTypes(full, path, table, probe, declared, run);
    // The stored types are fixed when the view is first built: a version of the file that stores a declared column
    // differently is refused (before the charge, by `preflight`), so the catalog the public checks read — and the
    // server keeps — stays the file's (S56).
    const before = replace ? this.fileStored.get(table) : undefined;
    if (before && storedTypes && [...storedTypes].some(([c, t]) => before.get(c) !== t)) throw unreadable();
    if (parquetIdentity) {
      // Review S49 (class 3 with class 2's reader rule): DuckDB checks a Parquet string's UTF-8 only when a function
      // first reads it as text, so one person's non-UTF-8 value made a charged query fail. Every text column is read
      // once here, at open, before any query: a file holding such a value is refused whole (nothing charged), and a
      // file changed after this check is checked again before the next statement (its identity, as for CSV).
      const identity = parquetIdentity;
      const check = parquetTextCheckSql(full, probe);
      // Serialised with the connection's other calls; no deadline at open (a large file takes as long as reading it takes).
      if (check) await run(() => this.db.run(check), MAX_TIMEOUT_MS).catch(() => Promise.reject(notUtf8(path, table)));
      if (!sameIdentity(identity, await fileIdentity(full))) throw unreadable();
      watch = watched(identity, undefined);
    }
    if (declared) {
      const columns = Object.entries(declared);
      for (const [c] of columns) {
        if (!present.has(c.toLowerCase())) {
          throw new DpError('NOT_FOUND', `the data file ${path} has no column "${c}" (declared in the schema for table "${table}")`, {
            kind: 'column',
            name: `${table}.${c}`,
          });
        }
      }
      // A declared CSV or JSON file's lines: cut by DuckDB's own reader when the public check of the file's bytes
      // admits it, else by the shared Node reader (review S15; duckdb-csv.ts, line-check.ts).
      let lines: LineSource | undefined;
      let nativeFields = false;
      let identity: FileIdentity | undefined;
      if (format !== 'parquet') {
        const skip = format === 'csv' ? 1 : 0;
        try {
          const check = await checkNativeLines(full);
          if (check.native) {
            lines = { kind: 'file', path: full, skip, lineEnding: check.lineEnding, shortLines: check.shortLines };
            nativeFields = check.fields;
          } else {
            // Serialised with the connection's other calls; no deadline at open (a large file takes as long as reading it takes).
            lines = { kind: 'table', table: await run(() => loadFileLines(this.db, full, skip), MAX_TIMEOUT_MS) };
          }
          identity = check.identity;
        } catch {
          throw unreadable();
        }
      }
      reader = readerSql(
        full,
        format,
        probe,
        columns.map(([c]) => present.get(c.toLowerCase()) as string),
        lineBreaks,
        lines,
        nativeFields,
      );
      // A declared CSV's relation names its columns by header position (c1, c2, …; the first of equal names).
      const position = new Map<string, number>();
      probe.columns.forEach((c, i) => {
        if (!position.has(c.toLowerCase())) position.set(c.toLowerCase(), i + 1);
      });
      const source = (c: string) => (probe.csv ? `c${position.get(c.toLowerCase())}` : q(c));
      const storedType = new Map(probe.columns.map((c, i) => [c.toLowerCase(), probe.types?.[i]]));
      select = columns
        .map(
          ([c, t]) =>
            `TRY_CAST(${blobBoundedSource(source(c), storedType.get(c.toLowerCase()), t)} AS ${duckdbDialect.typeName(DECLARED_TYPES[t])}) AS ${q(c)}`,
        )
        .join(', ');
      // Stop 20: the declared integer and float columns parsed by DuckDB's typed reader where the file admits it; the
      // view's TRY_CASTs of those columns are then no-ops, and the text path is kept for when a line fails it.
      const typed =
        probe.csv && lines?.kind === 'file' && nativeFields && lines.shortLines && lineBreaks !== 'quoted'
          ? typedPositions(
              probe.columns.length,
              columns.map(([c, t]) => ({ position: position.get(c.toLowerCase()) as number, type: t })),
            )
          : undefined;
      if (identity) {
        if (typed && lines?.kind === 'file') {
          // Review S62 (class 14): the reader is one bit of this version of the file, decided by the first statement
          // that scans it with every typed column forced, or by one scan of its own (`duckdb-csv-choice.ts`) — never
          // by the columns a statement reads. Undecided ('force') until then.
          const typedReader = typedFieldsSql(full, probe.csv?.delim === '\t' ? '\t' : ',', typed, lines.lineEnding);
          const variable = `tsdp_csv_reader_${++readerVariableNo}`;
          await run(() => this.db.run(setStateSql(variable, 'force')));
          reader = choiceReaderSql(typedReader, reader, typed, variable);
          choice = { variable, types: typed, scan: typedScanSql(typedReader, typed), state: 'force' };
        }
        watch = watched(identity, lines?.kind === 'table' ? lines.table : undefined);
      }
    }
    try {
      await run(() => this.db.run(`CREATE ${replace ? 'OR REPLACE ' : ''}VIEW ${q(table)} AS SELECT ${select} FROM ${reader}`));
      this.ownViews.add(table);
      if (/\bread_csv(_auto)?\(/i.test(reader)) this.csvScanned.add(table);
      else this.csvScanned.delete(table);
      if (storedTypes) this.fileStored.set(table, storedTypes);
      if (watch) {
        // The view now reads the new version; the lines an older version loaded are dropped.
        const before = this.watched.get(table);
        this.watched.set(table, watch);
        if (before?.linesTable) await run(() => this.db.run(`DROP TABLE IF EXISTS ${before.linesTable}`));
      }
    } catch {
      throw unreadable();
    }
    return full;
  }

  /**
   * Whether DuckDB's typed reader reads every typed column of the file version without failing: its own scan of all of
   * them (`typedScanSql`), for a statement whose plan cannot decide the choice (`duckdb-csv-choice.ts`).
   * @param scan - the scan statement.
   * @returns false when the typed reader refused a line (the text path reads the file); true when it read them all.
   * @throws whatever else the scan threw (an interrupt at the deadline, a resource limit).
   */
  private async typedReaderReads(scan: string): Promise<boolean> {
    // The refusal is told apart here: the queue replaces any error a call throws with its own.
    try {
      await this.db.run(scan);
      return true;
    } catch (e) {
      if (typedReaderRefusal(e)) return false;
      throw e;
    }
  }

  /**
   * Reviews S54/S55 (`duckdb-parquet-types.ts`): checks, from the file's footer alone, that every declared column's
   * stored type converts to its declared type on every raw value, before anything reads a value.
   * @returns each declared column's stored type (DuckDB's, lower case), for the catalog (S56).
   * @throws DpError INVALID_SCHEMA naming the first column whose stored type is not admitted; INVALID_PARAMETER when
   *   the footer cannot be read.
   */
  private async admitParquetTypes(
    full: string,
    path: string,
    table: string,
    probe: FileProbe,
    declared: Readonly<Record<string, DeclaredColumnType>>,
    run: Runner,
  ): Promise<ReadonlyMap<string, string>> {
    let columns: ParquetColumn[] | undefined;
    try {
      const rows = await run(() => this.db.runAndReadAll(parquetSchemaSql(sqlString(full))));
      columns = topLevelColumns(rows.getRowsJS() as unknown[][], probe.types ?? []);
    } catch {
      columns = undefined;
    }
    if (!columns) {
      throw new DpError('INVALID_PARAMETER', `cannot read ${path} as table "${table}" (its Parquet schema is not readable)`, {
        parameter: 'data',
      });
    }
    // By DuckDB's column names (as `createFileView` finds the declared columns), position by position.
    const byName = new Map(probe.columns.map((name, i) => [name.toLowerCase(), columns[i] as ParquetColumn]));
    const stored = new Map<string, string>();
    for (const [c, type] of Object.entries(declared)) {
      const column = byName.get(c.toLowerCase());
      if (!column) continue; // a declared column the file lacks: NOT_FOUND below
      if (!admittedDeclaredTypes(column).includes(type)) throw storedTypeRefused(path, table, c, type, column);
      stored.set(c, storedTypeName(column));
    }
    return stored;
  }

  /** The file's columns (and CSV dialect), from the header line (declared CSV) or the file's metadata; no value is returned. */
  private async probeFile(full: string, format: FileFormat, declared: boolean, run: Runner): Promise<FileProbe> {
    if (format === 'csv' && declared) {
      // The dialect is declared and the columns come from the header line alone (csv-header.ts): nothing is sniffed.
      const csv = csvDialectOf(full);
      return { columns: readCsvHeader(full, csv), csv };
    }
    const source = readerSql(full, format, undefined);
    const described = await run(() => this.db.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`));
    const rows = described.getRowsJS() as unknown[][];
    return { columns: rows.map((r) => String(r[0])), types: rows.map((r) => String(r[1])) };
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
  async query(statement: CompiledStatement): Promise<EngineRow[]> {
    if (this.closed) throw engineError('duckdb', this.pinned.limits);
    return this.calls.run(async (expired) => {
      await this.refreshChanged(expired);
      // At most: the fold's failed run, the text path's run, and once more for a file changed under the statement.
      for (let attempt = 0; ; attempt++) {
        const fold = await this.chooseReaders(statement, expired);
        try {
          const rows = await this.runStatement(statement, expired);
          if (fold) await this.decide(fold, 'typed', expired);
          return rows;
        } catch (e) {
          // The typed reader refuses a line only in a forced scan (the fold: the file version holds a field that
          // does not parse, so the statement runs again on the text path) or when the file changed after
          // `refreshChanged` looked (the residual of line-check.proof.md: the view is rebuilt from the new version
          // and the statement runs again). Within the same call and deadline; otherwise the error stands.
          if (!typedReaderRefusal(e) || attempt >= 3) throw e;
          if (await this.refreshChanged(expired)) continue;
          if (!fold) throw e;
          await this.decide(fold, 'text', expired);
        }
      }
    });
  }

  /**
   * Before a statement, for the declared CSVs whose reader is undecided (`duckdb-csv-choice.ts`): returns the one
   * file the statement's own run decides (its plan reads that file's forced scan whole), or decides each undecided
   * file by a scan of its own when the statement reads one and its plan cannot decide (a join, a LIMIT, several).
   * @returns the file whose state the statement's run decides, if any.
   */
  private async chooseReaders(statement: CompiledStatement, expired: () => boolean): Promise<WatchedFile | undefined> {
    const undecided = [...this.watched.values()].filter((f) => f.choice?.state === 'force');
    const [first] = undecided;
    if (!first?.choice) return undefined;
    const plan = await this.planOf(statement, expired);
    const verdict = plan === undefined ? 'unknown' : foldablePlan(plan, first.choice.types);
    if (verdict === 'none') return undefined;
    if (verdict === 'folded' && undecided.length === 1 && this.csvScanned.size === 1) return first;
    for (const file of undecided) {
      const choice = file.choice as ReaderChoice;
      if (expired()) throw engineError('duckdb', this.pinned.limits);
      await this.decide(file, (await this.typedReaderReads(choice.scan)) ? 'typed' : 'text', expired);
    }
    return undefined;
  }

  /**
   * The plan DuckDB would run for `statement` with its values bound (`EXPLAIN (FORMAT JSON)`), after checking that
   * it is one SELECT; undefined when it cannot be had.
   * @throws DpError ENGINE_ERROR after the deadline, or for anything but one SELECT.
   */
  private async planOf(statement: CompiledStatement, expired: () => boolean): Promise<string | undefined> {
    if (expired()) throw engineError('duckdb', this.pinned.limits);
    const { prepared, done } = await this.prepared.acquire(statement.sql);
    const select = prepared.statementType === StatementType.SELECT;
    done();
    if (!select || expired()) throw engineError('duckdb', this.pinned.limits);
    let explain: DuckDbApi.DuckDBPreparedStatement | undefined;
    try {
      explain = await this.db.prepare(`EXPLAIN (FORMAT JSON) ${statement.sql}`);
      explain.bind(
        statement.params.map((p) => p.value) as never,
        statement.params.map((p) => PARAM_TYPES[p.type]),
      );
      if (expired()) throw engineError('duckdb', this.pinned.limits);
      const rows = (await explain.runAndReadAll()).getRowsJS();
      const value = rows[0]?.[1];
      return typeof value === 'string' ? value : undefined;
    } catch (e) {
      if (expired()) throw e;
      return undefined;
    } finally {
      explain?.destroySync();
    }
  }

  /**
   * Sets a file version's reader state (`duckdb-csv-choice.ts`) and drops every prepared statement (each keeps the
   * state it was planned with). Not after the deadline (deadline-queue.ts, rule 4): the file stays undecided then.
   */
  private async decide(file: WatchedFile, state: ReaderState, expired: () => boolean): Promise<void> {
    const choice = file.choice;
    if (!choice || expired()) return;
    this.prepared.clear();
    await this.db.run(setStateSql(choice.variable, state));
    choice.state = state;
  }

  /**
   * Runs a compiled statement as `query` does (one SELECT, after the statements before it, under its deadline), but
   * hands its rows to `onChunk` in chunks of `chunkRows` (public) instead of returning them all: the rows held at
   * any time are bounded by a public number (`duckdb-stream.ts`). The whole stream is one call with one deadline.
   * @throws DpError ENGINE_ERROR as `query`, also when `onChunk` throws (the deadline queue's one error).
   */
  async queryChunks(statement: CompiledStatement, chunkRows: number, onChunk: (rows: EngineRow[]) => void | Promise<void>): Promise<void> {
    if (this.closed) throw engineError('duckdb', this.pinned.limits);
    const fail = () => engineError('duckdb', this.pinned.limits);
    return this.calls.run(async (expired) => {
      await this.refreshChanged(expired);
      // A stream cannot be run again once its chunks are handed on (`query`'s fold): every undecided CSV reader is
      // decided by its own scan first (`duckdb-csv-choice.ts`), so no typed-reader refusal comes mid-stream.
      for (const file of [...this.watched.values()]) {
        const choice = file.choice;
        if (choice?.state !== 'force') continue;
        if (expired()) throw fail();
        await this.decide(file, (await this.typedReaderReads(choice.scan)) ? 'typed' : 'text', expired);
      }
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
    for (const file of [...this.watched.values()]) {
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
