/**
 * Issue 10, item 12 ("validates once at the edge, with the branded types in its signature") and "the brands appear in
 * no signature": the brands of `core/params.ts` carry the load. Edge validators are total on `unknown` and make the
 * brand; the code behind the edge (privacy maps, the Laplace map and calibration, the filters' exact arithmetic) takes
 * brands, so a plain `number` does not type-check there (the `@ts-expect-error` lines fail `tsc` if it ever does);
 * public results (calibrated scales, filter budgets, distances) carry brands. Rule: `src/core/params.ts` header.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ApproxDpFilter } from '../../src/accounting/approx-dp-filter.js';
import { calibrateLaplaceScale } from '../../src/accounting/calibration.js';
import { DpEvents } from '../../src/accounting/dp-events.js';
import { RdpFilter } from '../../src/accounting/rdp-filter.js';
import { ZcdpFilter } from '../../src/accounting/zcdp-filter.js';
import { DpError } from '../../src/core/errors.js';
import { pure } from '../../src/core/loss.js';
import { defineMeasurement } from '../../src/core/measurement.js';
import {
  checkDistance,
  Delta,
  Epsilon,
  type Epsilon as EpsilonT,
  LossAmount,
  type LossAmount as LossAmountT,
  Rho,
  Scale,
  type Scale as ScaleT,
  Sensitivity,
  type Sensitivity as SensitivityT,
} from '../../src/core/params.js';
import { laplaceEpsilon, laplaceScaleForEpsilon, makeLaplace } from '../../src/mechanisms/laplace.js';
import { laplaceGranularity } from '../../src/random/index.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'none';
  } catch (e) {
    return e instanceof DpError ? e.code : `escaped ${(e as Error)?.constructor?.name}`;
  }
};

describe('brands carry the load (issue 10, item 12)', () => {
  it('type level: an unvalidated number cannot reach a function behind the edge; validated values and results are brands', () => {
    const scale = Scale.of(2);
    const dIn = checkDistance(1);
    expectTypeOf(dIn).toEqualTypeOf<SensitivityT>();
    expect(laplaceEpsilon(dIn, scale, laplaceGranularity(scale), 1)).toBeGreaterThan(0.5);
    // @ts-expect-error a plain number is not a validated distance
    laplaceEpsilon(1, scale, laplaceGranularity(scale), 1);
    // @ts-expect-error a plain number is not a validated scale
    laplaceEpsilon(dIn, 2, laplaceGranularity(2), 1);
    // A privacy map is handed a validated distance: its parameter is a brand.
    defineMeasurement({
      name: 'x',
      inputDomain: { kind: 'any' } as never,
      inputMetric: 'absolute-distance',
      outputMeasure: 'pure',
      invoke: () => 0,
      privacyMap: (d) => {
        expectTypeOf(d).toEqualTypeOf<SensitivityT>();
        return pure(d);
      },
    });
    // Results leave as brands.
    expectTypeOf(laplaceScaleForEpsilon(1, 1)).toEqualTypeOf<ScaleT>();
    expectTypeOf(calibrateLaplaceScale({ targetEpsilon: 1, delta: 0, makeEvent: (b) => DpEvents.laplace(b) })).toEqualTypeOf<ScaleT>();
    expectTypeOf(new ZcdpFilter(1).rhoBudget).toEqualTypeOf<LossAmountT>();
    expectTypeOf(new ApproxDpFilter({ epsilon: 1 }).epsilonBudget).toEqualTypeOf<LossAmountT>();
    expectTypeOf(new RdpFilter({ order: 2, budget: 1 }).budget).toEqualTypeOf<LossAmountT>();
    expectTypeOf(Epsilon.of(1)).toEqualTypeOf<EpsilonT>();
    // A brand is still a number for users.
    expect(laplaceScaleForEpsilon(1, 1) * 1).toBeGreaterThan(1);
  });

  it('regression: subnormal scales, bigints and strings are INVALID_PARAMETER at the edge, never a RangeError/TypeError', () => {
    expect(codeOf(() => makeLaplace({ scale: 5e-324 }))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => Scale.of(5e-324))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => Epsilon.of(1n))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => Rho.of('1'))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => checkDistance({}))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => new ZcdpFilter(1n as never))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => laplaceScaleForEpsilon(5e-324, 1))).toBe('INVALID_PARAMETER');
  });

  it('generative: every validator is total on unknown — it returns a value meeting its invariant or refuses with INVALID_PARAMETER', () => {
    const validators = [
      { v: Epsilon, ok: (x: number) => Number.isFinite(x) && x > 0 },
      { v: Delta, ok: (x: number) => x >= 0 && x < 1 && !Object.is(x, -0) },
      { v: Rho, ok: (x: number) => Number.isFinite(x) && x > 0 },
      { v: Scale, ok: (x: number) => Number.isFinite(x) && x >= 2 ** -1022 && Number.isFinite(1 / x) },
      { v: Sensitivity, ok: (x: number) => Number.isFinite(x) && x >= 0 && !Object.is(x, -0) },
      { v: LossAmount, ok: (x: number) => Number.isFinite(x) && x >= 0 && !Object.is(x, -0) },
    ];
    const hostile = fc.oneof(
      fc.anything(),
      fc.double(),
      fc.constantFrom(5e-324, -0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, 1n, '1', null, undefined),
    );
    fc.assert(
      fc.property(hostile, (x) => {
        for (const { v, ok } of validators) {
          const r = v.safe(x);
          if (r.ok) {
            expect(ok(r.value)).toBe(true);
            expect(v.is(r.value)).toBe(true);
          } else expect(r.error.code).toBe('INVALID_PARAMETER');
          expect(codeOf(() => checkDistance(x))).toMatch(/^(none|INVALID_PARAMETER)$/);
        }
      }),
      { numRuns: 500, seed: 20261206 },
    );
  });
});
