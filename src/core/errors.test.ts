import { describe, expect, it } from 'vitest';
import { DP_ERRORS, DpError, isDpError, safely } from './errors.js';

describe('DpError', () => {
  it('carries its code, HTTP status and exit code from the table', () => {
    const e = new DpError('BUDGET_EXHAUSTED', 'no budget left', { remaining: 'ε=0' });
    expect(e.code).toBe('BUDGET_EXHAUSTED');
    expect(e.http).toBe(DP_ERRORS.BUDGET_EXHAUSTED.http);
    expect(e.exitCode).toBe(DP_ERRORS.BUDGET_EXHAUSTED.exit);
    expect(e.message).toContain('BUDGET_EXHAUSTED');
    expect(isDpError(e, 'BUDGET_EXHAUSTED')).toBe(true);
    expect(isDpError(e, 'INVALID_PARAMETER')).toBe(false);
  });

  it('gives every code a distinct non-zero exit and an HTTP error status', () => {
    for (const [, v] of Object.entries(DP_ERRORS)) {
      expect(v.exit).toBeGreaterThan(0);
      expect(v.http).toBeGreaterThanOrEqual(400);
    }
  });

  it('safely turns DpErrors into results and rethrows others', () => {
    const r = safely(() => {
      throw new DpError('INVALID_PARAMETER', 'bad');
    });
    expect(r.ok).toBe(false);
    expect(() =>
      safely(() => {
        throw new TypeError('x');
      }),
    ).toThrow(TypeError);
  });
});
