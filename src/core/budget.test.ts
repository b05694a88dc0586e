import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from './budget.js';
import type { PrivacyLoss } from './loss.js';

describe('PrivacyBudget refuses losses that would refill it', () => {
  // Hostile losses built by hand on purpose (the runtime edge must refuse what the brand keeps out of typed code).
  const cases = [
    ['negative ε (pure)', () => PrivacyBudget.pure(1), { kind: 'pure', epsilon: -0.5 }],
    ['negative ε (approximate)', () => PrivacyBudget.approximate(1, 1e-6), { kind: 'approximate', epsilon: -0.5, delta: 0 }],
    ['negative δ', () => PrivacyBudget.approximate(1, 1e-6), { kind: 'approximate', epsilon: 0.1, delta: -1e-6 }],
    ['negative ρ', () => PrivacyBudget.zcdp(1), { kind: 'zcdp', rho: -0.5 }],
    ['negative ε in a zCDP budget', () => PrivacyBudget.zcdp(1), { kind: 'pure', epsilon: -1 }],
    ['NaN ε', () => PrivacyBudget.pure(1), { kind: 'pure', epsilon: Number.NaN }],
  ] as unknown as [string, () => PrivacyBudget, PrivacyLoss][];
  for (const [name, make, loss] of cases) {
    it(`${name}: charge and canCharge throw INVALID_PARAMETER and the budget is unchanged`, () => {
      const b = make();
      const before = JSON.stringify(b.toJSON());
      expect(() => b.charge(loss)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
      expect(() => b.canCharge(loss)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
      expect(JSON.stringify(b.toJSON())).toBe(before);
    });
  }

  it('a zero loss (and −0) still charges nothing', () => {
    const b = PrivacyBudget.pure(1).charge(pure(-0));
    expect(b.remaining).toEqual({ kind: 'pure', epsilon: 1 });
  });
});

import fc from 'fast-check';
import { Rational } from '../numeric/rational.js';
import { lossLe } from './exact-loss.js';
import { approximate, pure, zcdp } from './loss.js';

const SEED = { seed: 20261205, numRuns: 200 };
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'none';
};

describe('PrivacyBudget validates its amounts at the edge', () => {
  it('refuses bigint, non-fraction strings, NaN, ±Infinity and negative amounts with INVALID_PARAMETER', () => {
    const bad: unknown[] = [
      1n,
      'one',
      '1/x',
      '',
      'NaN',
      'Infinity',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -1,
      '-1/2',
      {},
      null,
    ];
    for (const x of bad) {
      expect(
        codeOf(() => PrivacyBudget.pure(x as number)),
        String(x),
      ).toBe('INVALID_PARAMETER');
      expect(
        codeOf(() => PrivacyBudget.zcdp(x as number)),
        String(x),
      ).toBe('INVALID_PARAMETER');
      expect(
        codeOf(() => PrivacyBudget.approximate(x as number, 1e-6)),
        String(x),
      ).toBe('INVALID_PARAMETER');
      expect(
        codeOf(() => PrivacyBudget.approximate(1, x as number)),
        String(x),
      ).toBe('INVALID_PARAMETER');
    }
    expect(PrivacyBudget.pure('1/11').total).toEqual(pure(1 / 11));
  });
});

describe('an (ε, δ) budget keeps zCDP spends as ρ', () => {
  it('accepts ρ charges, converts the total once, and refuses ρ once δ is used up', () => {
    let b = PrivacyBudget.approximate(1, 1e-6);
    b = b.charge(zcdp(0.01));
    expect(b.spentExact.rho.toString()).toBe('1/100');
    expect(b.spent.kind).toBe('approximate');
    const c = PrivacyBudget.approximate(1, 1e-6).charge(approximate(0.1, 1e-6));
    expect(codeOf(() => c.charge(zcdp(1e-9)))).toBe('BUDGET_EXHAUSTED');
    expect(codeOf(() => PrivacyBudget.pure(1).charge(zcdp(0.01)))).toBe('DOMAIN_MISMATCH');
  });

  it('eleven charges of 1/11 fit a budget of 1 in every kind, and a twelfth does not', () => {
    for (const make of [() => PrivacyBudget.pure(1), () => PrivacyBudget.approximate(1, 1e-6)]) {
      let b = make();
      for (let i = 0; i < 11; i++) b = b.charge(pure(1 / 11));
      expect(b.isExhausted).toBe(true);
      expect(codeOf(() => b.charge(pure(1e-12)))).toBe('BUDGET_EXHAUSTED');
    }
    let z = PrivacyBudget.zcdp(1);
    for (let i = 0; i < 11; i++) z = z.charge(zcdp(1 / 11));
    expect(z.isExhausted).toBe(true);
  });

  const lossArb = fc.oneof(
    fc.integer({ min: 0, max: 300 }).map((n) => pure(n / 1009)),
    fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 50 })).map(([e, d]) => approximate(e / 1009, d * 1e-8)),
    fc.integer({ min: 0, max: 300 }).map((n) => zcdp(n / 30011)),
  );

  it('never overspends and is monotone: every accepted state is within the cap under its pinned filter, spent only grows, a refusal changes nothing (property)', () => {
    fc.assert(
      fc.property(fc.array(lossArb, { maxLength: 25 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 100 }), (ls, e, d) => {
        const cap = { epsilon: Rational.of(BigInt(e), 4n), delta: Rational.of(BigInt(d), 100_000_000n) };
        let b = PrivacyBudget.approximate(cap.epsilon, cap.delta);
        for (const l of ls) {
          const before = b;
          const can = b.canCharge(l);
          try {
            b = b.charge(l);
            expect(can).toBe(true);
          } catch (err) {
            expect((err as { code?: string }).code).toBe('BUDGET_EXHAUSTED');
            expect(can).toBe(false);
            expect(b).toBe(before);
          }
          expect(lossLe(before.spentExact, b.spentExact)).toBe(true);
          // The guarantee of everything charged (the pinned filter's) is within the cap.
          const g = b.spent as { epsilon: number; delta: number };
          expect(g.epsilon).toBeLessThanOrEqual(cap.epsilon.toNumberUp());
          expect(g.delta).toBeLessThanOrEqual(cap.delta.toNumberUp());
          if (before.accounting) expect(b.accounting).toEqual(before.accounting); // pinned once
        }
        expect(PrivacyBudget.fromJSON(JSON.parse(JSON.stringify(b))).toJSON()).toEqual(b.toJSON());
      }),
      SEED,
    );
  });
});
