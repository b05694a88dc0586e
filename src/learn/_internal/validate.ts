/**
 * Edge checks for the public entries of `tsdp/learn` (issue 10 class 12):
 * every public function validates the *kind* of each argument before it
 * reads a property of it, so a hostile value (undefined, null, a bigint, a
 * string, NaN, a plain object) is refused with DpError INVALID_PARAMETER
 * naming the argument, never a TypeError/RangeError from deep inside.
 * Rule: an exported function of src/learn/index.ts that dereferences an
 * argument calls one of these first; test/learn/hostile-parameters.test.ts
 * sweeps every function export with hostile values.
 * @module
 */
import { DpError } from '../../core/index.js';
import { describeValue } from './describe.js';

/** @internal Throws INVALID_PARAMETER unless `x` is a non-null object (an options bag, a layer, a trainer). */
export function checkObject(x: unknown, name: string): asserts x is object {
  if (typeof x !== 'object' || x === null) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an object, got ${describeValue(x)}`, { parameter: name });
  }
}

/** @internal Throws INVALID_PARAMETER unless `x` is a Float32Array or a Float64Array. */
export function checkFloatArray(x: unknown, name: string): asserts x is Float32Array | Float64Array {
  if (!(x instanceof Float64Array || x instanceof Float32Array)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be a Float32Array or Float64Array, got ${describeValue(x)}`, {
      parameter: name,
    });
  }
}

/** @internal Throws INVALID_PARAMETER unless `x` is a number (any double, NaN and ±∞ included). */
export function checkNumber(x: unknown, name: string): asserts x is number {
  if (typeof x !== 'number') {
    throw new DpError('INVALID_PARAMETER', `${name} must be a number, got ${describeValue(x)}`, { parameter: name });
  }
}

/** @internal Throws INVALID_PARAMETER unless `x` is an integer in [0, max]. */
export function checkCount(x: unknown, name: string, max: number = Number.MAX_SAFE_INTEGER): asserts x is number {
  if (!(typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= max)) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an integer in [0, ${max}], got ${describeValue(x)}`, { parameter: name });
  }
}

/** @internal Throws INVALID_PARAMETER unless `x` is undefined or a string (a layer's parameter-name prefix). */
export function checkName(x: unknown): void {
  if (x !== undefined && typeof x !== 'string') {
    throw new DpError('INVALID_PARAMETER', `name must be a string, got ${describeValue(x)}`, { parameter: 'name' });
  }
}

/** @internal Throws INVALID_PARAMETER unless `x` has a `nextUint32` method (a RandomSource). */
export function checkRandomSource(x: unknown, name: string): void {
  if (typeof x !== 'object' || x === null || typeof (x as { nextUint32?: unknown }).nextUint32 !== 'function') {
    throw new DpError('INVALID_PARAMETER', `${name} must be a RandomSource (an object with nextUint32()), got ${describeValue(x)}`, {
      parameter: name,
    });
  }
}
