import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditEventPredicate,
  auditPrivacy,
  clopperPearsonLower,
  clopperPearsonUpper,
  describeAuditEvent,
  lowestSetBitExponent,
  neighbourCandidates,
} from '../../src/audit/index.js';
import { floatDomain, intDomain, vectorDomain } from '../../src/core/domain.js';
import { isDpError } from '../../src/core/errors.js';
import type { RandomSource } from '../../src/random/source.js';
import { gridLaplaceNoise } from './helpers.js';

// Reference values: scipy 1.10.1, scipy.stats.beta.ppf(alpha, k, n − k + 1) and beta.ppf(1 − alpha, k + 1, n − k).
const CP_FIXTURES: Array<[number, number, number, number, number]> = [
  [500, 1000, 1e-6, 0.4247905072546367, 0.5752094927452731],
  // upper: mpmath's 0.0002398371572523206 (50 digits); scipy's 0.0002398371572582983 was 2.5e-11 high, and the
  // certified bound (stop 18) is tighter than it.
  [3, 100000, 1e-7, 8.452247963223284e-8, 0.0002398371572523206],
  [999990, 1000000, 1e-6, 0.9999655725361575, 0.9999987231762816],
  [123456, 1000000, 0.05, 0.12291521487208762, 0.12399839637931373],
  [1, 10, 0.01, 0.0010045287082499491, 0.5043526629308013],
  [50000, 100000, 2.5e-8, 0.4913763842468329, 0.508623615753627],
];

describe('Clopper–Pearson bounds', () => {
  // Review M14: the bounds are certified (clopper-pearson.proof.md; the stop-17 margin 2⁻⁴⁷·(n + 2)·ln(n + 2) is gone
  // since stop 19, and stays here only as the tolerance): scipy's to-nearest value is matched to 8 digits.
  it('match scipy to 8 significant digits (or within the stated margin at large n) and err on the conservative side', () => {
    for (const [k, n, alpha, lo, hi] of CP_FIXTURES) {
      const l = clopperPearsonLower(k, n, alpha);
      const u = clopperPearsonUpper(k, n, alpha);
      const tolerance = Math.max(1e-8, 1.01 * 2 ** -47 * (n + 2) * Math.log(n + 2));
      expect(Math.abs(l - lo) / lo).toBeLessThan(tolerance);
      expect(Math.abs(u - hi) / hi).toBeLessThan(tolerance);
      expect(l).toBeLessThanOrEqual(lo);
      expect(u).toBeGreaterThanOrEqual(hi);
    }
  });

  it('have closed forms at the edges', () => {
    expect(clopperPearsonLower(0, 100, 0.05)).toBe(0);
    expect(clopperPearsonUpper(100, 100, 0.05)).toBe(1);
    expect(clopperPearsonUpper(0, 1_000_000, 1e-6)).toBeCloseTo(-Math.expm1(Math.log(1e-6) / 1e6), 12);
  });

  it('bracket the observed proportion and widen as alpha shrinks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const k = Math.min(n, Math.floor(f * n));
        const lo = clopperPearsonLower(k, n, 1e-3);
        const hi = clopperPearsonUpper(k, n, 1e-3);
        expect(lo).toBeLessThanOrEqual(k / n);
        expect(hi).toBeGreaterThanOrEqual(k / n);
        expect(clopperPearsonLower(k, n, 1e-6)).toBeLessThanOrEqual(lo);
        expect(clopperPearsonUpper(k, n, 1e-6)).toBeGreaterThanOrEqual(hi);
      }),
      { numRuns: 200 },
    );
  });

  it('refuse bad counts and levels', () => {
    expect(() => clopperPearsonLower(5, 4, 0.05)).toThrow(/INVALID_PARAMETER/);
    expect(() => clopperPearsonUpper(1, 4, 0)).toThrow(/INVALID_PARAMETER/);
    expect(() => clopperPearsonUpper(0.5, 4, 0.1)).toThrow(/INVALID_PARAMETER/);
  });
});

describe('lowestSetBitExponent', () => {
  it('is the 2-adic valuation of a double', () => {
    expect(lowestSetBitExponent(0.75)).toBe(-2);
    expect(lowestSetBitExponent(12)).toBe(2);
    expect(lowestSetBitExponent(1)).toBe(0);
    expect(lowestSetBitExponent(-0.1)).toBe(-55);
    expect(lowestSetBitExponent(2 ** -1074)).toBe(-1074);
    expect(lowestSetBitExponent(1 + 2 ** -52)).toBe(-52);
    expect(lowestSetBitExponent(2 ** 60)).toBe(60);
    expect(lowestSetBitExponent(0)).toBe(2000);
    expect(lowestSetBitExponent(Number.NaN)).toBe(2000);
  });

  it('agrees with division by powers of two', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), (x) => {
        fc.pre(x !== 0);
        const k = lowestSetBitExponent(x);
        expect(Number.isInteger(x / 2 ** k)).toBe(true);
        expect(Math.abs(x / 2 ** k) % 2).toBe(1);
      }),
    );
  });
});

