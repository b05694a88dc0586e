/**
 * Issue 10 class 12 (review S7): every public entry validates its arguments once at the edge. The shape guards of
 * `src/numeric/edge.ts` are total on every JavaScript value, and the size limits that keep a call's cost bounded are
 * refused before any work (roundUpCost's ulps, logAbsBinomial's k, Beta shapes, RDP orders, PLD counts).
 * The whole-entry sweep is test/review/root-hostile-parameters.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PLD_COMPOSITIONS } from '../../src/accounting/privacy-loss-distribution.js';
import { MAX_RDP_ORDER } from '../../src/accounting/rdp-accountant.js';
import { DpError } from '../../src/core/errors.js';
import {
  betaQuantile,
  DpEvents,
  logAbsBinomial,
  PldAccountant,
  PrivacyLossDistribution,
  Rational,
  RdpAccountant,
  regularizedBeta,
  roundUpCost,
} from '../../src/index.js';
import * as edge from '../../src/numeric/edge.js';

function invalid(f: () => unknown): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DpError);
  expect((caught as DpError).code).toBe('INVALID_PARAMETER');
}

describe('edge guards (class 12)', () => {
  it('regression: the sizes that hung or ran for seconds are refused with INVALID_PARAMETER stating the limit', () => {
    invalid(() => roundUpCost(1, Number.MAX_VALUE));
    invalid(() => roundUpCost(1, Number.NaN));
    invalid(() => roundUpCost(Number.NaN));
    invalid(() => logAbsBinomial(1, Number.MAX_VALUE));
    invalid(() => betaQuantile(Number.NaN, {} as number, 1));
    invalid(() => betaQuantile(0.5, Number.NaN, 1));
    invalid(() => regularizedBeta(0.5, Number.NaN, 1));
    invalid(() => new RdpAccountant({ orders: [1e15] }));
    invalid(() => new RdpAccountant({ orders: [MAX_RDP_ORDER + 1] }));
    invalid(() => new PldAccountant().compose(DpEvents.selfComposed(DpEvents.gaussian(1), 1e8)));
    invalid(() => PrivacyLossDistribution.gaussian(1).selfCompose(MAX_PLD_COMPOSITIONS + 1));
    invalid(() => Rational.fromNumber(Number.NaN));
    invalid(() => Rational.of(1.5));
    invalid(() => Rational.parse(undefined as unknown as string));
    // Inside the limits the calls still answer.
    expect(roundUpCost(1, 2)).toBeGreaterThan(1);
    expect(logAbsBinomial(10, 3)).toBeCloseTo(Math.log(120), 12);
    expect(new RdpAccountant({ orders: [MAX_RDP_ORDER] }).orders).toEqual([MAX_RDP_ORDER]);
  });

  it('regression: a refused PLD count changes nothing in the accountant', () => {
    const a = new PldAccountant();
    a.compose(DpEvents.gaussian(2));
    const before = a.epsilon(1e-5);
    invalid(() => a.compose(DpEvents.composed([DpEvents.gaussian(2), DpEvents.selfComposed(DpEvents.gaussian(2), 1e9)])));
    expect(a.epsilon(1e-5)).toBe(before);
  });

  it('generative: every guard is total — on any JavaScript value it passes or throws DpError INVALID_PARAMETER (fast-check, seed 12)', () => {
    const guards: Array<(x: unknown) => void> = [
      (x) => edge.edgeRecord(x, 'x'),
      (x) => edge.edgeOptionalRecord(x, 'x'),
      (x) => edge.edgeNumber(x, 'x'),
      (x) => edge.edgeFinite(x, 'x'),
      (x) => edge.edgeInteger(x, 'x', 0, 10),
      (x) => edge.edgeArray(x, 'x', true),
      (x) => edge.edgeIterable(x, 'x'),
      (x) => edge.edgeString(x, 'x'),
      (x) => edge.edgeFunction(x, 'x'),
      (x) => edge.edgeKind(x, 'x'),
      (x) => roundUpCost(x as number, 1),
      (x) => logAbsBinomial(3, x as number),
      (x) => Rational.fromNumber(x as number),
      (x) => Rational.parse(x as string),
    ];
    const value = fc.oneof(fc.anything({ withBigInt: true, withNullPrototype: true, withTypedArray: true }), fc.double(), fc.bigInt());
    fc.assert(
      fc.property(value, fc.nat(guards.length - 1), (x, g) => {
        try {
          (guards[g] as (x: unknown) => void)(x);
          return true;
        } catch (e) {
          return e instanceof DpError && e.code === 'INVALID_PARAMETER';
        }
      }),
      { seed: 12, numRuns: 2000 },
    );
  });

  it('generative: a guard accepts exactly its shape (fast-check, seed 13)', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true }), (x) => {
        const passes = (f: () => void) => {
          try {
            f();
            return true;
          } catch {
            return false;
          }
        };
        expect(passes(() => edge.edgeNumber(x, 'x'))).toBe(typeof x === 'number');
        expect(passes(() => edge.edgeString(x, 'x'))).toBe(typeof x === 'string');
        expect(passes(() => edge.edgeRecord(x, 'x'))).toBe(typeof x === 'object' && x !== null && !Array.isArray(x));
      }),
      { seed: 13, numRuns: 500 },
    );
  });
});
