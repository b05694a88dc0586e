/**
 * Option validation shared by the mechanism constructors. Every check throws
 * `DpError('INVALID_PARAMETER')` naming the option; messages echo only the
 * (public) option value.
 *
 * These are the mechanisms' edge validators: the branded forms (`scaleParameter`,
 * `epsilonParameter`, `sensitivityParameter`, `distanceParameter`) check the
 * brand's invariant (and more: no subnormal ε or scale) and are, with
 * `core/params.ts`, the only places a brand is made; the privacy maps and
 * calibration behind them take the brands (`laplaceEpsilon`).
 * @module
 */
import { DpError } from '../../core/errors.js';
import type { Epsilon, Scale, Sensitivity } from '../../core/params.js';
import { Rational } from '../../numeric/rational.js';

function describe(x: unknown): string {
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x !== 'number') return x instanceof Rational ? x.toString() : typeof x;
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return Object.is(x, -0) ? '-0' : String(x);
}

/** The smallest normal double, 2⁻¹⁰²². */
const MIN_NORMAL = 2 ** -1022;

/**
 * A finite number > 0 that is not subnormal: below 2⁻¹⁰²² a scale, ε or σ breaks the math
 * (1/x overflows to ∞, x² underflows to 0), so such values are refused at the edge (issue 10, item 12).
 */
export function positiveNumber(x: unknown, parameter: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x >= MIN_NORMAL) || !Number.isFinite(1 / x)) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be a finite number >= 2^-1022, got ${describe(x)}`, {
      parameter,
      expected: 'a finite number >= 2^-1022 (not subnormal)',
    });
  }
  return x;
}

/** A finite number ≥ 0 (−0 read as 0). */
export function nonNegativeNumber(x: unknown, parameter: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be a finite number >= 0, got ${describe(x)}`, {
      parameter,
      expected: 'a finite number >= 0',
    });
  }
  return x === 0 ? 0 : x;
}

/** δ in the open interval (0, 1). */
export function openUnitNumber(x: unknown, parameter: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || x >= 1) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be a number in (0, 1), got ${describe(x)}`, {
      parameter,
      expected: 'a number in (0, 1)',
    });
  }
  return x;
}

/** A safe integer ≥ `min`. */
export function integerAtLeast(x: unknown, min: number, parameter: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be an integer >= ${min}, got ${describe(x)}`, {
      parameter,
      expected: `an integer >= ${min}`,
    });
  }
  return x;
}

/** An optional boolean option: `undefined` (or `null`) reads as `fallback`. */
export function optionalBoolean(x: unknown, fallback: boolean, parameter: string): boolean {
  const value = x ?? fallback;
  if (typeof value !== 'boolean') throw new DpError('INVALID_PARAMETER', `${parameter} must be a boolean`, { parameter });
  return value;
}

/** A parameter given as a number, a bigint, a Rational, or a decimal/fraction string. */
export type RationalLike = number | bigint | Rational | string;

/**
 * Reads a positive parameter exactly: a double as its exact dyadic value, a
 * string such as `"1/3"` or `"0.1"` as the exact rational it denotes.
 */
export function positiveRational(x: unknown, parameter: string): Rational {
  let r: Rational | undefined;
  if (x instanceof Rational) r = x;
  else if (typeof x === 'bigint') r = Rational.of(x);
  else if (typeof x === 'number' && Number.isFinite(x)) r = Rational.fromNumber(x);
  else if (typeof x === 'string') {
    try {
      r = Rational.parse(x);
    } catch {
      r = undefined;
    }
  }
  if (r === undefined || r.num <= 0n) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be a finite number > 0, got ${describe(x)}`, {
      parameter,
      expected: 'a finite number > 0 (number, bigint, Rational or "p/q")',
    });
  }
  return r;
}

/** An input value outside the mechanism's declared domain. */
export function outOfDomain(mechanism: string, expected: string): DpError<'INVALID_PARAMETER'> {
  // The value itself is private: only the expectation is named.
  return new DpError('INVALID_PARAMETER', `${mechanism} expects ${expected}`, { parameter: 'input', expected });
}

/** A mechanism input that must be a finite number (the value is never echoed). */
export function finiteInput(value: unknown, mechanism: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw outOfDomain(mechanism, 'a finite number');
  return value;
}

/** A noise scale (b, σ): `positiveNumber`'s invariant (finite, ≥ 2⁻¹⁰²², not subnormal), branded. */
export function scaleParameter(x: unknown, parameter = 'scale'): Scale {
  return positiveNumber(x, parameter) as Scale;
}

/** A target ε: finite, ≥ 2⁻¹⁰²², branded. */
export function epsilonParameter(x: unknown, parameter = 'epsilon'): Epsilon {
  return positiveNumber(x, parameter) as Epsilon;
}

/** A sensitivity that must be > 0 (a calibration target): finite, ≥ 2⁻¹⁰²², branded. */
export function sensitivityParameter(x: unknown, parameter = 'sensitivity'): Sensitivity {
  return positiveNumber(x, parameter) as Sensitivity;
}

/** A declared sensitivity or distance that may be 0: finite, ≥ 0 (−0 read as 0), branded. */
export function distanceParameter(x: unknown, parameter: string): Sensitivity {
  return nonNegativeNumber(x, parameter) as Sensitivity;
}
