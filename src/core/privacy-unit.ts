/**
 * The one privacy-unit type: whom a guarantee protects, and how much one of
 * them may contribute. Neighbouring data sets differ by adding or removing all
 * the rows of one unit; the contribution bounds are what the releases enforce
 * (by truncation) so that one unit's rows change each statistic by a bounded
 * amount.
 *
 * DP SQL's schema (`privacyUnit`, `maxPartitions`, `maxContributionsPerPartition`),
 * the statistics layer's neighbouring relation and the Session's `privacyUnit`
 * all describe this one thing; they build it with `privacyUnit` (validation
 * once, at the edge) and state it with `describePrivacyUnit`.
 * @module
 */
import { edgeRecord } from '../numeric/edge.js';
import { DpError } from './errors.js';

/**
 * Whom a guarantee protects: the rows sharing a value of `column` (or each row, when `column` is null),
 * each unit contributing to at most `maxPartitions` groups and `maxContributionsPerPartition` rows per group.
 * @privacy neighbouring data sets differ by adding or removing one unit (all its rows, within the bounds).
 */
export interface PrivacyUnit {
  /** The column identifying a unit (a person), or null when each row is its own unit. */
  readonly column: string | null;
  /** Groups one unit may contribute to (≥ 1, enforced by the release). */
  readonly maxPartitions: number;
  /** Rows one unit may contribute to one group (≥ 1, enforced by the release). */
  readonly maxContributionsPerPartition: number;
}

/** The contribution bounds given to `privacyUnit` (each default 1); stats' `ContributionBounds` has this shape. */
export type PrivacyUnitBounds = { readonly maxPartitions?: number; readonly maxContributionsPerPartition?: number };

/** The largest bound accepted (a bound is a count of groups or rows; beyond this it cannot be enforced exactly). */
const MAX_BOUND = 2 ** 31 - 1;

function bound(x: unknown, name: string): number {
  if (x === undefined) return 1;
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1 || x > MAX_BOUND) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a whole number in [1, ${MAX_BOUND}]`, { parameter: name });
  }
  return x;
}

/**
 * Builds (and validates, once) a privacy unit.
 * @param column - the unit column, or null/undefined for row-level privacy.
 * @param bounds - per-unit contribution bounds (each default 1).
 * @returns the unit.
 * @throws DpError INVALID_PARAMETER for an empty or non-string column, or a bound that is not a whole number ≥ 1.
 * @privacy the bounds are public parameters; nothing here reads data.
 * @example
 * privacyUnit('person_id', { maxPartitions: 3 }); // { column: 'person_id', maxPartitions: 3, maxContributionsPerPartition: 1 }
 */
export function privacyUnit(column?: string | null, bounds: PrivacyUnitBounds = {}): PrivacyUnit {
  if (column !== undefined && column !== null && (typeof column !== 'string' || column === '')) {
    throw new DpError('INVALID_PARAMETER', 'the privacy unit must be a column name (or null for one row per unit)', {
      parameter: 'privacyUnit',
    });
  }
  if (typeof bounds !== 'object' || bounds === null) {
    throw new DpError('INVALID_PARAMETER', 'contribution bounds must be an object', { parameter: 'bounds' });
  }
  return Object.freeze({
    column: column ?? null,
    maxPartitions: bound(bounds.maxPartitions, 'maxPartitions'),
    maxContributionsPerPartition: bound(bounds.maxContributionsPerPartition, 'maxContributionsPerPartition'),
  });
}

/**
 * The unit in words, for reports and released guarantees.
 * @param unit - the unit.
 * @returns e.g. `adding or removing one person_id (all its rows; at most 3 groups, 1 row per group)`.
 * @example
 * describePrivacyUnit(privacyUnit()); // 'adding or removing one row'
 */
export function describePrivacyUnit(unit: PrivacyUnit): string {
  edgeRecord(unit, 'unit');
  if (unit.column === null && unit.maxPartitions === 1 && unit.maxContributionsPerPartition === 1) return 'adding or removing one row';
  const who = unit.column === null ? 'one row' : `one ${unit.column} (all its rows`;
  const groups = `at most ${unit.maxPartitions} group${unit.maxPartitions === 1 ? '' : 's'}`;
  const rows = `${unit.maxContributionsPerPartition} row${unit.maxContributionsPerPartition === 1 ? '' : 's'} per group`;
  return unit.column === null ? `adding or removing ${who} (${groups}, ${rows})` : `adding or removing ${who}; ${groups}, ${rows})`;
}

/**
 * Whether two units protect the same thing: the same unit column (or both row-level). The contribution bounds are
 * how a release enforces the unit (truncation), not part of what its guarantee is stated for: a loss stated for
 * "one person_id, at most 3 groups" and one for "one person_id, at most 1 group" are both per-person losses and
 * compose; a per-row loss and a per-person loss do not (one person with k rows costs up to k times the per-row loss).
 * @param a - a unit.
 * @param b - another unit.
 * @returns true when losses stated for `a` and for `b` may be added in one budget.
 * @example
 * samePrivacyUnit(privacyUnit('pid'), privacyUnit('pid', { maxPartitions: 3 })); // true
 * samePrivacyUnit(privacyUnit('pid'), privacyUnit(null)); // false
 */
export function samePrivacyUnit(a: PrivacyUnit, b: PrivacyUnit): boolean {
  edgeRecord(a, 'a');
  edgeRecord(b, 'b');
  return a.column === b.column;
}

/** A privacy unit as stored (JSON): the same three fields. */
export interface PrivacyUnitJson {
  readonly column: string | null;
  readonly maxPartitions: number;
  readonly maxContributionsPerPartition: number;
}

/**
 * Reads a stored or caller-given privacy unit, validating it as `privacyUnit` does (fail-closed: anything that is not
 * a unit throws).
 * @param x - `{ column, maxPartitions, maxContributionsPerPartition }`.
 * @param name - the parameter name for errors.
 * @returns the frozen unit.
 * @throws DpError INVALID_PARAMETER when `x` is not a privacy unit.
 * @example
 * readPrivacyUnit({ column: 'pid', maxPartitions: 1, maxContributionsPerPartition: 1 }).column; // 'pid'
 */
export function readPrivacyUnit(x: unknown, name = 'unit'): PrivacyUnit {
  if (typeof x !== 'object' || x === null || !('column' in x)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a privacy unit { column, maxPartitions, maxContributionsPerPartition }`, {
      parameter: name,
    });
  }
  const o = x as Record<string, unknown>;
  if (o.column !== null && typeof o.column !== 'string') {
    throw new DpError('INVALID_PARAMETER', `${name}.column must be a column name or null`, { parameter: name });
  }
  const bounds: PrivacyUnitBounds = {
    maxPartitions: o.maxPartitions as number,
    maxContributionsPerPartition: o.maxContributionsPerPartition as number,
  };
  return privacyUnit(o.column as string | null, bounds);
}
