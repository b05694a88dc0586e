import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from './budget.js';
import type { PrivacyLoss } from './loss.js';

describe('PrivacyBudget refuses losses that would refill it', () => {
  const cases: [string, () => PrivacyBudget, PrivacyLoss][] = [
    ['negative ε (pure)', () => PrivacyBudget.pure(1), { kind: 'pure', epsilon: -0.5 }],
    ['negative ε (approximate)', () => PrivacyBudget.approximate(1, 1e-6), { kind: 'approximate', epsilon: -0.5, delta: 0 }],
    ['negative δ', () => PrivacyBudget.approximate(1, 1e-6), { kind: 'approximate', epsilon: 0.1, delta: -1e-6 }],
    ['negative ρ', () => PrivacyBudget.zcdp(1), { kind: 'zcdp', rho: -0.5 }],
    ['negative ε in a zCDP budget', () => PrivacyBudget.zcdp(1), { kind: 'pure', epsilon: -1 }],
    ['NaN ε', () => PrivacyBudget.pure(1), { kind: 'pure', epsilon: Number.NaN }],
  ];
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
    const b = PrivacyBudget.pure(1).charge({ kind: 'pure', epsilon: -0 });
    expect(b.remaining).toEqual({ kind: 'pure', epsilon: 1 });
  });
});
