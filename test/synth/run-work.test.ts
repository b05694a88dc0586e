/**
 * Review ML M13's class (src/synth/work-bound.ts "Whole run"): the work of the whole run — every round's candidate
 * tests, scoring and fit, then the final fit — is counted from the declared sizes and options (`runWork`) and a plan
 * over MAX_RUN_WORK is refused before the charge. Regression: the review's two members (MWEM 10⁴ rounds on a 2²⁶-cell
 * cap; AIM on 2,000 binary columns). Generative: refused exactly when the count is over the bound (with the code the
 * header states); runs that are accepted do no more rounds, model cells or final-fit work than the count (counted from
 * the run's own progress reports); the count grows with every option.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/index.js';
import { planSynthesis, synthesize } from '../../src/synth/index.js';
import { MAX_FIT_WORK, MAX_ITERATIONS, MAX_RUN_WORK, MAX_WORKLOAD_CELLS, runWork, workloadCells } from '../../src/synth/work-bound.js';

type Method = 'mst' | 'aim' | 'mwem';

const categorical = (sizes: readonly number[]) => ({
  columns: sizes.map((s, i) => ({
    name: `c${i}`,
    type: 'categorical' as const,
    categories: Array.from({ length: s }, (_, k) => `k${k}`),
  })),
});

function dataFor(sizes: readonly number[], rows: number) {
  return Array.from({ length: rows }, (_, r) => Object.fromEntries(sizes.map((s, i) => [`c${i}`, `k${(r * (i + 3)) % s}`])));
}

/** synthesize charged to a Session: what it threw (if anything) and whether anything was spent. */
async function attempt(sizes: readonly number[], method: Method, options: { rounds?: number; maxModelSize?: number; iterations?: number }) {
  const data = dataFor(sizes, 6);
  const session = Session.fromRecords(data, {
    columns: sizes.map((_, i) => `c${i}`),
    budget: PrivacyBudget.approximate(10, 1e-6),
  });
  try {
    await synthesize({ data, schema: categorical(sizes), epsilon: 1, delta: 1e-9, method, rows: 2, budget: session, ...options });
    return { code: undefined, spent: !session.budget.spentExact.rho.isZero() };
  } catch (e) {
    return { code: (e as { code?: unknown }).code, spent: !session.budget.spentExact.rho.isZero() };
  }
}

