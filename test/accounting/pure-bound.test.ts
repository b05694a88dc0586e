import { describe, expect, it } from 'vitest';
import { DpEvents, PldAccountant, RdpAccountant, ZcdpAccountant } from '../../src/accounting/index.js';

describe('pure-DP compositions', () => {
  it.each([
    ['pld', () => new PldAccountant()],
    ['rdp', () => new RdpAccountant()],
    ['zcdp', () => new ZcdpAccountant()],
  ])('give the basic Σε at δ = 0 with the %s accountant instead of ∞', (_name, make) => {
    const acc = make().compose(DpEvents.laplace(1), 3);
    expect(acc.epsilon(0)).toBeCloseTo(3, 12);
    expect(acc.delta(3)).toBe(0);
    expect(acc.epsilon(1e-6)).toBeLessThanOrEqual(3);
  });

  it('keeps the accountant bound once a non-pure event is composed', () => {
    const acc = new PldAccountant().compose(DpEvents.laplace(1)).compose(DpEvents.gaussian(2));
    expect(acc.epsilon(0)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(acc.epsilon(1e-6))).toBe(true);
  });
});

describe('a 0-zCDP event', () => {
  it.each([
    ['rdp', () => new RdpAccountant()],
    ['zcdp', () => new ZcdpAccountant()],
  ])('adds nothing to the pure bound with the %s accountant (identical output distributions)', (_name, make) => {
    const acc = make().compose(DpEvents.composed([DpEvents.laplace(1), DpEvents.zcdp(0)]));
    expect(acc.epsilon(0)).toBeCloseTo(1, 12);
    expect(acc.delta(1)).toBe(0);
  });
});
