/**
 * Issue 10 classes 11 (public causes refused before the charge) and 4 (every released value finite), review ML M1:
 * a `number` column whose max − min overflows passed the schema check; the quantile release refused it only after
 * the charge, and equal-width bins decoded to +∞ (also for a finite span near the largest double: span·(k + ½)).
 * Rule (src/synth/domain.ts `binsOf`, `decodeRecords`; report.ts `labelsOf`): max − min finite before any charge;
 * decoders scale the span by a fraction ≤ 1 and clamp into [min, max]; a cut's midpoint is lo/2 + hi/2.
 * Generative: random declared bounds with exponents up to 308, every binning: refused before the charge
 * (nothing spent) or every released value finite and inside [min, max].
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { synthesize } from '../../src/synth/index.js';

const big = fc
  .tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 0, max: 308 }))
  .map(([m, e]) => Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, m * 10 ** e)));

async function run(min: number, max: number, binning: Record<string, unknown>, seed: number) {
  const data = Array.from({ length: 24 }, (_, i) => ({ x: min + (max - min) * (i / 23), b: i % 3 }));
  const budget = PrivacyBudget.zcdp(10);
  const schema = {
    columns: [{ name: 'x', type: 'number', min, max, ...binning } as never, { name: 'b', type: 'integer' as const, min: 0, max: 2 }],
  };
  try {
    const r = await synthesize({
      data,
      schema,
      epsilon: 1,
      delta: 1e-9,
      method: 'mst',
      rows: 6,
      iterations: 5,
      budget,
      rng: new SeededRandomSource(seed),
    });
    return { values: r.records.map((x) => x.x as number), spent: !budget.spentExact.rho.isZero() };
  } catch (e) {
    return { code: (e as { code?: string }).code, spent: !budget.spentExact.rho.isZero() };
  }
}

describe('synthesis over declared numeric bounds near the largest double (review ML M1)', () => {
  it('regression: an overflowing span is INVALID_SCHEMA before the charge; a finite span near 2^1024 decodes finite', async () => {
    const a = await run(-1.7e308, 1.7e308, { bins: 4, binning: 'quantiles' }, 1);
    expect(a).toEqual({ code: 'INVALID_SCHEMA', spent: false });
    const b = await run(-8e307, 8e307, { bins: 4 }, 2);
    expect(b.code).toBeUndefined();
    expect(b.values?.every((v) => Number.isFinite(v) && v >= -8e307 && v <= 8e307)).toBe(true);
  });

  it('generative: random bounds (exponents ≤ 308) and binnings: refused with nothing spent, or every value finite in [min, max] (fast-check, seed 14)', async () => {
    await fc.assert(
      fc.asyncProperty(
        big,
        big,
        fc.constantFrom<Record<string, unknown>>({ bins: 4 }, { bins: 3, binning: 'quantiles' }, {}),
        async (p, q, binning) => {
          const [min, max] = p <= q ? [p, q] : [q, p];
          const r = await run(min, max, binning, 3);
          if (r.code !== undefined) expect(r.spent).toBe(false);
          else expect(r.values?.every((v) => Number.isFinite(v) && v >= min && v <= max)).toBe(true);
        },
      ),
      { seed: 14, numRuns: 40 },
    );
  }, 120_000);
});
