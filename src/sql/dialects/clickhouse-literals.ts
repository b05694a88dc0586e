/**
 * Inlined literals for ClickHouse, which has no bind parameters in 18.16 (the
 * `{name:Type}` query parameters came in 19.x). Every value the compiler puts
 * into ClickHouse SQL goes through this file, and each form is exact and
 * cannot break out of its literal:
 *
 * - **text**: `'…'` where every byte of the UTF-8 encoding outside
 *   `[A-Za-z0-9 _.,:/+-]` is written as `\xHH` (ClickHouse reads `\xHH` in a
 *   string literal as that byte, every release since 1.1). The literal thus holds
 *   no quote, no backslash that is not the start of an `\xHH`, no newline and
 *   no comment marker, whatever the value: a value cannot end the literal.
 * - **integer**: `toInt64(digits)` (a bare literal's type would be the
 *   smallest that fits — UInt8, UInt64 — and UInt64 has no common supertype
 *   with Int64); values beyond ±2⁶² as `toInt64('digits')` (exact).
 * - **double**: integers up to 2⁵³ as `toFloat64(toInt64(digits))`; every other
 *   finite value bit-exactly as `reinterpretAsFloat64(unhex('<8 bytes, little
 *   endian>'))`. ClickHouse's own float parser is not correctly rounded (53 of
 *   308 random doubles came back one ulp off on 18.16, and `1e-320` is a syntax
 *   error), and a clamp bound one ulp wider than declared would widen the
 *   sensitivity.
 * - **boolean**: `toUInt8(1)` / `toUInt8(0)` (18.16 has no boolean type).
 *
 * Only values that are already typed reach here: the plan's literals and
 * public parameters (bounds, grid factors, the salt). No identifier is built
 * from a value (identifiers are quoted with backticks by the dialect).
 * @module
 */
import { DpError } from '../../core/errors.js';

const SAFE_BYTE = /^[A-Za-z0-9 _.,:/+-]$/;

/** A text value as a ClickHouse string literal that cannot end early (see the module header). */
export function textLiteral(value: string): string {
  const bytes = new TextEncoder().encode(value);
  let out = "'";
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    out += b < 0x80 && SAFE_BYTE.test(ch) ? ch : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${out}'`;
}

/** An integer as an Int64 literal. @throws DpError INTERNAL outside the Int64 range (the compiler never asks for one). */
export function intLiteral(value: number | bigint): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new DpError('INTERNAL', 'a non-integer Int64 literal');
  const v = BigInt(value);
  if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new DpError('INTERNAL', 'an Int64 literal out of range');
  const small = v > -(2n ** 62n) && v < 2n ** 62n;
  return small ? `toInt64(${v.toString()})` : `toInt64('${v.toString()}')`;
}

/** A double as an exact Float64 expression. */
export function doubleLiteral(value: number): string {
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return `toFloat64(${intLiteral(value)})`;
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  const hex = [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
  return `reinterpretAsFloat64(unhex('${hex}'))`;
}

/** A boolean as a UInt8 literal. */
export function booleanLiteral(value: boolean): string {
  return value ? 'toUInt8(1)' : 'toUInt8(0)';
}
