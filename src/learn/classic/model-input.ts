/**
 * The inputs a classic model reads — a dense matrix (typed array), an array
 * of rows, an array of records, an Apache Arrow table, or a DP SQL result —
 * turned into one row-major `Float64Array`.
 *
 * Value rule (total, never a refusal): a cell that is missing, not a number,
 * not finite, or whose getter throws reads as 0, and a label that is not one
 * of the declared classes drops nothing but reads as class 0 for
 * classification (see each model). Whether a fit runs therefore never
 * depends on one record; only public shapes (the number of columns, the
 * declared column names) are checked, before any charge. Messages never carry
 * a data value.
 *
 * Reading rule (S7, issue 10 class 12: the one reader every fit, predict and score goes through): the input's
 * structure (a matrix's `values`/`rows`/`columns`, an Arrow table's `numRows` and children, a SQL result's
 * `columns`/`rows`, an array's length, the labels' length) is read ONCE, inside `edgeRead`, so a getter, a Proxy
 * trap or a conversion of the caller's that throws is `DpError INVALID_PARAMETER` (a public-shape refusal,
 * before any charge) — never the caller's own Error or a TypeError; a matrix's values must be a genuine
 * Float32/Float64Array (`edgeTypedArray`: a Proxy or a doctored subclass is refused, no user code runs). Inside
 * the rows every read is total (`readCell`, `readField`, `isArrayRow`): one record's throwing getter or revoked
 * Proxy reads as missing (0), never as a refusal, so whether a fit runs never depends on one record.
 *
 * A DP SQL result is read as records (its `columns` and `rows`) and is
 * charged like any private input: an object cannot prove it is a genuine
 * release, so fitting on it is never treated as free post-processing.
 * @module
 */
import { DpError } from '../../core/index.js';
import { edgeRead, edgeTypedArray } from '../../numeric/edge.js';
import { readCell, readField, readFiniteNumber } from '../../stats/value-rules.js';

/** A dense row-major matrix: `values[r * columns + c]`. */
export interface Matrix {
  readonly values: Float64Array | Float32Array;
  readonly rows: number;
  readonly columns: number;
}

/** The shape of an Apache Arrow table that the reader uses (duck-typed: no dependency). */
export interface ArrowTableLike {
  readonly numRows: number;
  getChild(name: string): { get(i: number): unknown } | null;
}

/** The shape of a DP SQL result (`runDpSql`'s value) that the reader uses. */
export interface SqlResultLike {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/**
 * Anything a model can fit or predict on. Records, Arrow tables and SQL
 * results need the feature column names (`features`) of the model options.
 */
export type ModelInput = Matrix | readonly (readonly number[])[] | readonly Record<string, unknown>[] | ArrowTableLike | SqlResultLike;

/** Labels: one number per row, or the name of a column of a record / Arrow / SQL input. */
export type LabelInput = ArrayLike<number> | string;

const MAX_ROWS = 2 ** 31 - 1;

function isMatrix(x: object): x is Matrix {
  return 'values' in x && 'rows' in x && 'columns' in x;
}
function isArrow(x: object): x is ArrowTableLike {
  return typeof (x as Partial<ArrowTableLike>).getChild === 'function' && typeof (x as Partial<ArrowTableLike>).numRows === 'number';
}
function isSql(x: object): x is SqlResultLike {
  return Array.isArray((x as Partial<SqlResultLike>).columns) && Array.isArray((x as Partial<SqlResultLike>).rows);
}

function bad(message: string, parameter: string): DpError {
  return new DpError('INVALID_PARAMETER', message, { parameter });
}

/** Whether a row is an array; a row that cannot be inspected (a revoked Proxy) is not one (reads as missing). Never throws. */
function isArrayRow(row: unknown): row is readonly unknown[] {
  try {
    return Array.isArray(row);
  } catch {
    return false;
  }
}

function cellNumber(v: unknown): number {
  return readFiniteNumber(v) ?? 0;
}

function checkNames(names: readonly string[] | undefined, kind: string): readonly string[] {
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    throw bad(`${kind} inputs need the feature column names (option features: string[])`, 'features');
  }
  return names;
}

