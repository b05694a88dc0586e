/**
 * The public grid of a DP SQL quantile (MEDIAN, PERCENTILE_CONT, QUANTILE, MIN, MAX) and the
 * SQL expression of a row's bin on it: one bin per integer of an integer measure with at most 4,096
 * values (`fineQuantileGrid`'s), else 4,096 equal bins on the clamp bounds (review S64: `QUANTILE_BINS`). The histogram statement returns one row per non-empty bin per group
 * (at most one per row read), released by `releaseSparseQuantile` from those bins alone.
 *
 * Rule (one bin in every engine and in TypeScript): a row's bin is
 * ⌊((clamp(x) − L) / R) · B⌋ capped at B − 1, R = U − L computed once in TypeScript and bound
 * as a double (function names lowercase: ClickHouse 18.16 refused the upper-case form, an engine error after
 * the charge); every step is one IEEE-754 double operation (subtraction, division, a product
 * by B that is exact for B = 2³² and exact-or-far-from-an-integer for an integer grid, FLOOR),
 * so DuckDB, PostgreSQL and ClickHouse give `quantileBinIndex`'s bin (an offset below R·2⁻⁴⁰ read as 0: `binOffsetSql`). NULL stays NULL (the row
 * is not counted); ±∞ clamp to the bounds. Test: test/sql/quantile-fine-bins.test.ts.
 * @module
 */
import { DpError } from '../core/errors.js';
import { edgeRecord } from '../numeric/edge.js';
import { fineQuantileGrid } from '../stats/quantile-selection.js';
import type { SqlDialect } from './dialect.js';
import { measureBounds } from './finite-release.js';
import type { PlanMeasure } from './plan.js';

/**
 * Bins of a quantile histogram over a non-integer measure, or an integer one with more values (public): 4,096.
 *
 * Review S64 (class 11, stop 20): on `fineQuantileGrid`'s 2³² bins the histogram statement returns one row per
 * non-empty bin — one per distinct value — and every row, then its sparse bin, is held in Node after the charge
 * (≈ 300–450 bytes each): 1.5·10⁶ distinct values in one group aborted a 256 MiB process, ≈ 10⁷ would abort the
 * default heap. A process abort decided by the private count of distinct values is not the one ENGINE_ERROR of a
 * pinned limit (`resource-limits.ts` rules 2 and 3). Rule: a histogram has at most this many bins per group and
 * output, a public constant, so its rows per group are bounded whatever the data (as before stop 20: 256, or 1,024
 * integers). The library's `dpQuantile` keeps the fine grid (its data is already in memory). Moving SQL to the fine
 * grid needs the bins folded or streamed under a pinned limit first. Test: test/review/quantile-histogram-memory.test.ts.
 */
export const QUANTILE_BINS = 4096;

/** The most integer values a quantile histogram gives one bin each (4,096; S64's rule above). */
export const MAX_INTEGER_QUANTILE_BINS = QUANTILE_BINS;

/** The public grid of a quantile histogram: `bins` equal bins on `bounds`. */
export interface QuantileGrid {
  readonly bounds: readonly [number, number];
  readonly bins: number;
  /** The measure holds integers (the release is rounded; with one bin per integer, the bins are the integers). */
  readonly integer: boolean;
  /**
   * The histogram is streamed, never held (`quantile-stream-sql.ts`): its statement orders its rows by (group keys,
   * bin) and the release reads them in passes of public-size chunks, so the grid may be the fine one (2³² bins).
   */
  readonly streamed?: true;
}

/**
 * The grid of a quantile measure (public: from the plan's bounds only), `fineQuantileGrid`'s.
 * @param m - the measure.
 * @returns the grid.
 * @throws DpError UNSUPPORTED_QUERY (at compile time, before any charge) when R/B is not a normal double.
 */
