/**
 * The one record rule for private CSV, shared by every reader of it (DP SQL's DuckDB view mirrors it in SQL:
 * `src/sql/engines/duckdb-csv.ts`; `csvSource`; `tsdp synth`'s `parseSynthCsv`).
 *
 * Threat model (review S2, issue 10 class 3, ε = ∞): RFC 4180 lets a quoted field span line breaks, so a
 * record whose field opens a quote it never closes (`99,"x`) swallowed every later record, and the readers
 * then skipped that one "record": adding one person removed all the people after them. The rule that closes
 * the class — records are delimited by a data-independent rule BEFORE any field is parsed:
 *
 * 1. **Lines.** The file is cut at every LF and at every CR (so LF, CRLF and CR-only endings all end a
 *    line). An empty line is no record. Nothing a line contains can move where another line starts.
 * 2. **Header.** The first line is the header (the public schema; a leading byte-order mark is removed). An
 *    empty or malformed first line means the file has no header (a public error).
 * 3. **Records.** Every later non-empty line is one record, read on its own and dropped alone when it is
 *    malformed: it is not valid UTF-8, contains the control character U+0001 (DuckDB's line reader uses it
 *    as its column delimiter), has {@link CSV_MAX_LINE_BYTES} bytes or more, does not match the one-line
 *    grammar below, or has more or fewer fields than the header.
 * 4. **Fields** (one line, RFC 4180 without line breaks): fields are separated by the declared delimiter
 *    (`,`, or TAB for `.tsv`/`.tab`); a field is either quoted — `"` … `"`, with `""` for one quote inside — or
 *    unquoted and free of `"`. A quote anywhere else (an unclosed quote, a stray quote, text after a closing
 *    quote) makes the record malformed.
 *
 * 5. **Line breaks in fields** — declared per file (`lineBreaks`, {@link CsvLineBreaks}), never detected:
 *    - `"none"` (the default) and `"escaped"`: the file's writer never writes a CR or LF inside a field (it strips
 *      them or escapes them, e.g. as `\n`); rules 1–4 as they stand.
 *    - `"quoted"`: the writer is an RFC 4180 writer that quotes EVERY field (Python `csv.QUOTE_ALL`, R's
 *      `write.csv`, PostgreSQL `COPY … FORCE_QUOTE *`, DuckDB `COPY … (FORCE_QUOTE *)`) and writes line breaks
 *      inside quotes. A record line must then also have every field quoted, and hold at least one character that
 *      is neither `"` nor the delimiter. A record whose field held a line break is then dropped whole (none of its
 *      pieces is read) — it cannot be read, but it cannot inject anything either.
 *
 * So one person's record can only remove itself: it never removes another record, never changes how another
 * record is read, and never turns a read into an error. With `"quoted"`, a piece of a multi-line record is never
 * read as a record (the proof: `csv-records.proof.md`): one person's record yields at most one record, their own.
 * Under `"none"`, a writer that writes a line break inside quotes breaks the declaration: then a piece of one
 * person's record that parses is read as a record of whatever unit its own fields name (so data owners who
 * collect free text either strip/escape line breaks, or export with every field quoted and declare `"quoted"`).
 * @module
 */

/** A line (record) of this many bytes (UTF-8) or more is dropped (DuckDB's `max_line_size`, pinned to the same value, drops it). */
export const CSV_MAX_LINE_BYTES = 1 << 20;

/** The quote character of every private CSV reader (RFC 4180). */
export const CSV_QUOTE = '"';

/** The declared field delimiter of a CSV file by its name: TAB for `.tsv`/`.tab`, else `,`. */
export function csvDelimiterOf(path: string): ',' | '\t' {
  return /\.(tsv|tab)$/i.test(path) ? '\t' : ',';
}

/**
 * How the writer of a CSV file encodes a line break inside a field (rule 5 of the module header), declared per file:
 * - `'none'` (default): it never writes one (fields are free of CR and LF);
 * - `'escaped'`: it writes it escaped (e.g. `\\n`); read exactly like `'none'` (the escape is kept as text);
 * - `'quoted'`: it quotes every field (RFC 4180, all fields quoted) and writes line breaks inside the quotes; a
 *   record line must have every field quoted and a character other than `"` and the delimiter, so no piece of a
 *   multi-line record is ever read as a record (`csv-records.proof.md`).
 */
