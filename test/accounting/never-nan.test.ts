/**
 * Accountants never return NaN (issue 10, item 10): every answer is a sound finite value or +∞,
 * monotone in δ and in the number of steps, over a wide grid of parameters
 * (σ from 1e-3 to 1e4, steps from 1 to 1e6, sampling rates down to 1e-6, δ from 1e-300 to 0.5).
 * The rule is written in src/accounting/pld-accountant.proof.md.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advancedComposition,
  type DpEvent,
  DpEvents,
  heterogeneousComposition,
  optimalComposition,
  optimalCompositionDelta,
  PldAccountant,
  type PrivacyAccountant,
  RdpAccountant,
  ZcdpAccountant,
  zcdpDelta,
} from '../../src/index.js';

const logUniform = (lo: number, hi: number) => fc.double({ min: Math.log10(lo), max: Math.log10(hi), noNaN: true }).map((e) => 10 ** e);

/** A leaf event with a noise parameter from the wide grid. */
const leaf: fc.Arbitrary<DpEvent> = fc.oneof(
  logUniform(1e-3, 1e4).map((s) => DpEvents.gaussian(s)),
  logUniform(1e-3, 1e4).map((s) => DpEvents.laplace(s)),
  logUniform(1e-2, 1e4).map((s) => DpEvents.discreteLaplace(s)),
  logUniform(1e-2, 3e2).map((s) => DpEvents.discreteGaussian(s)),
  fc
    .tuple(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 2, max: 50 }))
    .map(([p, k]) => DpEvents.randomizedResponse(p, k)),
  fc.tuple(logUniform(1e-4, 50), logUniform(1e-12, 0.1)).map(([e, d]) => DpEvents.epsilonDelta(e, d)),
  logUniform(1e-6, 1e3).map((r) => DpEvents.zcdp(r)),
);

/** The same for the PLD accountant, whose grids (up to 2²³ points) make tiny σ slow on a shared machine; the extremes are the regressions above. */
const pldLeaf: fc.Arbitrary<DpEvent> = fc.oneof(
  logUniform(0.3, 1e4).map((s) => DpEvents.gaussian(s)),
  logUniform(0.1, 1e4).map((s) => DpEvents.laplace(s)),
  logUniform(0.1, 1e4).map((s) => DpEvents.discreteLaplace(s)),
  logUniform(0.3, 30).map((s) => DpEvents.discreteGaussian(s)),
  fc
    .tuple(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 2, max: 50 }))
    .map(([p, k]) => DpEvents.randomizedResponse(p, k)),
  fc.tuple(logUniform(1e-4, 50), logUniform(1e-12, 0.1)).map(([e, d]) => DpEvents.epsilonDelta(e, d)),
);
const pldSampled: fc.Arbitrary<DpEvent> = fc.oneof(
  pldLeaf,
  fc.tuple(logUniform(1e-6, 1), pldLeaf).map(([q, e]) => DpEvents.poissonSampled(q, e)),
);

const sampled: fc.Arbitrary<DpEvent> = fc.oneof(
  leaf,
  fc.tuple(logUniform(1e-6, 1), leaf).map(([q, e]) => DpEvents.poissonSampled(q, e)),
  fc
    .tuple(fc.integer({ min: 2, max: 1_000_000 }), leaf)
    .map(([n, e]) => DpEvents.sampledWithoutReplacement(n, Math.max(1, Math.floor(n / 7)), e)),
);

const accountants: [string, () => PrivacyAccountant][] = [
  ['rdp', () => new RdpAccountant()],
  ['zcdp', () => new ZcdpAccountant()],
  // The generative PLD runs use a 10× coarser grid (same code paths, a tenth of the FFT work).
  ['pld', () => new PldAccountant({ valueDiscretizationInterval: 1e-3 })],
];

function priced(make: () => PrivacyAccountant, event: DpEvent, steps: number): PrivacyAccountant | null {
  const a = make();
  if (!a.supports(event)) return null;
  return a.compose(DpEvents.selfComposed(event, steps));
}

