/**
 * The grid form of the optimal (KOV) homogeneous composition: agreement with mpmath's exact
 * evaluation (40 digits), dp_accounting's `advanced_composition` and the CKS reference code's
 * `optcomp` (fixture test/fixtures/accounting/engineer-api.json names each call), agreement with
 * `optimalCompositionDelta` at the grid points, laws and validation.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advancedComposition,
  basicComposition,
  KOV_GRID_MAX_K,
  kovCompositionEpsilon,
  kovCompositionGrid,
  optimalCompositionDelta,
} from '../../src/index.js';
import { expectInvalidParameter } from '../_expect-invalid.js';

interface KovEntry {
  epsilon: number;
  delta: number;
  k: number;
  gridDelta: number[];
  advancedComposition: { totalDelta: number; epsilon: number | string | null }[];
  cksOptcomp?: { i: number; delta: number }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/accounting/engineer-api.json', import.meta.url), 'utf8')) as {
  kov_grid: KovEntry[];
};

describe('KOV optimal composition, grid form', () => {
  it('agrees with mpmath’s exact evaluation of KOV Theorem 3.3 to 1e-11 relative, and is never below it', () => {
    expect(fixture.kov_grid.length).toBe(6);
    let points = 0;
    for (const g of fixture.kov_grid) {
      const grid = kovCompositionGrid(g.epsilon, g.delta, g.k);
      expect(grid.length).toBe(g.gridDelta.length);
      grid.forEach((p, i) => {
        const exact = g.gridDelta[i] as number;
        expect(p.epsilon).toBeCloseTo((g.k - 2 * i) * g.epsilon, 9);
        expect(p.delta).toBeGreaterThanOrEqual(exact);
        expect(p.delta - exact).toBeLessThanOrEqual(1e-11 * exact + 1e-300);
        points++;
      });
    }
    expect(points).toBeGreaterThan(700);
  });

  it('returns the grid ε of dp_accounting advanced_composition exactly, where it does not overflow (k(1+e^ε) ≤ 1e308)', () => {
    let compared = 0;
    for (const g of fixture.kov_grid) {
      for (const a of g.advancedComposition) {
        const mine = kovCompositionEpsilon(g.epsilon, g.delta, g.k, a.totalDelta);
        if (typeof a.epsilon === 'number') {
          expect(mine).toBe(a.epsilon);
          compared++;
        } else if (a.epsilon === null) {
          // None: the target is below 1 − (1 − δ)^k, no ε reaches it
          expect(mine).toBe(Number.POSITIVE_INFINITY);
          compared++;
        } else {
          // dp_accounting overflows ((1 + e^0.05)^1001); the grid answer still exists and matches mpmath's grid.
          expect(a.epsilon).toMatch(/OverflowError/);
          const i = g.gridDelta.findIndex((d) => d > a.totalDelta);
          expect(mine).toBeCloseTo((g.k - 2 * (i - 1)) * g.epsilon, 9);
        }
      }
    }
    expect(compared).toBe(15);
  });

  it('agrees with the CKS reference code plots.optcomp (δ = 0) to 1e-11 relative', () => {
    let compared = 0;
    for (const g of fixture.kov_grid) {
      if (g.cksOptcomp === undefined) continue;
      const grid = kovCompositionGrid(g.epsilon, 0, g.k);
      for (const c of g.cksOptcomp) {
        const mine = (grid[c.i] as { delta: number }).delta;
        if (c.delta === 0) expect(mine).toBe(0);
        else expect(Math.abs(mine - c.delta) / c.delta).toBeLessThan(1e-11);
        compared++;
      }
    }
    expect(compared).toBe(13);
  });

  it('matches optimalCompositionDelta at every grid point and is monotone (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 3, noNaN: true }),
        fc.constantFrom(0, 1e-12, 1e-8, 1e-5),
        fc.integer({ min: 1, max: 400 }),
        (epsilon, delta, k) => {
          const grid = kovCompositionGrid(epsilon, delta, k);
          expect(grid.length).toBe(Math.floor(k / 2) + 1);
          for (let i = 0; i < grid.length; i++) {
            const p = grid[i] as { epsilon: number; delta: number };
            const curve = optimalCompositionDelta(epsilon, delta, k, p.epsilon);
            expect(Math.abs(p.delta - curve)).toBeLessThanOrEqual(1e-9 * p.delta + 1e-15);
            if (i > 0) expect(p.delta).toBeGreaterThanOrEqual((grid[i - 1] as { delta: number }).delta);
          }
          // the largest grid ε is basic composition, with δ = 1 − (1 − δ)^k ≤ kδ
          expect((grid[0] as { delta: number }).delta).toBeLessThanOrEqual(basicComposition(Array(k).fill({ epsilon, delta })).delta);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is at most advanced composition (up to one grid step 2ε) and grows with ε, δ and k (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1, noNaN: true }),
        fc.integer({ min: 2, max: 2000 }),
        fc.double({ min: 1e-12, max: 1e-2, noNaN: true }),
        (epsilon, k, deltaPrime) => {
          const adv = advancedComposition(epsilon, 0, k, deltaPrime).epsilon;
          const kov = kovCompositionEpsilon(epsilon, 0, k, deltaPrime);
          expect(kov).toBeLessThanOrEqual(Math.min(adv, k * epsilon) + 2 * epsilon + 1e-9);
          expect(kovCompositionEpsilon(epsilon * 1.5, 0, k, deltaPrime)).toBeGreaterThanOrEqual(kov);
          expect(kovCompositionEpsilon(epsilon, 0, k + 1, deltaPrime)).toBeGreaterThanOrEqual(kov - epsilon - 1e-9);
          expect(kovCompositionEpsilon(epsilon, 0, k, deltaPrime / 10)).toBeGreaterThanOrEqual(kov);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('handles the edges: ε = 0, k = 0, an unreachable target, and refuses bad arguments with INVALID_PARAMETER', () => {
    expect(kovCompositionGrid(0, 1e-6, 10)).toEqual([{ epsilon: 0, delta: -Math.expm1(10 * Math.log1p(-1e-6)) }]);
    expect(kovCompositionGrid(1, 0, 0)).toEqual([{ epsilon: 0, delta: 0 }]);
    expect(kovCompositionEpsilon(0.1, 1e-3, 100, 1e-6)).toBe(Number.POSITIVE_INFINITY);
    const cases: [() => unknown, string][] = [
      [() => kovCompositionGrid(-1, 0, 3), 'epsilon'],
      [() => kovCompositionGrid(1, 1.5, 3), 'delta'],
      [() => kovCompositionGrid(1, 0, 2.5), 'k'],
      [() => kovCompositionGrid(1, 0, KOV_GRID_MAX_K + 1), 'k'],
      [() => kovCompositionEpsilon(1, 0, 3, Number.NaN), 'targetDelta'],
    ];
    for (const [f, parameter] of cases) expectInvalidParameter(f, parameter);
  });
});
