/**
 * Which stored Parquet types a declared column may be read from (reviews S54, S55; issue 10 class 3).
 *
 * **Rule.** A declared Parquet column is read only when reading its stored type and converting it to the declared
 * type is total on **every raw value the stored type can hold** — checked from the file's footer at open, before
 * any query, never from its values. Every other pair is refused at open (INVALID_SCHEMA naming the column and its
 * stored type, never a value; nothing is charged, because nothing has been asked yet). The admitted pairs:
 *
 * | stored (DuckDB's type ← Parquet encoding) | declared |
 * |---|---|
 * | BOOLEAN ← BOOLEAN; the integer types ← INT32/INT64 | integer, float, string, boolean |
 * | DECIMAL(p, s) ← INT32, INT64, FIXED_LEN_BYTE_ARRAY(n ≤ 8), no wider than DuckDB keeps DECIMAL(p, ·) | integer, float, string |
 * | DECIMAL(p, s) ← FIXED_LEN_BYTE_ARRAY(9 … 16), p ≥ 19 | integer, float (not string: DuckDB's text of −2¹²⁷ raises) |
 * | FLOAT ← FLOAT, DOUBLE ← DOUBLE | integer, float, string |
 * | DATE ← INT32 | date, string |
 * | TIMESTAMP, TIMESTAMP_NS, TIMESTAMP WITH TIME ZONE ← INT64 in µs or ns | date (not string: the text of a raw −2⁶³ raises, S55b) |
 * | VARCHAR ← BYTE_ARRAY (read whole at open: S49's UTF-8 check) | integer, float, string, boolean, date |
 * | BLOB ← BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY; UUID ← FIXED_LEN_BYTE_ARRAY(16) | string |
 *
 * Refused whatever the declared type: what DuckDB decodes lazily and can fail on one value (JSON, GEOMETRY —
 * S54 —, VARIANT), temporal encodings DuckDB converts with an error TRY_CAST does not catch (TIMESTAMP in
 * milliseconds and INT96: one raw value past ±2⁶³ µs fails the scan, S55a; TIME and TIME WITH TIME ZONE: a value
 * past one day raises an INTERNAL error that invalidates the database or crashes the process, S55c), INTERVAL,
 * nested types (LIST, STRUCT, MAP) and any type not listed (a future DuckDB type is refused until it is checked).
 * DECIMAL by width (review S58): DuckDB keeps DECIMAL(p, ·) in 16 bits for p ≤ 4, 32 for p ≤ 9, 64 for p ≤ 18 and
 * 128 beyond, and narrows a wider Parquet encoding's column statistics with a checked cast — one raw value past the
 * narrow range as the column's min or max raised an INTERNAL error in every query reading it (and invalidated the
 * database). So a DECIMAL is admitted only when its Parquet encoding is no wider than DuckDB's storage for it.
 * Both halves are read: DuckDB's type (what the reader makes of the column — GEOMETRY comes from the file's `geo`
 * metadata, not the column's own annotation) and the footer's physical type and unit (a TIMESTAMP in
 * milliseconds and one in microseconds are the same DuckDB type). Measured on DuckDB 1.5.6 with raw values
 * ±2⁶³, ±2⁶³ ∓ 1, ±9·10¹⁸, ±2³¹, ±2¹²⁷, ±10³⁸; generative test: `test/sql/parquet-stored-types.test.ts`.
 * @module
 */
import { DpError } from '../../core/errors.js';
import type { DeclaredColumnType } from './duckdb-options.js';

/** One top-level column of a Parquet file: DuckDB's type for it and the footer's encoding (`parquet_schema`). */
export interface ParquetColumn {
  readonly name: string;
  /** DuckDB's type (DESCRIBE), e.g. `BIGINT`, `DECIMAL(38,0)`, `TIMESTAMP`. */
  readonly read: string;
  /** The Parquet physical type (`INT32`, `INT64`, `BYTE_ARRAY`, …; null for a group). */
  readonly physical: string | null;
  /** FIXED_LEN_BYTE_ARRAY's length in bytes. */
  readonly typeLength: number | null;
  /** The legacy converted type (`TIMESTAMP_MILLIS`, `UTF8`, …). */
  readonly converted: string | null;
  /** The logical type as DuckDB prints it (`TimestampType(isAdjustedToUTC=0, unit=TimeUnit(… MICROS=MicroSeconds() …))`). */
  readonly logical: string | null;
}

