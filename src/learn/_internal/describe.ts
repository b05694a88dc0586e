/**
 * Safe text for a parameter in an error message: numbers and bigints as
 * themselves, anything else by its type only (a Symbol in a template literal
 * throws TypeError, and a hostile object's toString may throw or lie).
 * @module
 */

/** @internal The text of a public parameter for a message. */
export function describeValue(x: unknown): string {
  return typeof x === 'number' || typeof x === 'bigint' ? String(x) : `a ${x === null ? 'null' : typeof x}`;
}
