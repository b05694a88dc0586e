/**
 * Strict number parsing for CLI options: a plain decimal or exponent form,
 * finite, or a DpError naming the option. `Number('')` is 0 and
 * `Number('0x10')` is 16; neither is a number a user meant here.
 * @module
 */
import { DpError } from '../core/errors.js';

/**
 * Parses `--parameter`'s text as a finite number.
 * @throws DpError INVALID_PARAMETER naming the option.
 */
export function parseNumberOption(text: string | undefined, parameter: string): number {
  const trimmed = text?.trim() ?? '';
  const x = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(x)) {
    throw new DpError('INVALID_PARAMETER', `--${parameter} must be a finite number, got ${JSON.stringify(text ?? '')}`, { parameter });
  }
  return x;
}
