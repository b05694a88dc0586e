/**
 * Shape checks shared by the reference kernels and the SIMD dispatch: a
 * silent out-of-range read would produce `undefined` → NaN, so every length
 * must match its shape exactly.
 * @module
 */
import { DpError } from '../../core/index.js';
import { describeValue } from './describe.js';

/** @internal Throws INVALID_PARAMETER unless every dimension is a non-negative safe integer. */
export function checkDims(...dims: number[]): void {
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new DpError('INVALID_PARAMETER', `matrix dimensions must be non-negative integers, got ${describeValue(d)}`, {
        parameter: 'shape',
      });
    }
  }
}

/** @internal Throws INVALID_PARAMETER unless `a` has exactly `expected` values. */
export function checkLength(a: ArrayLike<number>, expected: number, name: string): void {
  if (!(ArrayBuffer.isView(a) || Array.isArray(a))) {
    throw new DpError('INVALID_PARAMETER', `${name} must be an array, got ${describeValue(a)}`, { parameter: name });
  }
  if (a.length !== expected) {
    throw new DpError('INVALID_PARAMETER', `${name} has length ${a.length}, expected ${expected}`, { parameter: name });
  }
}
