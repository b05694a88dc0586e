import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeSparseVector, sparseVectorSplit } from '../../src/mechanisms/sparse-vector.js';
import { assertMeasurementContract } from '../../src/testing/contract.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { startTrace } from '../../src/testing/trace.js';
import { roundedAnswer } from './_sparse-vector-rounded.js';
import { frequencyThreshold } from './_stats.js';

const BAD = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1];
const count = (d: number[]) => d.length;

/** P(X − Y ≥ m) for independent discrete Laplace X (scale a) and Y (scale b), summed over |k| ≤ K. */
function differenceAtLeast(m: number, a: number, b: number, K = 400): number {
  const pmf = (t: number) => {
    const z = Math.tanh(1 / (2 * t)); // normaliser: (1 − e^{−1/t})/(1 + e^{−1/t})
    return (k: number) => z * Math.exp(-Math.abs(k) / t);
  };
  const px = pmf(a);
  const py = pmf(b);
  let total = 0;
  for (let y = -K; y <= K; y++) for (let x = Math.max(-K, m + y); x <= K; x++) total += px(x) * py(y);
  return total;
}

describe('makeSparseVector', () => {
  const queries = [(d: number[]) => d.length - 10, count, (d: number[]) => 2 * d.length];

  it('keeps the measurement contract', () => {
    const m = makeSparseVector({ queries, threshold: 5, sensitivity: 2, epsilon1: 0.5, epsilon2: 0.5 });
    assertMeasurementContract(m, { inputs: [[1, 2, 3, 4, 5]], neighbours: [[[1, 2], [1], 1]] });
  });

  it('states ε = (ε₁ + ε₂)·dIn', () => {
    const m = makeSparseVector({ queries, threshold: 5, sensitivity: 1, epsilon1: 0.25, epsilon2: 0.5 });
    expect(m.privacyMap(1).epsilon).toBe(0.75);
    expect(m.privacyMap(2).epsilon).toBe(1.5);
    expect(m.privacyMap(0).epsilon).toBe(0);
  });

  it('stops after maxPositives positive answers', () => {
    const always = Array.from({ length: 10 }, () => () => 1_000_000);
    const m = makeSparseVector({ queries: always, threshold: 0, sensitivity: 1, epsilon1: 1, epsilon2: 1, maxPositives: 3 });
    expect(m.invoke([], new SeededRandomSource(1))).toEqual([true, true, true]);
    const never = Array.from({ length: 4 }, () => () => -1_000_000);
    expect(
      makeSparseVector({ queries: never, threshold: 0, sensitivity: 1, epsilon1: 1, epsilon2: 1 }).invoke([], new SeededRandomSource(1)),
    ).toEqual([false, false, false, false]);
  });

  it('draws threshold noise of scale Δ/ε₁ and query noise of scale 2cΔ/ε₂ (cΔ/ε₂ monotonic), as traced', () => {
    const trace = startTrace();
    makeSparseVector({ queries: [count], threshold: 0, sensitivity: 2, epsilon1: 0.5, epsilon2: 1, maxPositives: 3 }).invoke(
      [1],
      new SeededRandomSource(2),
    );
    makeSparseVector({
      queries: [count],
      threshold: 0,
      sensitivity: 2,
      epsilon1: 0.5,
      epsilon2: 1,
      maxPositives: 3,
      monotonic: true,
    }).invoke([1], new SeededRandomSource(2));
    trace.stop();
    expect(trace.noise.map((r) => r.scale)).toEqual([4, 12, 4, 6]);
  });

  it('answers "above" with the exact probability P(q + ν ≥ T + ρ): n = 20000 (false failure ≤ 1e-6)', () => {
    const n = 20_000;
    const m = makeSparseVector({ queries: [() => 3], threshold: 4, sensitivity: 1, epsilon1: 0.5, epsilon2: 1 });
    const rng = new SeededRandomSource(20260208);
    let positives = 0;
    for (let i = 0; i < n; i++) if ((m.invoke(null, rng)[0] as boolean) === true) positives++;
    // ν ~ DLap(2), ρ ~ DLap(2): P(ν − ρ ≥ T − q = 1).
    const p = differenceAtLeast(1, 2, 2);
    expect(Math.abs(positives / n - p)).toBeLessThan(frequencyThreshold(n, 1e-6));
  });

  it('splits ε in Lyu et al.’s ratio without overshooting (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        fc.boolean(),
        (epsilon, c, monotonic) => {
          const split = sparseVectorSplit(epsilon, { maxPositives: c, monotonic });
          const m = makeSparseVector({ queries: [count], threshold: 0, sensitivity: 1, ...split, maxPositives: c, monotonic });
          return split.epsilon1 > 0 && split.epsilon2 > 0 && m.privacyMap(1).epsilon <= epsilon;
        },
      ),
    );
  });

  it('refuses bad options with INVALID_PARAMETER', () => {
    const ok = { queries: [count], threshold: 0, sensitivity: 1, epsilon1: 1, epsilon2: 1 };
    for (const bad of BAD) {
      expect(() => makeSparseVector({ ...ok, epsilon1: bad })).toThrow(/INVALID_PARAMETER/);
      expect(() => makeSparseVector({ ...ok, epsilon2: bad })).toThrow(/INVALID_PARAMETER/);
      expect(() => makeSparseVector({ ...ok, sensitivity: bad })).toThrow(/INVALID_PARAMETER/);
      expect(() => makeSparseVector({ ...ok, maxPositives: bad })).toThrow(/INVALID_PARAMETER/);
    }
    expect(() => makeSparseVector({ ...ok, threshold: 0.5 })).toThrow(/INVALID_PARAMETER/);
    expect(() => makeSparseVector({ ...ok, sensitivity: 1.5 })).toThrow(/INVALID_PARAMETER/);
    expect(() => makeSparseVector({ ...ok, queries: [1 as never] })).toThrow(/INVALID_PARAMETER/);
  });
});

