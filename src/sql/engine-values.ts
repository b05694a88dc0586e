/**
 * Reading the exact values the engine returns: group keys as comparable
 * strings, exact integer aggregates as `bigint`, released keys as public
 * values. Every reader is total: an engine value that is not what the compiled
 * statement's static type says (an aggregate that is not an exact integer, a
 * key of another type, a bin outside its histogram) means the compiler is
 * wrong — an INTERNAL error, never silently 0 or dropped, and never quoted in
 * the message (it could depend on the data).
 * @module
 */
import { DpError } from '../core/errors.js';
import type { LinearUnits } from './compile.js';
import type { SqlType } from './compile-expr.js';
import type { DpSqlValue } from './dp-sql-types.js';
import type { EngineRow, EngineValue } from './engine.js';

/** The key of a group's values: equal for equal keys, whatever their engine types. */
export function keyString(values: readonly EngineValue[]): string {
  return JSON.stringify(values.map((v) => (v === null ? null : String(v))));
}

/**
 * An exact integer aggregate from the engine. NULL (or a group the engine did not return) is the exact
 * value of an empty count or sum: 0.
 * @param v - the engine value.
 * @returns the integer.
 * @throws DpError INTERNAL when the value is not an integer (the message holds no value: it may depend on the data).
 */
export function toBig(v: EngineValue | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+\.0*$/.test(v)) return BigInt(v.split('.')[0] as string);
  throw new DpError('INTERNAL', 'the engine returned an aggregate that is not an exact integer (the value is withheld)', {});
}

/**
 * A sum's exact grid units: its column, or (`LinearUnits`) S·inverse − N·offset in BigInt, 0 when S is NULL (the
 * value SQL's NULL arithmetic gave when the map ran in the statement).
 * @param row - the engine row.
 * @param inputs - the output's `units` column and, for a row-level linear sum, its `LinearUnits`.
 * @returns the exact units.
 * @throws DpError INTERNAL when a column is not an exact integer (as `toBig`).
 */
export function exactUnits(row: EngineRow, inputs: { readonly units: string; readonly linear?: LinearUnits }): bigint {
  const s = row[inputs.units];
  const linear = inputs.linear;
  if (linear === undefined || s === null || s === undefined) return toBig(s);
  const scaled = toBig(s) * BigInt(linear.inverse);
  return linear.count === undefined ? scaled : scaled - toBig(row[linear.count]) * BigInt(linear.offset);
}

function notOfItsType(what: string): never {
  throw new DpError('INTERNAL', `the engine returned ${what} that does not have its compiled type (the value is withheld)`, {});
}

/** An integer from a bigint or decimal digits: a number when safe, else its decimal text. */
function releasedInteger(b: bigint): number | string {
  return Number.isSafeInteger(Number(b)) && BigInt(Number(b)) === b ? Number(b) : b.toString();
}

/**
 * A group key as released, read by its static type (`CompiledDpQuery.keyTypes`): integers as numbers when
 * safe (else decimal text; PostgreSQL returns BIGINT as digits), doubles as numbers, dates as ISO text
 * (`keyOutput` converts them in SQL), text and booleans as they are, NULL as null.
 * @param v - the engine value of the key column.
 * @param type - the key's static type.
 * @returns the public key value.
 * @throws DpError INTERNAL when the value does not have that type (a compiler error; no value in the message).
 */
export function publicKey(v: EngineValue, type: SqlType): DpSqlValue {
  if (v === null) return null;
  switch (type) {
    case 'integer':
      if (typeof v === 'bigint') return releasedInteger(v);
      if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d{1,80}$/.test(v)) return releasedInteger(BigInt(v));
      return notOfItsType('an integer key');
    case 'double':
      // Review S41d: −0 and +0 are one group (they are '='), and PostgreSQL returns the first row's zero as its key —
      // a released key must be a function of its group, so −0 is released as +0 (−0 + 0 = +0 in IEEE arithmetic).
      return typeof v === 'number' ? v + 0 : notOfItsType('a double key');
    case 'text':
      return typeof v === 'string' ? v : notOfItsType('a text key');
    case 'boolean':
      return typeof v === 'boolean' ? v : notOfItsType('a boolean key');
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : notOfItsType('a date key');
    case 'null':
      return notOfItsType('a NULL key');
    default: {
      const never: never = type;
      return notOfItsType(`a key of type ${String(never)}`);
    }
  }
}

/**
 * A histogram bin index from the engine: an integer in [0, bins).
 * @param v - the engine value.
 * @param bins - the number of bins.
 * @returns the index.
 * @throws DpError INTERNAL otherwise (the compiled bin is clamped to [0, bins − 1] and NULL rows are dropped in SQL).
 */
export function toBin(v: EngineValue | undefined, bins: number): number {
  const b = typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) ? Number(v) : Number.NaN;
  if (!Number.isInteger(b) || b < 0 || b >= bins) return notOfItsType('a histogram bin');
  return b;
}
