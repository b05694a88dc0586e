import { describe, expect, it } from 'vitest';
import { PldAccountant } from '../../src/accounting/pld-accountant.js';
import { ZcdpAccountant } from '../../src/accounting/zcdp-accountant.js';
import { makeDiscreteGaussian } from '../../src/mechanisms/discrete-gaussian.js';
import { makeGaussian } from '../../src/mechanisms/gaussian.js';
import { makeLaplace } from '../../src/mechanisms/laplace.js';
import { makeCategoricalRandomizedResponse } from '../../src/mechanisms/randomized-response.js';

// The events mechanisms report must price, by the accountants, to (about) what their privacy maps state.
describe('mechanism events priced by the accountants', () => {
  it('a Laplace event prices to the map’s ε under the PLD accountant', () => {
    const m = makeLaplace({ scale: 2 });
    const event = m.event?.(1);
    if (!event) throw new Error('makeLaplace reports an event');
    const epsilon = new PldAccountant().compose(event).epsilon(1e-12);
    expect(epsilon).toBeLessThanOrEqual(m.privacyMap(1).epsilon * (1 + 1e-3));
    expect(epsilon).toBeGreaterThan(m.privacyMap(1).epsilon * 0.99);
  });

  it('a Gaussian event prices to the map’s ρ under the zCDP accountant', () => {
    const m = makeGaussian({ sigma: 3 });
    const event = m.event?.(1);
    if (!event) throw new Error('makeGaussian reports an event');
    const zcdp = new ZcdpAccountant().compose(event, 4);
    const analytic = makeGaussian({ sigma: 3, delta: 1e-6 }).privacyMap(2); // 4 compositions of Δ = 1 = one at Δ = 2
    // The zCDP accountant's ε at δ is a valid upper bound: never below the tight analytic ε.
    expect(zcdp.epsilon(1e-6)).toBeGreaterThanOrEqual(analytic.epsilon * (1 - 1e-6));
  });

  it('discrete Gaussian and randomized response events are supported by some accountant', () => {
    const dg = makeDiscreteGaussian({ sigma: 5 }).event?.(1);
    const rr = makeCategoricalRandomizedResponse({ epsilon: 1, categories: ['a', 'b', 'c'] }).event?.(1);
    if (!dg || !rr) throw new Error('events are reported');
    expect(new ZcdpAccountant().supports(dg) || new PldAccountant().supports(dg)).toBe(true);
    expect(new PldAccountant().supports(rr)).toBe(true);
    // Local RR: any two values are neighbours, i.e. replace-one (dp_accounting's default for RR is replace-special).
    const epsilon = new PldAccountant({ adjacency: 'replaceOne' }).compose(rr).epsilon(1e-12);
    expect(Math.abs(epsilon - 1)).toBeLessThan(0.01);
  });
});
