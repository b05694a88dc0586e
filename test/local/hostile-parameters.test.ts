/**
 * Issue 10 class 12 ("hostile parameters"), for `tsdp/local` and `tsdp/local/client`: every function
 * export validates its arguments at the edge and refuses with a typed DpError INVALID_PARAMETER —
 * never a TypeError/RangeError from deep inside. The rule that closes the class: each public entry
 * checks that an options/config/params argument is present and an object (`checkObject`), that a
 * random source has `nextUint32` (`checkRng`), and numbers with `checkIntegerParameter` /
 * `checkLocalEpsilon` (finite, integral, in a documented range such as MAX_GRR_DOMAIN); internal hot
 * loops call the `*Unchecked` twins. This test sweeps every function export (the review's fixed
 * hostile list, then fast-check over random hostile argument lists, seeded). Class constructors called
 * without `new` throw TypeError by the language and are excluded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import * as client from '../../src/local/client.js';
import * as local from '../../src/local/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

const modules: Record<string, Record<string, unknown>> = { local, client };
const functions = Object.entries(modules).flatMap(([m, mod]) =>
  Object.entries(mod)
    .filter((entry): entry is [string, (...args: unknown[]) => unknown] => typeof entry[1] === 'function')
    .map(([name, f]) => ({ name: `${m}.${name}`, f })),
);

const fixed: unknown[] = [undefined, null, 1n, '1', Number.NaN, {}, { epsilon: 1, domainSize: 1e300 }];

/** Calls f; returns a description of a non-DpError escape, or null (a DpError, or no throw). */
async function escapeOf(f: (...args: unknown[]) => unknown, args: unknown[]): Promise<string | null> {
  try {
    const r = f(...args);
    if (r instanceof Promise) await r;
    return null;
  } catch (e) {
    if (e instanceof DpError) return null;
    if (e instanceof TypeError && /without 'new'/.test(e.message)) return null;
    return `${(e as Error)?.name}: ${(e as Error)?.message}`;
  }
}

const hostileNumber = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0, 0.5, 1.5, 1e300, -0, 2 ** 53),
  fc.double(),
  fc.integer(),
);
const hostileScalar = fc.oneof(
  fc.constantFrom(...fixed, true, [], [1], () => 1),
  hostileNumber,
  fc.string({ maxLength: 4 }),
  fc.bigInt(),
);
const hostileObject = fc.record(
  {
    protocol: fc.constantFrom(...local.LOCAL_PROTOCOL_IDS, 'nope', undefined),
    epsilon: fc.oneof(hostileScalar, fc.constant(1)),
    domainSize: fc.oneof(hostileScalar, fc.constant(4)),
    hashRange: hostileScalar,
    width: hostileScalar,
    hashCount: hostileScalar,
    bloomBits: hostileScalar,
    cohorts: hostileScalar,
    epsilonInfinity: hostileScalar,
    rng: hostileScalar,
    memo: hostileScalar,
  },
  { requiredKeys: [] },
);
const hostile = fc.oneof(hostileScalar, hostileObject);

describe('tsdp/local and tsdp/local/client: hostile parameters refuse with DpError only', () => {
  it('has function exports to sweep (the sweep cannot be vacuous)', () => {
    expect(functions.length).toBeGreaterThan(30);
    expect(functions.map((x) => x.name)).toContain('client.createGrrClient');
  });

  it('the review list (two hostile arguments) lets no TypeError/RangeError escape any export', async () => {
    const out = new Set<string>();
    for (const { name, f } of functions)
      for (const a of fixed) for (const b of [undefined, ...fixed]) if ((await escapeOf(f, [a, b])) !== null) out.add(name);
    expect([...out].sort()).toEqual([]);
  });

  it.each(functions)('$name: random hostile argument lists (fast-check, seeded) raise only DpError', async ({ f }) => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { maxLength: 4 }), fc.boolean(), async (args, withRng) => {
        // Also with a real random source third, so forged parameters reach past the rng check.
        const call = withRng ? [args[0], args[1], new SeededRandomSource(1)] : args;
        expect(await escapeOf(f, call)).toBeNull();
      }),
      { seed: 20261205, numRuns: 150 },
    );
  });
});