export type CsvLineBreaks = 'none' | 'escaped' | 'quoted';

/** The accepted values of {@link CsvLineBreaks}. */
export const CSV_LINE_BREAKS: readonly CsvLineBreaks[] = Object.freeze(['none', 'escaped', 'quoted']);

/** Whether `x` is a {@link CsvLineBreaks} value. */
export function isCsvLineBreaks(x: unknown): x is CsvLineBreaks {
  return x === 'none' || x === 'escaped' || x === 'quoted';
}

/**
 * Splits one line by the one-line grammar (rule 4 of the module header; with `lineBreaks: 'quoted'`, rule 5 too).
 * @param line - one line, without its line break.
 * @param delimiter - the declared one-character delimiter.
 * @param lineBreaks - the file's declared line-break encoding (default `'none'`).
 * @returns the field values (quotes removed, `""` read as `"`), or `undefined` when the line is malformed.
 */
export function parseCsvLine(line: string, delimiter: string, lineBreaks: CsvLineBreaks = 'none'): string[] | undefined {
  if (line.includes('\u0001')) return undefined;
  const quoted = lineBreaks === 'quoted';
  if (quoted && !hasOtherThan(line, delimiter)) return undefined; // only quotes and delimiters: maybe a piece (rule 5)
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === CSV_QUOTE) {
      i++;
      for (;;) {
        const q = line.indexOf(CSV_QUOTE, i);
        if (q < 0) return undefined; // a quote opened and never closed on this line
        field += line.slice(i, q);
        if (line[q + 1] === CSV_QUOTE) {
          field += CSV_QUOTE;
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== delimiter) return undefined; // text after the closing quote
    } else {
      if (quoted) return undefined; // an unquoted field where every field is quoted (rule 5)
      const d = line.indexOf(delimiter, i);
      const end = d < 0 ? line.length : d;
      field = line.slice(i, end);
      if (field.includes(CSV_QUOTE)) return undefined; // a quote inside an unquoted field
      i = end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the delimiter
    if (i === line.length) {
      if (quoted) return undefined; // a trailing delimiter: an empty unquoted field
      fields.push(''); // a trailing delimiter: one more, empty field
      return fields;
    }
  }
}

/** Whether `line` holds a character other than the quote and `delimiter` (rule 5). */
function hasOtherThan(line: string, delimiter: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c !== CSV_QUOTE && c !== delimiter) return true;
  }
  return false;
}

/** The lines of a text by rule 1 (cut at every CR and LF), empty lines included (the caller skips them). */
export function splitCsvLines(text: string): string[] {
  return text.split(/\r|\n/);
}

