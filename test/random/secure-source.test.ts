/**
 * "Secure" is proven by the library, never stated by the caller (issue 10 class 12; review 21:23): only an instance
 * `CryptoRandomSource` constructed itself, of exactly that class, with its frozen prototype's methods, is secure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeLaplace } from '../../src/mechanisms/laplace.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { CryptoRandomSource, defaultRandomSource, isSecureSource, type RandomSource } from '../../src/random/source.js';

class ConstantSource extends CryptoRandomSource {
  override nextUint32(): number {
    return 7;
  }
  override fill(out: Uint32Array): void {
    out.fill(7);
  }
}

describe('isSecureSource: only the library-made CSPRNG', () => {
  it('regressions: a subclass, a prototype forgery and an own-method override are not secure; releases from them are marked', () => {
    expect(isSecureSource(defaultRandomSource())).toBe(true);
    expect(isSecureSource(new CryptoRandomSource())).toBe(true);
    expect(isSecureSource(new ConstantSource())).toBe(false);
    const forged = Object.setPrototypeOf({ nextUint32: () => 0, fill: (o: Uint32Array) => o.fill(0) }, CryptoRandomSource.prototype);
    expect(isSecureSource(forged as RandomSource)).toBe(false);
    expect(isSecureSource(Object.create(CryptoRandomSource.prototype) as RandomSource)).toBe(false);
    const patched = new CryptoRandomSource();
    Object.defineProperty(patched, 'nextUint32', { value: () => 0 });
    expect(isSecureSource(patched)).toBe(false);
    const reparented = new CryptoRandomSource();
    Object.setPrototypeOf(reparented, ConstantSource.prototype);
    expect(isSecureSource(reparented)).toBe(false);
    expect(() => {
      (CryptoRandomSource.prototype as { nextUint32: () => number }).nextUint32 = () => 0;
    }).toThrow(TypeError);
    expect(isSecureSource(new SeededRandomSource(1))).toBe(false);
    const m = makeLaplace({ scale: 1 });
    expect(m.release(10, { rng: new ConstantSource() }).notForRelease).toBe(true);
    expect(m.release(10, { rng: new CryptoRandomSource() }).notForRelease).not.toBe(true);
  });

  it('no forgery built from the public API passes (property)', () => {
    const forgeries: (() => unknown)[] = [
      () => new ConstantSource(),
      () => Object.create(CryptoRandomSource.prototype),
      () => Object.setPrototypeOf({ isSeeded: false, nextUint32: () => 1, fill: () => {} }, CryptoRandomSource.prototype),
      () => ({ isSeeded: false, nextUint32: () => 1, fill: () => {} }),
      () => Object.assign(Object.create(CryptoRandomSource.prototype), new CryptoRandomSource()),
      () => {
        const s = new CryptoRandomSource();
        Object.defineProperty(s, 'fill', { value: () => {} });
        return s;
      },
      () => {
        const s = new CryptoRandomSource();
        Object.defineProperty(s, 'isSeeded', { value: false });
        return s;
      },
      () => new SeededRandomSource(3),
      () => null,
      () => 1n,
      () => new Proxy(new CryptoRandomSource(), {}),
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: forgeries.length - 1 }), (i) => {
        expect(isSecureSource((forgeries[i] as () => RandomSource)())).toBe(false);
      }),
      { seed: 20261205, numRuns: 60 },
    );
  });
});
