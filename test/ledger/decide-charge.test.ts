/**
 * The ledger's decision (`planCharge` / `decideCharge`, shared by the file and PostgreSQL ledgers) is a privacy
 * filter pinned at each data set's first spend (review finding 2, `core/exact-loss.proof.md` "Fully adaptive spends")
 * and the cap it pins is never changed by a caller (review finding 7).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { largestFirstRho } from '../../src/core/budget-filter.js';
import { type ExactLoss, exactLoss } from '../../src/core/exact-loss.js';
import { approximate, pure, zcdp, zcdpToApproximate } from '../../src/core/loss.js';
import { decideCharge, type LedgerEntry, type LedgerPin, type LedgerScope, planCharge, sumEntries } from '../../src/ledger/ledger.js';
import { Rational } from '../../src/numeric/rational.js';

const SEED = { seed: 20261205, numRuns: 150 };
const entry = (analyst: string, l: ExactLoss, recorded?: ExactLoss): LedgerEntry => ({
  analyst,
  ...l,
  memo: 'q',
  at: '',
  ...(recorded ? { recorded } : {}),
});

/** ρ whose conversion at δ = 1e-6 is ε = 1 (bisection on the public conversion). */
function rhoAtOne(): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (zcdpToApproximate(zcdp(mid), 1e-6).epsilon <= 1) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** A ledger in memory built on planCharge, as both backends use it (entries with their recorded amounts, and pins). */
class Book {
  readonly entries: LedgerEntry[] = [];
  readonly pins: LedgerPin[] = [];
  charge(scope: LedgerScope, cost: ExactLoss) {
    const plan = planCharge(this.entries, scope, cost, this.pins);
    this.pins.push(...plan.pins);
    this.entries.push(entry(scope.analyst ?? 'default', cost, plan.recorded ?? undefined));
    return plan.status;
  }
}

