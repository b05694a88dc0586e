/**
 * The synthesizers' selections are the exponential mechanism, charged ε²/8 (bounded range), and what the run's
 * filter charged is what an accountant derives from the recorded events (src/synth/selection.ts states the rule).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZcdpAccountant } from '../../src/accounting/index.js';
import { DpError } from '../../src/core/errors.js';
import { Rational } from '../../src/numeric/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { runAim } from '../../src/synth/aim.js';
import {
  exponentialEpsilonForRho,
  exponentialSelectionEvent,
  exponentialSelectionRho,
  selectExponential,
} from '../../src/synth/selection.js';

/** The exponential mechanism's probabilities ∝ exp(ε u/(2Δ)). */
function softmax(utilities: number[], sensitivity: number, epsilon: number): number[] {
  const best = Math.max(...utilities);
  const w = utilities.map((u) => Math.exp((epsilon * (u - best)) / (2 * sensitivity)));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / z);
}

describe('selectExponential', () => {
  it('draws from exp(ε u/(2Δ)), not permute-and-flip (fixed seed; failure probability ≤ 1e-6)', () => {
    // Two candidates a gap of 2Δ/ε apart: the exponential mechanism picks the worse with 1/(1 + e) ≈ 0.269,
    // permute-and-flip with e⁻¹/2 ≈ 0.184. Hoeffding with a union bound over 4 cells at N = 20 000:
    // each frequency is within sqrt(ln(8e6)/(2N)) ≈ 0.0200 of its probability except with probability ≤ 1e-6.
    const cases: [number[], number, number][] = [
      [[0, -2], 1, 2],
      [[3, 1, 2.5, -4], 0.5, 1.5],
    ];
    const rng = new SeededRandomSource(2024);
    const n = 20_000;
    const tol = Math.sqrt(Math.log(8e6) / (2 * n));
    for (const [u, sens, eps] of cases) {
      const counts = new Array<number>(u.length).fill(0);
      for (let i = 0; i < n; i++) {
        const r = selectExponential(u, sens, eps, rng);
        counts[r] = (counts[r] as number) + 1;
      }
      const p = softmax(u, sens, eps);
      counts.forEach((c, i) => {
        expect(Math.abs(c / n - (p[i] as number))).toBeLessThanOrEqual(tol);
      });
    }
  });

  it('returns an index of the list for any finite utilities (generative)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.double({ min: 1e-3, max: 50, noNaN: true }),
        fc.nat(),
        (u, sens, eps, seed) => {
          const r = selectExponential(u, sens, eps, new SeededRandomSource(seed));
          expect(Number.isInteger(r) && r >= 0 && r < u.length).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses hostile arguments with DpError INVALID_PARAMETER only (generative)', () => {
    const rng = new SeededRandomSource(1);
    const bad = fc.constantFrom<unknown>(
      undefined,
      null,
      1n,
      '1',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -1,
      0,
      {},
      [],
      [Number.NaN],
      ['1'],
    );
    fc.assert(
      fc.property(bad, fc.nat(2), (x, which) => {
        const args: unknown[] = [[1, 2], 1, 1];
        args[which] = x;
        let code: string | undefined;
        try {
          selectExponential(args[0] as number[], args[1] as number, args[2] as number, rng);
        } catch (e) {
          code = e instanceof DpError ? e.code : 'not a DpError';
        }
        // 0 is a valid utility list element only inside a list; as a list, a sensitivity or an ε it is refused.
        expect(code).toBe('INVALID_PARAMETER');
      }),
    );
    expect(() => exponentialSelectionRho(Number.NaN)).toThrow(DpError);
    expect(() => exponentialEpsilonForRho(-1 as unknown as Rational)).toThrow(DpError);
  });
});

describe('exponential-mechanism ρ', () => {
  it('ε²/8 ≤ ρ exactly, and ε is √(8ρ) to 1e-9 (generative)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1e3, noNaN: true }), (x) => {
        const rho = Rational.fromNumber(x);
        const eps = exponentialEpsilonForRho(rho);
        expect(exponentialSelectionRho(eps).le(rho)).toBe(true);
        expect(Math.abs(eps - Math.sqrt(8 * x))).toBeLessThanOrEqual(1e-9 * Math.sqrt(8 * x));
      }),
    );
  });

  it("an accountant charges an AIM run's recorded events exactly what its filter spent", () => {
    // 3 columns, 400 rows; the events (discrete Gaussians and exponential selections) composed by the zCDP
    // accountant give the filter's exact spend (up to double rounding) and never more than its total.
    const rng = new SeededRandomSource(9);
    const n = 400;
    const columns = [0, 1, 2].map((c) => Int32Array.from({ length: n }, (_, i) => (i * (c + 3) + (i >> c)) % (c + 2)));
    const run = runAim(columns, [2, 3, 4], { rho: Rational.fromNumber(0.5), rng, maxModelSize: 1000, roundIterations: 5, iterations: 10 });
    const acc = new ZcdpAccountant();
    for (const e of run.filter.events) acc.compose(e);
    const spent = run.filter.spent.toNumber();
    expect(Math.abs(acc.rho - spent)).toBeLessThanOrEqual(1e-12 * run.filter.total.toNumber());
    expect(spent).toBeLessThanOrEqual(run.filter.total.toNumber());
    expect(run.filter.events.some((e) => e.type === 'exponential')).toBe(true);
    expect(exponentialSelectionEvent(2)).toEqual({ type: 'exponential', epsilon: 2 });
  });
});
