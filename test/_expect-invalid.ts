/**
 * One assertion for the edge-validation tests: `f` refuses with a typed DpError INVALID_PARAMETER
 * and, when `parameter` is given, names that parameter in its details.
 */
import { expect } from 'vitest';
import { isDpError } from '../src/core/errors.js';

/** Asserts that `f` throws DpError INVALID_PARAMETER (naming `parameter` when given). */
export function expectInvalidParameter(f: () => unknown, parameter?: string): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(isDpError(caught, 'INVALID_PARAMETER')).toBe(true);
  if (parameter !== undefined) expect((caught as { details: { parameter?: string } }).details.parameter).toBe(parameter);
}
