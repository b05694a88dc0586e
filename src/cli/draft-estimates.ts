/**
 * DP estimates of bounds and categories for a schema draft (`tsdp schema init
 * --dp-bounds ε`). The caller charges the ledger **before** calling this.
 *
 * Per column, each privacy unit contributes one row at most (a random one
 * among its rows with a non-NULL value: `row_number() OVER (PARTITION BY unit
 * ORDER BY random())`), so the column's log-histogram (bounds) or value counts
 * (categories) change by at most 1 in one cell when one unit is added or
 * removed. Bounds: `releaseApproximateBounds` (pure ε_i). Categories: DP
 * partition selection (ε_i, δ_i) over the distinct values, one partition per
 * unit. The k estimates compose: ε = Σ ε_i, δ = Σ δ_i.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { RandomSource } from '../random/source.js';
import { LogHistogram, releaseApproximateBounds } from '../stats/approximate-bounds.js';
import { makePartitionSelector } from '../stats/partition-selection.js';
import type { DraftSource } from './draft-source.js';
import { type DraftEstimate, logBinSql } from './schema-draft.js';

/** More released values than this and a column is not a category list. */
export const MAX_DRAFT_CATEGORIES = 200;

/** The columns that get an estimate: numeric ones (bounds) and strings (categories). */
export function estimableColumns(source: DraftSource, unit: string | undefined) {
  const ok = (n: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && n !== unit;
  return {
    bounds: source.columns.filter((c) => (c.type === 'integer' || c.type === 'float') && ok(c.name)).map((c) => c.name),
    categories: source.columns.filter((c) => c.type === 'string' && ok(c.name)).map((c) => c.name),
  };
}

function toCount(x: unknown): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
  if (typeof x === 'string' && /^\d+$/.test(x)) return BigInt(x);
  throw new DpError('INTERNAL', 'the engine returned a count that is not an integer');
}

/**
 * Releases the estimates with the given per-column budgets (already charged).
 * @returns one estimate per column named in `columns`.
 * @privacy (Σ ε_i, Σ δ_i)-DP under add/remove one unit (see the module header).
 */
export async function estimateColumns(
  source: DraftSource,
  columns: { bounds: readonly string[]; categories: readonly string[] },
  budget: { epsilonPerColumn: number; deltaPerCategoryColumn: number },
  unit: string | undefined,
  rng: RandomSource | undefined,
): Promise<Map<string, DraftEstimate>> {
  const q = source.quote;
  // One random row per unit among those with a value (each row is a unit without a privacy unit).
  const oneRowPerUnit = (c: string) =>
    unit === undefined
      ? `SELECT ${q(c)} AS v FROM ${source.from} WHERE ${q(c)} IS NOT NULL`
      : `SELECT v FROM (SELECT ${q(c)} AS v, row_number() OVER (PARTITION BY ${q(unit)} ORDER BY random()) AS rn FROM ${source.from} WHERE ${q(c)} IS NOT NULL) AS per_unit WHERE rn = 1`;
  const out = new Map<string, DraftEstimate>();
  for (const c of columns.bounds) {
    const rows = await source.query(
      `SELECT bin, COUNT(*) AS n FROM (SELECT ${logBinSql('CAST(v AS DOUBLE PRECISION)')} AS bin FROM (${oneRowPerUnit(c)}) AS one) AS binned GROUP BY bin`,
    );
    const histogram = new LogHistogram();
    for (const r of rows) {
      const bin = Number(r.bin);
      if (Number.isInteger(bin) && bin >= -64 && bin <= 63) histogram.counts[bin + 64] = toCount(r.n);
    }
    const { bounds } = releaseApproximateBounds(histogram, { epsilon: budget.epsilonPerColumn, maxRowsPerUnit: 1, rng });
    const type = source.columns.find((x) => x.name === c)?.type;
    const clamp = (x: number) => Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, x));
    out.set(c, {
      kind: 'bounds',
      bounds: bounds && (type === 'integer' ? [clamp(Math.floor(bounds[0])), clamp(Math.ceil(bounds[1]))] : bounds),
    });
  }
  for (const c of columns.categories) {
    const selector = makePartitionSelector({ epsilon: budget.epsilonPerColumn, delta: budget.deltaPerCategoryColumn, maxPartitions: 1 });
    const rows = await source.query(`SELECT v, COUNT(*) AS n FROM (${oneRowPerUnit(c)}) AS one GROUP BY v`);
    const kept: string[] = [];
    for (const r of rows) if (selector.keep(toCount(r.n), rng)) kept.push(String(r.v));
    // Sorted: the engine's group order may depend on values that were not kept.
    kept.sort();
    out.set(c, { kind: 'categories', categories: kept.slice(0, MAX_DRAFT_CATEGORIES), tooMany: kept.length > MAX_DRAFT_CATEGORIES });
  }
  return out;
}
