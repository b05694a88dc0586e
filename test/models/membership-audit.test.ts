/**
 * auditModel: the loss-threshold attack and offline LiRA separate a model
 * that memorises its training rows from one that ignores them; the ROC
 * figures and the Clopper–Pearson ε bound behave as their definitions say.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditModel,
  type Matrix,
  membershipEpsilonLowerBound,
  membershipRoc,
  type ProbabilisticModel,
  tprAtFpr,
} from '../../src/learn/index.js';
import { SeededRandomSource } from '../../src/testing/index.js';

function rows(n: number, seed: number) {
  const rng = new SeededRandomSource(seed);
  const x = Array.from({ length: n }, () => [rng.nextUint32() / 2 ** 32, rng.nextUint32() / 2 ** 32]);
  const y = x.map((r) => ((r[0] as number) + 0.3 * (rng.nextUint32() / 2 ** 32 - 0.5) > 0.5 ? 1 : 0));
  return { x, y };
}

/** A 1-nearest-neighbour "model": certain on rows it has seen, a smooth guess elsewhere. */
function memoriser(train: { x: number[][]; y: number[] }): ProbabilisticModel {
  const seen = new Map(train.x.map((r, i) => [r.join(','), train.y[i] as number]));
  return {
    predictProba(input) {
      const m = input as Matrix;
      return Float64Array.from({ length: m.rows }, (_, r) => {
        const key = `${m.values[r * 2]},${m.values[r * 2 + 1]}`;
        const label = seen.get(key);
        return label === undefined ? Math.min(0.9, Math.max(0.1, m.values[r * 2] as number)) : label === 1 ? 0.999 : 0.001;
      });
    },
  };
}

const ignorer: ProbabilisticModel = {
  predictProba: (input) => {
    const m = input as Matrix;
    return Float64Array.from({ length: m.rows }, (_, r) => Math.min(0.9, Math.max(0.1, m.values[r * 2] as number)));
  },
};

describe('auditModel (seeded data; the separation below fails with probability ≤ 1e-6 over the data draw)', () => {
  const members = rows(400, 1);
  const nonMembers = rows(400, 2);
  const pool = rows(400, 3);
  const shadow = {
    data: { x: pool.x, y: pool.y },
    train: (d: { x: { values: Float64Array; rows: number }; y: Float64Array }) =>
      memoriser({
        x: Array.from({ length: d.x.rows }, (_, r) => [d.x.values[r * 2] as number, d.x.values[r * 2 + 1] as number]),
        y: Array.from(d.y),
      }),
    models: 4,
  };

  it('a memorising model leaks: AUC ≫ ½, high TPR at 1 % FPR, an ε bound far above 1, and both attacks see it', async () => {
    const r = await auditModel({
      model: memoriser(members),
      members,
      nonMembers,
      shadow,
      claimedEpsilon: 1,
      rng: new SeededRandomSource(4),
    });
    expect(r.loss.auc).toBeGreaterThan(0.85);
    expect(r.loss.tprAt1).toBeGreaterThan(0.3);
    expect(r.lira?.auc).toBeGreaterThan(0.85);
    expect(r.loss.epsilonLowerBound).toBeGreaterThan(1);
    expect(r.consistent).toBe(false);
  });

  it('a model that ignores its training rows does not: AUC ≈ ½ and no ε refuted', async () => {
    const r = await auditModel({
      model: ignorer,
      members,
      nonMembers,
      shadow: { ...shadow, train: () => ignorer },
      claimedEpsilon: 1,
      rng: new SeededRandomSource(5),
    });
    expect(Math.abs(r.loss.auc - 0.5)).toBeLessThan(0.1);
    expect(r.loss.epsilonLowerBound).toBe(0);
    expect(r.consistent).toBe(true);
  });

  it('refuses a model without predictProba (INVALID_PARAMETER)', async () => {
    await expect(auditModel({ model: {} as ProbabilisticModel, members, nonMembers })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
  });
});

describe('ROC and ε bound', () => {
  it('AUC is 1 for separated scores, ½ for equal ones, and 1 − AUC when the roles swap (property)', () => {
    expect(membershipRoc([2, 3], [0, 1]).auc).toBe(1);
    expect(membershipRoc([1, 1], [1, 1]).auc).toBe(0.5);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 30 }),
        (a, b) => {
          expect(membershipRoc(a, b).auc + membershipRoc(b, a).auc).toBeCloseTo(1, 12);
          const t = tprAtFpr(a, b, 0.5);
          expect(t).toBeGreaterThanOrEqual(0);
          expect(t).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the ε bound is 0 for identically distributed scores (seeded, 2 000 each) and grows with separation', () => {
    const rng = new SeededRandomSource(6);
    const draw = (shift: number) => Float64Array.from({ length: 2000 }, () => rng.nextUint32() / 2 ** 32 + shift);
    expect(membershipEpsilonLowerBound(draw(0), draw(0))).toBe(0);
    const weak = membershipEpsilonLowerBound(draw(0.3), draw(0));
    const strong = membershipEpsilonLowerBound(draw(0.9), draw(0));
    expect(weak).toBeGreaterThan(0);
    expect(strong).toBeGreaterThan(weak);
  });

  it('the tail thresholds see a leak confined to the top 3 % (deterministic: the top-62 threshold holds ≥ 60 members whatever the draw)', () => {
    // 60 of 2,000 members score above every other record. An even grid of 50 pooled quantiles puts
    // its highest threshold ~78 scores from the top (gave ε ≥ 0.52; with a grid of 10, 0); the tail
    // position 1 − 1/64 has ≤ 2 ordinary records above it, so ε ≥ ln(CP_lo(60/2000)/CP_hi(2/2000)) > 1.
    const rng = new SeededRandomSource(7);
    const u = () => rng.nextUint32() / 2 ** 32;
    const m = Float64Array.from({ length: 2000 }, (_, i) => (i < 60 ? 100 + u() : u()));
    const n = Float64Array.from({ length: 2000 }, u);
    expect(membershipEpsilonLowerBound(m, n)).toBeGreaterThan(1);
    expect(membershipEpsilonLowerBound(m, n, { thresholds: 10 })).toBeGreaterThan(1);
    expect(membershipEpsilonLowerBound(n, Float64Array.from(n).reverse())).toBe(0);
  });
});
