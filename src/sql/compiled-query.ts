/**
 * What a dialect compiler returns (`CompiledDpQuery`: the main and histogram statements and where each output's
 * exact inputs are), and the registry of dialects with their own statement compiler (ClickHouse).
 * @module
 */
import type { SqlType } from './compile-expr.js';
import type { CompiledStatement, SqlDialect } from './dialect.js';
import type { QueryPlan } from './plan.js';
import type { SqlSchema } from './schema.js';

/**
 * Grid units read as an affine map of two exact columns (row-level linear sums, stop 19): units = S·inverse −
 * N·offset with S = `units` (SUM of the clamped integers; NULL when it summed no value, then units = 0 as SQL's
 * NULL arithmetic gave) and N = `count` (their COUNT), computed by the release in BigInt — exact where the engine's
 * HUGEINT product could overflow. `inverse` and `offset` are public constants of the grid (safe integers).
 */
export interface LinearUnits {
  /** The COUNT column; absent when `offset` is 0 (not read). */
  readonly count?: string;
  readonly inverse: number;
  readonly offset: number;
}

/** How to read one aggregate output's exact inputs from the main result row. */
export type OutputInputs =
  | { readonly kind: 'count'; readonly count: string }
  | { readonly kind: 'sum'; readonly units: string; readonly linear?: LinearUnits; readonly bounds: readonly [number, number] }
  | {
      readonly kind: 'mean';
      readonly count: string;
      readonly units: string;
      readonly linear?: LinearUnits;
      readonly bounds: readonly [number, number];
    }
  | {
      readonly kind: 'variance';
      readonly count: string;
      readonly units: string;
      readonly squares: string;
      readonly bounds: readonly [number, number];
    }
  | {
      readonly kind: 'quantile';
      readonly histogram: number;
      /** The histogram's grid bounds (`quantileGrid`): the release's bounds. */
      readonly bounds: readonly [number, number];
      /** The measure holds integers: the release reports an integer quantile and integer interval ends. */
      readonly integer: boolean;
    };

/** A histogram statement for one quantile output: rows (keys…, bin, count). */
export interface HistogramStatement extends CompiledStatement {
  readonly bins: number;
  /** Its rows are ordered by (keys, bin) and read in passes of chunks, never held (`quantile-stream-sql.ts`). */
  readonly streamed?: true;
}

/** The compiled form of a plan for one dialect. */
export interface CompiledDpQuery {
  readonly dialect: string;
  /** The main statement: one row per group with the key columns, `units` and the exact aggregates. */
  readonly main: CompiledStatement;
  /** The result column names of the group keys, in GROUP BY order. */
  readonly keyColumns: readonly string[];
  /** The static type of each key column (how `publicKey` reads it): dates leave the engine as ISO text (`keyOutput`). */
  readonly keyTypes: readonly SqlType[];
  /** The column holding the number of distinct units per group (after bounding). */
  readonly unitsColumn: string;
  /** Per output (index of `plan.outputs`), where its exact inputs are; null for key and derived outputs. */
  readonly inputs: readonly (OutputInputs | null)[];
  /** One histogram statement per quantile output. */
  readonly histograms: readonly HistogramStatement[];
}

/**
 * A dialect's own statement compiler, for an engine whose statements cannot take this file's shapes
 * (ClickHouse: no window functions, no CTEs, no bind parameters). It returns the same `CompiledDpQuery`,
 * read by the same release code.
 */
export interface DialectCompiler {
  /** As `compileDpQuery`: the main and histogram statements of a plan. */
  compileDpQuery(plan: QueryPlan, salt: bigint, schema: SqlSchema): CompiledDpQuery;
  /** As `compileBoundingReport` (bounding-report.ts): one row with `units` and `cut`. */
  compileBoundingReport(plan: QueryPlan, schema: SqlSchema): CompiledStatement;
}

const OWN_COMPILERS = new WeakMap<SqlDialect, DialectCompiler>();

/**
 * Registers a dialect's own compiler (called once by the dialect's module, e.g. dialects/clickhouse.ts).
 * @param dialect - the dialect object.
 * @param compiler - its compiler.
 */
export function registerDialectCompiler(dialect: SqlDialect, compiler: DialectCompiler): void {
  OWN_COMPILERS.set(dialect, compiler);
}

/** The registered compiler of a dialect, if it has its own. */
export function dialectCompiler(dialect: SqlDialect): DialectCompiler | undefined {
  return OWN_COMPILERS.get(dialect);
}