/** What `readCsvRecords` returns: the header's names and the records that parse, keyed by them. */
export interface CsvRecords {
  /** The header's field names, in order (not trimmed). */
  readonly header: readonly string[];
  /** The records that parse, in file order (a field per header name). */
  readonly records: readonly (readonly string[])[];
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** The parts of one line as one array (browser-safe: no Buffer). */
function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Whether a line has {@link CSV_MAX_LINE_BYTES} bytes or more in UTF-8 (rule 3). */
function isTooLong(line: string): boolean {
  return line.length * 3 >= CSV_MAX_LINE_BYTES && encoder.encode(line).length >= CSV_MAX_LINE_BYTES;
}
const LF = 0x0a;
const CR = 0x0d;

/**
 * The lines of a byte stream by rule 1, each decoded on its own: `undefined` for a line that is not valid UTF-8
 * or has {@link CSV_MAX_LINE_BYTES} bytes or more (so one such line never touches another). Empty lines are skipped,
 * except the first (the header's place), which is yielded as `''`.
 * @param chunks - the file's bytes, in order.
 */
export async function* csvLinesOfBytes(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<string | undefined> {
  for await (const batch of csvLineBatchesOfBytes(chunks)) yield* batch;
}

/**
 * {@link csvLinesOfBytes} by batches: the lines that end in each chunk, in order (the same lines, the same rule;
 * for callers that take many lines at a time, such as DP SQL's loader).
 * @param chunks - the file's bytes, in order.
 */
export async function* csvLineBatchesOfBytes(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<(string | undefined)[]> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let first = true;
  let out: (string | undefined)[] = [];
  const flush = (): void => {
    if (size === 0 && !first) return;
    const isFirst = first;
    first = false;
    if (size >= CSV_MAX_LINE_BYTES) {
      out.push(undefined);
    } else {
      const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, size);
      let line: string | undefined;
      try {
        line = decoder.decode(bytes);
      } catch {
        line = undefined;
      }
      if (isFirst && line?.startsWith('\uFEFF')) line = line.slice(1);
      out.push(line);
    }
    parts = [];
    size = 0;
  };
  for await (const chunk of chunks) {
    let start = 0;
    // The next CR and LF, each found by the native scan (indexOf), the nearer one ends the line.
    let lf = chunk.indexOf(LF, 0);
    let cr = chunk.indexOf(CR, 0);
    while (lf >= 0 || cr >= 0) {
      const i = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (i > start && size <= CSV_MAX_LINE_BYTES) parts.push(chunk.subarray(start, i));
      size += i - start;
      flush();
      start = i + 1;
      if (lf >= 0 && lf < start) lf = chunk.indexOf(LF, start);
      if (cr >= 0 && cr < start) cr = chunk.indexOf(CR, start);
    }
    if (start < chunk.length) {
      if (size <= CSV_MAX_LINE_BYTES) parts.push(chunk.slice(start));
      size += chunk.length - start;
    }
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  flush();
  if (out.length > 0) yield out;
}

/**
 * Reads the header and the records of a CSV by the module's rule (lines first, then fields, each record alone).
 * @param lines - the file's lines from {@link csvLinesOfBytes} (or {@link splitCsvLines} for text).
 * @param delimiter - the declared delimiter.
 * @param lineBreaks - the file's declared line-break encoding (rule 5; default `'none'`). The header line is read by
 *   rule 4 whatever it is (it is public, and a writer may quote it or not).
 * @returns the header and, lazily, the records with exactly the header's field count; `header` is `undefined`
 *   when the first line is empty or malformed (the caller refuses: a public fact).
 */
export async function* csvRecordsOfLines(
  lines: AsyncIterable<string | undefined> | Iterable<string | undefined>,
  delimiter: string,
  lineBreaks: CsvLineBreaks = 'none',
): AsyncGenerator<{ readonly header: readonly string[] } | { readonly record: readonly string[] }> {
  let width = -1;
  for await (const line of lines) {
    if (width < 0) {
      let text = line;
      if (text?.startsWith('\uFEFF')) text = text.slice(1);
      const header = text === undefined || text === '' ? undefined : parseCsvLine(text, delimiter);
      if (header === undefined) return;
      width = header.length;
      yield { header };
      continue;
    }
    if (line === undefined || line === '') continue;
    const record = parseCsvLine(line, delimiter, lineBreaks);
    if (record !== undefined && record.length === width) yield { record };
  }
}

/**
 * Reads a whole CSV text by the module's rule (for callers holding the text; byte streams use
 * {@link csvLinesOfBytes}).
 * @param text - the file's text, or its bytes (then a line that is not valid UTF-8 is dropped alone).
 * @param delimiter - the declared delimiter (default `,`).
 * @param lineBreaks - the file's declared line-break encoding (rule 5; default `'none'`).
 * @returns the header and records, or `undefined` when the file has no header line.
 */
export async function readCsvRecords(
  text: string | Uint8Array,
  delimiter = ',',
  lineBreaks: CsvLineBreaks = 'none',
): Promise<CsvRecords | undefined> {
  const lines =
    typeof text === 'string' ? splitCsvLines(text).map((l, i) => (i > 0 && isTooLong(l) ? undefined : l)) : csvLinesOfBytes([text]);
  let header: readonly string[] | undefined;
  const records: (readonly string[])[] = [];
  for await (const item of csvRecordsOfLines(lines, delimiter, lineBreaks)) {
    if ('header' in item) header = item.header;
    else records.push(item.record);
  }
  return header === undefined ? undefined : { header, records };
}