/** The length of the first array row (only used when no width is declared: never on a fit's path). */
function firstArrayWidth(input: readonly unknown[]): number {
  for (let r = 0; r < input.length; r++) {
    const row = readCell(input, r);
    if (isArrayRow(row)) return row.length;
  }
  return 0;
}

/**
 * Reads `input` as a row-major matrix.
 * @param input - a Matrix, rows of numbers, records, an Arrow table or a DP SQL result.
 * @param features - the column names (records, Arrow, SQL); for a matrix or rows, optional and then only their count is checked.
 * @param expectedColumns - when known (predicting with a fitted model), the number of columns required.
 * @returns the matrix (a copy as Float64Array).
 * @throws DpError INVALID_PARAMETER on an unsupported input, a wrong number of columns (public shape), or missing feature names.
 * @privacy reads values only; refuses on public shapes only.
 * @example
 * readMatrix([[1, 2], [3, 4]]).columns; // 2
 */
export function readMatrix(input: ModelInput, features?: readonly string[], expectedColumns?: number): Matrix {
  return edgeRead('input', () => readMatrixOnce(input, features, expectedColumns)); // the reading rule (header)
}

function readMatrixOnce(input: ModelInput, features?: readonly string[], expectedColumns?: number): Matrix {
  if (typeof input !== 'object' || input === null)
    throw bad('input must be a matrix, an array of rows or records, an Arrow table or a DP SQL result', 'input');
  let out: Matrix;
  if (isMatrix(input)) {
    const { rows, columns } = input;
    const values = edgeTypedArray(input.values, 'input', ['Float64Array', 'Float32Array']); // a clean view (header)
    if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(columns) || rows < 0 || columns < 1 || rows * columns !== values.length) {
      throw bad('matrix rows × columns must equal values.length', 'input');
    }
    const copy = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) copy[i] = cellNumber(values[i]);
    out = { values: copy, rows, columns };
  } else if (isArrow(input)) {
    const names = checkNames(features, 'Arrow');
    const rows = input.numRows;
    if (!Number.isSafeInteger(rows) || rows < 0 || rows > MAX_ROWS) throw bad('Arrow numRows must be an integer ≥ 0', 'input');
    const values = new Float64Array(rows * names.length);
    names.forEach((name, c) => {
      const child = input.getChild(name);
      if (!child) throw bad(`the Arrow table has no column ${JSON.stringify(name)}`, 'features');
      for (let r = 0; r < rows; r++) {
        let v: unknown;
        try {
          v = child.get(r);
        } catch {
          v = undefined;
        }
        values[r * names.length + c] = cellNumber(v);
      }
    });
    out = { values, rows, columns: names.length };
  } else if (isSql(input)) {
    const names = checkNames(features, 'DP SQL result');
    const index = names.map((n) => {
      const i = input.columns.indexOf(n);
      if (i < 0) throw bad(`the SQL result has no column ${JSON.stringify(n)}`, 'features');
      return i;
    });
    const sqlRows = input.rows; // read once
    const rows = sqlRows.length;
    if (!(Number.isSafeInteger(rows) && rows >= 0 && rows <= MAX_ROWS)) throw bad('too many rows', 'input');
    const values = new Float64Array(rows * names.length);
    for (let r = 0; r < rows; r++) {
      const row = readCell(sqlRows, r);
      index.forEach((i, c) => {
        values[r * names.length + c] = isArrayRow(row) ? cellNumber(readCell(row, i)) : 0;
      });
    }
    out = { values, rows, columns: names.length };
  } else if (Array.isArray(input)) {
    // An array of rows. How each row is read is decided by that row alone (review S3: the first row used to decide
    // for all rows, so one person placed first could zero everyone else or refuse the fit): an array row is read by
    // position, a record row by the declared feature names, anything else reads as missing (0). The width is public
    // (the declared features or the fitted model's column count); only when neither exists (an audit of data the
    // caller owns, not a fit) does the first array row give it.
    const rows = input.length;
    if (!(Number.isSafeInteger(rows) && rows >= 0 && rows <= MAX_ROWS)) throw bad('too many rows', 'input');
    const names = features === undefined ? undefined : checkNames(features, 'record');
    const columns = names?.length ?? expectedColumns ?? firstArrayWidth(input);
    if (!(Number.isSafeInteger(columns) && columns >= 1)) throw bad('rows must have at least one column (declare features)', 'input');
    const values = new Float64Array(rows * columns);
    for (let r = 0; r < rows; r++) {
      const row = readCell(input, r);
      for (let c = 0; c < columns; c++) {
        values[r * columns + c] = isArrayRow(row)
          ? cellNumber(readCell(row, c))
          : names !== undefined && typeof row === 'object' && row !== null
            ? cellNumber(readField(row, names[c] as string))
            : 0;
      }
    }
    out = { values, rows, columns };
  } else {
    throw bad('input must be a matrix, an array of rows or records, an Arrow table or a DP SQL result', 'input');
  }
  if (expectedColumns !== undefined && out.columns !== expectedColumns) {
    throw bad(`the model has ${expectedColumns} features, the input has ${out.columns} columns`, 'input');
  }
  if (features !== undefined && Array.isArray(features) && out.columns !== features.length) {
    throw bad(`${features.length} feature names were declared, the input has ${out.columns} columns`, 'input');
  }
  return out;
}

