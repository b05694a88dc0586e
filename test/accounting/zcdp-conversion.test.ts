/**
 * The CKS conversion between ρ-zCDP and (ε, δ)-DP, both ways: agreement with the CKS reference code
 * (cdp2adp.cdp_delta / cdp_eps) and dp_accounting's RDP conversion on a dense order grid (fixture
 * test/fixtures/accounting/engineer-api.json, each entry names its call), laws and validation.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDpError } from '../../src/core/errors.js';
import { ZcdpAccountant, zcdpDeltaForEpsilon, zcdpEpsilonForDelta } from '../../src/index.js';
import { expectInvalidParameter } from '../_expect-invalid.js';

interface DeltaPoint {
  rho: number;
  epsilon: number;
  delta: number;
  dpAccountingDelta: number;
}
interface EpsilonPoint {
  rho: number;
  deltaTarget: number;
  epsilonForDelta: number;
  dpAccountingEpsilon: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/accounting/engineer-api.json', import.meta.url), 'utf8')) as {
  zcdp_conversion: (DeltaPoint | EpsilonPoint)[];
};
const deltaPoints = fixture.zcdp_conversion.filter((p): p is DeltaPoint => 'epsilon' in p);
const epsilonPoints = fixture.zcdp_conversion.filter((p): p is EpsilonPoint => 'deltaTarget' in p);
const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

describe('zCDP → (ε, δ) by the CKS conversion', () => {
  it('δ(ε) agrees with CKS cdp2adp.cdp_delta to 1e-12 relative at 20 points', () => {
    expect(deltaPoints.length).toBe(20);
    // Where the reference underflowed to 0 the exact δ is still positive: the directed value (float-sums.proof.md,
    // "Terms") is the smallest doubles above it (≤ 2·5e-324), never 0.
    for (const p of deltaPoints) {
      const mine = zcdpDeltaForEpsilon(p.rho, p.epsilon);
      if (p.delta === 0) expect(mine).toBeLessThanOrEqual(2 * Number.MIN_VALUE);
      else expect(rel(mine, p.delta)).toBeLessThan(1e-12);
    }
  });

  it('δ(ε) is at most dp_accounting compute_delta on 12 799 orders (a discrete minimum) and within 1e-3 of it', () => {
    for (const p of deltaPoints) {
      const mine = zcdpDeltaForEpsilon(p.rho, p.epsilon);
      if (p.dpAccountingDelta === 0) {
        expect(mine).toBeLessThanOrEqual(2 * Number.MIN_VALUE); // underflowed reference (see above)
        continue;
      }
      expect(mine).toBeLessThanOrEqual(p.dpAccountingDelta * (1 + 1e-12));
      expect(rel(mine, p.dpAccountingDelta)).toBeLessThan(1e-3);
    }
  });

  it('ε(δ) agrees with CKS cdp2adp.cdp_eps to 1e-12 relative and is at most dp_accounting compute_epsilon (12 points)', () => {
    expect(epsilonPoints.length).toBe(12);
    for (const p of epsilonPoints) {
      const mine = zcdpEpsilonForDelta(p.rho, p.deltaTarget);
      expect(rel(mine, p.epsilonForDelta)).toBeLessThan(1e-12);
      expect(mine).toBeLessThanOrEqual(p.dpAccountingEpsilon * (1 + 1e-12));
      expect(rel(mine, p.dpAccountingEpsilon)).toBeLessThan(1e-4);
    }
  });

  it('the two directions are inverse, monotone, below the Bun–Steinke bound, and equal the accountant (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 20, noNaN: true }),
        fc.double({ min: 1e-15, max: 0.5, noNaN: true }),
        fc.double({ min: 1.01, max: 3, noNaN: true }),
        (rho, delta, factor) => {
          const e = zcdpEpsilonForDelta(rho, delta);
          expect(zcdpDeltaForEpsilon(rho, e)).toBeLessThanOrEqual(delta * (1 + 1e-9));
          if (e > 0) expect(zcdpDeltaForEpsilon(rho, e * 0.999)).toBeGreaterThan(delta * (1 - 1e-9));
          expect(zcdpEpsilonForDelta(rho, Math.min(0.9, delta * factor))).toBeLessThanOrEqual(e);
          expect(zcdpEpsilonForDelta(rho * factor, delta)).toBeGreaterThanOrEqual(e);
          expect(zcdpDeltaForEpsilon(rho, e * factor)).toBeLessThanOrEqual(zcdpDeltaForEpsilon(rho, e));
          expect(e).toBeLessThanOrEqual(rho + 2 * Math.sqrt(rho * Math.log(1 / delta)) + 1e-12);
          const acc = new ZcdpAccountant();
          acc.compose({ type: 'zcdp', rho });
          expect(acc.epsilon(delta)).toBeLessThanOrEqual(e * (1 + 1e-12));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ρ = 0 gives δ = 0 and ε = 0; bad arguments are INVALID_PARAMETER', () => {
    expect(zcdpDeltaForEpsilon(0, 1)).toBe(0);
    expect(zcdpEpsilonForDelta(0, 1e-6)).toBe(0);
    // ρ near the largest double: ε overflows, a NUMERICAL_ERROR (not an INVALID_PARAMETER about an ε the caller never gave)
    let overflow: unknown;
    try {
      zcdpEpsilonForDelta(1.7e308, 1e-10);
    } catch (e) {
      overflow = e;
    }
    expect(isDpError(overflow, 'NUMERICAL_ERROR')).toBe(true);
    expect(zcdpDeltaForEpsilon(1.7e308, 1)).toBe(1);
    const cases: [() => unknown, string][] = [
      [() => zcdpDeltaForEpsilon(-1, 1), 'rho'],
      [() => zcdpDeltaForEpsilon(Number.POSITIVE_INFINITY, 1), 'rho'],
      [() => zcdpDeltaForEpsilon(1, Number.NaN), 'epsilon'],
      [() => zcdpEpsilonForDelta(1, 0), 'delta'],
      [() => zcdpEpsilonForDelta(1, 1), 'delta'],
      [() => zcdpEpsilonForDelta('1' as unknown as number, 0.1), 'rho'],
    ];
    for (const [f, parameter] of cases) expectInvalidParameter(f, parameter);
  });
});
