/**
 * Reading an integer argument of a distribution function (a point x of a pmf or cdf).
 * @module
 */
import { DpError } from '../../core/errors.js';
import { describeParameter } from '../../numeric/errors.js';

/**
 * An integer given as a number (any finite integer-valued double) or a bigint, as a double
 * (a bigint beyond 2⁵³ is rounded to the nearest double, which moves a pmf or cdf by less than
 * the double precision of its own argument).
 * @throws DpError INVALID_PARAMETER on anything else.
 */
export function integerArgument(x: unknown, parameter: string): number {
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'number' && Number.isInteger(x)) return x === 0 ? 0 : x;
  throw new DpError('INVALID_PARAMETER', `${parameter} must be an integer (a number or a bigint), got ${describeParameter(x)}`, {
    parameter,
    expected: 'an integer',
  });
}
