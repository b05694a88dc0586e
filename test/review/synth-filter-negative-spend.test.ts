/**
 * Review session 6, finding S24 (issue 10 class 9 "filters": a privacy filter that can be talked below what it has
 * spent; and class 12 "hostile parameters accepted"; consequence: overspend without bound).
 *
 * `tsdp/synth` exports `ZcdpFilter` — "the running total of an adaptive zCDP run against a planned total", the exact
 * filter MST, AIM and MWEM spend through (review session 4: "each spends through an exact ZcdpFilter whose total is
 * the charged ρ"). `spend(rho, event)` adds `rho` and refuses only when the new total passes the planned one; it never
 * checks that `rho` is ≥ 0 (nor that `event` is an event, nor that the constructor's total is ≥ 0). So
 * `spend(Rational.of(-1n), …)` LOWERS what was spent: a filter planned at ρ = 1 then accepts 1 + 1 + 50 = 52 of
 * positive spends, and its `events` log holds events whose ρ sum far beyond the total. The accounting filters
 * (`ApproxDpFilter`, `ZcdpFilter`, `RdpFilter` of tsdp) refuse such amounts (INVALID_PARAMETER) — checked.
 * The S7 sweep (test/core/instance-method-sweep.test.ts) only looks for escaping TypeErrors, so an accepted hostile
 * value passes it.
 *
 * Rule: a filter's every entry validates its amount (a Rational ≥ 0, re-made so it cannot be forged — see S19), its
 * event (`validateDpEvent`) and its total (≥ 0); better, synth spends through the one exact filter of core/accounting.
 * Owner: synth (src/synth/measure.ts).
 */
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/rational.js';
import { ZcdpFilter } from '../../src/synth/index.js';

const event = { type: 'zcdp', rho: 1 } as const;

/** The outcome of each spend in order: 'ok' or the DpError code. */
function spends(filter: ZcdpFilter, amounts: readonly Rational[]): string[] {
  return amounts.map((rho) => {
    try {
      filter.spend(rho, event);
      return 'ok';
    } catch (e) {
      return String((e as { code?: unknown }).code);
    }
  });
}

describe('review S24: synth ZcdpFilter takes negative spends', () => {
  it('control: a filter planned at ρ = 1 refuses a second spend of 1', () => {
    expect(spends(new ZcdpFilter(Rational.ONE), [Rational.ONE, Rational.ONE])).toEqual(['ok', 'INTERNAL']);
  });

  it('BUG S24 (class 9/12): a spend of ρ = −1 is refused and nothing beyond the planned ρ = 1 is ever accepted', () => {
    const filter = new ZcdpFilter(Rational.ONE);
    const out = spends(filter, [Rational.ONE, Rational.of(-1n), Rational.ONE, Rational.of(-100n), Rational.of(50n)]);
    // With the bug: every spend is 'ok' and 52 of positive ρ was accepted under a total of 1.
    expect(out[1]).toBe('INVALID_PARAMETER');
    expect(out.filter((o, i) => o === 'ok' && i !== 1 && i !== 3).length).toBe(1);
  });

  it('BUG S24 (class 12): a negative planned total is refused', () => {
    expect(() => new ZcdpFilter(Rational.of(-1n))).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});