/**
 * The statement that lists a Parquet file's footer schema (metadata only, never a value).
 * @param readerPath - the file's path as an SQL string literal.
 * @returns the statement: the schema elements in order, the root first, each group followed by its children.
 */
export function parquetSchemaSql(readerPath: string): string {
  return `SELECT name, type, type_length, num_children, converted_type, logical_type FROM parquet_schema(${readerPath})`;
}

const ALL_BUT_DATE: readonly DeclaredColumnType[] = ['integer', 'float', 'string', 'boolean'];
const NUMBER: readonly DeclaredColumnType[] = ['integer', 'float', 'string'];

/** The unit of a Parquet timestamp (logical type first, else the converted type); undefined when none or ambiguous. */
function timestampUnit(column: ParquetColumn): 'millis' | 'micros' | 'nanos' | undefined {
  if (column.logical) {
    const units = [
      /MILLIS=MilliSeconds\(\)/.test(column.logical) ? ('millis' as const) : undefined,
      /MICROS=MicroSeconds\(\)/.test(column.logical) ? ('micros' as const) : undefined,
      /NANOS=NanoSeconds\(\)/.test(column.logical) ? ('nanos' as const) : undefined,
    ].filter((u) => u !== undefined);
    return units.length === 1 ? units[0] : undefined;
  }
  return column.converted === 'TIMESTAMP_MICROS' ? 'micros' : column.converted === 'TIMESTAMP_MILLIS' ? 'millis' : undefined;
}

/** The bits DuckDB keeps a DECIMAL of precision `p` in (its physical storage: int16, int32, int64, int128). */
function decimalStorageBits(precision: number): number {
  return precision <= 4 ? 16 : precision <= 9 ? 32 : precision <= 18 ? 64 : 128;
}

/**
 * The declared types a stored Parquet column may be read as (the module's table); empty when none.
 * @param column - the column's DuckDB type and Parquet encoding.
 * @returns the declared types whose conversion from this stored type is total on every raw value.
 */
export function admittedDeclaredTypes(column: ParquetColumn): readonly DeclaredColumnType[] {
  const read = column.read.trim().toUpperCase();
  const p = column.physical;
  if (read === 'BOOLEAN') return p === 'BOOLEAN' ? ALL_BUT_DATE : [];
  if (/^U?(TINYINT|SMALLINT|INTEGER)$/.test(read)) return p === 'INT32' ? ALL_BUT_DATE : [];
  if (/^U?BIGINT$/.test(read)) return p === 'INT64' ? ALL_BUT_DATE : [];
  const decimal = /^DECIMAL\((\d+),\s*\d+\)$/.exec(read);
  if (decimal) {
    const bits =
      p === 'INT32'
        ? 32
        : p === 'INT64'
          ? 64
          : p === 'FIXED_LEN_BYTE_ARRAY' && column.typeLength !== null
            ? 8 * column.typeLength
            : Infinity;
    if (bits > decimalStorageBits(Number(decimal[1]))) return [];
    return bits <= 64 ? NUMBER : ['integer', 'float'];
  }
  if (read === 'FLOAT' || read === 'DOUBLE') return p === read ? NUMBER : [];
  if (read === 'DATE') return p === 'INT32' ? ['date', 'string'] : [];
  if (read === 'TIMESTAMP' || read === 'TIMESTAMP_NS' || read === 'TIMESTAMP WITH TIME ZONE') {
    const unit = timestampUnit(column);
    return p === 'INT64' && (unit === 'micros' || unit === 'nanos') ? ['date'] : [];
  }
  if (read === 'VARCHAR') return p === 'BYTE_ARRAY' ? ['integer', 'float', 'string', 'boolean', 'date'] : [];
  if (read === 'BLOB') return p === 'BYTE_ARRAY' || p === 'FIXED_LEN_BYTE_ARRAY' ? ['string'] : [];
  if (read === 'UUID') return p === 'FIXED_LEN_BYTE_ARRAY' && column.typeLength === 16 ? ['string'] : [];
  return [];
}

/**
 * The most bytes a stored BLOB may have to be read as a declared string (review stop 20, S59's class: a per-value
 * engine limit reached after the charge). DuckDB turns a BLOB into text by escaping every byte outside printable
 * ASCII as `\xNN` — four characters per byte — so a BLOB past 1 GiB would become a string past DuckDB's 4 GiB limit
 * inside the view, before the text guard of `src/sql/text-bounds.ts` (a text value past 1 MiB reads as NULL) ever
 * sees it. Each BLOB is measured before it is converted: one longer than this reads as NULL, decided by its own
 * length alone (record-local, like the text guard), and what it becomes is at most 4 × 256 KiB = 1 MiB of text.
 */
