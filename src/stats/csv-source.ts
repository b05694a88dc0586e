/**
 * A CSV file read as a stream of records (Node only: it imports `node:fs`).
 * Exported from `tsdp/node`, never from the browser-safe root entry.
 *
 * Records follow the one record rule of private CSV (`src/io/csv-records.ts`,
 * review S2): the file is cut into lines at every CR and LF before any field
 * is parsed; the first line is the header (the public schema; `columnNames()`
 * reads it without reading any record); every later non-empty line is one
 * record, read alone by RFC 4180 without line breaks, and a record that does
 * not parse (an unclosed or stray quote, a field too many or too few, bytes
 * that are not UTF-8, a line of 1 MiB or more) is dropped alone — never another
 * record, never an error (an error would be a data-dependent signal raised
 * after the charge). A field holding a line break: see `lineBreaks` (rule 5;
 * with `'quoted'` such a record is dropped whole and none of its pieces is read).
 * Fields are trimmed of surrounding whitespace.
 * @module
 */
import { DpError } from '../core/errors.js';
import { type CsvLineBreaks, csvLinesOfBytes, csvRecordsOfLines, isCsvLineBreaks } from '../io/csv-records.js';
import type { StreamSource } from './data-source.js';

/** Options of `csvSource`. */
export interface CsvSourceOptions {
  /** Field delimiter: one character other than `"`, CR, LF and U+0001. Default ','. */
  readonly delimiter?: string;
  /**
   * How the file's writer encodes a line break inside a field (rule 5 of `src/io/csv-records.ts`): `'none'`
   * (default: it never writes one), `'escaped'` (read like `'none'`), or `'quoted'` (every field quoted; a record
   * whose field holds a line break is dropped whole, and no piece of it is read as a record).
   */
  readonly lineBreaks?: CsvLineBreaks;
}

/**
 * A CSV file, read as a stream on every pass (never loaded whole). The first
 * line is the header (the declared schema).
 * @param path - the file (public).
 * @param options - the delimiter and the declared line-break encoding.
 * @returns a `StreamSource` for `Session.fromSource`.
 * @throws DpError INVALID_PARAMETER when the path is not a string or an option is not one the type allows; `columnNames()` rejects with NOT_FOUND when the file cannot be opened.
 * @example
 * import { csvSource } from 'tsdp/node';
 * const session = Session.fromSource(csvSource('adult.csv'), { budget: PrivacyBudget.pure(1) });
 */
export function csvSource(path: string, options: CsvSourceOptions = {}): StreamSource {
  if (typeof path !== 'string' || path === '') throw new DpError('INVALID_PARAMETER', 'path must be a file path', { parameter: 'path' });
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || ['"', '\r', '\n', '\u0001'].includes(delimiter)) {
    throw new DpError('INVALID_PARAMETER', 'delimiter must be one character other than a quote, CR, LF or U+0001', {
      parameter: 'delimiter',
    });
  }
  const lineBreaks = options.lineBreaks ?? 'none';
  if (!isCsvLineBreaks(lineBreaks)) {
    throw new DpError('INVALID_PARAMETER', "lineBreaks must be 'none', 'escaped' or 'quoted'", { parameter: 'lineBreaks' });
  }
  /** The file's records by the shared rule: the header first, then each record that parses. */
  const records = async function* () {
    const fs = await import('node:fs');
    yield* csvRecordsOfLines(csvLinesOfBytes(fs.createReadStream(path)), delimiter, lineBreaks);
  };
  return {
    kind: 'stream',
    name: path,
    async columnNames() {
      try {
        for await (const item of records()) {
          if ('header' in item) return item.header.map((c) => c.trim());
          break;
        }
      } catch {
        // fall through: the file could not be opened
      }
      // The file and its header are public (the header is the schema): the cause may be named.
      throw new DpError('NOT_FOUND', `the CSV file ${JSON.stringify(path)} could not be opened or has no header`, {
        kind: 'file',
        name: path,
      });
    },
    async *rows() {
      let names: readonly string[] = [];
      const it = records();
      for (;;) {
        let next: IteratorResult<{ readonly header: readonly string[] } | { readonly record: readonly string[] }>;
        try {
          next = await it.next();
        } catch {
          throw new DpError('INVALID_PARAMETER', 'the CSV file could not be read to its end (an I/O error; the reason is withheld)', {
            parameter: 'path',
          });
        }
        if (next.done) return;
        const item = next.value;
        if ('header' in item) {
          names = item.header.map((c) => c.trim());
          continue;
        }
        const row: Record<string, string> = Object.create(null);
        item.record.forEach((v, j) => {
          row[names[j] as string] = v.trim();
        });
        yield row;
      }
    },
  };
}
