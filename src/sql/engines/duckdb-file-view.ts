/**
 * The views of the DuckDB engine over declared files (what each view reads, and why: `duckdb.ts`'s module header):
 * building a file's view at open, and rebuilding it from a changed version inside a statement. Holds what the engine's
 * other steps read about those views: which views tsdp made (the catalog step refuses any other, S29b), what each file
 * stores per declared column (S56), which views read through `read_csv` (the reader choice, `duckdb-csv-choice.ts`),
 * and the version of each CSV/JSON file its view was built from (`refreshChanged`).
 * @module
 */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DpError } from '../../core/errors.js';
import { CSV_MAX_LINE_BYTES, type CsvLineBreaks } from '../../io/csv-records.js';
import { duckdbDialect } from '../dialects/duckdb.js';
import { csvDialectOf, readCsvHeader } from './csv-header.js';
import { type LineSource, loadFileLines, sqlString } from './duckdb-csv.js';
import { choiceReaderSql, countedReaderSql, counterSql, type ReaderState, setStateSql } from './duckdb-csv-choice.js';
import { type TypedCsvColumn, typedFieldsSql, typedPositions, typedReadCsvSql, typedScanSql } from './duckdb-csv-typed.js';
import type { DeclaredColumnType } from './duckdb-options.js';
import {
  admittedDeclaredTypes,
  blobBoundedSource,
  type ParquetColumn,
  parquetSchemaSql,
  storedTypeName,
  storedTypeRefused,
  topLevelColumns,
} from './duckdb-parquet-types.js';
import { type FileFormat, type FileProbe, formatOf, notUtf8, parquetTextCheckSql, readerSql } from './duckdb-reader.js';
import { checkNativeLines, type FileIdentity, fileIdentity, type NativeLineCheck, sameIdentity } from './line-check.js';

/** setTimeout's longest delay (a longer one fires at once). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const DECLARED_TYPES = { integer: 'integer', float: 'double', string: 'varchar', boolean: 'boolean', date: 'date' } as const;

/** Runs one DuckDB call of opening or of a view's (re)definition: through the engine's queue at open, directly inside a statement. */
export type Runner = <T>(work: () => Promise<T>, deadlineMs?: number) => Promise<T>;

/** The reader choice of one version of a declared CSV (`duckdb-csv-choice.ts`). */
export interface ReaderChoice {
  /** The DuckDB variable holding the state. */
  readonly variable: string;
  /** The typed reader's types by header position. */
  readonly types: readonly (TypedCsvColumn | undefined)[];
  /** The version's line counter: a temporary sequence (`duckdb-csv-choice.ts`, "Counting"). */
  readonly sequence: string;
  /** The version's lines after the header, from the line check (`NativeLineCheck.dataLines`). */
  readonly dataLines: number;
  /**
   * The lenient scan of every typed column that decides the state when no statement can (`typedScanSql`). It never
   * fails on a bad field: its first value is a line count, typed only when it equals {@link dataLines}
   * (`CsvReaderDecider.everyLineTyped`). Named so that code written for the stop-21 strict `scan` (typed iff it ran
   * without error) does not compile against it.
   */
  readonly countingScan: string;
  state: ReaderState;
}

let readerVariableNo = 0;

/** Whether `s` is well-formed UTF-16 (no lone surrogate): it then reaches DuckDB, in UTF-8, unchanged (`viewTypes`). */
function wellFormed(s: string): boolean {
  return !/[\uD800-\uDFFF]/u.test(s);
}

/** A declared CSV/JSON file and the version of it its view was built from. */
export interface WatchedFile {
  readonly path: string;
  readonly identity: FileIdentity;
  /** The table the Node loader filled, when the file's lines were cut in Node. */
  readonly linesTable: string | undefined;
  /** A declared CSV's typed/text reader choice, when the typed reader may read it. */
  readonly choice: ReaderChoice | undefined;
  /** Rebuilds the view from the file's current bytes (with `run` for each DuckDB call). */
  readonly rebuild: (run: Runner) => Promise<string>;
}

/** The engine's views over declared files (module header). */
export class DuckDbFileViews {
  /** Declared CSV/JSON files, by table: the version of the file each view was built from (see `refreshChanged`). */
  readonly watched = new Map<string, WatchedFile>();
  /** The views tsdp made over declared files (total by construction: TRY_CAST); any other view is refused (S29b). */
  readonly ownViews = new Set<string>();
  /** For each view over a declared file, the type the file stores for each declared column (S56; `duckdb-catalog.ts`). */
  readonly fileStored = new Map<string, ReadonlyMap<string, string>>();
  /** The tables whose view reads through DuckDB's `read_csv` (which READ_CSV of a plan is whose: `duckdb-csv-choice.ts`). */
  readonly csvScanned = new Set<string>();
  /**
   * For each view whose every column is a declared column's TRY_CAST, the type DuckDB's catalog gives each column (lower
   * case, as `duckdb-catalog.ts` reads it): the cast's type, by the declared name. The catalog step answers from it
   * while the connection is the engine's own (`duckdb-catalog.ts`, "Own views without a catalog read"). Absent for a
   * view of every column of the file (no declared types: the file's own types), for declared names equal but for
   * case (DuckDB renames the second, `A_1`), and for a table or declared name holding a lone surrogate (DuckDB reads
   * it as U+FFFD: review stop 26).
   */
  readonly viewTypes = new Map<string, ReadonlyMap<string, string>>();

