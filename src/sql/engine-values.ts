/**
 * Reading the exact values the engine returns: group keys as comparable
 * strings, exact integer aggregates as `bigint`, released keys as public
 * values. An engine value that is not the integer it must be is an internal
 * error — never silently 0, and never quoted in the message.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { DpSqlValue } from './dp-sql-types.js';
import type { EngineValue } from './engine.js';

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

/** A group key as released: safe integers as numbers, larger ones as decimal strings. */
export function publicKey(v: EngineValue): DpSqlValue {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}
