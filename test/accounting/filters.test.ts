import { describe, expect, it } from 'vitest';
import { ApproxDpFilter } from '../../src/accounting/approx-dp-filter.js';
import { DpEvents } from '../../src/accounting/dp-events.js';
import { PrivacyOdometer } from '../../src/accounting/privacy-odometer.js';
import { RdpAccountant } from '../../src/accounting/rdp-accountant.js';
import { RdpFilter } from '../../src/accounting/rdp-filter.js';
import { ZcdpFilter } from '../../src/accounting/zcdp-filter.js';
import { isDpError } from '../../src/core/errors.js';
import { zcdp, zcdpToApproximate } from '../../src/core/loss.js';
import { nextUp } from '../../src/numeric/float-bits.js';
import { Rational } from '../../src/numeric/rational.js';

const refusal = (f: () => void): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('privacy filters and odometers', () => {
  it('the basic filter refuses BEFORE a release that would pass the budget and charges nothing', () => {
    const f = new ApproxDpFilter({ epsilon: 1, delta: 1e-6 });
    f.charge(0.6);
    f.charge(0.4, 5e-7);
    const err = refusal(() => f.charge(0.01));
    expect(isDpError(err, 'BUDGET_EXHAUSTED')).toBe(true);
    // spent is rounded up (float-sums.proof.md): δ 5/10⁷ exactly, reported as the first double ≥ it.
    expect(f.spent.epsilon).toBe(1);
    expect(Rational.fromNumber(f.spent.delta).ge(Rational.parse('5e-7'))).toBe(true);
    expect(f.spent.delta).toBeLessThanOrEqual(nextUp(5e-7));
    expect(
      isDpError(
        refusal(() => f.charge(0, 6e-7)),
        'BUDGET_EXHAUSTED',
      ),
    ).toBe(true);
    f.charge(0, 5e-7);
    expect(f.remaining.delta).toBe(0);
  });

  it('the zCDP filter from (ε, δ) admits Gaussians until ρ would pass, and its ρ converts back to at most ε', () => {
    const f = ZcdpFilter.fromEpsilonDelta(1, 1e-6);
    expect(zcdpToApproximate(zcdp(f.rhoBudget), 1e-6).epsilon).toBeLessThanOrEqual(1);
    let released = 0;
    for (;;) {
      const err = refusal(() => f.chargeEvent(DpEvents.gaussian(10)));
      if (err) {
        expect(isDpError(err, 'BUDGET_EXHAUSTED')).toBe(true);
        break;
      }
      released++;
    }
    expect(released).toBe(Math.floor(f.rhoBudget / 0.005 + 1e-9));
    expect(f.spent).toBeLessThanOrEqual(f.rhoBudget);
  });

  it('the RDP filter refuses before its order-α budget is passed', () => {
    const f = RdpFilter.fromEpsilonDelta(2, 1e-5, 16);
    const e = DpEvents.poissonSampled(0.05, DpEvents.gaussian(2));
    let n = 0;
    while (!refusal(() => f.chargeEvent(e))) n++;
    expect(n).toBeGreaterThan(10);
    expect(f.spent).toBeLessThanOrEqual(f.budget);
    // the same releases composed non-adaptively convert to ≤ ε at order 16
    expect(new RdpAccountant({ orders: [16] }).compose(e, n).epsilon(1e-5)).toBeLessThanOrEqual(2 + 1e-12);
  });

  it('the odometer reports a running loss that grows with each release', () => {
    const odo = new PrivacyOdometer();
    expect(odo.epsilon(1e-6)).toBe(0);
    odo.record(DpEvents.laplace(10));
    const one = odo.epsilon(1e-6);
    expect(one).toBeCloseTo(0.1, 12);
    odo.record(DpEvents.gaussian(5));
    expect(odo.epsilon(1e-6)).toBeGreaterThan(one);
    expect(odo.rhoSpent).toBeCloseTo(0.005 + 0.02, 12);
  });
});
