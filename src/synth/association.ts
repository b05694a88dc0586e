/**
 * Pairwise association for the utility report: Cramér's V of every pair of
 * columns (on their encoded bins), in the real and in the synthetic data, so
 * the report can show whether the synthetic data keeps which columns go
 * together. V = √(χ²/n / (min(r, c) − 1)) over the rows and columns of the
 * contingency table that are not empty; 0 when either column has one
 * non-empty value. Reads the real data: for the data owner, not DP.
 * @module
 * @see Cramér (1946), Mathematical Methods of Statistics, §21.9.
 */
import { countMarginal } from './measure.js';
import { checkColumns, checkInteger, checkSizes } from './params.js';

/**
 * Cramér's V of columns a and b.
 * @param columns - the encoded data.
 * @param sizes - the domain sizes.
 * @param a - one column.
 * @param b - another column.
 * @returns V in [0, 1].
 */
export function cramersV(columns: readonly Int32Array[], sizes: readonly number[], a: number, b: number): number {
  checkSizes(sizes, 'sizes');
  checkInteger(a, 'a', 0, sizes.length - 1);
  checkInteger(b, 'b', 0, sizes.length - 1);
  const [x, y] = a < b ? [a, b] : [b, a];
  const table = countMarginal(columns, sizes, [x, y]);
  const r = sizes[x] as number;
  const c = sizes[y] as number;
  const rows = new Float64Array(r);
  const cols = new Float64Array(c);
  let n = 0;
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) {
      const v = table[i * c + j] as number;
      rows[i] = (rows[i] as number) + v;
      cols[j] = (cols[j] as number) + v;
      n += v;
    }
  const rr = rows.filter((v) => v > 0).length;
  const cc = cols.filter((v) => v > 0).length;
  const k = Math.min(rr, cc) - 1;
  if (n === 0 || k <= 0) return 0;
  let chi2 = 0;
  for (let i = 0; i < r; i++) {
    if ((rows[i] as number) === 0) continue;
    for (let j = 0; j < c; j++) {
      if ((cols[j] as number) === 0) continue;
      const e = ((rows[i] as number) * (cols[j] as number)) / n;
      const d = (table[i * c + j] as number) - e;
      chi2 += (d * d) / e;
    }
  }
  return Math.min(1, Math.sqrt(chi2 / n / k));
}

/**
 * The matrix of Cramér's V of every pair (1 on the diagonal).
 * @param columns - the encoded data.
 * @param sizes - the domain sizes.
 * @returns a symmetric d × d matrix.
 */
export function associationMatrix(columns: readonly Int32Array[], sizes: readonly number[]): number[][] {
  checkColumns(columns, 'columns');
  checkSizes(sizes, 'sizes');
  const d = sizes.length;
  const m = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  for (let i = 0; i < d; i++)
    for (let j = i + 1; j < d; j++) {
      const v = cramersV(columns, sizes, i, j);
      (m[i] as number[])[j] = v;
      (m[j] as number[])[i] = v;
    }
  return m;
}
