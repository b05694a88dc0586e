/**
 * Review finding (low; issue 10 class 12, "hostile parameters: every public entry validates once
 * at the edge and refuses with INVALID_PARAMETER, never a RangeError/TypeError"): last session's
 * sweep covered the root `tsdp` exports; the subpath entries were not swept. Called with one or two
 * hostile values (undefined, null, 1n, '1', NaN, {}, a huge domain), 45 exports of `tsdp/learn`,
 * `tsdp/synth`, `tsdp/local` and `tsdp/local/client` throw a plain TypeError or RangeError (e.g.
 * `makePrivate(undefined)`, `sgd(undefined)`, `createGrrClient(undefined)`, `rapporParams(1, null)`,
 * `synth.combinations` overflowing the stack). None of these is after a charge (so no privacy loss),
 * but the class's rule is broken on these entries. (A class constructor called without `new`
 * throws TypeError by the language; those are excluded.)
 *
 * Rule that closes the class: the same generative sweep runs over every entry point in
 * package.json `exports`, in CI. Owners: learn, synth, stats (local).
 */
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import * as learn from '../../src/learn/index.js';
import * as client from '../../src/local/client.js';
import * as local from '../../src/local/index.js';
import * as synth from '../../src/synth/index.js';

const hostile: unknown[] = [undefined, null, 1n, '1', Number.NaN, {}, { epsilon: 1, domainSize: 1e300 }];

/** Whether an error is an allowed refusal: a DpError, or the language's TypeError for a class called without `new`. */
function allowed(e: unknown): boolean {
  return e instanceof DpError || (e instanceof TypeError && /without 'new'/.test(e.message));
}

/** Exports that let anything but a DpError out, synchronously or (for async entries) as a rejection. */
async function escapes(modules: Record<string, Record<string, unknown>>): Promise<string[]> {
  const out = new Set<string>();
  for (const [modName, mod] of Object.entries(modules)) {
    for (const [name, f] of Object.entries(mod)) {
      if (typeof f !== 'function') continue;
      for (const a of hostile)
        for (const b of [undefined, ...hostile]) {
          try {
            const r = (f as (...x: unknown[]) => unknown)(a, b);
            if (r instanceof Promise) await r.catch((e: unknown) => (allowed(e) ? undefined : out.add(`${modName}.${name}`)));
          } catch (e) {
            if (!allowed(e)) out.add(`${modName}.${name}`);
          }
        }
    }
  }
  return [...out].sort();
}

describe('review: hostile parameters on the subpath entries', () => {
  it('regression (review, fixed by learn, synth and stats: validation at each entry): no export of tsdp/learn, tsdp/synth, tsdp/local or tsdp/local/client lets a TypeError/RangeError escape, synchronously or as a rejection', async () => {
    expect(await escapes({ learn, synth, local, client })).toEqual([]);
  });
});
