import { describe, expect, it } from 'vitest';
import { isDpError } from '../numeric/errors.js';
import { chacha20Block, SeededRandomSource } from './seeded-source.js';

describe('chacha20Block', () => {
  it('matches the RFC 8439 §2.3.2 test vector', () => {
    const key = new Uint32Array(8);
    const keyBytes = new Uint8Array(32).map((_, i) => i);
    for (let i = 0; i < 8; i++) key[i] = new DataView(keyBytes.buffer).getUint32(4 * i, true);
    const nonce = Uint32Array.from([0x09000000, 0x4a000000, 0x00000000]);
    const out = new Uint32Array(16);
    chacha20Block(key, 1, nonce, out);
    expect(Array.from(out, (w) => w.toString(16).padStart(8, '0')).join(' ')).toBe(
      'e4e7f110 15593bd1 1fdd0f50 c47120a3 c7f4d1c7 0368c033 9aaa2204 4e6cd4c3 466482d2 09aa9f07 05d7c214 a2028bd9 d19c12b5 b94e16de e883d0cb 4e3c50a2',
    );
  });
});

describe('SeededRandomSource', () => {
  it('is marked as seeded', () => {
    expect(new SeededRandomSource(1).isSeeded).toBe(true);
  });

  it('gives the same stream for the same seed and different streams for different seeds', () => {
    const a = new SeededRandomSource('tsdp');
    const b = new SeededRandomSource('tsdp');
    const c = new SeededRandomSource('tsdq');
    const xa = Array.from({ length: 2000 }, () => a.nextUint32());
    const xb = Array.from({ length: 2000 }, () => b.nextUint32());
    const xc = Array.from({ length: 2000 }, () => c.nextUint32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('distinguishes seed types: 0, 0n agree; "" and empty bytes differ from them', () => {
    const first = (s: SeededRandomSource) => [s.nextUint32(), s.nextUint32()];
    expect(first(new SeededRandomSource(0))).toEqual(first(new SeededRandomSource(0n)));
    expect(first(new SeededRandomSource(0))).not.toEqual(first(new SeededRandomSource('')));
    expect(first(new SeededRandomSource(''))).not.toEqual(first(new SeededRandomSource(new Uint8Array(0))));
    expect(first(new SeededRandomSource(2n ** 300n))).not.toEqual(first(new SeededRandomSource(2n ** 301n)));
  });

  it('fill and nextUint32 read the same stream', () => {
    const a = new SeededRandomSource(7);
    const b = new SeededRandomSource(7);
    const filled = new Uint32Array(5000);
    a.nextUint32();
    a.fill(filled);
    b.nextUint32();
    const one = Uint32Array.from({ length: 5000 }, () => b.nextUint32());
    expect(filled).toEqual(one);
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('refuses negative and non-integer numeric seeds', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -1n]) {
      let caught: unknown;
      try {
        new SeededRandomSource(bad);
      } catch (e) {
        caught = e;
      }
      expect(isDpError(caught, 'INVALID_PARAMETER')).toBe(true);
    }
  });

  it('produces balanced bits (each of 32 bit positions within 6 sd of half over 10^5 words; false-failure probability < 1e-6)', () => {
    const s = new SeededRandomSource(123);
    const counts = new Array<number>(32).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const w = s.nextUint32();
      for (let b = 0; b < 32; b++) if ((w >>> b) & 1) counts[b] = (counts[b] as number) + 1;
    }
    const sd = Math.sqrt(n / 4);
    for (const c of counts) expect(Math.abs(c - n / 2)).toBeLessThan(6 * sd);
  });
});
