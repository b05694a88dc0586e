import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeExponential, permuteAndFlipProbabilities } from '../../src/mechanisms/exponential.js';
import { makeReportNoisyMax, reportNoisyMaxScaleForEpsilon } from '../../src/mechanisms/report-noisy-max.js';
import { assertMeasurementContract } from '../../src/testing/contract.js';
import { chiSquareTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { frequencyThreshold } from './_stats.js';

const BAD = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1];

/** Brute force over all n! orders: the selection probabilities of permute-and-flip. */
function bruteForce(scores: number[], temperature: number): number[] {
  const best = Math.max(...scores);
  const p = scores.map((s) => Math.exp((s - best) / temperature));
  const out = scores.map(() => 0);
  const permute = (prefix: number[], rest: number[]) => {
    if (rest.length === 0) {
      let reach = 1;
      for (const r of prefix) {
        out[r] = (out[r] as number) + reach * (p[r] as number);
        reach *= 1 - (p[r] as number);
      }
      return;
    }
    rest.forEach((r, i) => {
      permute([...prefix, r], [...rest.slice(0, i), ...rest.slice(i + 1)]);
    });
  };
  permute(
    [],
    scores.map((_, i) => i),
  );
  let f = 1;
  for (let i = 2; i <= scores.length; i++) f *= i;
  return out.map((x) => x / f);
}

const votes = (data: string[], c: string) => data.filter((x) => x === c).length;

describe('permuteAndFlipProbabilities', () => {
  it('matches a brute force over every order', () => {
    const scores = [3, 1, 0, 2.5, -1];
    const exact = bruteForce(scores, 1.3);
    permuteAndFlipProbabilities(scores, 1.3).forEach((p, i) => {
      expect(p).toBeCloseTo(exact[i] as number, 12);
    });
  });
});

describe('makeExponential (permute-and-flip, exact coins)', () => {
  const candidates = ['a', 'b', 'c', 'd'];
  const data = ['a', 'a', 'a', 'b', 'b', 'c'];

  it('keeps the measurement contract', () => {
    const m = makeExponential({ candidates, utility: votes, sensitivity: 1, epsilon: 1 });
    assertMeasurementContract(m, { inputs: [data, []], neighbours: [[data, data.slice(1), 1]] });
  });

  it('states ε·dIn and the permute-and-flip event it runs (S13: not the bounded-range exponential event)', () => {
    const m = makeExponential({ candidates, utility: votes, sensitivity: 1, epsilon: 0.7 });
    expect(m.privacyMap(1).epsilon).toBe(0.7);
    expect(m.privacyMap(2).epsilon).toBeGreaterThanOrEqual(1.4);
    expect(m.event?.(1)).toEqual({ type: 'permuteAndFlip', epsilon: 0.7 });
  });

  it('selects with the exact permute-and-flip probabilities: n = 20000, Hoeffding over 4 candidates (false failure ≤ 1e-6)', () => {
    const n = 20_000;
    const epsilon = 1;
    const m = makeExponential({ candidates, utility: votes, sensitivity: 1, epsilon });
    const expected = permuteAndFlipProbabilities([3, 2, 1, 0], 2 / epsilon);
    const rng = new SeededRandomSource(20260205);
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const c = m.invoke(data, rng);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const t = frequencyThreshold(n, 1e-6, candidates.length);
    candidates.forEach((c, i) => {
      expect(Math.abs((counts.get(c) ?? 0) / n - (expected[i] as number))).toBeLessThan(t);
    });
  });

  it('passes Pearson’s χ² test against the exact selection probabilities over 6 candidates: n = 20000, α = 1e-6 (false failure ≤ 1e-6)', () => {
    const n = 20_000;
    const scores = [5, 4.5, 3, 3, 1, -2];
    const m = makeReportNoisyMax({ scale: 1.25 });
    const expected = permuteAndFlipProbabilities(scores, 1.25);
    const rng = new SeededRandomSource(20260212);
    const counts = scores.map(() => 0);
    for (let i = 0; i < n; i++) {
      const k = m.invoke(scores, rng);
      counts[k] = (counts[k] as number) + 1;
    }
    expect(chiSquareTest(counts, expected, { alpha: 1e-6 }).reject).toBe(false);
  });

  it('drops the factor 2 when the utility is monotonic', () => {
    const n = 20_000;
    const m = makeExponential({ candidates: ['a', 'b'], utility: votes, sensitivity: 1, epsilon: 1, monotonic: true });
    const expected = permuteAndFlipProbabilities([3, 2], 1);
    const rng = new SeededRandomSource(20260206);
    let a = 0;
    for (let i = 0; i < n; i++) if (m.invoke(data, rng) === 'a') a++;
    // n = 20000, two-sided Hoeffding: false failure ≤ 1e-6.
    expect(Math.abs(a / n - (expected[0] as number))).toBeLessThan(frequencyThreshold(n, 1e-6));
  });

  it('refuses bad options with INVALID_PARAMETER', () => {
    for (const bad of BAD) {
      expect(() => makeExponential({ candidates, utility: votes, sensitivity: bad, epsilon: 1 })).toThrow(/INVALID_PARAMETER/);
      expect(() => makeExponential({ candidates, utility: votes, sensitivity: 1, epsilon: bad })).toThrow(/INVALID_PARAMETER/);
    }
    expect(() => makeExponential({ candidates: [], utility: votes, sensitivity: 1, epsilon: 1 })).toThrow(/INVALID_PARAMETER/);
    const m = makeExponential({ candidates, utility: () => Number.NaN, sensitivity: 1, epsilon: 1 });
    expect(() => m.invoke(data)).toThrow(/INVALID_PARAMETER/);
  });

  it('has a map monotone in dIn (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (epsilon, a, b) => {
          const m = makeExponential({ candidates, utility: votes, sensitivity: 1, epsilon });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          return m.privacyMap(lo).epsilon <= m.privacyMap(hi).epsilon;
        },
      ),
    );
  });
});