describe('the whole run is work-bounded before the charge (review ML M13 class)', () => {
  it('regression: MWEM with 10⁴ rounds on a 2²⁶-cell cap is refused (INVALID_PARAMETER), nothing spent', async () => {
    const sizes = Array.from({ length: 20 }, () => 100);
    expect(runWork('mwem', sizes, { rounds: 10_000, maxModelSize: 2 ** 26 }).total).toBeGreaterThan(MAX_RUN_WORK);
    const r = await attempt(sizes, 'mwem', { rounds: 10_000, maxModelSize: 2 ** 26 });
    expect(r).toEqual({ code: 'INVALID_PARAMETER', spent: false });
    // The same schema with MWEM's defaults is accepted.
    expect(() => planSynthesis({ schema: categorical(sizes), epsilon: 1, delta: 1e-9, method: 'mwem' })).not.toThrow();
  });

  it('regression: AIM on 2,000 binary columns (32,000 rounds of ~2·10⁶ candidates) is refused (INVALID_SCHEMA), nothing spent', async () => {
    const sizes = Array.from({ length: 2000 }, () => 2);
    expect(workloadCells(sizes)).toBeLessThanOrEqual(MAX_WORKLOAD_CELLS); // within M8's allocation bound
    const r = await attempt(sizes, 'aim', {});
    expect(r).toEqual({ code: 'INVALID_SCHEMA', spent: false });
  });

  it("Adult's declared domain with each method's defaults is within the bound (AIM ≈ 3.1·10¹⁰ steps)", () => {
    // The encoded Adult domain of bench/synth (adult-encoded-domain.json), as numbers (data not needed).
    const adult = [85, 9, 100, 16, 7, 15, 6, 5, 2, 100, 100, 99, 42, 2];
    for (const method of ['mst', 'aim', 'mwem'] as const) {
      expect(runWork(method, adult).total).toBeLessThan(MAX_RUN_WORK / 30);
      expect(() => planSynthesis({ schema: categorical(adult), epsilon: 10, delta: 1e-9, method })).not.toThrow();
    }
  });

  it('generative: a plan is refused before the charge exactly when its count is over the bound, with the stated code', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 400 })), { minLength: 1, maxLength: 40 }),
        fc.constantFrom<Method>('mst', 'aim', 'mwem'),
        fc.option(fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 10_000 })), { nil: undefined }),
        fc.option(fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 2 ** 26 })), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
        (sizes, method, rounds, maxModelSize, iterations) => {
          fc.pre(workloadCells(sizes) <= MAX_WORKLOAD_CELLS);
          const cells = Math.max(workloadCells(sizes), maxModelSize ?? 1_000_000);
          fc.pre(iterations === undefined || (iterations <= MAX_ITERATIONS && iterations * cells <= MAX_FIT_WORK));
          const options = {
            ...(rounds === undefined ? {} : { rounds }),
            ...(maxModelSize === undefined ? {} : { maxModelSize }),
            ...(iterations === undefined ? {} : { iterations }),
          };
          const plan = () => planSynthesis({ schema: categorical(sizes), epsilon: 1, delta: 1e-9, method, ...options });
          const counted = runWork(method, sizes, { ...options, rounds: method === 'mwem' ? rounds : undefined }).total;
          if (counted <= MAX_RUN_WORK) expect(plan).not.toThrow();
          else {
            const code = runWork(method, sizes).total > MAX_RUN_WORK ? 'INVALID_SCHEMA' : 'INVALID_PARAMETER';
            expect(plan).toThrow(expect.objectContaining({ name: 'DpError', code }));
          }
        },
      ),
      { numRuns: 150, seed: 1713 },
    );
  });

  it('generative: the count grows with rounds, iterations, the model cap and one more column', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom<Method>('mst', 'aim', 'mwem'),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 2 ** 24 }),
        fc.integer({ min: 1, max: 50 }),
        (sizes, method, rounds, iterations, maxModelSize, extra) => {
          const base = runWork(method, sizes, { rounds, iterations, maxModelSize }).total;
          expect(runWork(method, sizes, { rounds: rounds + 1, iterations, maxModelSize }).total).toBeGreaterThanOrEqual(base);
          expect(runWork(method, sizes, { rounds, iterations: iterations + 1, maxModelSize }).total).toBeGreaterThan(base);
          expect(runWork(method, sizes, { rounds, iterations, maxModelSize: maxModelSize * 2 }).total).toBeGreaterThanOrEqual(base);
          expect(runWork(method, [...sizes, extra], { rounds, iterations, maxModelSize }).total).toBeGreaterThan(base);
        },
      ),
      { numRuns: 200, seed: 1714 },
    );
  });

  it('generative: an accepted run does no more rounds, model cells or final-fit work than its count (counted from its progress)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 2, maxLength: 4 }),
        fc.constantFrom<Method>('mst', 'aim', 'mwem'),
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.integer({ min: 4, max: 200 }), { nil: undefined }),
        fc.double({ min: 0.5, max: 20, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        async (sizes, method, rounds, maxModelSize, epsilon, seed) => {
          const stages: { stage: string; detail?: string }[] = [];
          await synthesize({
            data: dataFor(sizes, 30),
            schema: categorical(sizes),
            epsilon,
            delta: 1e-9,
            method,
            rows: 2,
            iterations: 3,
            ...(method === 'mwem' ? { rounds } : {}),
            ...(maxModelSize === undefined ? {} : { maxModelSize }),
            rng: new SeededRandomSource(seed),
            progress: (p) => stages.push({ stage: p.stage, ...(p.detail === undefined ? {} : { detail: p.detail }) }),
          });
          const work = runWork(method, sizes, { iterations: 3, ...(method === 'mwem' ? { rounds } : {}), maxModelSize });
          const roundPattern = method === 'mst' ? /^tree edge / : /^round \d+/;
          const counted = stages.filter((s) => roundPattern.test(s.stage)).length;
          expect(counted).toBeLessThanOrEqual(work.rounds);
          if (method === 'aim') {
            const final = stages.find((s) => s.stage === 'final fit')?.detail ?? '';
            const m = /^(\d+) cells, (\d+) iterations$/.exec(final);
            expect(m).not.toBeNull();
            const [cells, iterations] = [Number(m?.[1]), Number(m?.[2])];
            expect(cells).toBeLessThanOrEqual(work.modelCells);
            expect(cells * iterations).toBeLessThanOrEqual(work.finalFit);
          }
          if (method === 'mwem') expect(counted).toBe(rounds);
        },
      ),
      { numRuns: 24, seed: 1715 },
    );
  });
});
