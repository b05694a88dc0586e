/**
 * Review ML M8's class (src/synth/work-bound.ts): what a synthesis run allocates is bounded by public sizes and
 * refused before the charge. Regression: 20 integer columns of 10,000 bins (AIM would allocate 190 pair marginals of
 * 10⁸ cells after the charge). Generative: random declared domains and methods — a run is either refused with a typed
 * error having charged nothing, or its workload is within the bound (and small ones run to the end). The final fit's
 * `iterations` likewise: refused before the charge exactly when over MAX_ITERATIONS or MAX_FIT_WORK (a value like 2⁵³−1
 * used to run, after the charge, for ever).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/index.js';
import { planSynthesis, synthesize } from '../../src/synth/index.js';
import {
  DEFAULT_MAX_MODEL_SIZE,
  MAX_FIT_WORK,
  MAX_ITERATIONS,
  MAX_MODEL_SIZE,
  MAX_RUN_WORK,
  MAX_WORKLOAD_CELLS,
  runWork,
  workloadCells,
} from '../../src/synth/work-bound.js';

type Method = 'mst' | 'aim' | 'mwem';

function schemaOf(sizes: readonly number[]) {
  return {
    columns: sizes.map((s, i) => ({ name: `c${i}`, type: 'integer' as const, min: 0, max: s - 1, bins: s })),
  };
}

async function attempt(sizes: readonly number[], method: Method, maxModelSize?: number, iterations = 2) {
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
      iterations,
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

  it('regression: a huge `iterations` is refused (INVALID_PARAMETER) before anything is charged, for every method', async () => {
    for (const method of ['mst', 'aim', 'mwem'] as const) {
      for (const iterations of [Number.MAX_SAFE_INTEGER, 2 ** 31, MAX_ITERATIONS + 1]) {
        const r = await attempt([3, 5, 2], method, undefined, iterations);
        expect(r).toMatchObject({ ok: false, name: 'DpError', code: 'INVALID_PARAMETER', spent: false });
      }
      expect(() => planSynthesis({ schema: schemaOf([3, 5, 2]), epsilon: 1, delta: 1e-9, method, rows: 3, iterations: 2 ** 40 })).toThrow(
        expect.objectContaining({ code: 'INVALID_PARAMETER' }),
      );
    }
    // The work bound with the largest model cap: 1000 iterations (Private-PGM's default) pass, 1025 do not.
    const plan = (iterations: number) =>
      planSynthesis({
        schema: schemaOf([3, 5]),
        epsilon: 1,
        delta: 1e-9,
        method: 'aim',
        rows: 3,
        maxModelSize: MAX_MODEL_SIZE,
        iterations,
      });
    expect(() => plan(1000)).not.toThrow();
    expect(() => plan(1025)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('generative: `iterations` is refused before the charge exactly when it exceeds MAX_ITERATIONS or the fit-work bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3000 })), { minLength: 2, maxLength: 6 }),
        fc.option(fc.integer({ min: 1, max: MAX_MODEL_SIZE }), { nil: undefined }),
        fc.oneof(fc.integer({ min: 1, max: 4 * MAX_ITERATIONS }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
        fc.constantFrom<Method>('mst', 'aim', 'mwem'),
        async (sizes, maxModelSize, iterations, method) => {
          const cells = Math.max(workloadCells(sizes), maxModelSize ?? DEFAULT_MAX_MODEL_SIZE);
          fc.pre(workloadCells(sizes) <= MAX_WORKLOAD_CELLS && runWork(method, sizes).total <= MAX_RUN_WORK);
          // Over the final fit's bound, or (M13) the whole run's with these options: the options are refused.
          const over =
            iterations > MAX_ITERATIONS ||
            iterations * cells > MAX_FIT_WORK ||
            runWork(method, sizes, { maxModelSize, iterations }).total > MAX_RUN_WORK;
          const plan = () =>
            planSynthesis({
              schema: schemaOf(sizes),
              epsilon: 1,
              delta: 1e-9,
              method,
              rows: 3,
              iterations,
              ...(maxModelSize === undefined ? {} : { maxModelSize }),
            });
          if (over) {
            expect(plan).toThrow(expect.objectContaining({ name: 'DpError', code: 'INVALID_PARAMETER' }));
            // Through synthesize with a Session: refused, nothing spent.
            const r = await attempt(sizes, method, maxModelSize, iterations);
            expect(r).toMatchObject({ ok: false, name: 'DpError', code: 'INVALID_PARAMETER', spent: false });
          } else {
            expect(plan).not.toThrow();
          }
        },
      ),
      { numRuns: 40, seed: 16 },
    );
  });

  it('generative: a declared domain is refused before the charge exactly when its workload exceeds the bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 10_000 })), { minLength: 2, maxLength: 16 }),
        fc.constantFrom<Method>('mst', 'aim', 'mwem'),
        async (sizes, method) => {
          // The allocation bound (M8), then the whole run's work with the method's defaults (M13): both the schema's.
          const over = workloadCells(sizes) > MAX_WORKLOAD_CELLS || runWork(method, sizes).total > MAX_RUN_WORK;
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
