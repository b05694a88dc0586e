/**
 * The immutable plan of a DP SQL query: what the checker accepted, in a form
 * that dialect compilers turn into SQL and the release step turns into noisy
 * answers. Plans are plain frozen data (Kysely's operation nodes): describe
 * first, interpret later.
 * @module
 */
import type { PrivacyUnit } from '../core/privacy-unit.js';

/** A scalar expression evaluated per row inside the engine. */
export type PlanExpr =
  | { readonly kind: 'column'; readonly source: number; readonly column: string }
  | { readonly kind: 'literal'; readonly value: number | string | boolean | null }
  | { readonly kind: 'unary'; readonly op: '-' | 'NOT'; readonly arg: PlanExpr }
  | { readonly kind: 'binary'; readonly op: PlanBinaryOp; readonly left: PlanExpr; readonly right: PlanExpr }
  | { readonly kind: 'in'; readonly arg: PlanExpr; readonly list: readonly PlanExpr[]; readonly negated: boolean }
  | { readonly kind: 'between'; readonly arg: PlanExpr; readonly low: PlanExpr; readonly high: PlanExpr; readonly negated: boolean }
  | { readonly kind: 'isNull'; readonly arg: PlanExpr; readonly negated: boolean }
  | {
      readonly kind: 'case';
      readonly whens: readonly { readonly condition: PlanExpr; readonly result: PlanExpr }[];
      readonly otherwise: PlanExpr | null;
    }
  | { readonly kind: 'cast'; readonly arg: PlanExpr; readonly to: PlanCastType }
  | { readonly kind: 'func'; readonly name: PlanFunction; readonly args: readonly PlanExpr[] };

/** Binary operators the checker accepts. */
export type PlanBinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'AND'
  | 'OR'
  | 'LIKE'
  | 'NOT LIKE'
  | 'ILIKE'
  | 'NOT ILIKE'
  | '||';

/** Types a CAST may name. */
export type PlanCastType = 'integer' | 'double' | 'varchar' | 'boolean' | 'date';

/** Scalar functions the checker accepts (no catalog, file, network or side-effect functions). */
export type PlanFunction =
  | 'abs'
  | 'round'
  | 'floor'
  | 'ceil'
  | 'sign'
  | 'sqrt'
  | 'least'
  | 'greatest'
  | 'coalesce'
  | 'nullif'
  | 'lower'
  | 'upper'
  | 'length'
  | 'trim'
  /** Date parts of a date (BIGINT; NULL for NULL, infinite or out-of-range dates: years 1–9999 only): EXTRACT(part FROM d), year(d), month(d). */
  | 'year'
  | 'quarter'
  | 'month'
  | 'day'
  /** date_trunc(unit, d) with unit a literal of DATE_TRUNC_UNITS: a date (NULL for NULL, infinite or out-of-range dates: years 1–9999 only). */
  | 'date_trunc';

/** The units `date_trunc` accepts (its first argument, a text literal). */
export const DATE_TRUNC_UNITS: readonly string[] = ['year', 'quarter', 'month', 'day'];

/** A value expression inside an aggregate, with the interval it is clamped to after evaluation. */
export interface PlanMeasure {
  readonly expr: PlanExpr;
  readonly lower: number;
  readonly upper: number;
  /** True when the expression is integer-valued (no rounding to a grid needed). */
  readonly integral: boolean;
}

/** One DP aggregate of the SELECT list. */
export type PlanAggregate =
  | { readonly kind: 'count' }
  | { readonly kind: 'countValues'; readonly arg: PlanExpr }
  | { readonly kind: 'countUnits' }
  | { readonly kind: 'sum'; readonly measure: PlanMeasure }
  | { readonly kind: 'mean'; readonly measure: PlanMeasure }
  | { readonly kind: 'variance'; readonly measure: PlanMeasure; readonly stddev: boolean }
  | { readonly kind: 'quantile'; readonly measure: PlanMeasure; readonly p: number; readonly label: string };

/**
 * One output column. A `derived` output is arithmetic over noisy aggregates and group keys
 * (post-processing, e.g. `SUM(x) / COUNT(*)`); the aggregates it uses that are not SELECT
 * outputs themselves, and those named only in HAVING or ORDER BY, are `hidden` aggregate
 * outputs: released with noise and charged like the others, but not printed.
 */
export type PlanOutput =
  | { readonly kind: 'key'; readonly name: string; readonly key: number }
  | { readonly kind: 'aggregate'; readonly name: string; readonly aggregate: PlanAggregate; readonly hidden?: boolean }
  | { readonly kind: 'derived'; readonly name: string; readonly expr: PlanPostExpr };

/** A table in FROM. */
export interface PlanSource {
  readonly table: string;
  readonly alias: string;
  readonly isPublic: boolean;
}

/** A join of a further source. */
export interface PlanJoin {
  readonly source: number;
  readonly type: 'inner' | 'left';
  readonly on: PlanExpr;
  /** 'public': with a public table; 'unit': between private tables on the privacy unit. */
  readonly kind: 'public' | 'unit';
}

/** One GROUP BY key. */
export interface PlanGroupKey {
  readonly name: string;
  readonly expr: PlanExpr;
  /** The declared public keys, or null when keys are chosen by DP partition selection. */
  readonly categories: readonly (string | number | boolean)[] | null;
}

/** Post-processing expressions over the noisy outputs (derived outputs, HAVING). */
export type PlanPostExpr =
  | { readonly kind: 'output'; readonly index: number }
  | { readonly kind: 'literal'; readonly value: number | string | boolean | null }
  | { readonly kind: 'unary'; readonly op: '-' | 'NOT'; readonly arg: PlanPostExpr }
  | { readonly kind: 'binary'; readonly op: PlanBinaryOp; readonly left: PlanPostExpr; readonly right: PlanPostExpr };

/** How per-unit contributions are bounded. */
export interface PlanPrivacy {
  /** True when each row is its own privacy unit (no unit column). */
  readonly rowLevel: boolean;
  /** The privacy-unit column (unit-level only). */
  readonly unit: PlanExpr | null;
  /** Groups one unit may contribute to (1 in row-level mode). */
  readonly maxPartitions: number;
  /** Rows one unit may contribute to one group (1 in row-level mode). */
  readonly maxContributionsPerPartition: number;
  /** The same unit as core's one privacy-unit type: what the query's loss is stated for (and the ledger pins). */
  readonly privacyUnit: PrivacyUnit;
}

/** The immutable plan of one accepted query. */
export interface QueryPlan {
  readonly text: string;
  readonly sources: readonly PlanSource[];
  readonly joins: readonly PlanJoin[];
  readonly where: PlanExpr | null;
  readonly groupBy: readonly PlanGroupKey[];
  readonly outputs: readonly PlanOutput[];
  readonly privacy: PlanPrivacy;
  readonly having: PlanPostExpr | null;
  readonly orderBy: readonly { readonly output: number; readonly descending: boolean }[];
  readonly limit: number | null;
  readonly offset: number;
}

/** Deep-freezes a plan value. */
export function freezePlan<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) freezePlan(v);
    Object.freeze(value);
  }
  return value;
}
