import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rational } from '../numeric/rational.js';
import { PrivacyBudget } from './budget.js';
import { floatDomain, intDomain, vectorDomain } from './domain.js';
import { isDpError } from './errors.js';
import { approximate, convertLoss, type PrivacyLoss, pure, pureToZcdp, zcdp, zcdpToApproximate, zcdpToApproximateSimple } from './loss.js';
import { chain, defineMeasurement, defineTransformation } from './measurement.js';
import { checkDeltaForSize, Delta, Epsilon, Rho, Scale } from './params.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDpError(e) ? e.code : 'not a DpError';
  }
  return undefined;
}

describe('branded parameters', () => {
  it('refuse NaN, ±Infinity, zero and negatives with INVALID_PARAMETER', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, -1]) {
      expect(codeOf(() => Epsilon.of(bad))).toBe('INVALID_PARAMETER');
      expect(codeOf(() => Scale.of(bad))).toBe('INVALID_PARAMETER');
      expect(codeOf(() => Rho.of(bad))).toBe('INVALID_PARAMETER');
    }
  });

  it('accept δ in [0, 1), read −0 as 0, refuse 1 and above', () => {
    expect(Object.is(Delta.of(-0), 0)).toBe(true);
    expect(Delta.of(1e-6)).toBe(1e-6);
    for (const bad of [1, 1.5, -1e-9, Number.NaN]) expect(codeOf(() => Delta.of(bad))).toBe('INVALID_PARAMETER');
    expect(Delta.safe(2).ok).toBe(false);
  });

  it('refuse δ ≥ 1/n for a data set of n rows', () => {
    expect(checkDeltaForSize(1e-6, 1000)).toBe(1e-6);
    expect(codeOf(() => checkDeltaForSize(1e-3, 1000))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => checkDeltaForSize(0.5, 2))).toBe('INVALID_PARAMETER');
  });

  it('never echo anything but the parameter in messages', () => {
    try {
      Epsilon.of(Number.NaN);
    } catch (e) {
      expect(String(e)).toMatch(/epsilon must be a finite number > 0, got NaN/);
    }
  });
});

describe('Rational', () => {
  it('reads a double exactly and round-trips through toNumber', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Rational.fromNumber(x).toNumber()).toBe(x === 0 ? 0 : x);
      }),
    );
  });

  it('rounds toNumberUp and toNumberDown around the exact value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 25n }), (n, d) => {
        const r = Rational.of(n, d);
        expect(Rational.fromNumber(r.toNumberUp()).ge(r)).toBe(true);
        expect(Rational.fromNumber(r.toNumberDown()).le(r)).toBe(true);
      }),
    );
  });

  it('reads the intended rational of a double: 1/11, 0.1, 1/3', () => {
    expect(Rational.fromNumberIntended(1 / 11).toString()).toBe('1/11');
    expect(Rational.fromNumberIntended(0.1).toString()).toBe('1/10');
    expect(Rational.fromNumberIntended(-1 / 3).toString()).toBe('-1/3');
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), (x) => {
        expect(Rational.fromNumberIntended(x).toNumber()).toBe(x === 0 ? 0 : x);
      }),
    );
  });

  it('parses decimals, exponents and fractions exactly, and refuses junk', () => {
    expect(Rational.parse('1/11').toString()).toBe('1/11');
    expect(Rational.parse('-2.5').toString()).toBe('-5/2');
    expect(Rational.parse('1e-6').toString()).toBe('1/1000000');
    expect(() => Rational.parse('1/0')).toThrow();
    expect(() => Rational.parse('abc')).toThrow();
  });
});

describe('losses and conversions', () => {
  it('convert pure ε to ρ = ε²/2 (Bun–Steinke Prop. 1.4), rounded up', () => {
    const r = pureToZcdp(pure(1));
    expect(r.rho).toBeGreaterThanOrEqual(0.5);
    expect(r.rho).toBeLessThan(0.5 + 1e-15);
  });

  it('give the simple zCDP bound ρ + 2√(ρ ln 1/δ) within 1e-9', () => {
    const rho = 0.5;
    const delta = 1e-6;
    const expected = rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
    const got = zcdpToApproximateSimple(zcdp(rho), delta).epsilon;
    expect(Math.abs(got - expected) / expected).toBeLessThan(1e-9);
    expect(got).toBeGreaterThanOrEqual(expected);
  });

  // Reference: mpmath 1.3 at 40 digits, minimising CKS 2020 Cor. 13 over α (findroot on dε/dα).
  it.each([
    [0.5, 1e-6, 5.221534444530169],
    [0.1, 1e-5, 1.914238832003598],
    [2.0, 1e-9, 14.1501475538746],
  ])('give the CKS conversion within 1e-9 of the reference and never below it (ρ=%f, δ=%f)', (rho, delta, reference) => {
    const tight = zcdpToApproximate(zcdp(rho), delta).epsilon;
    expect(tight).toBeLessThan(zcdpToApproximateSimple(zcdp(rho), delta).epsilon);
    expect(tight).toBeGreaterThanOrEqual(reference * (1 - 1e-15));
    expect((tight - reference) / reference).toBeLessThan(1e-9);
  });

  it('make the CKS bound never looser than the simple one (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 50, noNaN: true }), fc.double({ min: 1e-12, max: 0.5, noNaN: true }), (rho, delta) => {
        expect(zcdpToApproximate(zcdp(rho), delta).epsilon).toBeLessThanOrEqual(zcdpToApproximateSimple(zcdp(rho), delta).epsilon);
      }),
    );
  });

  it('refuse impossible conversions and invalid losses', () => {
    expect(codeOf(() => convertLoss(approximate(1, 1e-6), 'pure'))).toBe('DOMAIN_MISMATCH');
    expect(codeOf(() => convertLoss(zcdp(1), 'approximate'))).toBe('DOMAIN_MISMATCH');
    expect(codeOf(() => pure(Number.NaN))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => approximate(1, 2))).toBe('INVALID_PARAMETER');
  });
});

