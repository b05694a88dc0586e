/**
 * Type level (issue 10, brands on loss values; rule in src/core/loss.ts header): a plain number is
 * refused wherever a privacy loss is expected — it must go through the calculus (`pure`, `approximate`,
 * `zcdp`, a privacy map, a calibration). A branded amount is still a number for whoever reads it.
 * Run by vitest's typecheck (`@ts-expect-error` lines fail the check if they ever compile).
 */
import { expectTypeOf, test } from 'vitest';
import {
  type ApproximateLoss,
  type DeltaBound,
  DpEvents,
  type EpsilonBound,
  type LossAmount,
  makeLaplace,
  PrivacyBudget,
  type PrivacyLoss,
  PrivacyOdometer,
  type PureLoss,
  pure,
  RdpAccountant,
  Session,
  ZcdpAccountant,
  type ZcdpLoss,
  zcdp,
  zcdpToApproximate,
} from '../../src/index.js';

test('a plain number (or a hand-made loss object) is refused where a loss is expected', () => {
  const budget = PrivacyBudget.pure(1);
  const x = 0.5;
  // @ts-expect-error a hand-made loss: epsilon is a number, not a LossAmount
  budget.charge({ kind: 'pure', epsilon: x });
  // @ts-expect-error a hand-made zCDP loss
  budget.canCharge({ kind: 'zcdp', rho: 0.1 });
  // @ts-expect-error a plain number is not a loss
  budget.charge(x);
  // @ts-expect-error a number is not a LossAmount
  const amount: LossAmount = x;
  // @ts-expect-error a spread cannot forge a loss from a float either
  const forged: PureLoss = { ...pure(1), epsilon: 2 };
  // @ts-expect-error an accountant's answer cannot be made from a float by assignment
  const eps: EpsilonBound = 1.5;
  // @ts-expect-error nor can a δ bound
  const del: DeltaBound = 1e-6;
  const session = Session.fromRecords([], { columns: ['x'], budget: PrivacyBudget.pure(1) });
  // @ts-expect-error a session charge needs a loss from the calculus
  session.charge({ kind: 'pure', epsilon: 1 }, session.unit);
  // @ts-expect-error zcdpToApproximate takes a ZcdpLoss, not a number
  zcdpToApproximate(0.1, 1e-6);
  void amount;
  void forged;
  void eps;
  void del;
});

test('the calculus makes losses: constructors, privacy maps, conversions', () => {
  expectTypeOf(pure(0.5)).toEqualTypeOf<PureLoss>();
  expectTypeOf(zcdp(0.5)).toEqualTypeOf<ZcdpLoss>();
  expectTypeOf(zcdpToApproximate(zcdp(0.5), 1e-6)).toEqualTypeOf<ApproximateLoss>();
  expectTypeOf(makeLaplace({ scale: 2 }).privacyMap(1)).toMatchTypeOf<PrivacyLoss>();
  PrivacyBudget.pure(1).charge(makeLaplace({ scale: 2 }).privacyMap(1));
});

test('a branded amount is still a number: reading needs no cast', () => {
  const loss = pure(0.5);
  const e: number = loss.epsilon;
  expectTypeOf(loss.epsilon).toMatchTypeOf<number>();
  expectTypeOf(loss.epsilon * 2).toEqualTypeOf<number>();
  const acc = new RdpAccountant().compose(DpEvents.gaussian(2), 10);
  const eps: number = acc.epsilon(1e-6);
  expectTypeOf(acc.epsilon(1e-6)).toEqualTypeOf<EpsilonBound>();
  expectTypeOf(new ZcdpAccountant().delta(1)).toEqualTypeOf<DeltaBound>();
  expectTypeOf(new PrivacyOdometer().epsilon(1e-6)).toEqualTypeOf<EpsilonBound>();
  const budgetOk: boolean = acc.epsilon(1e-6) <= 1;
  void e;
  void eps;
  void budgetOk;
});