/**
 * Reads labels: a numeric array of `rows` entries, or a column of a record / Arrow / SQL input.
 * A missing or malformed label of an array reads as NaN, of a column as 0 (each model states its rule for labels).
 * @param input - the same input the features come from.
 * @param labels - the labels or the label column's name.
 * @param rows - the number of rows.
 * @returns one label per row.
 * @throws DpError INVALID_PARAMETER when the label array's length differs from the rows (public shape) or the column is absent.
 * @privacy reads values only.
 * @example
 * readLabels([[1], [2]], [0, 1], 2); // Float64Array [0, 1]
 */
export function readLabels(input: ModelInput, labels: LabelInput, rows: number): Float64Array {
  return edgeRead('labels', () => readLabelsOnce(input, labels, rows)); // the reading rule (header)
}

function readLabelsOnce(input: ModelInput, labels: LabelInput, rows: number): Float64Array {
  if (!(Number.isSafeInteger(rows) && rows >= 0 && rows <= MAX_ROWS)) throw bad('rows must be a whole number ≥ 0', 'rows');
  const out = new Float64Array(rows);
  if (typeof labels === 'string' && Array.isArray(input)) {
    // A label column of an array of rows, read by each row alone (the per-row rule above): a record row by the name,
    // an array row has no names, so its label is missing (0) — never its first feature read by position.
    for (let r = 0; r < rows; r++) {
      const row = readCell(input, r);
      out[r] = !isArrayRow(row) && typeof row === 'object' && row !== null ? cellNumber(readField(row, labels)) : 0;
    }
    return out;
  }
  if (typeof labels === 'string') {
    const matrix = readMatrix(input, [labels]);
    // A missing or malformed cell of a label column reads as 0, like any cell (the value rule above).
    for (let r = 0; r < rows; r++) out[r] = matrix.values[r] as number;
    return out;
  }
  const count = labels === null || typeof labels !== 'object' ? undefined : (labels as ArrayLike<number>).length; // read once
  if (typeof count !== 'number') throw bad('labels must be an array of numbers or a column name', 'labels');
  if (count !== rows) throw bad(`labels has ${count} entries, the input has ${rows} rows`, 'labels');
  for (let r = 0; r < rows; r++) out[r] = readFiniteNumber(readCell(labels, r)) ?? Number.NaN;
  return out;
}
