/**
 * The table function that reads one data file for a DuckDB view (`duckdb.ts`, module header): Parquet as stored;
 * a declared CSV or JSON Lines file through the line-bounded readers of `duckdb-csv.ts` (lines cut by DuckDB or by
 * the Node loader, as `line-check.ts` decided); an undeclared file through DuckDB's automatic readers. The format is
 * taken from the file's name, never detected from its bytes (review S9).
 * @module
 */
import { DpError } from '../../core/errors.js';
import type { CsvLineBreaks } from '../../io/csv-records.js';
import { duckdbDialect } from '../dialects/duckdb.js';
import { csvRecordsSql, jsonRecordsSql, type LineSource, nativeFieldsSql, sqlString } from './duckdb-csv.js';

/** A data file's format, from its name. */
export type FileFormat = 'csv' | 'parquet' | 'json';

/** The pinned layout of an undeclared JSON file (declared ones: `jsonRecordsSql`): one object per line. */
const JSON_LAYOUT = `format = 'newline_delimited', records = true, ignore_errors = true`;

/** The format of the file at `path`, from its name's extension (never from its bytes). */
export function formatOf(path: string): FileFormat {
  return /\.parquet$/i.test(path) ? 'parquet' : /\.(json|jsonl|ndjson)$/i.test(path) ? 'json' : 'csv';
}

/** What opening a file learns about it (structure only, never a value): its columns and, for CSV, its dialect. */
export interface FileProbe {
  /** The file's column names, in order. */
  readonly columns: readonly string[];
  /** Parquet and JSON: the column types DuckDB reads (from the file's metadata), in order. */
  readonly types?: readonly string[];
  /** CSV: the declared delimiter, quote and escape characters (pinned in the view, so no query sniffs). */
  readonly csv?: { readonly delim: string; readonly quote: string; readonly escape: string };
}

/**
 * The table function reading a file. Declared (`probe` given): CSV as text with the declared dialect and
 * every file column VARCHAR, unreadable lines skipped; JSON with the declared columns as text, unreadable records
 * skipped; Parquet as stored. Undeclared: DuckDB's automatic readers.
 */
export function readerSql(
  path: string,
  format: FileFormat,
  probe: FileProbe | undefined,
  textColumns: readonly string[] = [],
  lineBreaks: CsvLineBreaks = 'none',
  lines?: LineSource,
  nativeFields = false,
): string {
  const p = sqlString(path);
  if (format === 'parquet') return `read_parquet(${p})`;
  if (format === 'json') {
    // The layout of every JSON file (.json, .jsonl, .ndjson) is pinned: JSON Lines, one object per line — decided
    // by the file's name, never detected from its records (review S9: DuckDB's detection read the FIRST record, and
    // a cut first record made a charged query fail with ENGINE_ERROR). Declared: each physical line is one record,
    // a line that is not one JSON object dropped alone (duckdb-csv.ts, jsonRecordsSql). A JSON array file
    // (`[{…}, {…}]`) is not read as an array (one broken element would decide whether the whole file parses).
    if (!probe || !lines) return `read_json(${p}, ${JSON_LAYOUT})`;
    return jsonRecordsSql(lines, textColumns);
  }
  if (!probe?.csv || !lines) return `read_csv_auto(${p})`;
  // The shared record rule of private CSV (src/io/csv-records.ts), in SQL: columns c1, c2, … by header position.
  const delimiter = probe.csv.delim === '\t' ? '\t' : ',';
  if (nativeFields && lines.kind === 'file' && lineBreaks !== 'quoted') {
    return nativeFieldsSql(lines.path, delimiter, probe.columns.length, undefined, lines.lineEnding, lines.shortLines);
  }
  return csvRecordsSql(lines, delimiter, probe.columns.length, lineBreaks);
}

/**
 * The statement that reads every text column of a Parquet file once (`strlen` makes DuckDB check each value's
 * UTF-8; review S49: DuckDB checks it only when a function first reads the value as text, so one person's
 * non-UTF-8 value made a charged query fail). Run at open, before any query; no value is returned to tsdp.
 * @returns the statement, or undefined when the file has no text column.
 */
export function parquetTextCheckSql(path: string, probe: FileProbe): string | undefined {
  const text = probe.columns.filter((_, i) => /VARCHAR/i.test(probe.types?.[i] ?? 'VARCHAR'));
  if (text.length === 0) return undefined;
  const q = duckdbDialect.quoteIdentifier;
  return `SELECT ${text.map((c) => `max(strlen(CAST(${q(c)} AS VARCHAR)))`).join(', ')} FROM ${readerSql(path, 'parquet', undefined)}`;
}

/** The refusal of a Parquet file whose text is not all UTF-8 (at open, before any query: nothing is charged). */
export function notUtf8(path: string, table: string): DpError {
  return new DpError(
    'INVALID_PARAMETER',
    `cannot read ${path} as table "${table}": a text column holds bytes that are not UTF-8 (the whole file is refused, before any query)`,
    { parameter: 'data' },
  );
}
