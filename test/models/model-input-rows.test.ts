/**
 * Class rule (issue 10 classes 2/3, review S3): how the classic models read one row of an array input depends on
 * that row alone — never on the first row or any other — and the width is public (declared features or the
 * fitted column count). Generative: inserting any element (array, record, null, number, string, nested junk) at
 * any position leaves every other row's values unchanged and never refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ModelInput, readLabels, readMatrix } from '../../src/learn/classic/model-input.js';

/** Hostile mixes are what the test feeds: the type says what callers should pass, not what arrives. */
const asInput = (x: unknown): ModelInput => x as ModelInput;

const cell = fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.string({ maxLength: 3 }), fc.boolean());
const arrayRow = fc.array(cell, { maxLength: 4 });
const recordRow = fc.record({ a: cell, b: cell, c: cell }, { requiredKeys: [] });
const anyRow = fc.oneof(arrayRow, recordRow, fc.constant(null), fc.constant(undefined), fc.integer(), fc.string({ maxLength: 3 }));

describe('classic models: each row is read by its own shape', () => {
  it('generative (fast-check, seed 33): one inserted element changes no other row and never refuses', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(arrayRow, recordRow), { maxLength: 12 }), anyRow, fc.nat(), fc.boolean(), (rows, extra, at, named) => {
        const features = named ? ['a', 'b', 'c'] : undefined;
        const k = at % (rows.length + 1);
        const without = readMatrix(asInput(rows), features, 3);
        const withOne = readMatrix(asInput([...rows.slice(0, k), extra, ...rows.slice(k)]), features, 3);
        expect(withOne.rows).toBe(without.rows + 1);
        const kept = [...withOne.values.slice(0, k * 3), ...withOne.values.slice((k + 1) * 3)];
        expect(kept).toEqual([...without.values]);
      }),
      { seed: 33, numRuns: 300 },
    );
  });

  it('regression: a record first, array rows after — the array rows keep their values', () => {
    const m = readMatrix(asInput([{ a: 1, b: 2 }, [8, 8], [7, 7]]), undefined, 2);
    expect([...m.values]).toEqual([0, 0, 8, 8, 7, 7]);
  });

  it('regression (review-models): a label column name reads array rows as missing (0), never their first feature', () => {
    expect([
      ...readLabels(
        asInput([
          [7, 8],
          [9, 10],
        ]),
        'label',
        2,
      ),
    ]).toEqual([0, 0]);
    expect([...readLabels(asInput([{ label: 1 }, [9, 10], { label: 0 }]), 'label', 3)]).toEqual([1, 0, 0]);
  });

  it('generative (fast-check, seed 34): a label column of an array input — one inserted element changes no other label', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(arrayRow, recordRow), { maxLength: 12 }), anyRow, fc.nat(), (rows, extra, at) => {
        const k = at % (rows.length + 1);
        const without = readLabels(asInput(rows), 'a', rows.length);
        const withOne = readLabels(asInput([...rows.slice(0, k), extra, ...rows.slice(k)]), 'a', rows.length + 1);
        expect([...withOne.slice(0, k), ...withOne.slice(k + 1)]).toEqual([...without]);
        rows.forEach((row, r) => {
          if (Array.isArray(row)) expect(without[r]).toBe(0);
        });
      }),
      { seed: 34, numRuns: 300 },
    );
  });
});
