/**
 * Shape checks of public parameters at synth's exported entries (issue 10
 * class 12): a hostile value (undefined, null, a bigint, a string, NaN, a
 * plain object, a huge size) is refused with DpError INVALID_PARAMETER naming
 * the parameter, never a TypeError or RangeError from deeper code. The
 * messages never quote the value. Shallow: they check the shape each entry
 * relies on first, not the consistency of a domain with its columns.
 * @module
 */
import { DpError } from '../core/index.js';

const invalid = (parameter: string, what: string) => new DpError('INVALID_PARAMETER', `${parameter} must be ${what}`, { parameter });

/** `x` is an array (each element checked by `each`, when given). */
export function checkArray(x: unknown, parameter: string, each?: (e: unknown) => boolean, what = 'an array'): void {
  if (!Array.isArray(x)) throw invalid(parameter, what);
  if (each !== undefined) for (const e of x) if (!each(e)) throw invalid(parameter, what);
}

/** `x` is a non-null object. */
export function checkObject(x: unknown, parameter: string, what = 'an object'): void {
  if (typeof x !== 'object' || x === null) throw invalid(parameter, what);
}

/** `x` is an integer in [min, max]. */
export function checkInteger(x: unknown, parameter: string, min: number, max: number): void {
  if (!(typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max))
    throw invalid(parameter, `an integer in [${min}, ${max}]`);
}

const isSize = (e: unknown) => typeof e === 'number' && Number.isSafeInteger(e) && e >= 1;

/** Encoded columns: an array of Int32Array. */
export function checkColumns(x: unknown, parameter: string): void {
  checkArray(x, parameter, (e) => e instanceof Int32Array, 'an array of Int32Array columns');
}

/** Domain sizes: an array of integers ≥ 1. */
export function checkSizes(x: unknown, parameter: string): void {
  checkArray(x, parameter, isSize, 'an array of integers ≥ 1');
}

/** A `SynthDomain` (from `buildDomain`): columns, names, sizes, cuts, quantileColumns. */
export function checkDomain(x: unknown, parameter = 'domain'): void {
  const what = 'a SynthDomain (from buildDomain)';
  checkObject(x, parameter, what);
  const d = x as Record<string, unknown>;
  const ok =
    Array.isArray(d.columns) &&
    d.columns.every((c) => typeof c === 'object' && c !== null) &&
    Array.isArray(d.names) &&
    Array.isArray(d.sizes) &&
    d.sizes.every(isSize) &&
    Array.isArray(d.cuts) &&
    Array.isArray(d.quantileColumns) &&
    d.columns.length === d.sizes.length &&
    d.cuts.length === d.sizes.length;
  if (!ok) throw invalid(parameter, what);
}

/** Marginal attributes: an array of integers in [0, d). */
export function checkAttrs(x: unknown, parameter: string, d: number): void {
  checkArray(
    x,
    parameter,
    (e) => typeof e === 'number' && Number.isSafeInteger(e) && e >= 0 && e < d,
    `an array of column indices in [0, ${d})`,
  );
}

/** Noisy marginals: `{ attrs, values, weights }` each (Float64Array values and weights). */
export function checkMeasurements(x: unknown, parameter: string): void {
  checkArray(
    x,
    parameter,
    (m) =>
      typeof m === 'object' &&
      m !== null &&
      Array.isArray((m as { attrs?: unknown }).attrs) &&
      (m as { values?: unknown }).values instanceof Float64Array &&
      (m as { weights?: unknown }).weights instanceof Float64Array,
    'an array of { attrs, values: Float64Array, weights: Float64Array }',
  );
}
