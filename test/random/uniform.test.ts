import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleUniformBelow, sampleUniformBigBelow } from '../../src/random/uniform.js';
import { chiSquareTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { expectInvalid, ScriptedSource } from './_helpers.js';

describe('sampleUniformBelow', () => {
  it('is uniform on 0..9 (χ², 2·10^5 draws, false-failure probability ≤ 1e-6)', () => {
    const rng = new SeededRandomSource('uniform-10');
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 200_000; i++) {
      const k = sampleUniformBelow(10, rng);
      counts[k] = (counts[k] as number) + 1;
    }
    expect(chiSquareTest(counts, new Array(10).fill(0.1), { alpha: 1e-6 }).reject).toBe(false);
  });

  it('has no modulo bias for n = 3·2^30 (thirds equally likely; χ², false-failure probability ≤ 1e-6)', () => {
    // A plain `w % n` would make the first third twice as likely as the others.
    const rng = new SeededRandomSource('uniform-3x2^30');
    const n = 3 * 2 ** 30;
    const counts = [0, 0, 0];
    for (let i = 0; i < 60_000; i++) {
      const t = Math.floor(sampleUniformBelow(n, rng) / 2 ** 30);
      counts[t] = (counts[t] as number) + 1;
    }
    expect(chiSquareTest(counts, [1 / 3, 1 / 3, 1 / 3], { alpha: 1e-6 }).reject).toBe(false);
  });

  it('has no bias for n = 3·2^40 > 2^32 (thirds; χ², false-failure probability ≤ 1e-6)', () => {
    const rng = new SeededRandomSource('uniform-3x2^40');
    const n = 3 * 2 ** 40;
    const counts = [0, 0, 0];
    for (let i = 0; i < 60_000; i++) {
      const t = Math.floor(sampleUniformBelow(n, rng) / 2 ** 40);
      counts[t] = (counts[t] as number) + 1;
    }
    expect(chiSquareTest(counts, [1 / 3, 1 / 3, 1 / 3], { alpha: 1e-6 }).reject).toBe(false);
  });

  it('rejects the words that would bias the result (Lemire threshold) instead of reducing them', () => {
    // n = 6: threshold (2^32 − 6) mod 6 = 4; a word w is rejected when 6w mod 2^32 < 4, e.g. w = 0.
    const rng = new ScriptedSource([0, 0, 2 ** 32 - 1, 2 ** 31 + 1]);
    expect(sampleUniformBelow(6, rng)).toBe(5);
    expect(rng.used).toBe(3);
    expect(sampleUniformBelow(6, rng)).toBe(3);
  });

  it('uses the same exact multiply-shift for 2^21 < n ≤ 2^32 (the 64-bit product from 16-bit halves)', () => {
    // n = 3·2^30: threshold (2^32 − n) mod n = 2^30; w·n mod 2^32 = (w mod 4)·2^30, so words ≡ 0 (mod 4) are rejected.
    const n = 3 * 2 ** 30;
    const rng = new ScriptedSource([0, 2 ** 32 - 4, 2 ** 32 - 1, 5]);
    expect(sampleUniformBelow(n, rng)).toBe(Math.floor(((2 ** 32 - 1) * n) / 2 ** 32));
    expect(rng.used).toBe(3);
    expect(sampleUniformBelow(n, rng)).toBe(3);
  });

  it('agrees with a BigInt reference of multiply-shift for random words and bounds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n, w) => {
        const product = BigInt(w) * BigInt(n);
        const threshold = (2n ** 32n - BigInt(n)) % BigInt(n);
        const rejected = product % 2n ** 32n < threshold;
        const filler = new SeededRandomSource(w);
        const rng = new ScriptedSource(rejected ? [w, ...Array.from({ length: 200 }, () => filler.nextUint32())] : [w]);
        const k = sampleUniformBelow(n, rng);
        if (!rejected) expect(k).toBe(Number(product >> 32n));
        else expect(rng.used).toBeGreaterThan(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns integers in [0, n) for any safe n (property)', () => {
    const rng = new SeededRandomSource('uniform-prop');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const k = sampleUniformBelow(n, rng);
        expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true);
      }),
    );
  });

  it('refuses n that is not a safe integer ≥ 1 (property)', () => {
    const rng = new SeededRandomSource(1);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ max: 0 }),
          fc.double().filter((x) => !Number.isSafeInteger(x)),
          fc.constant(2 ** 53),
        ),
        (n) => expectInvalid(() => sampleUniformBelow(n, rng)),
      ),
    );
  });
});

describe('sampleUniformBigBelow', () => {
  it('is uniform for n = 3·2^100 (thirds; χ², false-failure probability ≤ 1e-6)', () => {
    const rng = new SeededRandomSource('uniform-big');
    const unit = 2n ** 100n;
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) {
      const t = Number(sampleUniformBigBelow(3n * unit, rng) / unit);
      counts[t] = (counts[t] as number) + 1;
    }
    expect(chiSquareTest(counts, [1 / 3, 1 / 3, 1 / 3], { alpha: 1e-6 }).reject).toBe(false);
  });

  it('returns values in [0, n) (property)', () => {
    const rng = new SeededRandomSource('uniform-big-prop');
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 200n }), (n) => {
        const k = sampleUniformBigBelow(n, rng);
        expect(k >= 0n && k < n).toBe(true);
      }),
    );
  });

  it('refuses n < 1', () => {
    expectInvalid(() => sampleUniformBigBelow(0n, new SeededRandomSource(1)));
    expectInvalid(() => sampleUniformBigBelow(-5n, new SeededRandomSource(1)));
  });
});
