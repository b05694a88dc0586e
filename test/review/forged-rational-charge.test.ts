/**
 * Review session 6, finding S19 (issue 10 class 12 "hostile parameters accepted" and the calculus item "one type for a
 * privacy loss", brands at run time; consequence: a locked ledger).
 *
 * `Rational`'s `num`/`den` are `readonly` only in TypeScript and its constructor is private only in TypeScript: an
 * object that is `instanceof Rational` can carry any fields. Every edge check of a loss, a cap or a budget
 * (`checkExactLoss`, `checkCap`, `checkLedgerCap`, `exactLoss`, `splitDpBudget`'s ε/ρ) decides "≥ 0" with
 * `v instanceof Rational && !v.isNegative()`, and `isNegative()` reads the sign of `num` alone. A Rational whose
 * denominator is negative (`num = 1n, den = -1n`: the value −1) — made with `Object.create(Rational.prototype, …)` or by
 * writing `den` of a genuine instance (instances are not frozen) — passes as ≥ 0. The ledger then adds it
 * exactly (`addLoss` → `Rational.of` normalises the sign): the charge is ACCEPTED and reported as lowering the spent
 * total (status: spent 0 after spending 1). The FileLedger then journals the cost as the text "1/-1", which it cannot
 * read back, so every later charge of the data set is INTERNAL until an operator runs `repair` (fail-closed: measured,
 * no overspend, because the journal's reader refuses it; the PrivacyBudget/Session paths refuse Rationals altogether).
 * Severity low (an in-process caller of the ledger; availability), but it is the class "a hand-made loss reaches a
 * charge at run time".
 *
 * Rule that would close the class: a Rational handed in from outside is re-made by the library before use
 * (`Rational.of(v.num, v.den)`, which refuses den = 0 and normalises the sign, with `num`/`den` read once), or
 * Rational instances are frozen and branded (`#brand`, checked with `#brand in v`) so that only the library's own
 * constructor makes one; the same for every `instanceof Rational` edge check (exact-loss.ts, budget-filter.ts,
 * ledger.ts, budget-split.ts, random/_internal/validate.ts, mechanisms/_internal/params.ts, synth/selection.ts).
 * Owner: trust (src/numeric/rational.ts, src/core/exact-loss.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkExactLoss, type ExactLoss } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { exponentialEpsilonForRho } from '../../src/synth/selection.js';

const home = mkdtempSync(join(tmpdir(), 'review-forged-rational-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** An object that is `instanceof Rational` and stands for num/den with a negative denominator (value −1). */
function forgedMinusOne(): Rational {
  return Object.create(Rational.prototype, { num: { value: 1n, enumerable: true }, den: { value: -1n, enumerable: true } }) as Rational;
}

const one: ExactLoss = { epsilon: Rational.ONE, delta: Rational.ZERO, rho: Rational.ZERO };

/** Whether `f` is refused with a DpError INVALID_PARAMETER (the outcome the class rule asks for). */
async function refusedInvalid(f: () => unknown): Promise<boolean> {
  try {
    await f();
    return false;
  } catch (e) {
    return (e as { code?: unknown }).code === 'INVALID_PARAMETER';
  }
}

