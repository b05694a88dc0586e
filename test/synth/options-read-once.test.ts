/**
 * Issue 10 class 12 (read once) / class 5 (nothing fails after the charge), review ML M2: `synthesize` read
 * `options.rows` and `options.method` again inside the measurement, after the charge. Rule (synthesize.ts
 * `snapshotOptions`): the options are read once into a frozen snapshot at the edge; only the snapshot is used.
 * Generative: every option is a getter that answers a valid value for its first N reads and a hostile one after
 * (or throws); a run either refuses having charged nothing, or succeeds using the values first read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { synthesize } from '../../src/synth/index.js';

const data = Array.from({ length: 30 }, (_, i) => ({ a: String(i % 3), b: i % 5 }));
const schema = {
  columns: [
    { name: 'a', type: 'categorical' as const, categories: ['0', '1', '2'] },
    { name: 'b', type: 'integer' as const, min: 0, max: 4 },
  ],
};
const KEYS = ['rows', 'method', 'iterations', 'epsilon', 'delta', 'quantileShare', 'maxModelSize', 'rounds', 'schema', 'data'] as const;
const HOSTILE: unknown[] = [-3, 2 ** 31, Number.NaN, 'x', null, {}, 'mwem', 1e308];

describe('synthesize reads its options once (review ML M2)', () => {
  it('regression: rows 10 → −3 and method mst → aim after the first read: the run uses 10 and mst', async () => {
    let rowsReads = 0;
    let methodReads = 0;
    const budget = PrivacyBudget.zcdp(10);
    const options = {
      data,
      schema,
      epsilon: 1,
      delta: 1e-9,
      get rows() {
        return rowsReads++ === 0 ? 10 : -3;
      },
      get method() {
        return methodReads++ === 0 ? 'mst' : 'aim';
      },
      budget,
      rng: new SeededRandomSource(1),
    };
    const r = await synthesize(options as never);
    expect(r.records.length).toBe(10);
    expect(rowsReads).toBe(1);
    expect(methodReads).toBe(1);
  });

  it('generative: a getter turning hostile after any number of reads never makes a refusal follow a charge (fast-check, seed 13)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KEYS),
        fc.nat({ max: 5 }),
        fc.constantFrom(...HOSTILE),
        fc.boolean(),
        async (key, n, hostile, throws) => {
          const base: Record<string, unknown> = { data, schema, epsilon: 1, delta: 1e-9, method: 'mst', rows: 5, iterations: 5 };
          let reads = 0;
          const good = base[key];
          Object.defineProperty(base, key, {
            enumerable: true,
            get: () => {
              if (reads++ < n) return good;
              if (throws) throw new Error('getter');
              return hostile;
            },
          });
          const budget = PrivacyBudget.zcdp(10);
          let charged = false;
          base.budget = budget;
          base.rng = new SeededRandomSource(2);
          try {
            const r = await synthesize(base as never);
            charged = !r.budget?.spentExact.rho.isZero();
            expect(charged).toBe(true);
          } catch (e) {
            expect((e as { code?: string }).code).toMatch(/INVALID_PARAMETER|INVALID_SCHEMA/);
            expect(budget.spentExact.rho.isZero()).toBe(true);
          }
        },
      ),
      { seed: 13, numRuns: 60 },
    );
  }, 120_000);

  it('generative: a schema column whose fields turn hostile after any number of reads (M2b, deep snapshot) never refuses after the charge (fast-check, seed 17)', async () => {
    const COLUMN_KEYS = ['min', 'max', 'type', 'bins', 'binning', 'name'] as const;
    const HOSTILE_FIELD: unknown[] = [Number.POSITIVE_INFINITY, Number.NaN, 'categorical', 'quantiles', -1, 1e308, 'b', undefined];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...COLUMN_KEYS),
        fc.nat({ max: 4 }),
        fc.constantFrom(...HOSTILE_FIELD),
        fc.boolean(),
        async (key, n, hostile, throws) => {
          const column: Record<string, unknown> = { name: 'x', type: 'number', min: 0, max: 1, bins: 4, binning: 'quantiles' };
          const good = column[key];
          let reads = 0;
          Object.defineProperty(column, key, {
            enumerable: true,
            get: () => {
              if (reads++ < n) return good;
              if (throws) throw new Error('getter');
              return hostile;
            },
          });
          const records = Array.from({ length: 30 }, (_, i) => ({ b: i % 5, x: i / 30 }));
          const budget = PrivacyBudget.zcdp(10);
          try {
            const r = await synthesize({
              data: records,
              schema: { columns: [column as never, { name: 'b', type: 'integer', min: 0, max: 4 }] },
              epsilon: 1,
              delta: 1e-9,
              method: 'mst',
              rows: 5,
              iterations: 5,
              budget,
              rng: new SeededRandomSource(3),
            });
            expect(r.records.every((x) => typeof x.x === 'string' || Number.isFinite(x.x))).toBe(true);
          } catch (e) {
            expect((e as { code?: string }).code).toMatch(/INVALID_PARAMETER|INVALID_SCHEMA/);
            expect(budget.spentExact.rho.isZero()).toBe(true);
          }
        },
      ),
      { seed: 17, numRuns: 60 },
    );
  }, 120_000);
});