/** ⌈b − a⌉ of the exact difference of two doubles (TwoSum gives the float difference's error). */
function ceilExactGap(a: number, b: number): bigint {
  const s = b - a;
  const bv = s - b;
  const err = b - (s - bv) + (-a - bv);
  return BigInt(Number.isInteger(s) && err > 0 ? s + 1 : Math.ceil(s));
}

describe('sparse vector rounds real answers by a 1-Lipschitz rule (class: rounding before calibrated noise)', () => {
  it('answers Δ apart are rounded at most ⌈Δ⌉ apart, near every power of two and at the float edges (generative)', () => {
    const nearPowers = fc
      .tuple(fc.integer({ min: -60, max: 60 }), fc.integer({ min: -4, max: 4 }), fc.boolean())
      .map(([e, k, neg]) => (neg ? -1 : 1) * (2 ** e + k * Math.max(2 ** (e - 53), Number.MIN_VALUE)));
    const answer = fc.oneof(nearPowers, fc.double({ min: -(2 ** 60), max: 2 ** 60, noNaN: true }), fc.constant(0.49999999999999994));
    fc.assert(
      fc.property(answer, fc.oneof(fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 3, noNaN: true })), (a, d) => {
        const b = a + d;
        const gap = roundedAnswer(b) - roundedAnswer(a);
        expect(gap >= 0n).toBe(true);
        expect(gap <= ceilExactGap(a, b)).toBe(true);
      }),
      { seed: 17, numRuns: 400 },
    );
  });

  it('rounds half up exactly (0.49999999999999994 → 0, 2.5 → 3, −2.5 → −2, 2^53 − 1 → 2^53 − 1)', () => {
    expect(roundedAnswer(0.49999999999999994)).toBe(0n);
    expect(roundedAnswer(2.5)).toBe(3n);
    expect(roundedAnswer(-2.5)).toBe(-2n);
    expect(roundedAnswer(2 ** 53 - 1)).toBe(2n ** 53n - 1n);
  });
});
