/**
 * Writing records as CSV (RFC 4180): a header of the column names, then one
 * line per record; a field with a comma, quote or line break is quoted.
 * Browser-safe (returns a string; the CLI writes the file).
 * @module
 */
import { checkArray } from './params.js';

function field(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Formats records as CSV.
 * @param records - the records.
 * @param columns - the columns, in order.
 * @returns the CSV text (ends with a newline).
 * @example
 * toCsv([{ a: 1, b: 'x,y' }], ['a', 'b']); // 'a,b\n1,"x,y"\n'
 */
export function toCsv(records: readonly Readonly<Record<string, unknown>>[], columns: readonly string[]): string {
  checkArray(records, 'records', (r) => typeof r === 'object' && r !== null, 'an array of records');
  checkArray(columns, 'columns', (c) => typeof c === 'string', 'an array of column names');
  const lines = [columns.map(field).join(',')];
  for (const r of records) lines.push(columns.map((c) => field(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}
