/**
 * Review ML (reviewml, 2026-12-06), finding M1 — issue 14 / issue 10 classes 11 ("public-cause failures are
 * charged": everything public is checked before the charge) and 4 ("non-finite releases"). Low severity (no
 * privacy loss: an over-charge, and a useless release), owner trust (src/synth, no synth engineer this session).
 *
 * Where: `src/synth/domain.ts` `binsOf` accepts any finite `min ≤ max` of a `number` column, also when
 * `max − min` overflows to +∞ (e.g. min −1.7e308, max 1.7e308). Then:
 * - `binning: 'quantiles'`: `synthesize` charges the budget, and only inside the measurement does
 *   `releaseCuts` → tsdp/stats `releaseQuantiles` refuse the bounds ("bounds are too wide: upper − lower must
 *   be a finite double", INVALID_PARAMETER): a public fact, refused after the charge (a Session shows ρ spent);
 * - equal-width bins: encoding computes t = u/(max − min) = NaN for every record (every record lands in bin 0,
 *   whatever its value), and decoding `min + span·(k + ½)/bins` releases +∞ for every synthetic value;
 * - a second member with a FINITE span (min −8e307, max 8e307): `span·(k + ½)` overflows in the decoder before
 *   the division, so the upper bins release +∞ (the report's `labelsOf` has the same arithmetic).
 *
 * Rule that would close the class: the domain of every column is checked with the same arithmetic the encoder,
 * the decoder and the quantile release use — `max − min` (and `(max − min)/bins`) finite — in `buildDomain`,
 * i.e. in `planSynthesis`, before the charge; every released value finite (a property test over random
 * declared bounds, e.g. exponents up to 308, for all three binnings).
 */
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/index.js';
import { synthesize } from '../../src/synth/index.js';

const data = Array.from({ length: 40 }, (_, i) => ({ b: i % 5, x: (i - 20) * 1e306 }));
const intColumn = { name: 'b', type: 'integer' as const, min: 0, max: 4 };

function schemaWith(x: Record<string, unknown>) {
  return { columns: [{ name: 'x', type: 'number', ...x } as never, intColumn] };
}

async function outcome(
  x: Record<string, unknown>,
  seed: string,
): Promise<{ code?: string; finite?: boolean; spent: boolean; values?: number[] }> {
  const session = Session.fromRecords(data, { columns: ['b', 'x'], budget: PrivacyBudget.approximate(10, 1e-6) });
  try {
    const r = await synthesize({
      data,
      schema: schemaWith(x),
      epsilon: 1,
      delta: 1e-9,
      method: 'mst',
      rows: 8,
      iterations: 10,
      budget: session,
      rng: new SeededRandomSource(seed),
    });
    const values = r.records.map((rec) => rec.x as number);
    return { finite: values.every((v) => Number.isFinite(v)), spent: !session.budget.spentExact.rho.isZero(), values };
  } catch (e) {
    return { code: String((e as { code?: unknown }).code), spent: !session.budget.spentExact.rho.isZero() };
  }
}

describe('review ML M1: a declared number column whose span max − min overflows', () => {
  it('control (holds): a wide span whose decoding stays finite releases finite values', async () => {
    const r = await outcome({ min: -1e307, max: 1e307, bins: 4 }, 'control');
    expect(r.code).toBeUndefined();
    expect(r.finite).toBe(true);
  });

  // M1 (fixed by trust: domain.ts span check + decoders scale by a fraction ≤ 1), a second member: the span is finite (1.6e308) but the decoder's span·(k + ½) overflows before its
  // division by the number of bins, so the upper bins decode to +∞.
  it('a finite span whose decoding overflows: refused before the charge, or every released value finite', async () => {
    const r = await outcome({ min: -8e307, max: 8e307, bins: 4 }, 'd');
    if (r.code !== undefined) expect(r.spent).toBe(false);
    else expect(r.finite).toBe(true);
  });

  // M1 (fixed by trust) (class 11): the quantile release refuses the public bounds only after the charge.
  it('quantile binning over an overflowing span is refused before anything is charged', async () => {
    const r = await outcome({ min: -1.7e308, max: 1.7e308, bins: 4, binning: 'quantiles' }, 'q');
    expect(r.code).toBeDefined(); // it is refused (INVALID_PARAMETER from tsdp/stats today) …
    expect(r.spent).toBe(false); // … but only after the Session was charged
  });

  // M1 (fixed by trust) (class 4): every synthetic value of the column is +∞ (and every record was encoded to bin 0).
  it('equal-width bins over an overflowing span: refused before the charge, or every released value finite', async () => {
    const r = await outcome({ min: -1.7e308, max: 1.7e308, bins: 4 }, 'e');
    if (r.code !== undefined) expect(r.spent).toBe(false);
    else expect(r.finite).toBe(true);
  });
});
