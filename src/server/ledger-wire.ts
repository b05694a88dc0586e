/**
 * Ledger values across a worker thread's message port: a structured clone
 * keeps bigints and plain objects but not classes, so `Rational`s and
 * `DpError`s are tagged on the way out and rebuilt on the way in (a Rational
 * through `Rational.of`, which checks and reduces it). Only the ledger's own
 * values cross (scopes, losses, statuses, errors); nothing else is revived.
 * @module
 */
import { DpError, type DpErrorCode } from '../core/errors.js';
import { Rational } from '../numeric/rational.js';

type Wire = unknown;

/**
 * A ledger value made cloneable: Rationals → `{ $r: [num, den] }`, DpErrors → `{ $e: [code, message, details] }`.
 * @param x - a value of the ledger's interface.
 * @returns its clone-safe form.
 */
export function toWire(x: unknown): Wire {
  if (x instanceof Rational) return { $r: [x.num, x.den] };
  if (x instanceof DpError) {
    // The constructor prefixes the code: send the message it was given, so the rebuilt one reads the same.
    const prefix = `${x.code}: `;
    const message = x.message.startsWith(prefix) ? x.message.slice(prefix.length) : x.message;
    return { $e: [x.code, message, toWire(x.details ?? {})] };
  }
  if (Array.isArray(x)) return x.map(toWire);
  if (x instanceof Map) return { $m: [...x].map(([k, v]) => [k, toWire(v)]) };
  if (typeof x === 'object' && x !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) o[k] = toWire(v);
    return o;
  }
  return x;
}

/**
 * The ledger value a `toWire` form stands for.
 * @param x - the clone.
 * @returns the value, with Rationals, Maps and DpErrors rebuilt.
 */
export function fromWire(x: Wire): unknown {
  if (Array.isArray(x)) return x.map(fromWire);
  if (typeof x === 'object' && x !== null) {
    const o = x as Record<string, unknown>;
    if ('$r' in o) {
      const [num, den] = o.$r as [bigint, bigint];
      return Rational.of(num, den);
    }
    if ('$e' in o) {
      const [code, message, details] = o.$e as [DpErrorCode, string, unknown];
      return new DpError(code, message, fromWire(details) as never);
    }
    if ('$m' in o) return new Map((o.$m as [unknown, Wire][]).map(([k, v]) => [k, fromWire(v)]));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = fromWire(v);
    return out;
  }
  return x;
}
