/**
 * DP SQL's line-bounded readers of declared CSV and JSON files (JSON: `jsonRecordsSql`, review S9). CSV: the one record rule of private CSV (`src/io/csv-records.ts`, review
 * S2), enforced by DuckDB itself, in SQL, so a large file is still scanned in parallel by DuckDB's own reader.
 *
 * Why not `read_csv` with quoting (measured on @duckdb/node-api 1.5.6): whatever the options (`strict_mode`
 * true or false, `ignore_errors`, `null_padding`, `new_line`), DuckDB's RFC 4180 state machine lets a quoted
 * field run across lines, so one record `99,"x` removed every later record (strict: all of them; non-strict:
 * all but itself); and in strict mode one lone CR inside a record failed the whole scan even with
 * `ignore_errors` (an engine error decided by one record).
 *
 * So DuckDB reads physical LINES only — `quote = ''` and `escape = ''` (no state crosses a line),
 * `strict_mode = false` (CR, LF and CRLF each end a line, as in rule 1; an empty line yields no row),
 * delimiter U+0001 into two columns (`line`, `extra`) with `null_padding` and a null string that no field can
 * equal (a LF), so `extra` is non-NULL exactly when the line holds a U+0001 (rule 3), a byte-length filter
 * (`strlen(line) < CSV_MAX_LINE_BYTES`) and `ignore_errors` (a line that is not UTF-8 is skipped alone), `skip
 * = 1` (the header line, read by `csv-header.ts`). Each line is then split by the one-line grammar (rule 4):
 * a line without `"` by the delimiter (`string_split`), any other line only when it matches the grammar as a
 * whole (`regexp_full_match`), its fields taken by `regexp_extract_all` and unquoted; a line whose field count
 * differs from the header's is dropped. Every step is a function of one line: one person's record can only
 * remove itself. `test/io/csv-record-rule.test.ts` checks that this view and the Node readers read the same
 * records from random files with malformed lines. With a file declared `lineBreaks: 'quoted'` (rule 5: its writer
 * quotes every field), a record line must also match the all-fields-quoted grammar and hold a character other than
 * `"` and the delimiter — still a function of one line (`test/io/csv-line-breaks.test.ts`).
 * @module
 */
import { CSV_MAX_LINE_BYTES, type CsvLineBreaks } from '../../io/csv-records.js';

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * The SQL relation of a declared CSV's records: one VARCHAR column per header field, named `c1`, `c2`, …
 * (positions in the header), every row a record that parses by the shared rule.
 * @param path - the file (resolved).
 * @param delimiter - its declared delimiter (`,` or TAB).
 * @param width - the header's field count.
 * @param lineBreaks - the file's declared line-break encoding (rule 5 of `src/io/csv-records.ts`; default `'none'`):
 *   with `'quoted'` a record line must match the all-fields-quoted grammar as a whole and hold a character other
 *   than `"` and the delimiter, exactly as `parseCsvLine` decides.
 * @returns a parenthesised subquery to select from.
 */
export function csvRecordsSql(path: string, delimiter: ',' | '\t', width: number, lineBreaks: CsvLineBreaks = 'none'): string {
  const d = sqlString(delimiter);
  const quotedField = '"(?:[^"]|"")*"';
  const field = `(?:${quotedField}|[^"${delimiter}]*)`;
  const reader = linesSql(path, 1);
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

/**
 * The physical lines of a file (rule 1 and 3 of `src/io/csv-records.ts`): cut at every CR and LF, empty lines,
 * lines holding U+0001, lines over `CSV_MAX_LINE_BYTES` and lines that are not UTF-8 dropped, each alone.
 * @param path - the file (resolved).
 * @param skip - lines to skip first (1: a CSV's header).
 * @returns a parenthesised subquery with one VARCHAR column `line`.
 */
export function linesSql(path: string, skip: 0 | 1): string {
  const reader =
    `read_csv(${sqlString(path)}, auto_detect = false, header = false, skip = ${skip}, delim = chr(1), quote = '', escape = '', ` +
    `columns = {'line': 'VARCHAR', 'extra': 'VARCHAR'}, null_padding = true, strict_mode = false, nullstr = chr(10), ` +
    `max_line_size = ${2 * CSV_MAX_LINE_BYTES}, ignore_errors = true)`;
  // The length limit is applied here, in bytes: DuckDB's own `max_line_size` boundary moves with the line ending
  // (a CRLF line's CR counts), so it is set twice as high and only ever drops lines this filter drops too.
  return `(SELECT line FROM ${reader} WHERE extra IS NULL AND line IS NOT NULL AND strlen(line) < ${CSV_MAX_LINE_BYTES})`;
}

/**
 * The SQL relation of a declared JSON file's records (review S9): every file named `.json`, `.jsonl` or `.ndjson`
 * is JSON Lines — the layout decided by the name, never by the records. Each physical line ({@link linesSql};
 * leading byte-order marks ignored) that is one JSON object is one record; any other line (a cut record, an
 * array, a scalar, an object spread over several lines, two objects on a line) is dropped alone. DuckDB's own
 * `read_json` could not be used: with `format = 'newline_delimited'` and `ignore_errors` it still let a cut
 * record take the next line (a COUNT moved), and a pretty-printed object next to a raw NUL made the scan fail
 * (measured on @duckdb/node-api 1.5.6). Every JSON function is wrapped in `TRY`, so no line can fail a scan.
 * @param path - the file (resolved).
 * @param keys - the declared keys; each becomes a VARCHAR column of that name (the key's text, NULL when absent).
 * @returns a parenthesised subquery to select from.
 */
export function jsonRecordsSql(path: string, keys: readonly string[]): string {
  const pointer = (k: string) => sqlString(`/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  const columns = keys.map((k) => `TRY(json_extract_string(j, ${pointer(k)})) AS "${k.replace(/"/g, '""')}"`).join(', ');
  return `(SELECT ${columns} FROM (SELECT ltrim(line, chr(65279)) AS j FROM ${linesSql(path, 0)}) WHERE TRY(json_type(j)) = 'OBJECT')`;
}
