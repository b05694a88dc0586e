/**
 * Review S41d (a released key is a function of its engine group, via IEEE signed zero): −0 and +0 are one group on
 * every engine, and PostgreSQL returns the first row's zero as the key. Rule (engine-values.ts `publicKey`): a double
 * key is released as `k + 0`, so ±0 both release +0 and every other double is released as itself.
 *
 * Generative (fast-check, seed 410): for every double an engine can return, the released key is +0 for ±0 and the
 * value itself otherwise (NaN never reaches a key: NULL and NaN keys are compiled away).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { publicKey } from '../../src/sql/engine-values.js';

describe('float keys: ±0 released as +0 (S41d)', () => {
  it('regression: −0 and +0 release the same key +0', () => {
    expect(Object.is(publicKey(-0, 'double'), 0)).toBe(true);
    expect(Object.is(publicKey(0, 'double'), 0)).toBe(true);
  });

  it('generative (fast-check, seed 410): the released key is a function of the group (±0 one key, other doubles themselves)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (v) => {
        const k = publicKey(v, 'double');
        if (v === 0) expect(Object.is(k, 0)).toBe(true);
        else expect(Object.is(k, v)).toBe(true);
        // Two values of one group (===) release one key.
        expect(Object.is(publicKey(v === 0 ? -v : v, 'double'), k)).toBe(true);
      }),
      { numRuns: 5000, seed: 410 },
    );
  });
});