describe('events', () => {
  it('compile to predicates on feature records and describe themselves', () => {
    const record = new Map<string, number | string>([
      ['output', 1.5],
      ['output.kind', 'a'],
    ]);
    expect(auditEventPredicate({ kind: 'threshold', feature: 'output', op: '>=', threshold: 1.5 })(record)).toBe(true);
    expect(auditEventPredicate({ kind: 'threshold', feature: 'output', op: '>', threshold: 1.5 })(record)).toBe(false);
    expect(auditEventPredicate({ kind: 'interval', feature: 'output', lower: 1, upper: 2 })(record)).toBe(true);
    expect(auditEventPredicate({ kind: 'outcomes', feature: 'output.kind', values: ['a', 'b'] })(record)).toBe(true);
    expect(auditEventPredicate({ kind: 'outcomes', feature: 'missing', values: ['a'] })(record)).toBe(false);
    expect(describeAuditEvent({ kind: 'threshold', feature: 'output', op: '<', threshold: 2 })).toBe('output < 2');
  });
});

describe('neighbour search', () => {
  it('tries the bounds, zero and ±sensitivity for bounded integers', () => {
    const pairs = neighbourCandidates(intDomain({ lower: -5, upper: 5 }), 'absolute-distance', 1).map((p) => p.inputs);
    expect(pairs).toContainEqual([0, 1]);
    expect(pairs).toContainEqual([-5, -4]);
    expect(pairs).toContainEqual([5, 4]);
  });

  it('tries the empty dataset against one row at each bound for datasets', () => {
    const pairs = neighbourCandidates(vectorDomain(floatDomain({ lower: -10, upper: 1 })), 'symmetric-distance', 1).map((p) => p.inputs);
    expect(pairs).toContainEqual([[], [-10]]);
    expect(pairs).toContainEqual([[], [1]]);
  });

  it('tries extreme rows for unbounded datasets and mixed-sign shifts for ℓ∞ vectors', () => {
    const rows = neighbourCandidates(vectorDomain(floatDomain()), 'symmetric-distance').map((p) => p.inputs);
    expect(rows).toContainEqual([[], [1e3]]);
    const vecs = neighbourCandidates(vectorDomain(floatDomain(), 3), 'linf-distance').map((p) => p.inputs);
    expect(vecs).toContainEqual([
      [0, 0, 0],
      [1, -1, -1],
    ]);
  });

  it('never returns more than the documented maximum', () => {
    for (const metric of ['symmetric-distance', 'linf-distance', 'change-one-distance'] as const) {
      expect(neighbourCandidates(vectorDomain(floatDomain()), metric).length).toBeLessThanOrEqual(8);
    }
  });
});

describe('auditPrivacy', () => {
  const laplace = (x: number, rng: RandomSource) => x + gridLaplaceNoise(1, rng);

  it('reports the claim, bound, confidence, samples and verdict, with a witness (false-failure probability ≤ 1e-6)', () => {
    const r = auditPrivacy(laplace, { claimed: { epsilon: 1 }, inputs: [0, 1], samples: 40_000, seed: 5 });
    expect(r.claimed).toEqual({ epsilon: 1, delta: 0 });
    expect(r.confidence).toBe(1 - 1e-6);
    expect(r.samples).toBe(40_000);
    expect(r.invocations).toBe(80_000);
    expect(r.violated).toBe(false);
    expect(r.lowerBound).toBeGreaterThan(0.5);
    expect(r.witness?.inputs).toHaveLength(2);
    expect(r.witness?.probabilityLower).toBeGreaterThan(r.witness?.probabilityUpper ?? 1);
  });

  it('is reproducible from a seed', () => {
    const a = auditPrivacy(laplace, { claimed: { epsilon: 1 }, inputs: [0, 1], samples: 5_000, seed: 9 });
    const b = auditPrivacy(laplace, { claimed: { epsilon: 1 }, inputs: [0, 1], samples: 5_000, seed: 9 });
    expect(a.lowerBound).toBe(b.lowerBound);
  });

  it('certifies a smaller bound at a larger δ, on the same samples', () => {
    const at0 = auditPrivacy(laplace, { claimed: { epsilon: 1 }, inputs: [0, 1], samples: 20_000, seed: 3 });
    const at01 = auditPrivacy(laplace, { claimed: { epsilon: 1, delta: 0.1 }, inputs: [0, 1], samples: 20_000, seed: 3 });
    expect(at01.lowerBound).toBeLessThan(at0.lowerBound);
  });

  it('audits user features (a bare function whose output is an object)', () => {
    const f = (x: number, rng: RandomSource) => ({ noisy: x + gridLaplaceNoise(0.25, rng) });
    const r = auditPrivacy(f, {
      claimed: { epsilon: 1 },
      inputs: [0, 1],
      samples: 20_000,
      seed: 4,
      featurize: (o) => o.noisy > 0.5,
      rawFeatures: false,
    });
    expect(r.violated).toBe(true);
    const event = r.witness?.event;
    expect(event && 'feature' in event ? event.feature : undefined).toBe('feature');
  });

  it('refuses bad options with INVALID_PARAMETER', () => {
    const bad = [
      () => auditPrivacy(laplace, { inputs: [0, 1] }),
      () => auditPrivacy(laplace, { claimed: { epsilon: 1 } }),
      () => auditPrivacy(laplace, { claimed: { epsilon: 1 }, inputs: [0, 1], samples: 10 }),
      () => auditPrivacy(laplace, { claimed: { epsilon: 1 }, inputs: [0, 1], confidence: 1 }),
      () => auditPrivacy(laplace, { claimed: { epsilon: Number.NaN }, inputs: [0, 1] }),
      () => auditPrivacy(laplace, { claimed: { epsilon: 1, delta: 1 }, inputs: [0, 1] }),
    ];
    for (const f of bad) {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(isDpError(error, 'INVALID_PARAMETER')).toBe(true);
    }
  });
});
