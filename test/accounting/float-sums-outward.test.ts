/**
 * Spent totals round up, remaining rounds down (issue 10, "float sums rounded outward").
 * Rule: src/accounting/float-sums.proof.md.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApproxDpFilter,
  addDown,
  addUp,
  DpEvents,
  divUp,
  isDpError,
  mulDown,
  mulUp,
  nextDown,
  PrivacyBudget,
  PrivacyOdometer,
  privacyUnit,
  pure,
  Rational,
  RdpAccountant,
  Session,
  ZcdpAccountant,
  ZcdpFilter,
  zcdp,
} from '../../src/index.js';

const R = (x: number) => Rational.fromNumber(x);
const exactSum = (xs: readonly number[]) => xs.reduce((s, x) => s.add(R(x)), Rational.ZERO);
const finite = fc.double({ min: -1e300, max: 1e300, noNaN: true, noDefaultInfinity: true });
const positive = fc.oneof(
  fc.double({ min: 1e-300, max: 1e3, noNaN: true }),
  fc.constantFrom(1, 1.1e-16, 2 ** -53, 0.1, 0.2, 1 / 3, 5e-324),
);

describe('float sums rounded outward', () => {
  it('regression: 1 + 1.1e-16 is 1 to nearest; the odometer and the zCDP accountant report ρ > 1', () => {
    expect(1 + 1.1e-16).toBe(1);
    const odo = new PrivacyOdometer();
    odo.record(DpEvents.zcdp(1));
    odo.record(DpEvents.zcdp(1.1e-16));
    expect(odo.rhoSpent).toBeGreaterThan(1);
    expect(R(odo.rhoSpent).ge(R(1).add(R(1.1e-16)))).toBe(true);
    const acc = new ZcdpAccountant().compose(DpEvents.zcdp(1)).compose(DpEvents.zcdp(1.1e-16));
    expect(acc.rho).toBeGreaterThan(1);
    // basic ε of the odometer: 1 + 1.1e-16 as well.
    const odo2 = new PrivacyOdometer();
    odo2.record(DpEvents.laplace(1));
    odo2.record(DpEvents.laplace(1 / 1.1e-16));
    expect(odo2.basic.epsilon).toBeGreaterThan(1);
  });

  it('regression: the odometer refuses a bad perReleaseDelta before recording anything', () => {
    const odo = new PrivacyOdometer();
    for (const bad of [Number.NaN, -1, 1, 2, '0.1', 1n, null] as unknown[]) {
      expect(() => odo.record(DpEvents.gaussian(1), bad as number)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    }
    expect(odo.rhoSpent).toBe(0);
  });

  it('regression: ApproxDpFilter reports spent rounded up and remaining rounded down', () => {
    const f = new ApproxDpFilter({ epsilon: 1 });
    f.charge(1 / 3);
    expect(R(f.spent.epsilon).ge(Rational.of(1n, 3n))).toBe(true);
    expect(R(f.remaining.epsilon).le(Rational.of(2n, 3n))).toBe(true);
  });

  it('generative: addUp / addDown / mulUp / mulDown / divUp are the directed roundings of the exact sum (fast-check, seed 7)', () => {
    fc.assert(
      fc.property(finite, finite, (a, b) => {
        const exact = R(a).add(R(b));
        const up = addUp(a, b);
        const down = addDown(a, b);
        expect(R(up).ge(exact)).toBe(true);
        expect(R(nextDown(up)).lt(exact)).toBe(true);
        expect(R(down).le(exact)).toBe(true);
        expect(up === down).toBe(R(up).equals(exact));
        const p = R(a).mul(R(b));
        const mu = mulUp(a, b);
        const md = mulDown(a, b);
        if (Number.isFinite(mu)) expect(R(mu).ge(p) && R(nextDown(mu)).lt(p)).toBe(true);
        if (Number.isFinite(md)) expect(R(md).le(p)).toBe(true);
        if (b !== 0) {
          const q = divUp(a, b);
          if (Number.isFinite(q)) expect(R(q).ge(R(a).div(R(b))) && R(nextDown(q)).lt(R(a).div(R(b)))).toBe(true);
        }
      }),
      { seed: 7, numRuns: 3000 },
    );
  });

  it('generative: the odometer and the zCDP / RDP accountants never report a Σ below the exact sum (fast-check, seed 8)', () => {
    fc.assert(
      fc.property(fc.array(positive, { minLength: 1, maxLength: 12 }), (rhos) => {
        const odo = new PrivacyOdometer();
        const z = new ZcdpAccountant();
        for (const r of rhos) {
          odo.record(DpEvents.zcdp(r));
          z.compose(DpEvents.zcdp(r));
        }
        const exact = exactSum(rhos);
        expect(R(odo.rhoSpent).ge(exact)).toBe(true);
        expect(R(z.rho).ge(exact)).toBe(true);
        // pure events: the basic Σε (odometer) and every accountant's pure bound (ε at δ = 0).
        const eps = rhos.filter((r) => r >= 1e-200);
        const odoPure = new PrivacyOdometer();
        const rdp = new RdpAccountant();
        for (const e of eps) {
          odoPure.record(DpEvents.laplace(1 / e));
          rdp.compose(DpEvents.laplace(1 / e));
        }
        const exactEps = eps.reduce((s, e) => s.add(Rational.ONE.div(R(1 / e))), Rational.ZERO);
        if (eps.length > 0) {
          expect(R(odoPure.basic.epsilon).ge(exactEps)).toBe(true);
          expect(R(rdp.epsilon(0)).ge(exactEps)).toBe(true);
        }
      }),
      { seed: 8, numRuns: 200 },
    );
  });

  // Charges k·2⁻³⁰ (k < 2²⁰): every such double is exactly the rational a caller means, and so is
  // their sum S, so "the exact sum exceeds the cap by one ulp" is unambiguous: cap = nextDown(S).
  const dyadic = fc.array(
    fc.integer({ min: 1, max: 2 ** 20 }).map((k) => k * 2 ** -30),
    { minLength: 1, maxLength: 15 },
  );

  type Charger = { name: string; make: (cap: number) => (c: number) => void };
  const chargers: Charger[] = [
    {
      name: 'PrivacyBudget.pure',
      make: (cap) => {
        let b = PrivacyBudget.pure(cap);
        return (c) => {
          b = b.charge(pure(c));
        };
      },
    },
    {
      name: 'PrivacyBudget.zcdp',
      make: (cap) => {
        let b = PrivacyBudget.zcdp(cap);
        return (c) => {
          b = b.charge(zcdp(c));
        };
      },
    },
    {
      name: 'PrivacyBudget.approximate (pure charges)',
      make: (cap) => {
        let b = PrivacyBudget.approximate(cap, 1e-6);
        return (c) => {
          b = b.charge(pure(c));
        };
      },
    },
    {
      name: 'Session.charge',
      make: (cap) => {
        const s = Session.fromRecords([{ x: 1 }], { columns: ['x'], budget: PrivacyBudget.pure(cap) });
        return (c) => s.charge(pure(c), privacyUnit(null));
      },
    },
    {
      name: 'ApproxDpFilter',
      make: (cap) => {
        const f = new ApproxDpFilter({ epsilon: cap });
        return (c) => f.charge(c);
      },
    },
    {
      name: 'ZcdpFilter',
      make: (cap) => {
        const f = new ZcdpFilter(cap);
        return (c) => f.charge(c);
      },
    },
  ];

  for (const { name, make } of chargers) {
    it(`generative: ${name} refuses the charge that passes the cap by one ulp and accepts an exact fit (fast-check, seed 9)`, () => {
      fc.assert(
        fc.property(dyadic, (charges) => {
          const S = exactSum(charges).toNumber();
          expect(R(S).equals(exactSum(charges))).toBe(true); // S is exact
          // cap = S: all accepted.
          const exactFit = make(S);
          for (const c of charges) exactFit(c);
          // cap = S − 1 ulp: all but the last accepted, the last refused.
          const over = make(nextDown(S));
          for (const c of charges.slice(0, -1)) over(c);
          let refused = false;
          try {
            over(charges[charges.length - 1] as number);
          } catch (e) {
            refused = isDpError(e, 'BUDGET_EXHAUSTED');
            if (!refused) throw e;
          }
          expect(refused).toBe(true);
        }),
        { seed: 9, numRuns: 150 },
      );
    });
  }
});