describe('review S19: a Rational with a negative denominator passes every ≥ 0 check', () => {
  it('control: a genuine negative Rational is refused by checkExactLoss', async () => {
    expect(await refusedInvalid(() => checkExactLoss({ epsilon: Rational.of(-1n), delta: Rational.ZERO, rho: Rational.ZERO }))).toBe(true);
  });

  it.fails('BUG S19 (class 12): checkExactLoss accepts ε = 1/(−1) (num 1n, den −1n) as a loss ≥ 0', async () => {
    expect(await refusedInvalid(() => checkExactLoss({ epsilon: forgedMinusOne(), delta: Rational.ZERO, rho: Rational.ZERO }))).toBe(true);
  });

  it.fails('BUG S19 (class 12, availability): FileLedger.charge accepts a forged ε = 1/(−1), journals "1/-1" and then refuses every charge (INTERNAL until repair)', async () => {
    const ledger = new FileLedger({ home, lockTimeoutMs: 5_000 });
    const scope = { dataset: 'forged', cap: { epsilon: Rational.of(3n), delta: Rational.ZERO } };
    await ledger.charge(scope, one, 'SELECT COUNT(*) FROM t'); // control: a genuine charge
    const forged = await refusedInvalid(() =>
      ledger.charge(scope, { epsilon: forgedMinusOne(), delta: Rational.ZERO, rho: Rational.ZERO }, 'x'),
    );
    let after: string;
    try {
      const s = await ledger.charge(scope, one, 'SELECT COUNT(*) FROM t');
      after = `spent ${s.dataset.spent.epsilon.toString()}`;
    } catch (e) {
      after = String((e as { code?: unknown }).code);
    }
    await ledger.close();
    // With the bug: the forged charge is accepted (status "spent 0"), its journal line "1/-1" cannot be read back,
    // and the next genuine charge is INTERNAL ("unreadable record … until an operator runs FileLedger.repair").
    expect({ forged, after }).toEqual({ forged: true, after: 'spent 2' });
  });

  it.fails('BUG S19 (class 12, other members): every forged or rewritten Rational is refused by checkExactLoss (or read as its true value)', async () => {
    class Evil extends (Rational as unknown as new (n: bigint, d: bigint) => Rational) {
      override isNegative(): boolean {
        return false;
      }
    }
    let reads = 0;
    const members: Record<string, () => unknown> = {
      'den −1n': forgedMinusOne,
      'den 0n': () => Object.create(Rational.prototype, { num: { value: 1n }, den: { value: 0n } }),
      'num as a number': () => Object.create(Rational.prototype, { num: { value: -1 }, den: { value: 1n } }),
      'num getter: 1n once, then −5n': () =>
        Object.create(Rational.prototype, {
          num: {
            get: () => (reads++ === 0 ? 1n : -5n),
          },
          den: { value: 1n },
        }),
      'subclass whose isNegative lies (value −5)': () => new Evil(-5n, 1n),
      'genuine −5 given a lying prototype': () =>
        Object.setPrototypeOf(Rational.of(-5n), Object.create(Rational.prototype, { isNegative: { value: () => false } })),
    };
    const accepted: string[] = [];
    for (const [name, make] of Object.entries(members)) {
      reads = 0;
      let forged: unknown;
      try {
        forged = make();
      } catch {
        continue; // the forgery cannot even be made (e.g. a frozen, branded Rational): this member is closed
      }
      let loss: ExactLoss;
      try {
        loss = checkExactLoss({ epsilon: forged, delta: Rational.ZERO, rho: Rational.ZERO });
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'INVALID_PARAMETER') accepted.push(`${name}: ${String(e)}`);
        continue;
      }
      // Accepted: then it must be a genuine Rational ≥ 0 whose value the library reads the same every time.
      const e = loss.epsilon;
      if (!(Object.getPrototypeOf(e) === Rational.prototype && e.den > 0n && e.num >= 0n && Rational.of(e.num, e.den).equals(e)))
        accepted.push(name);
    }
    expect(accepted).toEqual([]);
  });

  it.fails('BUG S19 (class 10/12): exponentialEpsilonForRho (tsdp/synth) returns NaN for a forged ρ = 1/(−1) — never NaN, refuse instead', async () => {
    let out: unknown;
    try {
      out = exponentialEpsilonForRho(forgedMinusOne());
    } catch (e) {
      out = (e as { code?: unknown }).code;
    }
    expect(out).toBe('INVALID_PARAMETER');
  });

  it.fails('BUG S19 (class 12): a genuine Rational can be rewritten after it is made (instances are not frozen)', () => {
    const r = Rational.of(1n);
    try {
      (r as unknown as { den: bigint }).den = -1n;
    } catch {
      // a frozen instance throws in strict mode: the rule holds
    }
    expect(r.den).toBe(1n);
  });
});
