/**
 * Review ML M8's class (src/synth/work-bound.ts): what a synthesis run allocates is bounded by public sizes and
 * refused before the charge. Regression: 20 integer columns of 10,000 bins (AIM would allocate 190 pair marginals of
 * 10⁸ cells after the charge). Generative: random declared domains and methods — a run is either refused with a typed
 * error having charged nothing, or its workload is within the bound (and small ones run to the end).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/index.js';
import { planSynthesis, synthesize } from '../../src/synth/index.js';
import { MAX_MODEL_SIZE, MAX_WORKLOAD_CELLS, workloadCells } from '../../src/synth/work-bound.js';

type Method = 'mst' | 'aim' | 'mwem';

function schemaOf(sizes: readonly number[]) {
  return {
    columns: sizes.map((s, i) => ({ name: `c${i}`, type: 'integer' as const, min: 0, max: s - 1, bins: s })),
  };
}

async function attempt(sizes: readonly number[], method: Method, maxModelSize?: number) {
  const names = sizes.map((_, i) => `c${i}`);
  const data = Array.from({ length: 12 }, (_, r) => Object.fromEntries(names.map((n, i) => [n, r % (sizes[i] as number)])));
  const session = Session.fromRecords(data, { columns: names, budget: PrivacyBudget.approximate(10, 1e-6) });
  try {
    await synthesize({
      data,
      schema: schemaOf(sizes),
      epsilon: 1,
      delta: 1e-9,
      method,
      rows: 3,
      iterations: 2,
      budget: session,
      rng: new SeededRandomSource(`${method}-${sizes.join(',')}`),
      ...(maxModelSize === undefined ? {} : { maxModelSize }),
    });
    return { ok: true as const, spent: !session.budget.spentExact.rho.isZero() };
  } catch (e) {
    return {
      ok: false as const,
      name: (e as Error).name,
      code: (e as { code?: unknown }).code,
      spent: !session.budget.spentExact.rho.isZero(),
    };
  }
}

describe('synthesis work bound (review ML M8 class)', () => {
  it('workloadCells is Σ sᵢ + Σ_{i<j} sᵢ·sⱼ', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000 }), { maxLength: 12 }), (sizes) => {
        let pairs = 0;
        for (let i = 0; i < sizes.length; i++)
          for (let j = i + 1; j < sizes.length; j++) pairs += (sizes[i] as number) * (sizes[j] as number);
        expect(workloadCells(sizes)).toBe(sizes.reduce((a, b) => a + b, 0) + pairs);
      }),
    );
  });

  it('regression: 20 integer columns of 10,000 bins are refused (INVALID_SCHEMA) before anything is charged, for every method', async () => {
    const sizes = Array.from({ length: 20 }, () => 10_000);
    for (const method of ['mst', 'aim', 'mwem'] as const) {
      const r = await attempt(sizes, method);
      expect(r).toMatchObject({ ok: false, name: 'DpError', code: 'INVALID_SCHEMA', spent: false });
    }
    expect(() => planSynthesis({ schema: schemaOf(sizes), epsilon: 1, delta: 1e-9, method: 'aim', rows: 3 })).toThrow(
      expect.objectContaining({ code: 'INVALID_SCHEMA' }),
    );
  });

  it('a maxModelSize above the public cap is refused before anything is charged', async () => {
    const r = await attempt([3, 4], 'aim', MAX_MODEL_SIZE * 2);
    expect(r).toMatchObject({ ok: false, name: 'DpError', code: 'INVALID_PARAMETER', spent: false });
  });

  it('generative: a declared domain is refused before the charge exactly when its workload exceeds the bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 10_000 })), { minLength: 2, maxLength: 16 }),
        fc.constantFrom<Method>('mst', 'aim', 'mwem'),
        async (sizes, method) => {
          const over = workloadCells(sizes) > MAX_WORKLOAD_CELLS;
          if (over) {
            const r = await attempt(sizes, method);
            expect(r).toMatchObject({ ok: false, name: 'DpError', code: 'INVALID_SCHEMA', spent: false });
          } else {
            // Within the bound the plan is accepted; running it is left to the small case below (time, not memory).
            expect(() => planSynthesis({ schema: schemaOf(sizes), epsilon: 1, delta: 1e-9, method, rows: 3 })).not.toThrow();
          }
        },
      ),
      { numRuns: 40, seed: 8 },
    );
  });

  it('small domains within the bound run to the end and charge', async () => {
    for (const method of ['mst', 'aim', 'mwem'] as const) {
      const r = await attempt([3, 5, 2], method);
      expect(r).toEqual({ ok: true, spent: true });
    }
  });
});
