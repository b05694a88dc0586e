/**
 * DP SQL's reader of a declared CSV file: the one record rule of private CSV (`src/io/csv-records.ts`, review
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
 * equal (a LF), so `extra` is non-NULL exactly when the line holds a U+0001 (rule 3), `max_line_size` pinned
 * to `CSV_MAX_LINE_BYTES` and `ignore_errors` (a line that is not UTF-8 or too long is skipped alone), `skip
 * = 1` (the header line, read by `csv-header.ts`). Each line is then split by the one-line grammar (rule 4):
 * a line without `"` by the delimiter (`string_split`), any other line only when it matches the grammar as a
 * whole (`regexp_full_match`), its fields taken by `regexp_extract_all` and unquoted; a line whose field count
 * differs from the header's is dropped. Every step is a function of one line: one person's record can only
 * remove itself. `test/io/csv-record-rule.test.ts` checks that this view and the Node readers read the same
 * records from random files with malformed lines.
 * @module
 */
import { CSV_MAX_LINE_BYTES } from '../../io/csv-records.js';

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * The SQL relation of a declared CSV's records: one VARCHAR column per header field, named `c1`, `c2`, …
 * (positions in the header), every row a record that parses by the shared rule.
 * @param path - the file (resolved).
 * @param delimiter - its declared delimiter (`,` or TAB).
 * @param width - the header's field count.
 * @returns a parenthesised subquery to select from.
 */
export function csvRecordsSql(path: string, delimiter: ',' | '\t', width: number): string {
  const d = sqlString(delimiter);
  const field = `(?:"(?:[^"]|"")*"|[^"${delimiter}]*)`;
  const line = `${field}(?:${delimiter}${field})*`;
  const reader =
    `read_csv(${sqlString(path)}, auto_detect = false, header = false, skip = 1, delim = chr(1), quote = '', escape = '', ` +
    `columns = {'line': 'VARCHAR', 'extra': 'VARCHAR'}, null_padding = true, strict_mode = false, nullstr = chr(10), ` +
    `max_line_size = ${CSV_MAX_LINE_BYTES}, ignore_errors = true)`;
  const fields =
    `CASE WHEN NOT contains(line, '"') THEN string_split(line, ${d}) ` +
    `WHEN regexp_full_match(line, ${sqlString(line)}) THEN list_transform(regexp_extract_all(line || ${d}, ${sqlString(`(${field})${delimiter}`)}, 1), ` +
    `f -> CASE WHEN starts_with(f, '"') THEN replace(f[2:-2], '""', '"') ELSE f END) END`;
  const columns = Array.from({ length: width }, (_, i) => `f[${i + 1}] AS c${i + 1}`).join(', ');
  return `(SELECT ${columns} FROM (SELECT ${fields} AS f FROM ${reader} WHERE extra IS NULL AND line IS NOT NULL) WHERE len(f) = ${width})`;
}
