/**
 * The missing/malformed-value rule.
 *
 * A value that an aggregate reads is **valid** when it is a finite number
 * (−0 is read as 0), a bigint, or a string that parses as a finite decimal
 * number after trimming. Everything else — `null`, `undefined`, `''`, `NaN`,
 * `±Infinity`, `'abc'`, booleans, objects — is **invalid**, and the declared
 * rule applies:
 *
 * - `'drop'` (default): the row is left out of that aggregate (and of the
 *   count inside a mean or variance). Other aggregates of the same row are
 *   unaffected, and `count()` counts rows whatever their values.
 * - `{ impute: v }`: the value is replaced by the declared finite `v` (then
 *   clamped like any other value).
 *
 * Both are row-by-row maps or filters, so the stability under "add or
 * remove one unit" is unchanged (d_out = d_in): the rule costs nothing and
 * needs no accounting. NaN and ±Infinity therefore never reach a sum.
 * @module
 */
import { DpError } from '../core/errors.js';

/** What to do with a missing or malformed value. */
export type InvalidValueRule = 'drop' | { readonly impute: number };

/** Validates a rule (public parameter). @throws DpError INVALID_PARAMETER */
export function checkInvalidValueRule(rule: InvalidValueRule | undefined): InvalidValueRule {
  if (rule === undefined || rule === 'drop') return 'drop';
  if (typeof rule === 'object' && rule !== null && typeof rule.impute === 'number' && Number.isFinite(rule.impute)) {
    return { impute: rule.impute === 0 ? 0 : rule.impute };
  }
  throw new DpError('INVALID_PARAMETER', "onInvalid must be 'drop' or { impute: <finite number> }", { parameter: 'onInvalid' });
}

/** Reads a value as a finite number, or undefined when it is missing or malformed. */
export function readFiniteNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return undefined;
    const x = Number(s);
    return Number.isFinite(x) ? x + 0 : undefined;
  }
  return undefined;
}

/** Applies the rule: a finite number, or undefined when the row is dropped. */
export function applyValueRule(v: unknown, rule: InvalidValueRule): number | undefined {
  const x = readFiniteNumber(v);
  if (x !== undefined) return x;
  return rule === 'drop' ? undefined : rule.impute;
}
