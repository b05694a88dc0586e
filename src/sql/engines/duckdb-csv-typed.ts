/**
 * DuckDB's typed reader of a declared CSV (issue 11, stop 20): the declared integer and float columns parsed by
 * DuckDB's CSV reader itself (BIGINT, DOUBLE), the rest read as text — instead of every field read as VARCHAR and
 * cast with `TRY_CAST` (`nativeFieldsSql`, ≈ 0.2 s of CPU per 10⁷ rows and two numeric columns, the CSV GROUP BY's
 * gap to plain DuckDB).
 *
 * **The class it could reopen** — the record rule of private CSV (`src/io/csv-records.ts`; reviews S2, S15, S40):
 * one person's malformed record may only remove itself, no quoted field crosses lines, and no engine error is
 * decided by one record after the charge. DuckDB's typed reader cannot keep a record whose numeric field does not
 * parse (the text path keeps it with that value NULL): with `ignore_errors` it drops the line silently — a record the
 * Node reader keeps, gone — and without, the whole scan fails. Why this reader does not reopen it:
 * - **It is optimistic and never answers wrongly.** It runs with `ignore_errors = false`: every line it cannot read
 *   exactly (a field that does not parse as its column's type, an empty numeric field, too many fields) fails the
 *   scan instead of being dropped. The engine never reports that failure: it rebuilds the file's view on the text
 *   path (`nativeFieldsSql` + `TRY_CAST`, the reader this one replaces) and runs the same statement again, inside the
 *   same call and deadline (`duckdb.ts`, `query`); the view stays on the text path for that version of the file. So an
 *   answer is either this reader's, when no line failed it, or the text path's — never an error decided by a record.
 * - **When it does not fail, it reads the text path's records with the text path's values.** Its layout is
 *   `nativeFieldsSql`'s — the same admitted files (one line ending, no `"`, no U+0001, no NUL, no blank line, every line
 *   below the line limit, and UTF-8 throughout: `line-check.ts`), `quote = ''` and `escape = ''` (no state crosses a
 *   line), `width + 1` columns with `null_padding` and a null string no field can equal (a LF), the same filter on the
 *   last two columns (fewer fields: column `width` NULL; more: column `width + 1` set) — with only the declared integer
 *   and float columns typed. A typed field either fails the scan or yields `TRY_CAST(field AS type)`: measured on
 *   1.5.6 over ' 1', '+1', '01', '1.5', '2.5', '1e3', '1e400', '1e-400', '0x10', '0b1', '1_000', '١', '１', '', NaN,
 *   inf, Infinity, the BIGINT bounds ± 1, tabs and NBSP, and checked generatively against the Node reader
 *   (`test/sql/typed-csv-reader.test.ts`). A line the typed reader cannot split into its fields cannot be read from a
 *   file it is given (the check admits only files without `"`), and invalid UTF-8 never reaches a text column (that
 *   made DuckDB fail with an internal error invalidating the database, measured: the check admits only UTF-8 files).
 * - **Which reader answered is one bit of timing, as for the line reader** (`line-check.proof.md`, "Timing
 *   residual"): a file holding a numeric field that does not parse costs the first statement one failed scan, then
 *   the text path's time. The answer is the same either way.
 * Parsing is per column, so a column a query does not read is not parsed: its malformed values neither fail the
 *   scan nor change a row (the text path keeps the row too, that field NULL).
 * @module
 */
import { CSV_MAX_LINE_BYTES } from '../../io/csv-records.js';
import { nativeLineReaderOptions, sqlString } from './duckdb-csv.js';
import type { LineEnding } from './line-check.js';

/** The DuckDB types the typed reader parses itself; any other column is read as text and cast by the view. */
export type TypedCsvColumn = 'BIGINT' | 'DOUBLE';

/**
 * The typed reader of an admitted CSV (module header): columns `c1` … `c{width}`, the typed ones of their type, the
 * others VARCHAR. Only for a file `checkNativeLines` admitted with `fields` and `shortLines`, not declared
 * `lineBreaks: 'quoted'`.
 * @param path - the file (resolved).
 * @param delimiter - its declared delimiter (`,` or TAB).
 * @param types - for each header position (length `width`), the type DuckDB parses, or undefined for text.
 * @param lineEnding - the file's line ending, as the check found it (default `'lf'`).
 * @param lineLimit - the line limit (default {@link CSV_MAX_LINE_BYTES}; smaller only in tests).
 * @returns a parenthesised subquery to select from.
 */
export function typedFieldsSql(
  path: string,
  delimiter: ',' | '\t',
  types: readonly (TypedCsvColumn | undefined)[],
  lineEnding: LineEnding = 'lf',
  lineLimit: number = CSV_MAX_LINE_BYTES,
): string {
  const width = types.length;
  const { maxLineSize, bufferSize } = nativeLineReaderOptions(lineLimit);
  const columns = [...types, undefined].map((t, i) => `'c${i + 1}': '${t ?? 'VARCHAR'}'`).join(', ');
  const newLine = lineEnding === 'crlf' ? `new_line = '\\r\\n', ` : '';
  const reader =
    `read_csv(${sqlString(path)}, auto_detect = false, header = false, skip = 1, delim = ${sqlString(delimiter)}, quote = '', escape = '', ${newLine}` +
    `columns = {${columns}}, null_padding = true, strict_mode = false, nullstr = chr(10), ` +
    `max_line_size = ${maxLineSize}, buffer_size = ${bufferSize}, ignore_errors = false)`;
  const names = types.map((_, i) => `c${i + 1}`);
  return `(SELECT ${names.join(', ')} FROM ${reader} WHERE c${width} IS NOT NULL AND c${width + 1} IS NULL)`;
}

/**
 * Whether a DuckDB error may be the typed reader's refusal of a line (a field that does not parse: "Conversion
 * Error"; a line with too many fields: "Invalid Input Error"), so that the statement is run again on the text path.
 * An interrupt (the deadline) or a resource limit is not: the statement fails as before.
 * @param e - what the DuckDB call threw.
 */
export function typedReaderRefusal(e: unknown): boolean {
  const message = e instanceof Error ? e.message : '';
  return /^(Conversion|Invalid Input) Error/.test(message);
}

/** The declared column types the typed reader parses itself, and as what. */
const PARSED: Readonly<Record<string, TypedCsvColumn>> = { integer: 'BIGINT', float: 'DOUBLE' };

/**
 * For each header position, the type the typed reader parses there: a position is typed when every declared column
 * read from it is declared integer (BIGINT) or every one float (DOUBLE) — the type the view's `TRY_CAST` casts it to,
 * so the cast becomes a no-op; any other position is read as text and cast by the view as before.
 * @param width - the header's field count.
 * @param declared - the declared columns read from the file: their header position (1-based) and declared type.
 * @returns the types by position, or undefined when no position is typed (the text path is as fast).
 */
export function typedPositions(
  width: number,
  declared: readonly { readonly position: number; readonly type: string }[],
): (TypedCsvColumn | undefined)[] | undefined {
  const types: (TypedCsvColumn | undefined)[] = Array.from({ length: width }, () => undefined);
  const text = new Set<number>();
  for (const { position, type } of declared) {
    const parsed = Object.hasOwn(PARSED, type) ? PARSED[type] : undefined;
    const i = position - 1;
    if (parsed === undefined || (types[i] !== undefined && types[i] !== parsed)) text.add(i);
    else types[i] = parsed;
  }
  for (const i of text) types[i] = undefined;
  return types.some((t) => t !== undefined) ? types : undefined;
}
