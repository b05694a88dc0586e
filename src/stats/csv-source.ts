/**
 * A CSV file read as a stream of records (Node only: it imports `node:fs`
 * and `csv-parse`). Exported from `tsdp/node`, never from the browser-safe
 * root entry.
 *
 * The header line is the public schema (`columnNames()` reads it without
 * reading any record). A malformed record is skipped (a per-record filter:
 * the guarantee is unchanged) rather than thrown: the parser's error would be
 * a data-dependent signal, raised after the charge, and its message quotes
 * the data.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { StreamSource } from './data-source.js';

/** Options of `csvSource`. */
export interface CsvSourceOptions {
  /** Field delimiter. Default ','. */
  readonly delimiter?: string;
}

/**
 * A CSV file, read as a stream on every pass (never loaded whole). The first
 * line is the header (the declared schema).
 * @param path - the file (public).
 * @param options - the delimiter.
 * @returns a `StreamSource` for `Session.fromSource`.
 * @throws DpError INVALID_PARAMETER when the path is not a string; `columnNames()` rejects with NOT_FOUND when the file cannot be opened.
 * @example
 * import { csvSource } from 'tsdp/node';
 * const session = Session.fromSource(csvSource('adult.csv'), { budget: PrivacyBudget.pure(1) });
 */
export function csvSource(path: string, options: CsvSourceOptions = {}): StreamSource {
  if (typeof path !== 'string' || path === '') throw new DpError('INVALID_PARAMETER', 'path must be a file path', { parameter: 'path' });
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter === '') {
    throw new DpError('INVALID_PARAMETER', 'delimiter must be a non-empty string', { parameter: 'delimiter' });
  }
  const parseOptions = {
    delimiter,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
  };
  return {
    kind: 'stream',
    name: path,
    async columnNames() {
      const fs = await import('node:fs');
      const { parse } = await import('csv-parse');
      try {
        const input = fs.createReadStream(path);
        const parser = input.pipe(parse({ ...parseOptions, to_line: 1 }));
        // `pipe` does not forward the file's errors: pass them on, or a missing file would hang the reader.
        input.on('error', (e) => parser.destroy(e));
        for await (const header of parser) return (header as string[]).map(String);
        return [];
      } catch {
        // The file and its header are public (the header is the schema): the cause may be named.
        throw new DpError('NOT_FOUND', `the CSV file ${JSON.stringify(path)} could not be opened or has no header`, {
          kind: 'file',
          name: path,
        });
      }
    },
    async *rows() {
      const fs = await import('node:fs');
      const { parse } = await import('csv-parse');
      const input = fs.createReadStream(path);
      const parser = input.pipe(parse({ ...parseOptions, columns: true }));
      input.on('error', (e) => parser.destroy(e));
      try {
        for await (const record of parser) yield record as Record<string, string>;
      } catch {
        throw new DpError(
          'INVALID_PARAMETER',
          'the CSV file could not be read to its end (the reason is withheld: it may quote the data)',
          {
            parameter: 'path',
          },
        );
      }
    },
  };
}
