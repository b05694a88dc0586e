/**
 * DP SQL's line-bounded readers of declared CSV and JSON files (JSON: `jsonRecordsSql`, review S9). CSV: the one
 * record rule of private CSV (`src/io/csv-records.ts`, review S2): a file is cut into lines first, then each line's
 * fields are split by DuckDB in SQL.
 *
 * Why not `read_csv` with quoting (measured on @duckdb/node-api 1.5.6): whatever the options (`strict_mode`
 * true or false, `ignore_errors`, `null_padding`, `new_line`), DuckDB's RFC 4180 state machine lets a quoted
 * field run across lines, so one record `99,"x` removed every later record (strict: all of them; non-strict:
 * all but itself); and in strict mode one lone CR inside a record failed the whole scan even with
 * `ignore_errors` (an engine error decided by one record). Nor with quoting off and DuckDB splitting the fields
 * (one column per field): with `ignore_errors` it read rows that no line of the file holds (measured).
 *
 * Who cuts the lines ({@link LineSource}), decided per file by a public check of its bytes (`line-check.ts`):
 * - **DuckDB** (`nativeLinesSql`, parallel, in place) when the file holds one line ending throughout (LF, or CR LF
 *   told to DuckDB as `new_line`), no blank line, no NUL and no byte-order mark but at its start: DuckDB
 *   reads physical LINES only — `quote = ''` and `escape = ''` (no state crosses a line), delimiter U+0001 into two
 *   columns (`line`, `extra`) with `null_padding` and a null string no field can equal (a LF), so `extra` is
 *   non-NULL exactly when the line holds a U+0001 (rule 3), `ignore_errors` (a line that is not UTF-8 is skipped
 *   alone), `max_line_size` twice {@link CSV_MAX_LINE_BYTES} and the buffer pinned at 16 times that
 *   ({@link nativeLineReaderOptions}: DuckDB's thread splits are a quarter buffer, its buffer a multiple of 16 —
 *   other sizes drop lines that cross a split, measured). Review S15 found that DuckDB reads the record after a
 *   buffer boundary twice, or drops it, when two line-terminator bytes meet there (CR LF, LF LF, a lone CR): the
 *   check keeps such files away from it, and `test/sql/native-line-reader.test.ts` checks generatively, at small
 *   pinned buffers (many boundaries) and 1–4 threads, that DuckDB reads the Node reader's lines on every other file.
 *   When the file holds no `"` and no U+0001 either and is UTF-8 throughout (typical numeric exports; stop 20: DuckDB
 *   checks a field's UTF-8 only when a statement reads it), DuckDB also splits the fields (`nativeFieldsSql`: no list
 *   per line, close to plain DuckDB's speed), with the same records; when moreover every line is below the limit, the
 *   declared integer and float columns are parsed by DuckDB's typed reader (`duckdb-csv-typed.ts`).
 * - **Node** (`loadFileLines`) otherwise: the shared reader (`csvLineBatchesOfBytes`: at every CR and LF, each line
 *   decoded alone, a line that is not UTF-8 or has `CSV_MAX_LINE_BYTES` bytes or more dropped alone) appends the
 *   lines, at open, to an internal table.
 * Either way, where a line starts is a function of the bytes at that place only, at every offset. The header line
 * is the first line (`skip`), read by `csv-header.ts`. Each line is then split in SQL by the one-line grammar
 * (rule 4):
 * a line without `"` by the delimiter (`string_split`), any other line only when it matches the grammar as a
 * whole (`regexp_full_match`), its fields taken by `regexp_extract_all` and unquoted; a line whose field count
 * differs from the header's is dropped; a line holding U+0001 is dropped (rule 3). Every step is a function of one
 * line: one person's record can only
 * remove itself. `test/io/csv-record-rule.test.ts` checks that this view and the Node readers read the same
 * records from random files with malformed lines. With a file declared `lineBreaks: 'quoted'` (rule 5: its writer
 * quotes every field), a record line must also match the all-fields-quoted grammar and hold a character other than
 * `"` and the delimiter — still a function of one line (`test/io/csv-line-breaks.test.ts`).
 * @module
 */
import { createReadStream } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CSV_MAX_LINE_BYTES, type CsvLineBreaks, csvLineBatchesOfBytes } from '../../io/csv-records.js';
import type { LineEnding } from './line-check.js';