describe('accountants never return NaN', () => {
  it('regression: PLD of 1000 Gaussians of σ = 1 is finite (was NaN) and matches the closed form', () => {
    const eps = new PldAccountant().compose(DpEvents.selfComposed(DpEvents.gaussian(1), 1000)).epsilon(1e-5);
    expect(Number.isFinite(eps)).toBe(true);
    // 1000 Gaussians of σ = 1 are one Gaussian of σ = 1/√1000: the RDP bound is looser, the PLD one tighter.
    const rdp = new RdpAccountant().compose(DpEvents.selfComposed(DpEvents.gaussian(1), 1000)).epsilon(1e-5);
    expect(eps).toBeGreaterThan(600);
    expect(eps).toBeLessThan(rdp);
  });

  it('regression: extreme losses (σ → 0, ε huge) give a finite value or +∞, never NaN or a RangeError', () => {
    for (const s of [1e-3, 1e-200]) {
      const cases: [DpEvent, number][] = [
        [DpEvents.gaussian(s), 1000],
        [DpEvents.poissonSampled(0.5, DpEvents.gaussian(s)), 3],
        [DpEvents.laplace(s), 3],
      ];
      for (const [e, n] of cases) {
        const a = new PldAccountant().compose(DpEvents.selfComposed(e, n));
        const eps = a.epsilon(1e-5);
        expect(Number.isNaN(eps)).toBe(false);
        expect(eps).toBeGreaterThan(100);
        expect(a.delta(1)).toBeGreaterThanOrEqual(0);
      }
    }
    expect(new PldAccountant().compose(DpEvents.epsilonDelta(1e9, 0)).epsilon(1e-6)).toBeGreaterThanOrEqual(1e9);
  });

  for (const [name, make] of accountants) {
    it(`generative (${name}): ε(δ) is finite or +∞, ≥ 0 and non-increasing in δ; δ(ε) ∈ [0, 1] and non-increasing in ε`, () => {
      fc.assert(
        fc.property(
          name === 'pld' ? pldSampled : sampled,
          logUniform(1, 1e6).map(Math.round),
          fc.array(logUniform(1e-300, 0.5), { minLength: 2, maxLength: 4 }),
          fc.array(fc.oneof(logUniform(1e-6, 1e7), fc.constant(0)), { minLength: 2, maxLength: 3 }),
          (event, steps, deltas, epsilons) => {
            const a = priced(make, event, name === 'pld' ? Math.min(steps, 300) : steps);
            if (a === null) return;
            const ds = [...deltas].sort((x, y) => x - y);
            const eps = ds.map((d) => a.epsilon(d));
            for (const e of eps) {
              expect(Number.isNaN(e)).toBe(false);
              expect(e).toBeGreaterThanOrEqual(0);
            }
            for (let i = 1; i < eps.length; i++) expect(eps[i] as number).toBeLessThanOrEqual((eps[i - 1] as number) * (1 + 1e-9));
            const es = [...epsilons].sort((x, y) => x - y);
            const dels = es.map((e) => a.delta(e));
            for (const d of dels) {
              expect(d).toBeGreaterThanOrEqual(0);
              expect(d).toBeLessThanOrEqual(1);
            }
            for (let i = 1; i < dels.length; i++)
              expect(dels[i] as number).toBeLessThanOrEqual((dels[i - 1] as number) * (1 + 1e-9) + 1e-300);
          },
        ),
        { numRuns: name === 'pld' ? 12 : 300, seed: 10_2026 },
      );
    });

    it(`generative (${name}): ε(δ) is non-decreasing in the number of steps`, () => {
      fc.assert(
        fc.property(
          name === 'pld' ? pldSampled : sampled,
          logUniform(1, name === 'pld' ? 30 : 1e5).map(Math.round),
          fc.integer({ min: 2, max: 10 }),
          logUniform(1e-300, 0.5),
          (event, steps, factor, delta) => {
            const a = priced(make, event, steps);
            const b = priced(make, event, steps * factor);
            if (a === null || b === null) return;
            const ea = a.epsilon(delta);
            const eb = b.epsilon(delta);
            expect(Number.isNaN(ea) || Number.isNaN(eb)).toBe(false);
            expect(eb).toBeGreaterThanOrEqual(ea * (1 - 1e-6));
          },
        ),
        { numRuns: name === 'pld' ? 8 : 200, seed: 11_2026 },
      );
    });
  }

  it('generative: the composition theorems and the CKS conversion return finite values or +∞, monotone in δ', () => {
    fc.assert(
      fc.property(
        logUniform(1e-6, 50),
        fc.oneof(fc.constant(0), logUniform(1e-300, 0.1)),
        logUniform(1, 1e6).map(Math.round),
        logUniform(1e-300, 0.5),
        logUniform(1e-300, 0.5),
        (e, d, k, t1, t2) => {
          const [lo, hi] = t1 < t2 ? [t1, t2] : [t2, t1];
          const adv = advancedComposition(e, d, k, hi);
          expect(Number.isNaN(adv.epsilon)).toBe(false);
          const o1 = optimalComposition(e, d, Math.min(k, 2000), lo).epsilon;
          const o2 = optimalComposition(e, d, Math.min(k, 2000), hi).epsilon;
          expect(Number.isNaN(o1) || Number.isNaN(o2)).toBe(false);
          expect(o2).toBeLessThanOrEqual(o1 * (1 + 1e-9));
          const od = optimalCompositionDelta(e, d, Math.min(k, 2000), e * 3);
          expect(od >= 0 && od <= 1).toBe(true);
          const het = heterogeneousComposition([{ epsilon: e, delta: d }], hi);
          expect(Number.isNaN(het.epsilon)).toBe(false);
          const rho = e * e * k;
          const z1 = zcdpDelta(rho, e);
          expect(z1 >= 0 && z1 <= 1).toBe(true);
        },
      ),
      { numRuns: 300, seed: 12_2026 },
    );
  });
});