describe('PrivacyBudget', () => {
  it('fits eleven spends of 1/11 in a budget of 1 and refuses a twelfth', () => {
    let b = PrivacyBudget.pure(1);
    for (let i = 0; i < 11; i++) b = b.charge(pure(1 / 11));
    expect(b.isExhausted).toBe(true);
    expect(codeOf(() => b.charge(pure(1 / 11)))).toBe('BUDGET_EXHAUSTED');
  });

  it('charges nothing when it refuses', () => {
    const b = PrivacyBudget.approximate(1, 1e-6).charge(approximate(0.6, 0));
    expect(codeOf(() => b.charge(approximate(0.5, 0)))).toBe('BUDGET_EXHAUSTED');
    expect(b.remainingExact.epsilon.toString()).toBe('2/5');
    expect(b.remaining.kind === 'approximate' && b.remaining.epsilon).toBeLessThanOrEqual(0.4); // rounded down
    expect(b.charge(approximate(0.4, 1e-6)).isExhausted).toBe(true);
  });

  it('never lets the spent total pass the budget (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 0.3, noNaN: true }), { maxLength: 30 }), (costs) => {
        let b = PrivacyBudget.pure(1);
        let sum = Rational.ZERO;
        for (const c of costs) {
          if (b.canCharge(pure(c))) {
            b = b.charge(pure(c));
            sum = sum.add(Rational.fromNumberIntended(c));
          } else expect(codeOf(() => b.charge(pure(c)))).toBe('BUDGET_EXHAUSTED');
        }
        expect(sum.le(Rational.ONE)).toBe(true);
      }),
    );
  });

  it('converts pure charges into a zCDP budget and refuses approximate ones', () => {
    const b = PrivacyBudget.zcdp(0.5).charge(pure(1));
    expect(b.isExhausted).toBe(true);
    expect(codeOf(() => PrivacyBudget.zcdp(1).charge(approximate(0.1, 1e-9)))).toBe('DOMAIN_MISMATCH');
  });

  it('refuses NaN and ±Infinity amounts before any check', () => {
    expect(codeOf(() => PrivacyBudget.pure(Number.NaN))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => PrivacyBudget.pure(1).charge({ kind: 'pure', epsilon: Number.NaN } as unknown as PrivacyLoss))).toBe(
      'INVALID_PARAMETER',
    );
    expect(codeOf(() => PrivacyBudget.pure(Number.POSITIVE_INFINITY))).toBe('INVALID_PARAMETER');
  });

  it('round-trips exactly through JSON', () => {
    const b = PrivacyBudget.pure(1).charge(pure(1 / 3));
    const back = PrivacyBudget.fromJSON(JSON.parse(JSON.stringify(b)));
    expect(back.toJSON()).toEqual(b.toJSON());
    expect(back.remainingExact.epsilon.toString()).toBe('2/3');
  });
});

describe('chaining', () => {
  const double = defineTransformation<number, number>({
    name: 'double',
    inputDomain: floatDomain(),
    outputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMetric: 'absolute-distance',
    invoke: (x) => 2 * x,
    stabilityMap: (d) => 2 * d,
  });
  const identityRelease = defineMeasurement<number, number, 'pure'>({
    name: 'scaled-map',
    inputDomain: floatDomain(),
    inputMetric: 'absolute-distance',
    outputMeasure: 'pure',
    invoke: (x) => x,
    privacyMap: (d) => pure(d / 4),
  });

  it('composes maps: the chained map is the measurement map of the stability map (property)', () => {
    const m = chain(double, identityRelease);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (d) => {
        expect(m.privacyMap(d)).toEqual(identityRelease.privacyMap(double.stabilityMap(d)));
      }),
    );
  });

  it('refuses chains whose spaces do not fit', () => {
    const intOnly = defineMeasurement<number, number, 'pure'>({
      name: 'int-only',
      inputDomain: intDomain(),
      inputMetric: 'absolute-distance',
      outputMeasure: 'pure',
      invoke: (x) => x,
      privacyMap: (d) => pure(d),
    });
    expect(codeOf(() => double.then(intOnly))).toBe('DOMAIN_MISMATCH');
    const l1 = defineMeasurement<number, number, 'pure'>({
      name: 'l1',
      inputDomain: vectorDomain(floatDomain()),
      inputMetric: 'l1-distance',
      outputMeasure: 'pure',
      invoke: (x) => x,
      privacyMap: (d) => pure(d),
    });
    expect(codeOf(() => double.then(l1))).toBe('DOMAIN_MISMATCH');
  });

  it('refuses a negative or NaN distance before the map sees it', () => {
    expect(codeOf(() => identityRelease.privacyMap(-1))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => identityRelease.privacyMap(Number.NaN))).toBe('INVALID_PARAMETER');
  });
});

describe('stored budgets', () => {
  it('refuse negative or junk amounts when read back (fail closed)', () => {
    const json = PrivacyBudget.pure(1).toJSON();
    expect(codeOf(() => PrivacyBudget.fromJSON({ ...json, spent: { ...json.spent, epsilon: '-1/2' } }))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => PrivacyBudget.fromJSON({ ...json, total: { ...json.total, epsilon: 'NaN' } }))).toBe('INVALID_PARAMETER');
  });
});
