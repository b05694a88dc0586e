/**
 * Issue 10 class 12 on tsdp/synth: every function exported from src/synth/index.ts, called with one or
 * two hostile values (undefined, null, a bigint, a string, NaN, a plain object, a huge size, arrays of
 * the wrong things), throws nothing but DpError (INVALID_PARAMETER naming the parameter), never a
 * plain TypeError or RangeError (e.g. `combinations` overflowing the stack).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import * as synth from '../../src/synth/index.js';

const hostile = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, 1n, '1', Number.NaN, {}, 1e300, -1, 2 ** 53, [], [undefined], [null], [1e300], [{}]),
  fc.constant({ epsilon: 1, domainSize: 1e300 }),
  fc.constant([new Int32Array(3)]),
  fc.constant({ columns: [], sizes: [], names: [], cuts: [], quantileColumns: [] }),
  fc.anything(),
);
const entries = Object.entries(synth).filter(([, f]) => typeof f === 'function') as [string, (...x: unknown[]) => unknown][];

function escapeOf(f: (...x: unknown[]) => unknown, args: unknown[]): string | undefined {
  try {
    const r = f(...args);
    if (r instanceof Promise) r.catch(() => {});
  } catch (e) {
    if (e instanceof DpError) return undefined;
    if (e instanceof TypeError && /without 'new'/.test(e.message)) return undefined;
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  return undefined;
}

describe('tsdp/synth: hostile parameters are refused with DpError only', () => {
  it('every export, one to three hostile arguments', () => {
    fc.assert(
      fc.property(fc.constantFrom(...entries), fc.array(hostile, { minLength: 1, maxLength: 3 }), ([name, f], args) => {
        expect(escapeOf(f, args), name).toBeUndefined();
      }),
      { numRuns: 1500 },
    );
  });
  it('combinations refuses a huge or inconsistent (d, k) with INVALID_PARAMETER', () => {
    for (const [d, k] of [
      [1e300, undefined],
      [1000, 10],
      [3, 0.5],
      [-1, 0],
    ]) {
      try {
        synth.combinations(d as number, k as number);
        throw new Error('expected a refusal');
      } catch (e) {
        expect(e).toBeInstanceOf(DpError);
        expect((e as DpError).code).toBe('INVALID_PARAMETER');
      }
    }
    expect(synth.combinations(4, 2)).toHaveLength(6);
    expect(synth.combinations(3, 4)).toEqual([]);
  });
});
