/**
 * Argument checks of the accounting formulas for engineers (zCDP conversion, GDP, KOV grid): each
 * throws `DpError('INVALID_PARAMETER')` naming the argument and echoing only its (public) value.
 * @module
 */
import { DpError } from '../../core/errors.js';
import { describeParameter } from '../../numeric/errors.js';

function refuse(parameter: string, expected: string, x: unknown): never {
  throw new DpError('INVALID_PARAMETER', `${parameter} must be ${expected}, got ${describeParameter(x)}`, { parameter, expected });
}

/** A finite number > 0. */
export function positiveFinite(x: unknown, parameter: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x > 0)) refuse(parameter, 'a finite number > 0', x);
  return x;
}

/** A finite number ≥ 0 (−0 read as 0). */
export function nonNegativeFiniteNumber(x: unknown, parameter: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x >= 0)) refuse(parameter, 'a finite number >= 0', x);
  return x === 0 ? 0 : x;
}

/** A number in the open interval (0, 1). */
export function openUnit(x: unknown, parameter: string): number {
  if (typeof x !== 'number' || !(x > 0 && x < 1)) refuse(parameter, 'a number in (0, 1)', x);
  return x;
}

/** A number in [0, 1] (−0 read as 0). */
export function closedUnit(x: unknown, parameter: string): number {
  if (typeof x !== 'number' || !(x >= 0 && x <= 1)) refuse(parameter, 'a number in [0, 1]', x);
  return x === 0 ? 0 : x;
}

/** A number in (0, 1]. */
export function rate(x: unknown, parameter: string): number {
  if (typeof x !== 'number' || !(x > 0 && x <= 1)) refuse(parameter, 'a number in (0, 1]', x);
  return x;
}

/** A safe integer in [0, max]. */
export function countUpTo(x: unknown, max: number, parameter: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || x > max) refuse(parameter, `an integer in [0, ${max}]`, x);
  return x === 0 ? 0 : x;
}
