/**
 * Reading CLI options strictly: a missing required option, or a number that
 * is not a plain decimal or exponent form (`Number('')` is 0 and
 * `Number('0x10')` is 16; neither is a number a user meant here), is a
 * DpError naming the option.
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

/**
 * Returns `--parameter`'s text, which must be given.
 * @throws DpError INVALID_PARAMETER naming the option.
 */
export function requiredOption(text: string | undefined, parameter: string): string {
  if (text === undefined) throw new DpError('INVALID_PARAMETER', `--${parameter} is required`, { parameter });
  return text;
}