/** `s` as a SQL string literal (quotes doubled). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * The SQL relation of a declared CSV's records: one VARCHAR column per header field, named `c1`, `c2`, …
 * (positions in the header), every row a record that parses by the shared rule.
 * @param source - where the file's lines come from, its header skipped (skip 1).
 * @param delimiter - its declared delimiter (`,` or TAB).
 * @param width - the header's field count.
 * @param lineBreaks - the file's declared line-break encoding (rule 5 of `src/io/csv-records.ts`; default `'none'`):
 *   with `'quoted'` a record line must match the all-fields-quoted grammar as a whole and hold a character other
 *   than `"` and the delimiter, exactly as `parseCsvLine` decides.
 * @returns a parenthesised subquery to select from.
 */
export function csvRecordsSql(source: LineSource, delimiter: ',' | '\t', width: number, lineBreaks: CsvLineBreaks = 'none'): string {
  const d = sqlString(delimiter);
  const quotedField = '"(?:[^"]|"")*"';
  const field = `(?:${quotedField}|[^"${delimiter}]*)`;
  const reader = linesSql(source);
  const unquote = `f -> CASE WHEN starts_with(f, '"') THEN replace(f[2:-2], '""', '"') ELSE f END`;
  let fields: string;
  if (lineBreaks === 'quoted') {
    const line = `${quotedField}(?:${delimiter}${quotedField})*`;
    fields =
      `CASE WHEN regexp_full_match(line, ${sqlString(line)}) AND regexp_matches(line, ${sqlString(`[^"${delimiter}]`)}) ` +
      `THEN list_transform(regexp_extract_all(line || ${d}, ${sqlString(`(${quotedField})${delimiter}`)}, 1), ${unquote}) END`;
  } else {
    const line = `${field}(?:${delimiter}${field})*`;
    fields =
      `CASE WHEN NOT contains(line, '"') THEN string_split(line, ${d}) ` +
      `WHEN regexp_full_match(line, ${sqlString(line)}) THEN list_transform(regexp_extract_all(line || ${d}, ${sqlString(`(${field})${delimiter}`)}, 1), ` +
      `${unquote}) END`;
  }
  const columns = Array.from({ length: width }, (_, i) => `f[${i + 1}] AS c${i + 1}`).join(', ');
  return `(SELECT ${columns} FROM (SELECT ${fields} AS f FROM ${reader}) WHERE len(f) = ${width})`;
}

/** How many lines are appended to DuckDB at a time before the appender is flushed. */
const FLUSH_EVERY = 100_000;
let linesTableNo = 0;

/**
 * Cuts a file into lines by rules 1 and 3 of `src/io/csv-records.ts` (the shared Node reader, `csvLinesOfBytes`) and
 * appends them, in order, to a new internal table with one VARCHAR column `line` (review S15: DuckDB's own line
 * splitting is not a function of the bytes at each place). Empty lines, lines that are not UTF-8 and lines of
 * `CSV_MAX_LINE_BYTES` bytes or more are dropped, each alone.
 * @param connection - the engine's connection (before external access is closed).
 * @param path - the file (resolved).
 * @param skip - lines to skip first (1: a CSV's header).
 * @returns the internal table's quoted name, for {@link linesSql}.
 * @throws Error when the file cannot be read (the caller reports it as unreadable: a public fact).
 */
export async function loadFileLines(connection: DuckDBConnection, path: string, skip: 0 | 1): Promise<string> {
  const name = `tsdp_lines_${++linesTableNo}`;
  await connection.run(`CREATE TEMP TABLE ${name} (line VARCHAR)`);
  const appender = await connection.createAppender(name, 'main', 'temp');
  try {
    let seen = 0;
    let pending = 0;
    for await (const batch of csvLineBatchesOfBytes(createReadStream(path))) {
      for (const line of batch) {
        if (seen++ < skip || line === undefined || line === '') continue;
        appender.appendVarchar(line);
        appender.endRow();
        pending++;
      }
      if (pending >= FLUSH_EVERY) {
        appender.flushSync();
        pending = 0;
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return name;
}

/** Where a declared file's lines come from: a table {@link loadFileLines} filled, or DuckDB's reader on the file. */
export type LineSource =
  | { readonly kind: 'table'; readonly table: string }
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly skip: 0 | 1;
      readonly lineEnding: LineEnding;
      /** The check found every line shorter than the line limit (`NativeLineCheck.shortLines`): no byte count needed. */
      readonly shortLines?: boolean;
    };

/**
 * The pinned options of DuckDB's line reader: `max_line_size` twice the line limit (DuckDB's own limit moves with
 * the line ending, so the byte filter in {@link linesSql} decides) and the buffer 16 times that — a multiple of 16,
 * so DuckDB's thread splits (a quarter buffer) tile each buffer (module header). Tests pass a smaller limit to get
 * many boundaries in a small file; production uses {@link CSV_MAX_LINE_BYTES}.
 * @param lineLimit - the line limit in bytes (lines of this many bytes or more are dropped).
 * @returns the reader's `max_line_size` and `buffer_size`.
 */
export function nativeLineReaderOptions(lineLimit: number = CSV_MAX_LINE_BYTES): { maxLineSize: number; bufferSize: number } {
  return { maxLineSize: 2 * lineLimit, bufferSize: 32 * lineLimit };
}

/**
 * The `new_line` option of DuckDB's reader for an admitted file's line ending: none for LF (the configuration the
 * tests pin), `'\r\n'` for CR LF — DuckDB then reads a CR LF split by a buffer boundary or a thread split as one
 * line ending (`test/sql/native-line-reader.test.ts`, CRLF files at every offset around the boundaries).
 */
function newLineOption(lineEnding: LineEnding): string {
  return lineEnding === 'crlf' ? `new_line = '\\r\\n', ` : '';
}

/**
 * DuckDB's reader of a file's physical lines (module header), for a file that `checkNativeLines` admitted.
 * @param path - the file (resolved).
 * @param skip - lines to skip first (1: a CSV's header).
 * @param lineLimit - the line limit (default {@link CSV_MAX_LINE_BYTES}; smaller only in tests).
 * @param lineEnding - the file's line ending, as the check found it (default `'lf'`).
 * @param shortLines - the check proved every line shorter than `lineLimit` (`NativeLineCheck.shortLines`): the byte
 *   filter, which holds for every line, is left out.
 * @returns a parenthesised subquery with one VARCHAR column `line`.
 */
export function nativeLinesSql(
  path: string,
  skip: 0 | 1,
  lineLimit: number = CSV_MAX_LINE_BYTES,
  lineEnding: LineEnding = 'lf',
  shortLines = false,
): string {
  const { maxLineSize, bufferSize } = nativeLineReaderOptions(lineLimit);
  const reader =
    `read_csv(${sqlString(path)}, auto_detect = false, header = false, skip = ${skip}, delim = chr(1), quote = '', escape = '', ${newLineOption(lineEnding)}` +
    `columns = {'line': 'VARCHAR', 'extra': 'VARCHAR'}, null_padding = true, strict_mode = false, nullstr = chr(10), ` +
    `max_line_size = ${maxLineSize}, buffer_size = ${bufferSize}, ignore_errors = true)`;
  // An admitted file has no byte-order mark but at its start (the header's, or a JSON file's first line, where
  // jsonRecordsSql removes it), so no line here differs from the Node decoder's by one.
  return `(SELECT line FROM ${reader} WHERE extra IS NULL AND line IS NOT NULL${shortLines ? '' : ` AND strlen(line) < ${lineLimit}`})`;
}

/**
 * DuckDB's reader of a declared CSV's records, fields split by DuckDB itself, for a file that `checkNativeLines`
 * admitted with `fields` (no `"` and no U+0001 besides no CR, blank line or NUL) and that is not declared
 * `lineBreaks: 'quoted'`. In such a file rule 4 reads a line as its delimiter-split fields, and the record rule
 * keeps it iff it has exactly `width` fields and fewer than the line limit in bytes. DuckDB reads `width + 1`
 * VARCHAR columns with `null_padding` and a null string no field can equal (a LF), so a line with fewer fields has
 * column `width` NULL and a line with more has column `width + 1` non-NULL — both dropped; the byte length of a
 * kept line is the sum of its fields' plus the delimiters. (DuckDB's own column count with `ignore_errors` alone read
 * rows no line holds; with this layout it reads the Node reader's records on every generated file:
 * `test/sql/native-line-reader.test.ts`.) Same columns as {@link csvRecordsSql}.
 * @param path - the file (resolved).
 * @param delimiter - its declared delimiter (`,` or TAB).
 * @param width - the header's field count.
 * @param lineLimit - the line limit (default {@link CSV_MAX_LINE_BYTES}; smaller only in tests).
 * @param lineEnding - the file's line ending, as the check found it (default `'lf'`).
 * @param shortLines - the check proved every line shorter than `lineLimit` (`NativeLineCheck.shortLines`): the byte
 *   count, true of every line, is left out, and a `COUNT(*)` reads no field but the last two.
 * @returns a parenthesised subquery to select from.
 */
export function nativeFieldsSql(
  path: string,
  delimiter: ',' | '\t',
  width: number,
  lineLimit: number = CSV_MAX_LINE_BYTES,
  lineEnding: LineEnding = 'lf',
  shortLines = false,
): string {
  const { maxLineSize, bufferSize } = nativeLineReaderOptions(lineLimit);
  const names = Array.from({ length: width + 1 }, (_, i) => `c${i + 1}`);
  const reader =
    `read_csv(${sqlString(path)}, auto_detect = false, header = false, skip = 1, delim = ${sqlString(delimiter)}, quote = '', escape = '', ${newLineOption(lineEnding)}` +
    `columns = {${names.map((n) => `'${n}': 'VARCHAR'`).join(', ')}}, null_padding = true, strict_mode = false, nullstr = chr(10), ` +
    `max_line_size = ${maxLineSize}, buffer_size = ${bufferSize}, ignore_errors = true)`;
  const fields = names.slice(0, width);
  const bytes = `${fields.map((n) => `strlen(${n})`).join(' + ')} + ${width - 1}`;
  // With shortLines every line is below the limit, so the byte count (which reads every field of every line, even for
  // a COUNT(*): issue 11, ≈ 0.4 s of CPU per 10⁷ rows) is left out; the field count alone decides.
  const short = shortLines ? '' : ` AND ${bytes} < ${lineLimit}`;
  return `(SELECT ${fields.join(', ')} FROM ${reader} WHERE c${width} IS NOT NULL AND c${width + 1} IS NULL${short})`;
}

/**
 * The lines of a declared file (rules 1 and 3 of `src/io/csv-records.ts`): empty lines, lines holding U+0001, lines
 * of {@link CSV_MAX_LINE_BYTES} bytes or more and lines that are not UTF-8 dropped, each alone.
 * @param source - the table {@link loadFileLines} returned, or the file DuckDB reads itself.
 * @returns a parenthesised subquery with one VARCHAR column `line`.
 */
export function linesSql(source: LineSource): string {
  if (source.kind === 'file') return nativeLinesSql(source.path, source.skip, CSV_MAX_LINE_BYTES, source.lineEnding, source.shortLines);
  return `(SELECT line FROM ${source.table} WHERE line IS NOT NULL AND NOT contains(line, chr(1)) AND strlen(line) < ${CSV_MAX_LINE_BYTES})`;
}

/**
 * The SQL relation of a declared JSON file's records (review S9): every file named `.json`, `.jsonl` or `.ndjson`
 * is JSON Lines — the layout decided by the name, never by the records. Each physical line ({@link linesSql};
 * leading byte-order marks ignored) that is one JSON object is one record; any other line (a cut record, an
 * array, a scalar, an object spread over several lines, two objects on a line) is dropped alone. DuckDB's own
 * `read_json` could not be used: with `format = 'newline_delimited'` and `ignore_errors` it still let a cut
 * record take the next line (a COUNT moved), and a pretty-printed object next to a raw NUL made the scan fail
 * (measured on @duckdb/node-api 1.5.6). Every JSON function is wrapped in `TRY`, so no line can fail a scan.
 * @param source - where the file's lines come from (skip 0).
 * @param keys - the declared keys; each becomes a VARCHAR column of that name (the key's text, NULL when absent).
 * @returns a parenthesised subquery to select from.
 */
export function jsonRecordsSql(source: LineSource, keys: readonly string[]): string {
  const pointer = (k: string) => sqlString(`/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  const columns = keys.map((k) => `TRY(json_extract_string(j, ${pointer(k)})) AS "${k.replace(/"/g, '""')}"`).join(', ');
  return `(SELECT ${columns} FROM (SELECT ltrim(line, chr(65279)) AS j FROM ${linesSql(source)}) WHERE TRY(json_type(j)) = 'OBJECT')`;
}
