/**
 * Argument checks shared by the samplers. Messages name the parameter and
 * what it must be, never the value passed for a private input.
 * @module
 */
import { DpError } from '../../numeric/errors.js';
import { Rational } from '../../numeric/rational.js';

/** Throws INVALID_PARAMETER unless `x` is a finite number > 0. */
export function checkPositiveFinite(x: number, parameter: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x > 0)) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be a finite number > 0`, {
      parameter,
      expected: 'a finite number > 0',
    });
  }
}

/** Throws INVALID_PARAMETER unless `x` is a finite number (a private value: its value is never echoed). */
export function checkFiniteValue(x: number, parameter: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be a finite number`, { parameter, expected: 'a finite number' });
  }
}

/** Throws INVALID_PARAMETER unless `x` is a Rational. */
export function checkRational(x: unknown, parameter: string): asserts x is Rational {
  if (!(x instanceof Rational)) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be a Rational`, { parameter, expected: 'a Rational' });
  }
}

/** Throws INVALID_PARAMETER unless `x` is a Rational > 0. */
export function checkPositiveRational(x: unknown, parameter: string): asserts x is Rational {
  checkRational(x, parameter);
  if (x.num <= 0n) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be > 0`, { parameter, expected: 'a rational > 0' });
  }
}

/** Throws INVALID_PARAMETER unless `x` is a Rational ≥ 0. */
export function checkNonNegativeRational(x: unknown, parameter: string): asserts x is Rational {
  checkRational(x, parameter);
  if (x.num < 0n) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be ≥ 0`, { parameter, expected: 'a rational ≥ 0' });
  }
}