describe('makeReportNoisyMax', () => {
  it('keeps the measurement contract', () => {
    assertMeasurementContract(makeReportNoisyMax({ scale: 2 }), {
      inputs: [[5, 1, 3], [0]],
      outOfDomain: [[], [1, Number.NaN]],
      allowConstantOutput: false,
      neighbours: [[[5, 1, 3], [4, 2, 3], 1]],
    });
  });

  it('states ε = 2·dIn/scale, or dIn/scale when monotonic', () => {
    expect(makeReportNoisyMax({ scale: 4 }).privacyMap(1).epsilon).toBe(0.5);
    expect(makeReportNoisyMax({ scale: 4, monotonic: true }).privacyMap(1).epsilon).toBe(0.25);
    expect(makeReportNoisyMax({ scale: 4 }).event?.(1)).toEqual({ type: 'permuteAndFlip', epsilon: 0.5 });
  });

  it('calibrates a scale that never overshoots (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 1e3, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        fc.boolean(),
        (epsilon, sensitivity, monotonic) => {
          const scale = reportNoisyMaxScaleForEpsilon(epsilon, sensitivity, { monotonic });
          return makeReportNoisyMax({ scale, monotonic }).privacyMap(sensitivity).epsilon <= epsilon;
        },
      ),
    );
  });

  it('selects the minimum with optimize: "min", with the exact probabilities: n = 20000 (false failure ≤ 1e-6)', () => {
    const n = 20_000;
    const m = makeReportNoisyMax({ scale: 1.5, optimize: 'min' });
    const scores = [4, 1, 2];
    const expected = permuteAndFlipProbabilities([-4, -1, -2], 1.5);
    const rng = new SeededRandomSource(20260207);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const k = m.invoke(scores, rng);
      counts[k] = (counts[k] as number) + 1;
    }
    const t = frequencyThreshold(n, 1e-6, 3);
    counts.forEach((c, i) => {
      expect(Math.abs(c / n - (expected[i] as number))).toBeLessThan(t);
    });
  });

  it('refuses bad options with INVALID_PARAMETER', () => {
    for (const scale of BAD) expect(() => makeReportNoisyMax({ scale })).toThrow(/INVALID_PARAMETER/);
    expect(() => makeReportNoisyMax({ scale: 1, optimize: 'median' as 'max' })).toThrow(/INVALID_PARAMETER/);
  });
});
