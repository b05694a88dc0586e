/**
 * Issue 10 class 12 ("every public entry validates once at the edge and refuses with a typed
 * DpError INVALID_PARAMETER, never a RangeError/TypeError") for `tsdp/learn`. The rule that closes
 * the class is written in src/learn/_internal/validate.ts: an exported function that dereferences
 * an argument checks its kind first. The generative test calls every function export of
 * src/learn/index.ts with 0–3 hostile arguments; only a DpError may escape (a class constructor
 * called without `new` throws TypeError by the language and is excluded).
 * Huge-but-safe integer sizes (e.g. dense(1e6, 1e6)) are the size-limits class: test/learn/size-limits.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/index.js';
import * as learn from '../../src/learn/index.js';

const pool: unknown[] = [
  undefined,
  null,
  1n,
  -1n,
  '1',
  '',
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MAX_VALUE,
  1e300,
  2 ** 53,
  -1,
  0,
  0.5,
  1,
  true,
  {},
  [],
  [Number.NaN],
  ['1'],
  { epsilon: 1, domainSize: 1e300 },
  { learningRate: '1' },
  { model: {}, data: {} },
  Symbol('s'),
  () => 1,
  new Float64Array(2),
  new Float32Array(3),
  new Int32Array(2),
];

const functions = Object.entries(learn).filter((e): e is [string, (...a: unknown[]) => unknown] => typeof e[1] === 'function');

/** An async export's rejection is awaited and judged like a throw (an unawaited rejection fails the run). */
async function escaped(f: (...a: unknown[]) => unknown, args: unknown[]): Promise<unknown> {
  try {
    const r = f(...args);
    if (r instanceof Promise) await r;
  } catch (e) {
    if (e instanceof DpError) return undefined;
    if (e instanceof TypeError && /without 'new'/.test(e.message)) return undefined;
    return e;
  }
  return undefined;
}

describe('tsdp/learn: hostile parameters are refused with DpError', () => {
  it('regression: makePrivate, makePrivateWithEpsilon, sgd and adam refuse a missing options object, naming it', () => {
    for (const f of [learn.makePrivate, learn.makePrivateWithEpsilon, learn.sgd, learn.adam] as ((o: unknown) => unknown)[]) {
      for (const bad of [undefined, null, 1n, '1']) {
        const err = (() => {
          try {
            f(bad);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(err).toBeInstanceOf(DpError);
        expect((err as DpError).code).toBe('INVALID_PARAMETER');
        expect((err as DpError).details).toMatchObject({ parameter: 'options' });
      }
    }
  });

  it('regression: kernels, roundToGrid, uniformUnit and checkpointOf name the bad argument', () => {
    const param = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof DpError && e.code === 'INVALID_PARAMETER' ? (e.details as { parameter?: string }).parameter : 'not a DpError';
      }
      return 'no throw';
    };
    expect(param(() => learn.axpy(1, undefined as never, new Float64Array(1)))).toBe('x');
    expect(param(() => learn.reluForward(new Float64Array(1), null as never))).toBe('out');
    expect(param(() => learn.roundToGrid(undefined as never, 1n as never))).toBe('x');
    expect(param(() => learn.uniformUnit({} as never))).toBe('rng');
    expect(param(() => learn.checkpointOf({} as never))).toBe('trainer');
    expect(param(() => learn.perLayerSquaredNorms({} as never, 1))).toBe('model');
    expect(param(() => learn.isTrainable(undefined as never))).toBe('layer');
  });

  it('valid input is unchanged: roundToGrid, uniformUnit, isTrainable', () => {
    expect(learn.roundToGrid(0.3, 2 ** -2)).toBe(0.25);
    const u = learn.uniformUnit({ nextUint32: () => 0 } as never);
    expect(u).toBe(0);
    expect(learn.isTrainable(learn.relu(2))).toBe(false);
    expect(learn.isTrainable(learn.dense(2, 1))).toBe(true);
  });

  it('generative: every function export, called with 0–3 hostile arguments, lets only DpError escape', async () => {
    expect(functions.length).toBeGreaterThan(40);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...functions), fc.array(fc.constantFrom(...pool), { maxLength: 3 }), async ([name, f], args) => {
        const e = await escaped(f, args);
        if (e !== undefined)
          throw new Error(`learn.${name} let ${(e as Error)?.constructor?.name} escape: ${String((e as Error)?.message)}`);
      }),
      { seed: 12, numRuns: 3000 },
    );
  });
});
