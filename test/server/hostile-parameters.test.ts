/**
 * Review S22 (class 12, hostile parameters): every function and constructor `tsdp/server` exports refuses a hostile
 * argument with a DpError — never a TypeError or a getter's own error. The rule sits at the top of each entry (an edge
 * line: `checkServerConfig`, `checkDatasetConfig`, `edgeString`, `edgeArray`; `toErrorReply` is total). No string is
 * tried: a string is a path, and an operator's path may be created (a state folder).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import * as server from '../../src/server/index.js';

const throwing = new Proxy(
  {},
  {
    get() {
      throw new Error('getter');
    },
  },
);

/** What escapes from `f`: undefined when it returns or throws a DpError (awaiting a promise, closing what it opened). */
async function escapes(f: () => unknown): Promise<string | undefined> {
  try {
    const r = f();
    if (r && typeof (r as { then?: unknown }).then === 'function') {
      const v = (await r) as { close?: () => unknown } | undefined;
      if (v && typeof v.close === 'function') await v.close();
    }
    return undefined;
  } catch (e) {
    return e instanceof DpError ? undefined : ((e as Error)?.constructor?.name ?? typeof e);
  }
}

const entries = Object.entries(server).filter(([, e]) => typeof e === 'function') as [string, (...a: unknown[]) => unknown][];
const call = (entry: (...a: unknown[]) => unknown, args: unknown[]) =>
  /^class\b/.test(Function.prototype.toString.call(entry))
    ? () => new (entry as unknown as new (...a: unknown[]) => unknown)(...args)
    : () => entry(...args);

describe('tsdp/server entries with hostile arguments (S22)', () => {
  it('the reviewer’s values: undefined, null, 1n, NaN, {}, [], throwing getters — only DpError leaves', async () => {
    const bad: string[] = [];
    for (const [name, entry] of entries) {
      for (const h of [undefined, null, 1n, Number.NaN, {}, [], throwing]) {
        const escaped = await escapes(call(entry, [h]));
        if (escaped)
          bad.push(
            `${name}(${String(typeof h === 'bigint' ? `${h}n` : Array.isArray(h) ? '[]' : h === throwing ? 'proxy' : h)}): ${escaped}`,
          );
      }
    }
    expect(bad).toEqual([]);
  });

  it('random non-string values and shapes, one or two arguments — only DpError leaves (fast-check)', async () => {
    const value = fc.oneof(
      fc.anything({ maxDepth: 2 }).filter((x) => typeof x !== 'string'),
      fc.constant(throwing),
      fc.record({ server: fc.constant(throwing) }),
      fc.record({ name: fc.constant(1), schemaPath: fc.constant(throwing) }),
      fc.array(fc.oneof(fc.constant(null), fc.integer()), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...entries), fc.array(value, { minLength: 1, maxLength: 2 }), async ([, entry], args) => {
        expect(await escapes(call(entry, args))).toBeUndefined();
      }),
      { numRuns: 300, seed: 22 },
    );
  });
});