describe('decideCharge (shared by the file and PostgreSQL ledgers)', () => {
  it('pins a data set whose first spend is ρ to zcdp accounting: five ρ spends cost one conversion of their total', () => {
    const rho = rhoAtOne();
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.parse('2.3'), delta: Rational.parse('5e-6') } };
    const book = new Book();
    for (let i = 0; i < 5; i++) {
      const s = book.charge(scope, exactLoss(zcdp(rho)));
      expect(s.dataset.spent.rho.equals(Rational.fromNumberIntended(rho).mul(Rational.of(BigInt(i + 1))))).toBe(true);
    }
    expect(book.pins).toHaveLength(1);
    expect(book.pins[0]?.mode).toBe('zcdp');
    expect(book.pins[0]?.conversionDelta.toString()).toBe('1/400000'); // D/2 converts Σρ, D/2 is left for spends' δ
    const s = decideCharge(book.entries, scope, null, book.pins);
    expect(s.dataset.guarantee.epsilon.toNumber()).toBeCloseTo(zcdpToApproximate(zcdp(5 * rho), 2.5e-6).epsilon, 6);
    expect(s.dataset.guarantee.epsilon.toNumber()).toBeCloseTo(2.2884, 3);
    // A later pure spend is recorded as ρ = ε²/2 (Bun–Steinke Prop. 3.3), never as ε added to the converted total.
    expect(() => book.charge(scope, exactLoss(pure(0.05)))).toThrow(/ε \(ρ converted once\)/);
    // A spend with δ (partition selection) fits in the δ left for spends, whatever came first.
    expect(() => book.charge(scope, { epsilon: Rational.ZERO, delta: Rational.parse('2e-6'), rho: Rational.ZERO })).not.toThrow();
    expect(() => book.charge(scope, { epsilon: Rational.ZERO, delta: Rational.parse('1e-6'), rho: Rational.ZERO })).toThrow(
      /δ \(left for spends/,
    );
  });

  it('pins a data set whose first spend is pure to (ε, δ) accounting: exactly basic composition, a later ρ converted on its own', () => {
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.parse('1e-6') } };
    const book = new Book();
    for (let i = 0; i < 11; i++) book.charge(scope, exactLoss(pure(1 / 11)));
    expect(() => book.charge(scope, exactLoss(pure(1e-9)))).toThrow(/the ε of the budget/);
    expect(book.pins[0]?.mode).toBe('approximate');
    const wide: LedgerScope = { dataset: 'w', cap: { epsilon: Rational.of(10n), delta: Rational.parse('1e-6') } };
    const w = new Book();
    w.charge(wide, exactLoss(pure(1)));
    const s = w.charge(wide, exactLoss(zcdp(0.01)));
    // δ′ = half the δ left: (1 + ε_CKS(0.01, 5e-7), 5e-7).
    expect(s.dataset.recorded.delta.toString()).toBe('1/2000000');
    expect(s.dataset.recorded.epsilon.toNumber()).toBeCloseTo(1 + zcdpToApproximate(zcdp(0.01), 5e-7).epsilon, 9);
    expect(s.dataset.recorded.rho.isZero()).toBe(true);
  });

  it('says which part of the budget is the limit, ε or δ', () => {
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.parse('1e-6') } };
    expect(() => decideCharge([], scope, exactLoss(approximate(0.5, 2e-6)))).toThrow(/the δ of the budget of data set "d"/);
    expect(() => decideCharge([], scope, exactLoss(pure(2)))).toThrow(/the ε of the budget/);
    expect(() => decideCharge([entry('a', exactLoss(approximate(0, 1e-6)))], scope, exactLoss(zcdp(1e-9)))).toThrow(
      /none left to convert ρ/,
    );
  });

  it('refuses a cost that is not three Rationals >= 0 (INVALID_PARAMETER), recording nothing', () => {
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
    for (const bad of [
      { epsilon: Rational.ONE, delta: Rational.ZERO },
      { epsilon: Rational.of(-1n), delta: Rational.ZERO, rho: Rational.ZERO },
      { epsilon: 1, delta: 0, rho: 0 },
    ]) {
      expect(() => decideCharge([], scope, bad as unknown as ExactLoss)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    }
  });

  it('refuses a charge under another cap than the pinned one (DOMAIN_MISMATCH naming the fix), raised or lowered, data set or analyst', () => {
    const cap = { epsilon: Rational.ONE, delta: Rational.parse('1e-6') };
    const book = new Book();
    book.charge(
      { dataset: 'd', cap, analyst: 'a', analystBudget: { epsilon: Rational.parse('1/2'), delta: Rational.ZERO } },
      exactLoss(pure(0.1)),
    );
    for (const other of [
      { epsilon: Rational.of(2n), delta: cap.delta },
      { epsilon: cap.epsilon, delta: Rational.parse('1e-5') },
      { epsilon: Rational.parse('1/2'), delta: cap.delta },
    ]) {
      expect(() => book.charge({ dataset: 'd', cap: other }, exactLoss(pure(0.1)))).toThrow(
        expect.objectContaining({
          code: 'DOMAIN_MISMATCH',
          message: expect.stringMatching(/pinned at its first spend.*new data set name/),
        }),
      );
      expect(() => decideCharge(book.entries, { dataset: 'd', cap: other }, null, book.pins)).toThrow(/pinned/);
    }
    expect(() =>
      book.charge(
        { dataset: 'd', cap, analyst: 'a', analystBudget: { epsilon: Rational.ONE, delta: Rational.ZERO } },
        exactLoss(pure(0.1)),
      ),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN_MISMATCH' }));
    // The analyst's pinned budget holds even when a later scope omits it.
    expect(() => book.charge({ dataset: 'd', cap, analyst: 'a' }, exactLoss(pure(0.45)))).toThrow(/analyst "a"/);
    expect(book.entries).toHaveLength(1);
  });

  it('a declared accounting is pinned with the cap: zcdp with all of D for the conversion gives one conversion at D', () => {
    const rho = rhoAtOne();
    const cap = { epsilon: Rational.of(10n), delta: Rational.parse('1e-6') };
    const scope: LedgerScope = { dataset: 'd', cap, accounting: { mode: 'zcdp', conversionDelta: cap.delta } };
    const book = new Book();
    for (let i = 0; i < 5; i++) book.charge(scope, exactLoss(zcdp(rho)));
    const s = decideCharge(book.entries, scope, null, book.pins);
    expect(s.dataset.guarantee.epsilon.toNumber()).toBeCloseTo(zcdpToApproximate(zcdp(5 * rho), 1e-6).epsilon, 6);
    expect(s.dataset.guarantee.epsilon.toNumber()).toBeCloseTo(2.3849, 3);
    // No δ is left for spends: a spend with δ is refused, naming the fix; the declared split cannot be changed later.
    expect(() => book.charge(scope, exactLoss(approximate(0.1, 1e-9)))).toThrow(/declare accounting/);
    expect(() => book.charge({ dataset: 'd', cap }, exactLoss(zcdp(rho)))).not.toThrow();
    expect(() => book.charge({ ...scope, accounting: { mode: 'approximate' } }, exactLoss(pure(0.1)))).toThrow(
      expect.objectContaining({ code: 'DOMAIN_MISMATCH' }),
    );
    // Without a declaration, D/2 whatever the first spend.
    const g = new Book();
    g.charge({ dataset: 'g', cap }, { epsilon: Rational.parse('0.1'), delta: Rational.parse('1e-7'), rho: Rational.parse('0.01') });
    expect(g.pins[0]?.conversionDelta.toString()).toBe('1/2000000');
    // What a planner calibrates one ρ release to: the largest first ρ, accepted, and a hair more refused.
    const r = largestFirstRho(cap);
    expect(() => new Book().charge({ dataset: 'p', cap }, { ...exactLoss(zcdp(0)), rho: r })).not.toThrow();
    expect(() => new Book().charge({ dataset: 'p', cap }, { ...exactLoss(zcdp(0)), rho: r.mul(Rational.parse('1.000001')) })).toThrow(
      /BUDGET_EXHAUSTED|would pass/,
    );
    expect(largestFirstRho(cap, { mode: 'zcdp', conversionDelta: cap.delta }).toNumber()).toBeGreaterThan(r.toNumber());
  });

  it('replays an old journal (no pins, no recorded amounts) by the same rule, deriving the pin from its first spend', () => {
    const rho = rhoAtOne();
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.parse('2.3'), delta: Rational.parse('5e-6') } };
    const book = new Book();
    for (let i = 0; i < 4; i++) book.charge(scope, exactLoss(zcdp(rho)));
    const legacy = book.entries.map(({ recorded: _r, ...e }) => e);
    const plan = planCharge(legacy, scope, exactLoss(zcdp(rho)));
    expect(plan.pins.map((p) => p.mode)).toEqual(['zcdp']); // the derived pin is stored with the next spend
    expect(plan.status).toEqual(planCharge(book.entries, scope, exactLoss(zcdp(rho)), book.pins).status);
  });

  it('never accepts a fully adaptive sequence whose sound composed loss passes the cap, whatever the mix of pure, approximate and ρ spends (property)', () => {
    // Each step's cost is chosen from the ledger's previous answers (what is left), in a measure chosen by the strategy:
    // the adaptive analyst of review finding 2. The oracle recomputes, independently of the ledger code, the loss the
    // proof states for the accepted sequence under the pin fixed at its first spend, and checks it is within (E, D).
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            who: fc.constantFrom('alice', 'bob'),
            kind: fc.constantFrom('pure', 'approximate', 'rho', 'mixed'),
            part: fc.integer({ min: 1, max: 1000 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 100 }),
        (steps, e, d) => {
          const cap = { epsilon: Rational.of(BigInt(e), 4n), delta: Rational.of(BigInt(d), 100_000_000n) };
          const analystBudget = { epsilon: Rational.of(BigInt(e), 8n), delta: cap.delta };
          const book = new Book();
          let lastLeft = { epsilon: cap.epsilon.toNumber(), delta: cap.delta.toNumber() };
          for (const { who, kind, part } of steps) {
            // Adaptive: the amount is a share of what the ledger said was left (sometimes more than is left).
            const f = part / 500;
            const eps = Math.max(1e-6, lastLeft.epsilon * f);
            const del = Math.min(0.5, Math.max(1e-12, lastLeft.delta * f * 0.5));
            const cost =
              kind === 'pure'
                ? exactLoss(pure(eps))
                : kind === 'approximate'
                  ? exactLoss(approximate(eps, del))
                  : kind === 'rho'
                    ? exactLoss(zcdp((eps * eps) / 2))
                    : { epsilon: Rational.fromNumber(eps / 2), delta: Rational.fromNumber(del), rho: Rational.fromNumber((eps * eps) / 8) };
            const scope: LedgerScope = { dataset: 'd', cap, analyst: who, analystBudget };
            const before = book.entries.length;
            try {
              const s = book.charge(scope, cost);
              lastLeft = { epsilon: s.dataset.remaining.epsilon.toNumber(), delta: s.dataset.remaining.delta.toNumber() };
            } catch (err) {
              expect((err as { code?: string }).code).toBe('BUDGET_EXHAUSTED');
              expect(book.entries.length).toBe(before); // a refusal records nothing
            }
          }
          // The pin never changes after the first spend.
          expect(book.pins.filter((p) => p.analyst === null).length).toBeLessThanOrEqual(1);
          const pin = book.pins.find((p) => p.analyst === null);
          if (!pin) return;
          const D = cap.delta.toNumber();
          const E = cap.epsilon.toNumber();
          const all = book.entries;
          if (pin.mode === 'approximate') {
            // Basic composition over the records: each ρ converted on its own at a δ′ the record states.
            let se = 0;
            let sd = 0;
            for (const x of all) {
              const r = x.recorded as ExactLoss;
              expect(r.rho.isZero()).toBe(true);
              const dPrime = r.delta.sub(x.delta);
              if (!x.rho.isZero()) {
                const conv = zcdpToApproximate(zcdp(x.rho.toNumberUp()), dPrime.toNumberDown()).epsilon;
                expect(r.epsilon.toNumber()).toBeGreaterThanOrEqual(x.epsilon.toNumber() + conv * (1 - 1e-12));
              } else expect(r.epsilon.equals(x.epsilon) && dPrime.isZero()).toBe(true);
              se += r.epsilon.toNumber();
              sd += r.delta.toNumber();
            }
            expect(se).toBeLessThanOrEqual(E * (1 + 1e-12));
            expect(sd).toBeLessThanOrEqual(D * (1 + 1e-12));
          } else {
            // zCDP filter: every spend as ρ + ε²/2 with its δ; Σδ within D − D_c, Σρ converted once at D_c within E.
            const Dc = pin.conversionDelta.toNumber();
            let rho = 0;
            let sd = 0;
            for (const x of all) {
              rho += x.rho.toNumber() + (x.epsilon.toNumber() * x.epsilon.toNumber()) / 2;
              sd += x.delta.toNumber();
            }
            expect(sd).toBeLessThanOrEqual((D - Dc) * (1 + 1e-12));
            if (rho > 0) expect(zcdpToApproximate(zcdp(rho), Dc).epsilon).toBeLessThanOrEqual(E * (1 + 1e-9));
          }
          // The analysts' budgets hold the same way (each on its own spends).
          for (const a of ['alice', 'bob']) {
            const mine = all.filter((x) => x.analyst === a);
            const ap = book.pins.find((p) => p.analyst === a);
            if (!ap || mine.length === 0) continue;
            const s = decideCharge(all, { dataset: 'd', cap, analyst: a, analystBudget }, null, book.pins).analyst;
            expect(s?.guarantee.epsilon.le(analystBudget.epsilon)).toBe(true);
            expect(s?.guarantee.delta.le(analystBudget.delta)).toBe(true);
          }
          // Replaying from the totals gives the same status as replaying the entries; raw sums are kept.
          expect(sumEntries(all).dataset).toEqual(decideCharge(all, { dataset: 'd', cap }, null, book.pins).dataset.spent);
        },
      ),
      SEED,
    );
  });
});
