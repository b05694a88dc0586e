/**
 * A declared CSV file's dialect and columns, from public structure only.
 *
 * Rule (review finding csv-dialect-sniffed, issue 10 class 2 "structure read
 * from the data"): the dialect is DECLARED — RFC 4180 (`,` separated, `"`
 * quoted, `""` inside quotes), or TAB separated for `.tsv`/`.tab` files — and
 * the column names come from the header line alone. DuckDB's sniffer chose
 * the delimiter, quote and escape from the records: adding one record
 * (`99,"x,y"`) flipped the quote character and changed the values of other
 * rows. Nothing here reads past the first line.
 *
 * The first line ends at the first CR or LF, and it is split by the one-line
 * grammar of the shared record rule (`src/io/csv-records.ts`, review S2), so
 * the header DuckDB skips (`skip = 1`) is the one read here.
 * @module
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CSV_QUOTE, csvDelimiterOf, parseCsvLine } from '../../io/csv-records.js';

/** A CSV dialect as DuckDB's `read_csv` takes it. */
export interface CsvDialect {
  readonly delim: string;
  readonly quote: string;
  readonly escape: string;
}

/** Most bytes the header line may take (a longer first line is not a header). */
const MAX_HEADER_BYTES = 1 << 20;

/** The declared dialect of a file, by its name: TAB for `.tsv`/`.tab`, else RFC 4180 commas. */
export function csvDialectOf(path: string): CsvDialect {
  return { delim: csvDelimiterOf(path), quote: CSV_QUOTE, escape: CSV_QUOTE };
}

/**
 * The column names of the header line (the file's first line, to its first CR or LF), split by `dialect`'s
 * delimiter with the shared one-line grammar, each name trimmed.
 * @param path - the file.
 * @param dialect - its declared dialect.
 * @returns the names, in order.
 * @throws Error when the file cannot be read, has no header line within 1 MiB, or its first line is empty, not
 *   UTF-8 or malformed (the caller reports it as unreadable).
 */
export function readCsvHeader(path: string, dialect: CsvDialect): string[] {
  const fd = openSync(path, 'r');
  let text = '';
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let read = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, read);
      if (n === 0) break;
      read += n;
      text += chunk.toString('latin1', 0, n);
      if (/[\r\n]/.test(text) || read >= MAX_HEADER_BYTES) break;
    }
  } finally {
    closeSync(fd);
  }
  const cut = text.search(/[\r\n]/);
  if (cut < 0 && text.length >= MAX_HEADER_BYTES) throw new Error('no header line');
  let line = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(cut < 0 ? text : text.slice(0, cut), 'latin1'));
  if (line.startsWith('\uFEFF')) line = line.slice(1);
  const names = line === '' ? undefined : parseCsvLine(line, dialect.delim);
  if (names === undefined) throw new Error('no header line');
  return names.map((f) => f.trim());
}

/** Splits one line into fields: `delim` separates, `quote` encloses, `escape` + `quote` inside quotes is a quote. */
export function splitCsvLine(line: string, dialect: CsvDialect): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === dialect.escape && line[i + 1] === dialect.quote) {
        field += dialect.quote;
        i++;
      } else if (ch === dialect.quote) quoted = false;
      else field += ch;
    } else if (ch === dialect.quote) quoted = true;
    else if (ch === dialect.delim) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}
