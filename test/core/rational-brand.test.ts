/**
 * Review S19 (issue 10 class 12, "a hand-made value reaches a charge"): only the library makes a Rational. The rule
 * (src/numeric/rational.ts, class doc): instances carry a private brand and are frozen, `instanceof Rational` is the
 * brand check plus the exact prototype, and the constructor refuses a subclass — so every "≥ 0" edge check of a loss,
 * cap or budget sees only genuine, normalised values (den > 0, lowest terms).
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { checkExactLoss } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';

const ZERO = Rational.ZERO;
const code = (f: () => unknown): string => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return e instanceof DpError ? e.code : `escaped ${(e as Error)?.constructor?.name}`;
  }
};

/** Ways to forge something that looks like the Rational num/den (none made by the library). */
function forge(kind: number, num: bigint, den: bigint): unknown {
  switch (kind) {
    case 0:
      return Object.create(Rational.prototype, { num: { value: num, enumerable: true }, den: { value: den, enumerable: true } });
    case 1: {
      let reads = 0;
      return Object.create(Rational.prototype, { num: { get: () => (reads++ === 0 ? 1n : num) }, den: { value: den } });
    }
    case 2: {
      class Evil extends (Rational as unknown as new (n: bigint, d: bigint) => Rational) {
        override isNegative(): boolean {
          return false;
        }
      }
      return new Evil(num, den);
    }
    case 3:
      return new Proxy(Rational.of(1n), { get: (t, k) => (k === 'num' ? num : k === 'den' ? den : Reflect.get(t, k)) });
    default:
      return { num, den, isNegative: () => false, __proto__: Rational.prototype };
  }
}

describe('review S19: a Rational is made only by the library', () => {
  it('regression: num 1n / den −1n forged with Object.create is refused by checkExactLoss and by FileLedger.charge', async () => {
    const forged = forge(0, 1n, -1n);
    expect(forged instanceof Rational).toBe(false);
    expect(code(() => checkExactLoss({ epsilon: forged, delta: ZERO, rho: ZERO }))).toBe('INVALID_PARAMETER');
    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-s19-')) });
    const scope = { dataset: 'd', cap: { epsilon: Rational.of(3n), delta: ZERO } };
    await ledger.charge(scope, { epsilon: Rational.ONE, delta: ZERO, rho: ZERO }, 'q1');
    await expect(ledger.charge(scope, { epsilon: forged as Rational, delta: ZERO, rho: ZERO }, 'x')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
    });
    const after = await ledger.charge(scope, { epsilon: Rational.ONE, delta: ZERO, rho: ZERO }, 'q2');
    expect(after.dataset.spent.epsilon.toString()).toBe('2');
    await ledger.close();
  });

  it('regression: a genuine Rational is frozen (its den cannot be rewritten, its prototype cannot be changed)', () => {
    const r = Rational.of(1n);
    expect(() => {
      (r as unknown as { den: bigint }).den = -1n;
    }).toThrow(TypeError);
    expect(() => Object.setPrototypeOf(r, {})).toThrow(TypeError);
    expect(r.den).toBe(1n);
    expect(r instanceof Rational).toBe(true);
  });

  it('generative: no forgery (Object.create, a changing getter, a subclass, a Proxy, __proto__) ever passes as a Rational (fast-check, seed 19)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 4 }), fc.bigInt({ min: -10n, max: 10n }), fc.bigInt({ min: -10n, max: 10n }), (kind, num, den) => {
        let forged: unknown;
        try {
          forged = forge(kind, num, den);
        } catch (e) {
          // the subclass is refused at its super() call with a typed error
          expect(e).toBeInstanceOf(DpError);
          return;
        }
        expect(forged instanceof Rational).toBe(false);
        expect(code(() => checkExactLoss({ epsilon: forged, delta: ZERO, rho: ZERO }))).toBe('INVALID_PARAMETER');
      }),
      { seed: 19, numRuns: 300 },
    );
  });

  it('generative: every value the library makes is a Rational with den > 0 in lowest terms (fast-check, seed 20)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -1000n, max: 1000n }),
        fc.bigInt({ min: -1000n, max: 1000n }).filter((d) => d !== 0n),
        (n, d) => {
          for (const r of [Rational.of(n, d), Rational.of(n, d).add(Rational.of(1n, 3n)), Rational.of(n, d).neg()]) {
            expect(r instanceof Rational).toBe(true);
            expect(r.den > 0n).toBe(true);
            expect(Object.isFrozen(r)).toBe(true);
          }
        },
      ),
      { seed: 20, numRuns: 200 },
    );
  });
});
