/**
 * Review ML (reviewml, 2026-12-06), finding M8 — issue 10 classes 11 ("everything public is checked before the
 * charge"), 12 ("never a RangeError escaping a public entry") and 13/14 (work and memory bounded up front).
 * Low-medium: an over-charge and a crash, no release; but `synthesize` and `tsdp synth` take schemas from the data
 * owner's files, and the same class covers sizes that do not throw at once but allocate gigabytes after the charge.
 * Owner: trust (src/synth).
 *
 * Where: `buildDomain` bounds a numeric column at 10 000 bins but a categorical column's category list has no bound,
 * and nothing bounds the product of the sizes a marginal allocates. AIM (`runAim`: `answers` = `countMarginal` of
 * EVERY candidate of the workload's downward closure, before any round and whatever `maxModelSize` says) and MWEM
 * (`answers` of the whole workload) allocate every 2-way marginal after the charge: two categorical columns of
 * 200 000 categories → `new Float64Array(4·10¹⁰)` → RangeError ("Invalid typed array length") escapes `synthesize`
 * with ρ already charged (a Session shows it). Within the numeric limit the same class allocates without failing
 * fast: 20 integer columns of 10 000 bins make AIM's `answers` 190 pair marginals of 10⁸ cells (≈ 150 GB), the
 * process dies after the charge (by reading, not run). MST compresses rare values first (data-dependent sizes
 * after a DP step) and passed here.
 *
 * Rule: a public bound on every allocation a plan implies — the largest marginal (product of sizes) any method will
 * materialise, and AIM's/MWEM's sum over the workload — computed in `planSynthesis` from the schema and the options,
 * refused with INVALID_SCHEMA/INVALID_PARAMETER before the charge; generative test over random schemas (sizes,
 * widths, methods): a run either is refused before the charge or completes.
 */
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/index.js';
import { synthesize } from '../../src/synth/index.js';

async function run(
  method: 'mst' | 'aim' | 'mwem',
  categories: number,
): Promise<{ ok: boolean; name?: string; code?: string; spent: boolean }> {
  const cats = Array.from({ length: categories }, (_, i) => `c${i}`);
  const data = Array.from({ length: 20 }, (_, i) => ({ a: `c${i}`, b: `c${(2 * i) % categories}` }));
  const schema = {
    columns: [
      { name: 'a', type: 'categorical' as const, categories: cats },
      { name: 'b', type: 'categorical' as const, categories: cats },
    ],
  };
  const session = Session.fromRecords(data, { columns: ['a', 'b'], budget: PrivacyBudget.approximate(10, 1e-6) });
  try {
    await synthesize({
      data,
      schema,
      epsilon: 1,
      delta: 1e-9,
      method,
      rows: 5,
      iterations: 2,
      budget: session,
      rng: new SeededRandomSource(method),
    });
    return { ok: true, spent: !session.budget.spentExact.rho.isZero() };
  } catch (e) {
    return {
      ok: false,
      name: (e as Error).name,
      code: String((e as { code?: unknown }).code),
      spent: !session.budget.spentExact.rho.isZero(),
    };
  }
}

describe('review ML M8: a marginal whose size has no public bound is allocated after the charge', () => {
  it('control (holds): 50 categories per column run with all three methods', async () => {
    for (const method of ['mst', 'aim', 'mwem'] as const) expect((await run(method, 50)).ok).toBe(true);
  });

  for (const method of ['aim', 'mwem'] as const) {
    // Was BUG M8 (RangeError after the charge); this member closed by a3fa844 (a column domain ≤ 10,000 values), the class by src/synth/work-bound.ts (test/synth/work-bound.test.ts).
    it(`${method}: two columns of 200 000 categories are refused (typed DpError) before anything is charged, or run`, async () => {
      const r = await run(method, 200_000);
      if (!r.ok) {
        expect(r.name).toBe('DpError');
        expect(r.spent).toBe(false);
      }
    });
  }
});
