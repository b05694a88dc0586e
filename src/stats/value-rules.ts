/**
 * The value rules: how a value read from the data becomes a number, a group
 * key or a privacy-unit id — totally, without ever throwing and without ever
 * calling code the data carries.
 *
 * ## Numbers
 * A value that an aggregate reads is **valid** when it is a finite number
 * (−0 is read as 0), a bigint whose value is a finite double, or a string
 * that parses as a finite decimal number after trimming. Everything else —
 * `null`, `undefined`, `''`, `NaN`, `±Infinity`, `'abc'`, booleans, symbols,
 * objects (whatever their `valueOf`, `toString` or `Symbol.toPrimitive`),
 * functions, bigints beyond the double range — is **invalid**, and the
 * declared rule applies:
 *
 * - `'drop'` (default): the row is left out of that aggregate (and of the
 *   count inside a mean or variance). Other aggregates of the same row are
 *   unaffected, and `count()` counts rows whatever their values.
 * - `{ impute: v }`: the value is replaced by the declared finite `v` (then
 *   clamped like any other value).
 *
 * ## Keys (group keys and privacy-unit ids)
 * A key is read as its canonical text: a string as itself, a number or bigint
 * as `String(x)` (−0 as `'0'`), a boolean as `'true'`/`'false'`, `null` and
 * `undefined` as `''`. Any other value (object, array, function, symbol) is
 * **not a key**: the row is dropped from a grouped query (or, as a unit id,
 * from the query) — a row-by-row filter. The data's own `toString` is never
 * called, so no data value can throw or reach a message.
 *
 * All of these are row-by-row maps or filters, so the stability under "add or
 * remove one unit" is unchanged (d_out = d_in): the rules cost nothing and
 * need no accounting. NaN and ±Infinity therefore never reach a sum, and no
 * value can make a release throw after its charge.
 * @module
 */

import { DpError } from '../core/errors.js';
import { isMissingUnitText } from '../core/missing-unit.js';
import { edgeRecord } from '../numeric/edge.js';

/** What to do with a missing or malformed value. */
export type InvalidValueRule = 'drop' | { readonly impute: number };

/**
 * Validates a rule (public parameter).
 * @throws DpError INVALID_PARAMETER
 */
export function checkInvalidValueRule(rule: InvalidValueRule | undefined): InvalidValueRule {
  if (rule === undefined || rule === 'drop') return 'drop';
  if (typeof rule === 'object' && rule !== null) {
    let impute: unknown;
    try {
      impute = rule.impute;
    } catch {
      impute = undefined;
    }
    if (typeof impute === 'number' && Number.isFinite(impute)) return { impute: impute === 0 ? 0 : impute };
  }
  throw new DpError('INVALID_PARAMETER', "onInvalid must be 'drop' or { impute: <finite number> }", { parameter: 'onInvalid' });
}

/** Reads a value as a finite number, or undefined when it is missing or malformed. Never throws. */
export function readFiniteNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : undefined;
  if (typeof v === 'bigint') {
    const x = Number(v);
    return Number.isFinite(x) ? x + 0 : undefined;
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return undefined;
    const x = Number(s);
    return Number.isFinite(x) ? x + 0 : undefined;
  }
  return undefined;
}

/** Applies the rule: a finite number, or undefined when the row is dropped. Never throws. */
export function applyValueRule(v: unknown, rule: InvalidValueRule): number | undefined {
  if (rule !== 'drop') edgeRecord(rule, 'rule');
  const x = readFiniteNumber(v);
  if (x !== undefined) return x;
  return rule === 'drop' ? undefined : rule.impute;
}

/**
 * The canonical text of a group key or unit id, or undefined when the value
 * is not a key (objects, functions, symbols). Never throws, never calls the
 * value's own methods.
 * @example
 * keyText(-0); // '0'
 * keyText({ toString() { throw new Error() } }); // undefined
 */
export function keyText(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return v === 0 ? '0' : String(v);
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return '';
    case 'object':
      return v === null ? '' : undefined;
    default:
      return undefined;
  }
}

/**
 * The text of a privacy-unit id, or undefined when the row has no usable id.
 *
 * Rule (review findings "null unit pooled" and S25b, class 18: a unit id that
 * is not an id): a value that identifies no one — `undefined`, `null`, the
 * empty string (how a CSV source reads a blank field), NaN and ±Infinity — or
 * one that is not a key (object, symbol, function) identifies no unit, so the
 * row is DROPPED — never pooled with every
 * other id-less row into one unit '' (contribution bounding would then keep a
 * random subset of the pool, and one id-less person could swap the kept row:
 * the bounded sum moved by 2 against a sensitivity of 1). Whether a row is
 * dropped depends on that row alone, so the filter is stable. (DP SQL drops
 * the same values in its compiled SQL: compile.proof.md "Rows without a unit".)
 *
 * A unit is its id's canonical text (`keyText`): `1`, `'1'` and `1n` are ONE
 * id, by definition — the guarantee is stated per id, and a source that spells
 * one person's id as a number in one row and as text in another (a CSV column
 * beside a JSON one) keeps that person one unit; typed ids would split them
 * into two units, each with its own bound (twice the person's contribution).
 * Distinct people must have ids with distinct texts (the data owner's
 * declaration, SECURITY.md's trusted schema).
 * Test: test/session/unit-id-missing.test.ts.
 * @param v - the cell of the privacy-unit column.
 * @returns the id as text, or undefined (drop the row).
 */
export function unitText(v: unknown): string | undefined {
  if (v === undefined || v === null || (typeof v === 'string' && isMissingUnitText(v))) return undefined; // S25c
  if (typeof v === 'number' && !Number.isFinite(v)) return undefined;
  return keyText(v);
}

/** A declared (public) group key. */
export type DeclaredKey = string | number | boolean | null;

/**
 * Validates declared group keys (public parameters): each must be a string,
 * a finite number, a boolean or null. Returns a copy.
 * @throws DpError INVALID_PARAMETER (the message never quotes a key).
 */
export function checkDeclaredKeys(keys: unknown): DeclaredKey[] {
  if (!Array.isArray(keys)) throw new DpError('INVALID_PARAMETER', 'keys must be an array', { parameter: 'keys' });
  const out: DeclaredKey[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k: unknown = keys[i];
    const ok = typeof k === 'string' || typeof k === 'boolean' || k === null || (typeof k === 'number' && Number.isFinite(k));
    if (!ok) {
      throw new DpError('INVALID_PARAMETER', `keys[${i}] must be a string, a finite number, a boolean or null`, { parameter: 'keys' });
    }
    out.push(k === 0 ? 0 : (k as DeclaredKey));
  }
  return out;
}

/**
 * Reads property `name` of a record as an own data value; anything that
 * throws (a getter, a proxy trap) or is not an own property reads as
 * undefined, which the value rules then handle. Never throws.
 */
export function readField(record: unknown, name: string): unknown {
  if (record === null || typeof record !== 'object') return undefined;
  try {
    return Object.hasOwn(record, name) ? (record as Record<string, unknown>)[name] : undefined;
  } catch {
    return undefined;
  }
}

/** Reads `column[i]`; a throwing element (proxy, getter) reads as undefined. Never throws. */
export function readCell(column: ArrayLike<unknown>, i: number): unknown {
  try {
    return column[i];
  } catch {
    return undefined;
  }
}