export function quantileGrid(m: PlanMeasure): QuantileGrid {
  edgeRecord(m, 'm');
  const [lower, upper] = measureBounds(m);
  const fine = fineQuantileGrid([lower, upper], m.integral);
  // S64: one bin per integer only for at most MAX_INTEGER_QUANTILE_BINS integers, else QUANTILE_BINS equal bins.
  const grid = fine.bins <= MAX_INTEGER_QUANTILE_BINS ? fine : { bounds: [lower, upper] as [number, number], bins: QUANTILE_BINS };
  const range = grid.bounds[1] - grid.bounds[0];
  // Review S47 (class 3): a grid whose range is not finite or whose bin width is subnormal made the bin
  // expression raise or disagree between engines on every row — after the charge. Refused here, before it.
  // Test: test/review/quantile-tiny-range.test.ts, test/sql/quantile-grid-finite.test.ts (generative over scales).
  if (!(Number.isFinite(range) && range / grid.bins >= 2 ** -1022)) {
    throw new DpError(
      'UNSUPPORTED_QUERY',
      `the quantile's value range [${lower}, ${upper}] cannot be cut into ${grid.bins} bins in double precision (its width is ${range}); rescale the expression (e.g. by a power of ten) — nothing was charged`,
      { construct: 'quantile bounds' },
    );
  }
  return { bounds: grid.bounds, bins: grid.bins, integer: m.integral };
}

/**
 * Whether a dialect's quantile histograms are streamed on the fine grid (`streamedQuantileGrid`): DuckDB and
 * PostgreSQL, whose engines read a statement in chunks (`DuckDbEngine.queryChunks`, `PostgresEngine.queryChunks`: a
 * server-side cursor). ClickHouse keeps the 4,096-bin grid (why: quantile-sparse.proof.md, "ClickHouse": no snapshot across
 * statements, and its shards' answers are merged in Node).
 * Public: the engine's kind only, never the data.
 */
export function streamsQuantiles(dialect: Pick<SqlDialect, 'name'>): boolean {
  return dialect.name === 'duckdb' || dialect.name === 'postgres';
}

/**
 * The grid of a streamed quantile histogram (`quantile-stream-sql.ts`, DuckDB and PostgreSQL): `fineQuantileGrid`'s — one bin per
 * integer of an integer measure with at most 2³² values, else 2³² equal bins — the library's own grid, since no
 * histogram row is held (S64's rule above is about held rows). Public: from the plan's bounds only. Where the fine
 * bins would be narrower than a normal double (S47's check) the grid is `quantileGrid`'s, still streamed.
 * @param m - the measure.
 * @returns the grid, marked `streamed`.
 * @throws DpError UNSUPPORTED_QUERY as `quantileGrid` (before any charge).
 */
export function streamedQuantileGrid(m: PlanMeasure): QuantileGrid {
  const coarse = quantileGrid(m);
  const [lower, upper] = measureBounds(m);
  const fine = fineQuantileGrid([lower, upper], m.integral);
  const range = fine.bounds[1] - fine.bounds[0];
  const grid = Number.isFinite(range) && range / fine.bins >= 2 ** -1022 ? fine : coarse;
  return { bounds: grid.bounds, bins: grid.bins, integer: m.integral, streamed: true };
}

/**
 * The SQL of a row's bin (module rule): `clamped` is the clamped double value (NULL stays NULL).
 * @param clamped - SQL of clamp(x, L, U) as a double.
 * @param grid - the grid.
 * @param dbl - binds a double parameter (or writes a literal).
 * @returns SQL of the bin before the cap at B − 1 and the cast (the caller casts to its integer type).
 */
export function binOffsetSql(clamped: string, grid: QuantileGrid, dbl: (x: number) => string): string {
  const [lower, upper] = grid.bounds;
  const range = upper - lower;
  // Rule (PostgreSQL raises "value out of range: underflow" when a quotient of non-zero doubles rounds to 0, after
  // the charge and only when such a row exists): an offset below t = max(R·2⁻⁴⁰, 2⁻¹⁰²²) is read as 0. Its bin is 0
  // either way (offset/R < 2⁻³² since R ≥ 2³²·2⁻¹⁰²², the grid check), and any offset ≥ t has a quotient ≥ 2⁻⁴⁰
  // that does not underflow. Test: test/sql/quantile-fine-bins.test.ts (nextUp(L) on PostgreSQL).
  const tiny = Math.max(range * 2 ** -40, 2 ** -1022);
  const raw = `(${clamped} - ${dbl(lower)})`;
  const offset = `(CASE WHEN abs(${raw}) < ${dbl(tiny)} THEN ${dbl(0)} ELSE ${raw} END)`;
  return `floor((${offset} / ${dbl(range)}) * ${dbl(grid.bins)})`;
}