  /** @param db - the engine's connection. */
  /**
   * @param db - the engine's connection.
   * @param temporary - whether the views are made TEMPORARY: with a database file, which the engine opens read-only
   *   (no view can be created in it), the views live in the connection's temporary catalog, which DuckDB searches
   *   before the database's own (`duckdb-catalog.ts` reads their columns there).
   */
  constructor(
    private readonly db: DuckDBConnection,
    private readonly temporary: boolean,
  ) {}

  /**
   * Creates (or, with `replace`, rebuilds) the view `table` over the file at `path` (`duckdb.ts`'s module header) and returns the resolved path.
   * @throws DpError NOT_FOUND (no file; a declared column a CSV header or Parquet schema lacks), INVALID_PARAMETER (unreadable).
   */
  async create(
    table: string,
    path: string,
    declared: Readonly<Record<string, DeclaredColumnType>> | undefined,
    lineBreaks: CsvLineBreaks = 'none',
    run: Runner,
    replace = false,
    precheck?: Promise<NativeLineCheck>,
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
    /** The view's column types when every column is a declared cast (`viewTypes`). */
    let viewTypes: ReadonlyMap<string, string> | undefined;
    let reader = readerSql(full, format, undefined);
    let watch: WatchedFile | undefined;
    /** The version of the file this view is built from; a changed file rebuilds the view (see `refreshChanged`). */
    let choice: ReaderChoice | undefined;
    const watched = (identity: FileIdentity, linesTable: string | undefined): WatchedFile => ({
      path: full,
      identity,
      linesTable,
      choice,
      rebuild: (direct) => this.create(table, path, declared, lineBreaks, direct, true),
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
      let dataLines = 0;
      if (format !== 'parquet') {
        const skip = format === 'csv' ? 1 : 0;
        try {
          // The check of the bytes this view is built from: `precheck` when open started it (`linePrecheck`), else now.
          const check = await (precheck ?? checkNativeLines(full));
          if (check.native) {
            lines = { kind: 'file', path: full, skip, lineEnding: check.lineEnding, shortLines: check.shortLines };
            nativeFields = check.fields;
            dataLines = check.dataLines;
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
      const names = new Set(columns.map(([c]) => c.toLowerCase()));
      // Review stop 26 (review-sqlfast): a lone surrogate reaches DuckDB as U+FFFD (the driver encodes UTF-8 with
      // replacement), so the catalog names that column otherwise, and two names differing only there become one
      // (the second renamed `_1`): such a view is read from the catalog.
      if (names.size === columns.length && wellFormed(table) && columns.every(([c]) => wellFormed(c))) {
        viewTypes = new Map(columns.map(([c, t]) => [c, duckdbDialect.typeName(DECLARED_TYPES[t]).toLowerCase()]));
      }
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
          const delimiter = probe.csv?.delim === '\t' ? '\t' : ',';
          const typedReader = typedFieldsSql(full, delimiter, typed, lines.lineEnding);
          const lenient = typedReadCsvSql(full, delimiter, typed, lines.lineEnding, CSV_MAX_LINE_BYTES, true);
          const n = ++readerVariableNo;
          const variable = `tsdp_csv_reader_${n}`;
          const sequence = `tsdp_csv_lines_${n}`;
          await run(() => this.db.run(setStateSql(variable, 'force')));
          await run(() => this.db.run(counterSql(sequence)));
          reader = choiceReaderSql(typedReader, countedReaderSql(lenient, typed, sequence), reader, typed, variable);
          choice = { variable, sequence, dataLines, types: typed, countingScan: typedScanSql(lenient, typed), state: 'force' };
        }
        watch = watched(identity, lines?.kind === 'table' ? lines.table : undefined);
      }
    }
    try {
      await run(() =>
        this.db.run(
          `CREATE ${replace ? 'OR REPLACE ' : ''}${this.temporary ? 'TEMPORARY ' : ''}VIEW ${q(table)} AS SELECT ${select} FROM ${reader}`,
        ),
      );
      this.ownViews.add(table);
      if (/\bread_csv(_auto)?\(/i.test(reader)) this.csvScanned.add(table);
      else this.csvScanned.delete(table);
      if (storedTypes) this.fileStored.set(table, storedTypes);
      if (viewTypes) this.viewTypes.set(table, viewTypes);
      else this.viewTypes.delete(table);
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

  /**
   * The line check of a declared CSV or JSON file, started before DuckDB opens (issue 11, stop 26): `checkNativeLines`
   * reads the file in Node while DuckDB's instance starts on its own thread, instead of after it (≈ 50–90 ms of wall
   * per open). It is the same check of the same path, and `create` awaits it exactly where it ran the check itself —
   * before any view or line reader exists — so what the view is built from, and the identity `refreshChanged` compares
   * later, are the check's as before; only its start moves earlier (by DuckDB's start-up). Undefined where `create`
   * runs no check (Parquet, undeclared columns, a missing file: NOT_FOUND comes first, as before). A failed check is
   * `create`'s INVALID_PARAMETER, as before; one never awaited (open failed first) is dropped, never unhandled.
   */
  static linePrecheck(
    path: string,
    declared: Readonly<Record<string, DeclaredColumnType>> | undefined,
  ): Promise<NativeLineCheck> | undefined {
    if (typeof path !== 'string' || !declared || !existsSync(path)) return undefined;
    const full = resolve(path);
    if (formatOf(full) === 'parquet') return undefined;
    const check = checkNativeLines(full);
    check.catch(() => {});
    return check;
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
}
