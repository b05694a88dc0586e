import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpEvents } from '../../src/accounting/dp-events.js';
import { PldAccountant } from '../../src/accounting/pld-accountant.js';
import { PrivacyLossDistribution } from '../../src/accounting/privacy-loss-distribution.js';
import { DEFAULT_RDP_ORDERS, RdpAccountant, rdpToEpsilon } from '../../src/accounting/rdp-accountant.js';
import { ZcdpAccountant, zcdpDelta } from '../../src/accounting/zcdp-accountant.js';
import type { DpEvent } from '../../src/core/dp-event.js';
import { isDpError } from '../../src/core/errors.js';

const makers = [() => new RdpAccountant(), () => new PldAccountant({ valueDiscretizationInterval: 1e-3 }), () => new ZcdpAccountant()];

const arbEvent: fc.Arbitrary<DpEvent> = fc.oneof(
  fc.double({ min: 0.5, max: 5, noNaN: true }).map((s) => DpEvents.gaussian(s)),
  fc.double({ min: 0.5, max: 5, noNaN: true }).map((b) => DpEvents.laplace(b)),
  fc.double({ min: 0.1, max: 2, noNaN: true }).map((r) => DpEvents.zcdp(r)),
  fc
    .tuple(fc.double({ min: 0.001, max: 0.2, noNaN: true }), fc.double({ min: 0.8, max: 4, noNaN: true }))
    .map(([q, s]) => DpEvents.poissonSampled(q, DpEvents.gaussian(s))),
  fc
    .tuple(fc.double({ min: 0.1, max: 0.9, noNaN: true }), fc.integer({ min: 2, max: 6 }))
    .map(([p, k]) => DpEvents.randomizedResponse(p, k)),
  fc.double({ min: 1, max: 5, noNaN: true }).map((s) => DpEvents.discreteGaussian(s)),
  fc.double({ min: 0.5, max: 3, noNaN: true }).map((b) => DpEvents.discreteLaplace(b)),
  fc.double({ min: 0.1, max: 1, noNaN: true }).map((e) => DpEvents.epsilonDelta(e, 1e-7)),
  fc.constant(DpEvents.sampledWithoutReplacement(1000, 10, DpEvents.gaussian(1))),
);

