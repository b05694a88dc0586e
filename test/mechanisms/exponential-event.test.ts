/**
 * S13 (synth 03:51, lead 03:56): `makeExponential` samples by permute-and-flip, which is ε-DP but not ε-bounded-range;
 * it recorded the bounded-range event `exponential` (zCDP ε²/8), so composing it under zCDP/RDP under-counted 4×.
 * Rule: a mechanism's recorded event names the sampler it actually runs (src/mechanisms/exponential.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZcdpAccountant } from '../../src/accounting/zcdp-accountant.js';
import { makeExponential } from '../../src/mechanisms/exponential.js';

const make = (epsilon: number, monotonic: boolean) =>
  makeExponential<number[], number>({
    candidates: [0, 1, 2],
    utility: (d, c) => d.filter((x) => x === c).length,
    sensitivity: 1,
    epsilon,
    monotonic,
  });

describe('makeExponential records the permute-and-flip event', () => {
  it('regression: ε = 1 composes to ρ = ε²/2 = 0.5 under zCDP (was ε²/8 = 0.125)', () => {
    const m = make(1, false);
    const ev = m.event?.(1);
    expect(ev?.type).toBe('permuteAndFlip');
    const acct = new ZcdpAccountant().compose(ev as NonNullable<typeof ev>);
    expect(acct.rho).toBeGreaterThanOrEqual(0.5);
  });

  it('generative: for random ε, dIn and monotonicity, the zCDP ρ of the recorded event is ≥ (privacyMap ε)²/2 (fast-check, seed 31)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        (epsilon, dIn, monotonic) => {
          const m = make(epsilon, monotonic);
          const ev = m.event?.(dIn);
          expect(ev?.type).toBe('permuteAndFlip');
          const e = (m.privacyMap(dIn) as { epsilon: number }).epsilon;
          const rho = new ZcdpAccountant().compose(ev as NonNullable<typeof ev>).rho;
          expect(rho).toBeGreaterThanOrEqual((e * e) / 2 - 1e-15 * e * e);
        },
      ),
      { seed: 31, numRuns: 200 },
    );
  });
});
