/**
 * Where the rows of a DP aggregation come from: arrays of records, columns
 * (arrays or typed arrays), Apache Arrow tables, or CSV files read as a
 * stream (a file larger than memory is aggregated in one pass; `node:fs` and
 * `csv-parse` are imported only when a CSV source is read, so browser
 * bundles of `tsdp` do not pull them in).
 *
 * Values are read as they are; the missing/malformed rule of
 * `value-rules.ts` decides what an aggregate does with them.
 * @module
 */
import { DpError } from '../core/errors.js';

/** A table held in memory, read column by column. */
export interface InMemoryTable {
  readonly kind: 'memory';
  /** Number of rows. */
  readonly length: number;
  /** Column names. */
  readonly columnNames: readonly string[];
  /** The values of a column. @throws DpError NOT_FOUND when absent. */
  column(name: string): ArrayLike<unknown>;
}

/** A CSV file read as a stream of records (header row required). */
export interface CsvSource {
  readonly kind: 'csv';
  readonly path: string;
  /** Opens a new pass over the file. */
  rows(): AsyncIterable<Record<string, string>>;
}

/** Any data source. */
export type DataSource = InMemoryTable | CsvSource;

function missing(name: string): DpError {
  return new DpError('NOT_FOUND', `no column named ${JSON.stringify(name)}`, { kind: 'column', name });
}

/**
 * A table over an array of records. Columns are extracted once, on first use.
 * @example
 * const t = tableFromRecords([{ age: 30, city: 'Oslo' }]);
 */
export function tableFromRecords(rows: readonly Record<string, unknown>[]): InMemoryTable {
  if (!Array.isArray(rows)) throw new DpError('INVALID_PARAMETER', 'rows must be an array of records', { parameter: 'rows' });
  const cache = new Map<string, unknown[]>();
  const names = new Set<string>();
  // Column names come from the data's keys: they are schema, treated as public (like a CSV header).
  for (let i = 0; i < Math.min(rows.length, 1000); i++) {
    const r = rows[i];
    if (r && typeof r === 'object') for (const k of Object.keys(r)) names.add(k);
  }
  return {
    kind: 'memory',
    length: rows.length,
    columnNames: [...names],
    column(name) {
      let c = cache.get(name);
      if (c === undefined) {
        c = new Array<unknown>(rows.length);
        let found = names.has(name);
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i];
          const v = r && typeof r === 'object' ? (r as Record<string, unknown>)[name] : undefined;
          if (v !== undefined) found = true;
          c[i] = v;
        }
        if (!found && rows.length > 0) throw missing(name);
        cache.set(name, c);
      }
      return c;
    },
  };
}

/**
 * A table over columns (arrays or typed arrays of equal length).
 * @throws DpError INVALID_PARAMETER when lengths differ.
 * @example
 * const t = tableFromColumns({ age: new Float64Array([30, 41]), city: ['Oslo', 'Rome'] });
 */
export function tableFromColumns(columns: Readonly<Record<string, ArrayLike<unknown>>>): InMemoryTable {
  const names = Object.keys(columns);
  const lengths = new Set(names.map((n) => (columns[n] as ArrayLike<unknown>).length));
  if (lengths.size > 1) throw new DpError('INVALID_PARAMETER', 'all columns must have the same length', { parameter: 'columns' });
  const length = names.length === 0 ? 0 : (columns[names[0] as string] as ArrayLike<unknown>).length;
  return {
    kind: 'memory',
    length,
    columnNames: names,
    column(name) {
      const c = columns[name];
      if (c === undefined) throw missing(name);
      return c;
    },
  };
}

/** The part of an Apache Arrow `Table` this module uses (so `apache-arrow` is not imported here). */
export interface ArrowTableLike {
  readonly numRows: number;
  readonly schema: { readonly fields: readonly { readonly name: string }[] };
  getChild(name: string): ArrowVectorLike | null;
}
/** The part of an Arrow `Vector` this module uses. */
export interface ArrowVectorLike {
  readonly length: number;
  readonly nullCount: number;
  get(index: number): unknown;
  toArray(): ArrayLike<unknown>;
}

/**
 * A table over an Apache Arrow table. Numeric columns without nulls are read
 * as their typed arrays (no copy); columns with nulls keep their nulls (which
 * the value rule then drops or imputes).
 * @example
 * import { tableFromArrays } from 'apache-arrow';
 * const t = tableFromArrow(tableFromArrays({ age: new Float64Array([30, 41]) }));
 */
export function tableFromArrow(table: ArrowTableLike): InMemoryTable {
  const cache = new Map<string, ArrayLike<unknown>>();
  return {
    kind: 'memory',
    length: table.numRows,
    columnNames: table.schema.fields.map((f) => f.name),
    column(name) {
      let c = cache.get(name);
      if (c === undefined) {
        const v = table.getChild(name);
        if (v === null) throw missing(name);
        if (v.nullCount === 0) {
          const a = v.toArray();
          // 64-bit integer columns come back as BigInt64Array; strings as arrays of strings.
          c = a.length === v.length ? a : Array.from({ length: v.length }, (_, i) => v.get(i));
        } else {
          c = Array.from({ length: v.length }, (_, i) => v.get(i));
        }
        cache.set(name, c);
      }
      return c;
    },
  };
}

/** Options of `csvSource`. */
export interface CsvSourceOptions {
  /** Field delimiter. Default ','. */
  readonly delimiter?: string;
}

/**
 * A CSV file, read as a stream on every pass (never loaded whole). The first
 * line is the header.
 * @example
 * const src = csvSource('adult.csv');
 */
export function csvSource(path: string, options: CsvSourceOptions = {}): CsvSource {
  if (typeof path !== 'string' || path === '') throw new DpError('INVALID_PARAMETER', 'path must be a file path', { parameter: 'path' });
  return {
    kind: 'csv',
    path,
    async *rows() {
      const fs = await import('node:fs');
      const { parse } = await import('csv-parse');
      // A malformed record is skipped (a per-record filter: the guarantee is unchanged) rather than thrown: the
      // parser's error would be a data-dependent signal, raised after the charge, and its message quotes the data.
      const parser = fs.createReadStream(path).pipe(
        parse({
          columns: true,
          delimiter: options.delimiter ?? ',',
          trim: true,
          skip_empty_lines: true,
          relax_column_count: true,
          relax_quotes: true,
          skip_records_with_error: true,
        }),
      );
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
