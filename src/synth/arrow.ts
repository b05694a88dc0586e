/**
 * Synthetic records as an Apache Arrow table (browser-safe). `apache-arrow`
 * is an optional peer dependency, loaded on first use: a categorical column
 * becomes a dictionary-encoded string column, an integer column Int32 (or
 * Float64 past 2³¹), a number column Float64. Post-processing: no privacy cost.
 * @module
 */
import { DpError } from '../core/index.js';
import type { SynthDomain } from './domain.js';
import { checkArray, checkDomain } from './params.js';

/** The part of an apache-arrow `Table` this module promises (the value is a real `Table`). */
export interface ArrowTableLike {
  readonly numRows: number;
  readonly numCols: number;
  getChild(name: string): { get(index: number): unknown } | null;
}

/**
 * Builds an Arrow table from synthetic records.
 * @param records - the records (`synthesize(...).records`).
 * @param domain - their domain (`synthesize(...).domain`): the column order and types.
 * @returns an apache-arrow `Table`.
 * @throws DpError INVALID_PARAMETER when `records` is not an array of records or `domain` not a SynthDomain; NOT_FOUND when the optional dependency `apache-arrow` is not installed.
 * @privacy post-processing of a DP release.
 * @example
 * const table = await toArrowTable(result.records, result.domain);
 */
export async function toArrowTable(records: readonly Readonly<Record<string, unknown>>[], domain: SynthDomain): Promise<ArrowTableLike> {
  checkArray(records, 'records', (r) => typeof r === 'object' && r !== null, 'an array of records');
  checkDomain(domain);
  let arrow: typeof import('apache-arrow');
  try {
    arrow = await import('apache-arrow');
  } catch {
    throw new DpError('NOT_FOUND', 'Arrow output needs the optional dependency apache-arrow (npm install apache-arrow)', {
      kind: 'dependency',
      name: 'apache-arrow',
    });
  }
  const arrays: Record<string, Int32Array | Float64Array | string[]> = {};
  domain.columns.forEach((c) => {
    if (c.type === 'categorical') {
      arrays[c.name] = records.map((r) => String(r[c.name]));
      return;
    }
    const small = c.type === 'integer' && c.min >= -(2 ** 31) && c.max < 2 ** 31;
    const out = small ? new Int32Array(records.length) : new Float64Array(records.length);
    records.forEach((r, i) => {
      out[i] = Number(r[c.name]);
    });
    arrays[c.name] = out;
  });
  return arrow.tableFromArrays(arrays) as unknown as ArrowTableLike;
}
