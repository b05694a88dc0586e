/**
 * Review findings (issue 10 class 12, hostile parameters: "a hand-made deterministic source passes
 * as secure"). Last session's finding 6 was closed with `isSecureSource(rng)` =
 * `rng instanceof CryptoRandomSource && rng.isSeeded === false` (src/random/source.ts:77). Two
 * members of the class remain:
 *
 * 1. `instanceof` accepts any object whose prototype chain reaches `CryptoRandomSource.prototype`:
 *    a subclass that overrides `nextUint32`/`fill` with constants, or a plain object given that
 *    prototype with `Object.setPrototypeOf`/`Object.create`, passes as the platform CSPRNG, and
 *    every release path (core/measurement.ts, stats, sql, synth, learn) drops `notForRelease`.
 * 2. The local-DP browser client (src/local/client.ts:52) does not call `isSecureSource` at all:
 *    it reads `rng.isSeeded`, so a constant `{ isSeeded: false, … }` source makes reports that
 *    carry no `notForRelease`.
 *
 * Rule that closes the class: "secure" is proven by the library, never stated by the caller — only
 * an instance the library itself constructed counts (a module-private WeakSet filled in the
 * constructor, or a `#brand`, AND the class and its instances frozen / `nextUint32`/`fill` checked
 * to be the prototype's own, so a subclass cannot override them; simplest: the exact prototype,
 * `Object.getPrototypeOf(rng) === CryptoRandomSource.prototype`, plus a private brand and frozen
 * prototype); every reader goes through `isSecureSource`.
 * Owners: ledger (src/random/source.ts), stats (src/local/client.ts).
 */
import { describe, expect, it } from 'vitest';
import { createGrrClient } from '../../src/local/client.js';
import { makeLaplace } from '../../src/mechanisms/laplace.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { CryptoRandomSource, isSecureSource, type RandomSource } from '../../src/random/source.js';

class ConstantSource extends CryptoRandomSource {
  override nextUint32(): number {
    return 0x12345678;
  }
  override fill(out: Uint32Array): void {
    out.fill(0x12345678);
  }
}

const constantPlain: RandomSource = { isSeeded: false, nextUint32: () => 0x12345678, fill: (out) => out.fill(0x12345678) };

describe('review: deterministic sources that pass as the CSPRNG', () => {
  it('control: the platform CSPRNG is secure, the seeded source and a plain constant object are not', () => {
    expect(isSecureSource(new CryptoRandomSource())).toBe(true);
    expect(isSecureSource(new SeededRandomSource(1))).toBe(false);
    expect(isSecureSource(constantPlain)).toBe(false);
  });

  it('regression (was a bug): a subclass of CryptoRandomSource whose words are constant passes isSecureSource', () => {
    expect(isSecureSource(new ConstantSource())).toBe(false);
  });

  it('regression (was a bug): a plain constant object given the CryptoRandomSource prototype passes isSecureSource', () => {
    const forged = Object.setPrototypeOf(
      { nextUint32: () => 0, fill: (out: Uint32Array) => out.fill(0) },
      CryptoRandomSource.prototype,
    ) as RandomSource;
    expect(isSecureSource(forged)).toBe(false);
  });

  it('regression (was a bug): a Laplace release drawn from the constant subclass is not marked notForRelease', () => {
    const m = makeLaplace({ scale: 1 });
    const a = m.release(10, { rng: new ConstantSource() });
    const b = m.release(10, { rng: new ConstantSource() });
    expect(a.value).toBe(b.value); // the noise is a constant: anyone who knows the source subtracts it
    expect(a.notForRelease).toBe(true);
  });

  it('regression (was a bug): the local-DP client trusts a constant source that says isSeeded: false (reads isSeeded, not isSecureSource)', () => {
    const client = createGrrClient({ epsilon: 1, domainSize: 8, rng: constantPlain });
    expect(client.notForRelease).toBe(true);
  });

  it('control: the local-DP client marks the seeded source', () => {
    expect(createGrrClient({ epsilon: 1, domainSize: 8, rng: new SeededRandomSource(1) }).notForRelease).toBe(true);
  });
});
