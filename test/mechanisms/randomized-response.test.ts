import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  makeCategoricalRandomizedResponse,
  makeRandomizedResponse,
  randomizedResponseCalibration,
} from '../../src/mechanisms/randomized-response.js';
import { Rational } from '../../src/numeric/rational.js';
import { assertMeasurementContract } from '../../src/testing/contract.js';
import { chiSquareTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { frequencyThreshold } from './_stats.js';

const BAD = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1];

describe('randomized response', () => {
  it('keeps the measurement contract (binary and k-ary)', () => {
    assertMeasurementContract(makeRandomizedResponse({ epsilon: 1 }), { inputs: [true, false], neighbours: [[true, false, 1]] });
    assertMeasurementContract(makeCategoricalRandomizedResponse({ epsilon: 2, categories: ['x', 'y', 'z'] }), {
      inputs: ['x', 'z'],
      outOfDomain: ['w', 3],
    });
  });

  it('uses a rational keep probability whose exact ε never exceeds the target, and is within 1e-12 (relative) of it (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 30, noNaN: true }), fc.integer({ min: 2, max: 1000 }), (epsilon, k) => {
        const { keepProbability: p, epsilon: achieved } = randomizedResponseCalibration(epsilon, k);
        // ln(p(k−1)/(1−p)) recomputed independently from q = 1 − p (exact rational)
        const q = Rational.ONE.sub(p).toNumber();
        const exact = Math.log1p(-q) + Math.log(k - 1) - Math.log(q);
        return (
          achieved <= epsilon &&
          Math.abs(achieved - exact) < 1e-12 * Math.max(1, epsilon) &&
          achieved >= epsilon - 1e-12 * Math.max(1, epsilon)
        );
      }),
    );
  });

  it('binary RR at ε = ln 3 reports the truth with probability 3/4 (up to an ulp below)', () => {
    const { keepProbability } = randomizedResponseCalibration(Math.log(3), 2);
    expect(keepProbability.le(Rational.of(3n, 4n))).toBe(true);
    expect(Math.abs(keepProbability.toNumber() - 0.75)).toBeLessThan(1e-14);
  });

  it('states ε at dIn > 0, 0 at dIn = 0, and a randomizedResponse event', () => {
    const m = makeCategoricalRandomizedResponse({ epsilon: 1, categories: [1, 2, 3, 4] });
    expect(m.privacyMap(0).epsilon).toBe(0);
    expect(m.privacyMap(1).epsilon).toBeLessThanOrEqual(1);
    const ev = m.event?.(1) as { type: string; noiseParameter: number; numBuckets: number };
    expect(ev.type).toBe('randomizedResponse');
    expect(ev.numBuckets).toBe(4);
    // p = 1 − λ + λ/k  ⇒  λ = (1 − p)k/(k − 1) = 4/(e + 3)
    expect(ev.noiseParameter).toBeCloseTo(4 / (Math.E + 3), 12);
  });

  it('k-ary RR output frequencies match p and (1−p)/(k−1): n = 30000, Hoeffding over 5 values (false failure ≤ 1e-6)', () => {
    const n = 30_000;
    const categories = ['a', 'b', 'c', 'd', 'e'];
    const m = makeCategoricalRandomizedResponse({ epsilon: 1.2, categories });
    const p = randomizedResponseCalibration(1.2, 5).keepProbability.toNumber();
    const rng = new SeededRandomSource(20260209);
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const out = m.invoke('c', rng);
      counts.set(out, (counts.get(out) ?? 0) + 1);
    }
    const t = frequencyThreshold(n, 1e-6, categories.length);
    for (const c of categories) {
      const expected = c === 'c' ? p : (1 - p) / 4;
      expect(Math.abs((counts.get(c) ?? 0) / n - expected)).toBeLessThan(t);
    }
  });

  it('k-ary RR passes Pearson’s χ² test against its exact output probabilities: n = 30000, α = 1e-6 (false failure ≤ 1e-6)', () => {
    const n = 30_000;
    const categories = [0, 1, 2, 3, 4, 5, 6, 7];
    const m = makeCategoricalRandomizedResponse({ epsilon: 2, categories });
    const p = randomizedResponseCalibration(2, 8).keepProbability.toNumber();
    const rng = new SeededRandomSource(20260211);
    const counts = categories.map(() => 0);
    for (let i = 0; i < n; i++) {
      const out = m.invoke(3, rng);
      counts[out] = (counts[out] as number) + 1;
    }
    const expected = categories.map((c) => (c === 3 ? p : (1 - p) / 7));
    expect(chiSquareTest(counts, expected, { alpha: 1e-6 }).reject).toBe(false);
  });

  it('binary RR flips with probability 1 − p: n = 30000 (false failure ≤ 1e-6)', () => {
    const n = 30_000;
    const m = makeRandomizedResponse({ epsilon: 0.5 });
    const p = randomizedResponseCalibration(0.5, 2).keepProbability.toNumber();
    const rng = new SeededRandomSource(20260210);
    let kept = 0;
    for (let i = 0; i < n; i++) if (m.invoke(false, rng) === false) kept++;
    expect(Math.abs(kept / n - p)).toBeLessThan(frequencyThreshold(n, 1e-6));
  });

  it('refuses bad options with INVALID_PARAMETER', () => {
    for (const epsilon of BAD) {
      expect(() => makeRandomizedResponse({ epsilon })).toThrow(/INVALID_PARAMETER/);
      expect(() => makeCategoricalRandomizedResponse({ epsilon, categories: [1, 2] })).toThrow(/INVALID_PARAMETER/);
    }
    expect(() => makeCategoricalRandomizedResponse({ epsilon: 1, categories: [1] })).toThrow(/INVALID_PARAMETER/);
    expect(() => makeCategoricalRandomizedResponse({ epsilon: 1, categories: [1, 1] })).toThrow(/INVALID_PARAMETER/);
  });
});
