/**
 * GROUP BY keys print as values, not quantities (reviewml, issue 11: `year(d)` printed 2,020 in tables and
 * Markdown). Generative (fast-check, seed 1911): for numeric keys of any size and aggregates of any size, a table or
 * Markdown cell of a key is the key without thousands separators, and an aggregate cell starts with the grouped
 * number. Regression: test/review/ml-sql-key-format.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pure } from '../../src/core/loss.js';
import { Rational } from '../../src/numeric/rational.js';
import { formatDpSqlResult, formatNumber } from '../../src/sql/format-result.js';
import type { DpSqlResult } from '../../src/sql/run-dp-sql.js';

const key = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ min: -1e12, max: 1e12, noNaN: true }));
const aggregate = fc.oneof(fc.integer({ min: -1e12, max: 1e12 }), fc.double({ min: -1e15, max: 1e15, noNaN: true }));

function resultOf(rows: readonly (readonly [number, number])[]): DpSqlResult {
  return {
    columns: ['k', 'n'],
    rows,
    intervals: { n: rows.map(([, v]) => [v - 1, v + 1] as [number, number]) },
    spent: { epsilon: 1, delta: 0 },
    remaining: { epsilon: 9, delta: 1e-6 },
    guarantee: pure(1),
    loss: { epsilon: Rational.ONE, delta: Rational.ZERO, rho: Rational.ZERO },
    confidence: 0.95,
  } as DpSqlResult;
}

describe('formatDpSqlResult: keys ungrouped, aggregates grouped (generative)', () => {
  it('every key cell is the plain number and every aggregate cell the grouped one, in table and Markdown', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, aggregate), { minLength: 1, maxLength: 6 }), (rows) => {
        const r = resultOf(rows);
        const table = formatDpSqlResult(r, { format: 'table' })
          .split('\n')
          .slice(2, 2 + rows.length);
        const markdown = formatDpSqlResult(r, { format: 'markdown' })
          .split('\n')
          .slice(2, 2 + rows.length);
        rows.forEach(([k, v], i) => {
          const plain = formatNumber(k, { grouping: false });
          const grouped = formatNumber(v);
          expect(plain).not.toMatch(/,/);
          expect((table[i] as string).split(/ {2,}/)[0]).toBe(plain);
          expect((table[i] as string).split(/ {2,}/)[1]).toBe(`${grouped} [${formatNumber(v - 1)}, ${formatNumber(v + 1)}]`);
          expect(markdown[i]).toBe(`| ${plain} | ${grouped} [${formatNumber(v - 1)}, ${formatNumber(v + 1)}] |`);
        });
      }),
      { numRuns: 300, seed: 1911 },
    );
  });

  it('regression: a year key reads 2020 and a count 1,234', () => {
    const text = formatDpSqlResult(resultOf([[2020, 1234]]), { format: 'table' });
    expect(text).toMatch(/^2020 {2}1,234 \[1,233, 1,235\]$/m);
  });
});