export const BLOB_AS_TEXT_MAX_BYTES = 256 * 1024;

/**
 * The view's source expression of a declared column: a stored BLOB declared string is read only up to
 * {@link BLOB_AS_TEXT_MAX_BYTES} (NULL past it); every other column as it is.
 * @param source - the column's SQL in the reader's relation.
 * @param stored - DuckDB's type for it (DESCRIBE), or undefined when unknown.
 * @param declared - its declared type.
 */
export function blobBoundedSource(source: string, stored: string | undefined, declared: DeclaredColumnType): string {
  return declared === 'string' && stored?.trim().toUpperCase() === 'BLOB'
    ? `CASE WHEN octet_length(${source}) <= ${BLOB_AS_TEXT_MAX_BYTES} THEN ${source} END`
    : source;
}

/**
 * The stored type of a column as the catalog names it (review S56, `duckdb-catalog.ts`): DuckDB's type, lower case,
 * and — when the Parquet encoding is wider than that type, so that DuckDB's reader truncates a raw value past the
 * annotation's range (INT32 annotated INT(8)/INT(16), signed or not: raw 1 and 257 both read as TINYINT 1) — the
 * encoding after it (`smallint stored int32`). A total read for a value column; not a stored type an identity may have
 * (`check-public.ts` finds no integer type in it), since two stored ids can read as one.
 * @param column - the column's DuckDB type and Parquet encoding.
 * @returns the stored type's name for the catalog, lower case.
 */
export function storedTypeName(column: ParquetColumn): string {
  const read = column.read.trim().toLowerCase();
  return /^u?(tinyint|smallint)$/.test(read) ? `${read} stored ${(column.physical ?? 'group').toLowerCase()}` : read;
}

/**
 * The top-level columns of a Parquet file, from `parquet_schema`'s rows (root first, each group followed by its
 * subtree) and DuckDB's types for them (DESCRIBE, in the same order).
 * @returns the columns (in DESCRIBE's order), or undefined when the two do not line up (the file is then unreadable).
 */
export function topLevelColumns(rows: readonly (readonly unknown[])[], readTypes: readonly string[]): ParquetColumn[] | undefined {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const children = (i: number) => Number(rows[i]?.[3] ?? 0) || 0;
  /** The index after the subtree rooted at `i`. */
  const skip = (i: number): number => {
    let j = i + 1;
    for (let k = 0; k < children(i) && j < rows.length; k++) j = skip(j);
    return j;
  };
  if (rows.length === 0) return undefined;
  const out: ParquetColumn[] = [];
  for (let i = 1, k = 0; k < children(0); k++) {
    const row = rows[i];
    if (!row) return undefined;
    const length = text(row[2]);
    out.push({
      name: String(row[0]),
      read: readTypes[k] ?? '',
      physical: text(row[1]),
      typeLength: length === null ? null : Number(length),
      converted: text(row[4]),
      logical: text(row[5]),
    });
    i = skip(i);
  }
  return out.length === readTypes.length ? out : undefined;
}

/** The Parquet encoding of a column, for an error message (public structure, never a value). */
function encodingOf(column: ParquetColumn): string {
  const annotation = column.logical ?? column.converted;
  return `${column.physical ?? 'group'}${column.typeLength !== null ? `(${column.typeLength})` : ''}${annotation ? ` ${annotation}` : ''}`;
}

/**
 * The refusal of a declared column whose stored Parquet type is not admitted for its declared type (at open,
 * before any query: nothing is charged). Names the column, its stored type and what it could be declared as.
 */
export function storedTypeRefused(
  path: string,
  table: string,
  column: string,
  declared: DeclaredColumnType,
  stored: ParquetColumn,
): DpError {
  const admitted = admittedDeclaredTypes(stored);
  return new DpError(
    'INVALID_SCHEMA',
    `cannot read ${path} as table "${table}": the column "${column}" is declared ${declared} but stored as ${stored.read} (Parquet ${encodingOf(stored)}), which DuckDB cannot convert to ${declared} on every value; ${
      admitted.length > 0
        ? `declare it as ${admitted.join(' or ')}`
        : 'rewrite the file with the column stored as a type tsdp reads (docs/schema.md)'
    } (the file is refused before any query; nothing was charged)`,
    { path: `tables.${table}.columns.${column}.type`, expected: admitted.length > 0 ? admitted.join(' or ') : 'a stored type tsdp reads' },
  );
}
