import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrateLaplaceScale, calibrateNoiseMultiplier, makeAccountant } from '../../src/accounting/calibration.js';
import {
  advancedComposition,
  basicComposition,
  heterogeneousComposition,
  optimalComposition,
  optimalCompositionDelta,
} from '../../src/accounting/composition.js';
import { DpEvents } from '../../src/accounting/dp-events.js';
import { RdpAccountant } from '../../src/accounting/rdp-accountant.js';
import { isDpError } from '../../src/core/errors.js';

describe('composition theorems', () => {
  it('basic composition sums ε and δ', () => {
    expect(
      basicComposition([
        { epsilon: 0.5, delta: 1e-6 },
        { epsilon: 0.25, delta: 0 },
      ]),
    ).toEqual({ epsilon: 0.75, delta: 1e-6 });
  });

  it('advanced composition is √(2k ln 1/δ′)ε + kε(e^ε−1)', () => {
    const r = advancedComposition(0.1, 0, 100, 1e-6);
    expect(r.epsilon).toBeCloseTo(Math.sqrt(200 * Math.log(1e6)) * 0.1 + 10 * Math.expm1(0.1), 12);
    expect(r.delta).toBe(1e-6);
  });

  it('optimal composition is never worse than basic or advanced composition (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 1e-9, max: 1e-2, noNaN: true }),
        (e, k, d) => {
          const opt = optimalComposition(e, 0, k, d).epsilon;
          expect(opt).toBeLessThanOrEqual(k * e * (1 + 1e-12));
          expect(opt).toBeLessThanOrEqual(advancedComposition(e, 0, k, d).epsilon * (1 + 1e-12));
          // its δ at the returned ε meets the target
          expect(optimalCompositionDelta(e, 0, k, opt)).toBeLessThanOrEqual(d * (1 + 1e-9));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('one ε-DP mechanism composes to ε at δ = 0 and heterogeneous composition never exceeds Σε', () => {
    expect(optimalComposition(0.7, 0, 1, 0).epsilon).toBeCloseTo(0.7, 12);
    const h = heterogeneousComposition(
      [
        { epsilon: 0.1, delta: 0 },
        { epsilon: 0.2, delta: 0 },
        { epsilon: 0.05, delta: 1e-8 },
      ],
      1e-6,
    );
    expect(h.epsilon).toBeLessThanOrEqual(0.35 + 1e-12);
    expect(h.delta).toBeGreaterThan(1e-6);
    const many = heterogeneousComposition(
      Array.from({ length: 1000 }, (_, i) => ({ epsilon: 0.01 + (i % 3) * 0.005, delta: 0 })),
      1e-6,
    );
    expect(many.epsilon).toBeLessThan(15);
  });
});

describe('calibration', () => {
  it('never overshoots the target ε, and a slightly smaller σ would (property, RDP)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 8, noNaN: true }),
        fc.double({ min: 0.001, max: 0.05, noNaN: true }),
        fc.integer({ min: 1, max: 2000 }),
        (target, q, steps) => {
          const makeEvent = (s: number) => DpEvents.selfComposed(DpEvents.poissonSampled(q, DpEvents.gaussian(s)), steps);
          const sigma = calibrateNoiseMultiplier({ targetEpsilon: target, delta: 1e-5, makeEvent, accountant: 'rdp', tolerance: 1e-5 });
          const eps = makeAccountant('rdp').compose(makeEvent(sigma)).epsilon(1e-5);
          expect(eps).toBeLessThanOrEqual(target);
          if (sigma > 1e-4)
            expect(
              makeAccountant('rdp')
                .compose(makeEvent(sigma * (1 - 1e-3)))
                .epsilon(1e-5),
            ).toBeGreaterThan(target * 0.999);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('calibrates σ with the PLD accountant and the Laplace scale without overshooting', () => {
    const makeEvent = (s: number) => DpEvents.selfComposed(DpEvents.poissonSampled(0.01, DpEvents.gaussian(s)), 100);
    const sigma = calibrateNoiseMultiplier({ targetEpsilon: 1, delta: 1e-5, makeEvent, accountant: 'pld', tolerance: 1e-4 });
    expect(makeAccountant('pld').compose(makeEvent(sigma)).epsilon(1e-5)).toBeLessThanOrEqual(1);
    const b = calibrateLaplaceScale({ targetEpsilon: 1, delta: 0, makeEvent: (x) => DpEvents.selfComposed(DpEvents.laplace(x), 4) });
    expect(b).toBeGreaterThan(3.99);
    expect(b).toBeLessThan(4.01);
  });

  it('accepts the accountant as a name, a class, a factory or an instance, with the same answer', () => {
    const makeEvent = (s: number) => DpEvents.selfComposed(DpEvents.poissonSampled(0.02, DpEvents.gaussian(s)), 50);
    const base = { targetEpsilon: 2, delta: 1e-5, makeEvent, tolerance: 1e-6 };
    const byName = calibrateNoiseMultiplier({ ...base, accountant: 'rdp' });
    expect(calibrateNoiseMultiplier({ ...base, accountant: RdpAccountant })).toBe(byName);
    expect(calibrateNoiseMultiplier({ ...base, accountant: () => new RdpAccountant() })).toBe(byName);
    expect(calibrateNoiseMultiplier({ ...base, accountant: new RdpAccountant().compose(DpEvents.gaussian(1)) })).toBe(byName);
  });

  it('refuses bad targets with INVALID_PARAMETER', () => {
    let err: unknown;
    try {
      calibrateNoiseMultiplier({ targetEpsilon: -1, delta: 1e-5, makeEvent: (s) => DpEvents.gaussian(s) });
    } catch (e) {
      err = e;
    }
    expect(isDpError(err, 'INVALID_PARAMETER')).toBe(true);
  });
});
