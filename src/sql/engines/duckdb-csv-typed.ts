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
 * - **Its choice is one bit of the file version, and it never answers wrongly.** On a decided version it runs with
 *   `ignore_errors = false`: every line it cannot read exactly (a field that does not parse as its column's type, an
 *   empty numeric field, too many fields) fails the scan instead of being dropped. The view of each version reads
 *   typed only once a lenient scan of every typed column of that version (`ignore_errors = true`, nothing stored) has
 *   produced every line of it — its lines counted against the line check's count of the file's lines — and on the text
 *   path (`nativeFieldsSql` + `TRY_CAST`, the reader this one replaces) once one has produced fewer
 *   (`duckdb-csv-choice.ts`, "Counting": the decision is folded into the first statement that reads the file whole,
 *   whose answer is discarded and rerun on the text path when a line was skipped, in the same call and deadline). The
 *   count is never reported. A decided typed reader has read every typed field of its version, so no later statement
 *   fails over; a file changed after the statement's identity check (line-check.proof.md's residual) is rebuilt,
 *   undecided, and the statement runs again (`duckdb.ts`, `query`). So an answer is either this reader's over every
 *   line or the text path's — never an error decided by a record.
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
 * - **One bit per file version, fixed by the file (review S62, class 14).** DuckDB parses only the columns a
 *   statement reads. Before S62 the reader was tried by the statements themselves, so a statement paid a failed scan
 *   and a rerun exactly when it read a column holding a field that does not parse: the analyst chose the column, and
 *   could probe column by column, on every pool engine and every file version. The typed/text choice is a function of
 *   the file's bytes alone: whichever statement decides it parses every typed column of every line (the forced
 *   scan), whatever it reads, and a statement whose plan might not read every line (a join, a LIMIT) never decides —
 *   one scan of all typed columns of its own does (`duckdb-csv-choice.ts`). Which reader answers, and the deciding
 *   statement's time (a counted scan of the whole file, and when a line was skipped the text path's rerun), is the one bit of
 *   `line-check.proof.md`'s "Timing residual": "does any record hold a numeric field that does not parse". Stop 20
 *   decided it by a scan of its own when the view was built: a whole extra scan of the file in a one-shot run (the
 *   CLI); stop 21 folds it into the first statement, which pays the parse of the typed columns it does not read
 *   (≈ +18 % CPU per GROUP BY, 3·10⁶ rows, five typed columns, measured at stop 20) once per version and engine,
 *   while later statements prune (bench/sql/README.md, "Stop 21").
 * Once the version is decided, a typed column a query does not read is not parsed by that query.
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
  const names = types.map((_, i) => `c${i + 1}`);
  const reader = typedReadCsvSql(path, delimiter, types, lineEnding, lineLimit, false);
  return `(SELECT ${names.join(', ')} FROM ${reader} WHERE c${width} IS NOT NULL AND c${width + 1} IS NULL)`;
}

/**
 * The `read_csv` call of the typed reader (module header): columns `c1` … `c{width + 1}`, the typed ones of their type.
 * With `ignoreErrors` false (the reader of a decided version) a line it cannot read exactly fails the scan; with it
 * true (the undecided version's counted scan, `duckdb-csv-choice.ts`) that line is skipped and nothing of it is kept
 * (no `store_rejects`: review S68), and the scan goes on to the file's end.
 */
export function typedReadCsvSql(
  path: string,
  delimiter: ',' | '\t',
  types: readonly (TypedCsvColumn | undefined)[],
  lineEnding: LineEnding,
  lineLimit: number,
  ignoreErrors: boolean,
): string {
  const { maxLineSize, bufferSize } = nativeLineReaderOptions(lineLimit);
  const columns = [...types, undefined].map((t, i) => `'c${i + 1}': '${t ?? 'VARCHAR'}'`).join(', ');
  const newLine = lineEnding === 'crlf' ? `new_line = '\\r\\n', ` : '';
  return (
    `read_csv(${sqlString(path)}, auto_detect = false, header = false, skip = 1, delim = ${sqlString(delimiter)}, quote = '', escape = '', ${newLine}` +
    `columns = {${columns}}, null_padding = true, strict_mode = false, nullstr = chr(10), ` +
    `max_line_size = ${maxLineSize}, buffer_size = ${bufferSize}, ignore_errors = ${ignoreErrors})`
  );
}

/**
 * The scan that decides the reader of one version of the file when no statement can (module header, "One bit per file
 * version"; `duckdb-csv-choice.ts`, "Counting"): over the lenient reader ({@link typedReadCsvSql} with `ignoreErrors`),
 * the number of lines it produced, with a count of every typed column beside it so that DuckDB parses each of them on
 * every line (a projection cannot drop a column an aggregate reads). It reads the whole file whatever its fields hold;
 * the version reads typed iff the first value equals the line check's `dataLines`.
 * @param lenientReader - `typedReadCsvSql(…, true)`.
 * @param types - its types by header position.
 * @returns one SELECT statement; its first column is the count of lines.
 */
export function typedScanSql(lenientReader: string, types: readonly (TypedCsvColumn | undefined)[]): string {
  const counts = types.flatMap((t, i) => (t === undefined ? [] : [`COUNT(c${i + 1})`]));
  return `SELECT COUNT(*)${counts.length === 0 ? '' : `, ${counts.join(' + ')}`} FROM ${lenientReader}`;
}

/**
 * Whether a DuckDB error may be the typed reader's refusal of a line (a field that does not parse: "Conversion
 * Error"; a line with too many fields: "Invalid Input Error"), so that the file version is decided for the text path
 * (or, for a file changed under a statement, its view rebuilt).
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
