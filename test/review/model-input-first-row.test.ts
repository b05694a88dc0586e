/**
 * Review finding (session 3, on wip/models a315aa2 — the DP classic models of issue 13; issue 10 classes 2
 * and 3, "structure read from the data" / "answered or refused depending on a row"; severity ε = ∞): the
 * classic models' input reader (`src/learn/classic/model-input.ts` `readMatrix`) decides how EVERY row of an
 * array input is read from the FIRST row: if the first element is an array, all rows are read as arrays of
 * numbers (a record row reads as zeros); if it is an object, all rows are read as records by feature name (an
 * array row reads as zeros); if it is anything else (null, a number), the whole fit is refused
 * INVALID_PARAMETER ("rows must be arrays of numbers or records"). Without declared features or
 * expectedColumns, the width is also the first row's length. So one person, placed first:
 * - as a record `{ a, b }` in front of array rows, zeroes every other row: a StandardScaler's released mean
 *   moves from ≈ 8 to ≈ 0 at ε = 200 (sensitivity of one row: 10/n);
 * - as `null`, refuses the fit that the data without it answers.
 * The module's own rule says "whether a fit runs never depends on one record".
 *
 * Rule that closes the class: the input's format is declared (or fixed by the type of the input object:
 * matrix, Arrow, SQL result, rows-with-declared-features), never read from an element; each element is read
 * by the value rule on its own (an element of the wrong kind reads as missing). Owner: models.
 *
 * Skipped where tsdp/learn has no classic models (main before issue 13 lands).
 */
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import * as learn from '../../src/learn/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

type Scaler = {
  fit(x: unknown, options: { budget: PrivacyBudget; rng?: unknown }): Promise<unknown>;
  params: { mean: Float64Array };
};
const StandardScaler = (learn as Record<string, unknown>).StandardScaler as
  | (new (o: {
      epsilon: number;
      bounds: { lower: number[]; upper: number[] };
      features?: string[];
    }) => Scaler)
  | undefined;

async function mean(rows: unknown[], seed: number): Promise<number> {
  const s = new (StandardScaler as NonNullable<typeof StandardScaler>)({
    epsilon: 200,
    bounds: { lower: [0, 0], upper: [10, 10] },
    features: ['a', 'b'],
  });
  await s.fit(rows, { budget: PrivacyBudget.pure(1000), rng: new SeededRandomSource(seed) });
  return s.params.mean[0] as number;
}

const base: unknown[] = Array.from({ length: 50 }, () => [8, 8]);

describe.skipIf(StandardScaler === undefined)('review: a classic model reads its input format from the first row', () => {
  it('regression (review S3, fixed: each row is read by its own shape): one record placed first no longer zeroes every other row', async () => {
    const without = await mean(base, 1);
    const withOne = await mean([{ a: 8, b: 8 }, ...base], 2);
    expect(Math.abs(withOne - without)).toBeLessThan(1);
  });

  it('regression (review S3, fixed): a null first element reads as missing; the fit is answered', async () => {
    await expect(mean([null, ...base], 3)).resolves.toBeTypeOf('number');
  });

  it('control: the same record placed last moves the mean by little', async () => {
    const without = await mean(base, 4);
    const withOne = await mean([...base, { a: 8, b: 8 }], 5);
    expect(Math.abs(withOne - without)).toBeLessThan(1);
  });
});