describe('accountants', () => {
  it('supports(e) is true exactly when compose(e) succeeds, and refusals are UNSUPPORTED_EVENT that change nothing (property)', () => {
    fc.assert(
      fc.property(arbEvent, fc.integer({ min: 0, max: 2 }), (event, which) => {
        const acc = (makers[which] as () => RdpAccountant | PldAccountant | ZcdpAccountant)();
        const before = acc.epsilon(1e-6);
        if (acc.supports(event)) {
          acc.compose(event);
          expect(acc.epsilon(1e-6)).toBeGreaterThanOrEqual(before);
        } else {
          let err: unknown;
          try {
            acc.compose(event);
          } catch (e) {
            err = e;
          }
          expect(isDpError(err, 'UNSUPPORTED_EVENT')).toBe(true);
          expect(acc.epsilon(1e-6)).toBe(before);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('epsilon and delta are consistent: delta(epsilon(d)) <= d (up to rounding)', () => {
    const e = DpEvents.selfComposed(DpEvents.poissonSampled(0.01, DpEvents.gaussian(1.2)), 500);
    for (const acc of [new RdpAccountant(), new PldAccountant(), new ZcdpAccountant().compose(DpEvents.gaussian(3))]) {
      if (acc.supports(e)) acc.compose(e);
      for (const d of [1e-3, 1e-6, 1e-9]) expect(acc.delta(acc.epsilon(d))).toBeLessThanOrEqual(d * 1.001);
    }
  });

  it('prices the Gaussian in closed form: RDP α/(2σ²), zCDP ρ = 1/(2σ²)', () => {
    const rdp = new RdpAccountant({ orders: [2, 8, 32.5] }).compose(DpEvents.gaussian(2), 3);
    expect(rdp.rdp).toEqual([(3 * 2) / 8, (3 * 8) / 8, (3 * 32.5) / 8]);
    expect(new ZcdpAccountant().compose(DpEvents.gaussian(2), 3).rho).toBeCloseTo(3 / 8, 15);
  });

  it('uses dp_accounting default orders', () => {
    expect(DEFAULT_RDP_ORDERS).toHaveLength(99 + 53 + 4);
    expect(DEFAULT_RDP_ORDERS[0]).toBeCloseTo(1.1, 15);
    expect(DEFAULT_RDP_ORDERS.at(-1)).toBe(1024);
  });

  it('reports infinity after a non-private event and zero for no-ops', () => {
    for (const make of makers) {
      expect(make().compose(DpEvents.noOp()).epsilon(1e-6)).toBe(0);
      expect(make().compose(DpEvents.nonPrivate()).epsilon(1e-6)).toBe(Number.POSITIVE_INFINITY);
    }
  });

  it('the PLD of the Gaussian gives the analytic Gaussian δ within 1% and never below it', () => {
    // analytic Gaussian (Balle & Wang 2018): δ(ε) = Φ(1/2σ − εσ) − e^ε Φ(−1/2σ − εσ); σ = 1, ε = 1: 0.126936…
    const d = new PldAccountant().compose(DpEvents.gaussian(1)).delta(1);
    expect(d).toBeGreaterThanOrEqual(0.12693673750664397);
    expect(d).toBeLessThan(0.12693673750664397 * 1.01);
  });

  it('the PLD of pure ε-DP has δ(ε) = 0 and ε(0) = ε (up to discretisation)', () => {
    const pld = PrivacyLossDistribution.epsilonDelta(1, 0);
    expect(pld.delta(1)).toBe(0);
    expect(pld.epsilon(0)).toBeCloseTo(1, 3);
  });

  it('zCDP δ(ε) inverts the CKS ε(δ)', () => {
    const acc = new ZcdpAccountant().compose(DpEvents.zcdp(0.3));
    const e = acc.epsilon(1e-6);
    expect(zcdpDelta(0.3, e)).toBeGreaterThan(0.99e-6);
    expect(zcdpDelta(0.3, e)).toBeLessThan(1.01e-6);
  });

  it('the RDP → (ε, δ) conversion is never worse than the classical ε = r + log(1/δ)/(α−1)', () => {
    const orders = [2, 4, 8, 16, 32];
    const rdp = orders.map((a) => a / 2);
    const classical = Math.min(...orders.map((a, i) => (rdp[i] as number) + Math.log(1e6) / (a - 1)));
    expect(rdpToEpsilon(orders, rdp, 1e-6).epsilon).toBeLessThanOrEqual(classical);
  });

  it('sampling without replacement is priced under replace-one only', () => {
    const e = DpEvents.sampledWithoutReplacement(1000, 10, DpEvents.gaussian(1));
    expect(new RdpAccountant().supports(e)).toBe(false);
    const acc = new RdpAccountant({ adjacency: 'replaceOne' }).compose(e, 100);
    expect(acc.epsilon(1e-5)).toBeGreaterThan(0);
    expect(acc.epsilon(1e-5)).toBeLessThan(new RdpAccountant({ adjacency: 'replaceOne' }).compose(DpEvents.gaussian(1), 100).epsilon(1e-5));
  });
});

describe('Poisson-subsampled randomized response (PLD)', () => {
  it('equals plain randomized response at q = 1 and costs less at q < 1', () => {
    const rr = DpEvents.randomizedResponse(0.4, 5);
    const plain = new PldAccountant().compose(rr, 10).epsilon(1e-6);
    const full = new PldAccountant().compose(DpEvents.poissonSampled(1, rr), 10).epsilon(1e-6);
    const sub = new PldAccountant().compose(DpEvents.poissonSampled(0.1, rr), 10).epsilon(1e-6);
    expect(full).toBeCloseTo(plain, 9);
    expect(sub).toBeLessThan(plain);
    expect(sub).toBeGreaterThan(0);
  });
});
