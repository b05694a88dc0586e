/**
 * μ-GDP: the exact duality with (ε, δ) and the CLT accountant of subsampled Gaussians, against
 * Opacus v1.4.0 (accountants/analysis/gdp.py) and TF Privacy (gdp_accountant.py) — fixture
 * test/fixtures/accounting/engineer-api.json names each call —, laws, the label that marks the
 * CLT result as an approximation, and a case where it under-states the PLD accountant's bound.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyticGaussianDelta,
  DpEvents,
  gdpDelta,
  gdpEpsilon,
  gdpEpsilonClt,
  gdpMuPoissonClt,
  gdpMuUniformClt,
  PldAccountant,
} from '../../src/index.js';
import { expectInvalidParameter } from '../_expect-invalid.js';

interface OpacusPoint {
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
  delta: number;
  muPoisson: number;
  muUniform: number;
  epsilonPoisson: number;
  epsilonUniform: number;
}
interface TfPoint {
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
  delta: number;
  muPoisson: number;
  muUniform: number;
  epsilonPoisson: number;
}
type DualPoint = { mu: number; epsilon: number; delta: number } | { mu: number; deltaTarget: number; epsilonForDelta: number };
const fixture = JSON.parse(readFileSync(new URL('../fixtures/accounting/engineer-api.json', import.meta.url), 'utf8')) as {
  gdp: { opacus: OpacusPoint[]; tfPrivacy: TfPoint[]; dual: DualPoint[] };
};
const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

describe('GDP CLT accountant (an approximation)', () => {
  it('μ agrees with Opacus compute_mu_poisson / compute_mu_uniform to 1e-14 relative at 12 runs', () => {
    expect(fixture.gdp.opacus.length).toBe(12);
    for (const p of fixture.gdp.opacus) {
      const run = { noiseMultiplier: p.noiseMultiplier, sampleRate: p.sampleRate, steps: p.steps };
      expect(rel(gdpMuPoissonClt(run), p.muPoisson)).toBeLessThan(1e-14);
      expect(rel(gdpMuUniformClt(run), p.muUniform)).toBeLessThan(1e-14);
    }
  });

  it('ε agrees with Opacus compute_eps_poisson / compute_eps_uniform (brentq) to 1e-10 relative, labelled as CLT', () => {
    for (const p of fixture.gdp.opacus) {
      const run = { noiseMultiplier: p.noiseMultiplier, sampleRate: p.sampleRate, steps: p.steps, delta: p.delta };
      const poisson = gdpEpsilonClt(run);
      const uniform = gdpEpsilonClt({ ...run, sampling: 'uniform' });
      expect(poisson.approximation).toBe('central-limit-theorem');
      expect(uniform.sampling).toBe('uniform');
      expect(rel(poisson.epsilon, p.epsilonPoisson)).toBeLessThan(1e-10);
      expect(rel(uniform.epsilon, p.epsilonUniform)).toBeLessThan(1e-10);
    }
  });

  it('agrees with TF Privacy compute_mu_* / compute_eps_poisson(epochs, σ, n, batch) (q = batch/n, T = epochs·n/batch)', () => {
    expect(fixture.gdp.tfPrivacy.length).toBe(3);
    for (const p of fixture.gdp.tfPrivacy) {
      // TF Privacy's T may be fractional (60·60000/256 = 14062.5); μ is linear in √T, so μ(T) = √T·μ(1).
      const one = { noiseMultiplier: p.noiseMultiplier, sampleRate: p.sampleRate, steps: 1 };
      const muP = Math.sqrt(p.steps) * gdpMuPoissonClt(one);
      expect(rel(muP, p.muPoisson)).toBeLessThan(1e-14);
      expect(rel(Math.sqrt(p.steps) * gdpMuUniformClt(one), p.muUniform)).toBeLessThan(1e-14);
      expect(rel(gdpEpsilon(muP, p.delta), p.epsilonPoisson)).toBeLessThan(1e-10);
    }
  });

  it('can under-state the loss: q = 0.2, σ = 0.8, T = 20 gives a CLT ε below the PLD accountant’s bound at δ = 1e-5', () => {
    const clt = gdpEpsilonClt({ noiseMultiplier: 0.8, sampleRate: 0.2, steps: 20, delta: 1e-5 }).epsilon;
    const pld = new PldAccountant().compose(DpEvents.selfComposed(DpEvents.poissonSampled(0.2, DpEvents.gaussian(0.8)), 20)).epsilon(1e-5);
    // PLD's discretisation (1e-4 per step) cannot explain a gap of more than 1.
    expect(clt).toBeLessThan(pld - 1);
  });

  it('μ grows with steps and sampling rate and shrinks with σ (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 50, noNaN: true }),
        fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 1e6 }),
        (sigma, q, steps) => {
          for (const mu of [gdpMuPoissonClt, gdpMuUniformClt]) {
            const base = mu({ noiseMultiplier: sigma, sampleRate: q, steps });
            expect(mu({ noiseMultiplier: sigma, sampleRate: q, steps: steps + 1 })).toBeGreaterThanOrEqual(base);
            expect(mu({ noiseMultiplier: sigma, sampleRate: 2 * q, steps })).toBeGreaterThanOrEqual(base);
            expect(mu({ noiseMultiplier: sigma * 1.1, sampleRate: q, steps })).toBeLessThanOrEqual(base);
          }
          expect(gdpMuPoissonClt({ noiseMultiplier: sigma, sampleRate: q, steps: 0 })).toBe(0);
        },
      ),
    );
  });
});

describe('μ-GDP ⇄ (ε, δ) duality (exact)', () => {
  it('agrees with Opacus delta_eps_mu and eps_from_mu (1e-10 relative; δ rounded up, never below)', () => {
    expect(fixture.gdp.dual.length).toBe(30);
    for (const p of fixture.gdp.dual) {
      if ('epsilon' in p) {
        const mine = gdpDelta(p.mu, p.epsilon);
        expect(rel(mine, p.delta)).toBeLessThan(1e-10);
        expect(mine).toBeGreaterThanOrEqual(p.delta * (1 - 1e-15));
      } else {
        expect(rel(gdpEpsilon(p.mu, p.deltaTarget), p.epsilonForDelta)).toBeLessThan(1e-10);
      }
    }
  });

  it('is the Gaussian profile at Δ/σ = μ, monotone, and its two directions are inverse (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 30, noNaN: true }),
        fc.double({ min: 1e-14, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        (mu, delta, epsilon) => {
          expect(gdpDelta(mu, epsilon)).toBe(analyticGaussianDelta(1, epsilon, mu));
          // Monotone up to one subnormal: the profile's upper bound adds Number.MIN_VALUE and is clamped at 0, so a δ
          // that is 0 at ε can read 5e-324 at ε + 0.5 (mechanisms/analytic-gaussian.ts profileUp; harmless: larger).
          expect(gdpDelta(mu, epsilon + 0.5)).toBeLessThanOrEqual(gdpDelta(mu, epsilon) + Number.MIN_VALUE);
          expect(gdpDelta(mu * 1.2, epsilon)).toBeGreaterThanOrEqual(gdpDelta(mu, epsilon));
          const e = gdpEpsilon(mu, delta);
          expect(gdpDelta(mu, e)).toBeLessThanOrEqual(delta);
          expect(gdpEpsilon(mu, Math.min(0.9, delta * 2))).toBeLessThanOrEqual(e);
        },
      ),
      { seed: 23 },
    );
  });

  it('refuses bad arguments with INVALID_PARAMETER naming them', () => {
    const cases: [() => unknown, string][] = [
      [() => gdpDelta(-1, 1), 'mu'],
      [() => gdpDelta(Number.POSITIVE_INFINITY, 1), 'mu'],
      [() => gdpEpsilon(1, 0), 'delta'],
      [() => gdpMuPoissonClt({ noiseMultiplier: 0, sampleRate: 0.1, steps: 10 }), 'noiseMultiplier'],
      [() => gdpMuPoissonClt({ noiseMultiplier: 1, sampleRate: 1.5, steps: 10 }), 'sampleRate'],
      [() => gdpMuUniformClt({ noiseMultiplier: 1, sampleRate: 0.1, steps: 2.5 }), 'steps'],
      [() => gdpEpsilonClt({ noiseMultiplier: 1, sampleRate: 0.1, steps: 10, delta: 2 }), 'delta'],
      [() => gdpEpsilonClt({ noiseMultiplier: 1, sampleRate: 0.1, steps: 10, delta: 1e-5, sampling: 'shuffle' as 'poisson' }), 'sampling'],
      [() => gdpMuPoissonClt(undefined as unknown as { noiseMultiplier: number; sampleRate: number; steps: number }), 'noiseMultiplier'],
    ];
    for (const [f, parameter] of cases) expectInvalidParameter(f, parameter);
  });
});

describe('GDP on hostile but valid inputs', () => {
  it('never returns NaN: every valid run gives a number in [0, ∞] (property, σ down to 1e-300, steps from 0)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-300, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-300, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.constantFrom<'poisson' | 'uniform'>('poisson', 'uniform'),
        (sigma, q, steps, sampling) => {
          const run = { noiseMultiplier: sigma, sampleRate: q, steps };
          for (const mu of [gdpMuPoissonClt(run), gdpMuUniformClt(run)]) expect(mu >= 0).toBe(true);
          const e = gdpEpsilonClt({ ...run, delta: 1e-6, sampling }).epsilon;
          expect(e >= 0).toBe(true);
        },
      ),
    );
  });
});
