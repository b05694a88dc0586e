/**
 * One number format for results (generative): never exponent notation, integers in full, six
 * significant digits otherwise (never fewer than the integer digits), thousands separators only
 * where asked; and each rendering (table, Markdown, CSV) keeps one cell per column and states that
 * intervals cover the noise only.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pure } from '../../src/core/loss.js';
import { Rational } from '../../src/numeric/rational.js';
import { formatDecimal } from '../../src/sql/_internal/format-decimal.js';
import { formatDpSqlResult, formatNumber, formatRational } from '../../src/sql/format-result.js';
import type { DpSqlResult } from '../../src/sql/run-dp-sql.js';

const finite = fc.oneof(
  fc.double({ min: -1e21, max: 1e21, noNaN: true }),
  fc.integer(),
  fc.double({ min: -1, max: 1, noNaN: true }),
  fc.double({ min: 1e-12, max: 1e-3, noNaN: true }),
);

describe('formatNumber', () => {
  it('never uses exponent notation and reads back within six significant digits', () => {
    fc.assert(
      fc.property(finite, (x) => {
        const s = formatNumber(x);
        expect(s).not.toMatch(/e/i);
        const back = Number(s.replace(/,/g, ''));
        if (Number.isInteger(x) || Math.abs(x) >= 1e5) expect(Math.abs(back - x)).toBeLessThanOrEqual(0.5 + Math.abs(x) * 1e-15);
        else if (Math.abs(x) >= 1e-14) expect(Math.abs(back - x) / Math.abs(x)).toBeLessThanOrEqual(5e-6);
        // At most 20 digits after the point: below 1e-14 the digits thin out, and below 5e-21 it reads 0.
        else expect(Math.abs(back - x)).toBeLessThanOrEqual(5e-21);
        expect(formatNumber(x, { grouping: false })).toBe(s.replace(/,/g, ''));
      }),
      { numRuns: 2000, seed: 31 },
    );
  });

  it('shows the issue example in one format', () => {
    expect(formatNumber(2.269e7)).toBe('22,690,000');
    expect(formatNumber(8503778.4)).toBe('8,503,778');
    expect(formatNumber(39.86123)).toBe('39.8612');
    expect(formatNumber(0.00123456)).toBe('0.00123456');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(1e-7)).toBe('0.0000001');
  });

  it('shows exact amounts as short decimals or fractions', () => {
    expect(formatRational(Rational.parse('1/2'))).toBe('0.5');
    expect(formatRational(Rational.parse('1/3'))).toBe('1/3');
    expect(formatRational(Rational.parse('1/10000000'))).toBe('0.0000001');
    expect(formatRational(Rational.parse('10'))).toBe('10');
  });
});

describe('formatDpSqlResult (generative)', () => {
  const value = fc.oneof(finite, fc.constant(null));
  const result = fc
    .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 4 }))
    .chain(([rows, cols]) =>
      fc.record({
        rows: fc.array(fc.tuple(fc.string({ maxLength: 6 }), ...Array.from({ length: cols }, () => value)), {
          minLength: rows,
          maxLength: rows,
        }),
        cols: fc.constant(cols),
        iv: fc.array(fc.option(fc.tuple(finite, finite)), { minLength: rows, maxLength: rows }),
      }),
    )
    .map(({ rows, cols, iv }): DpSqlResult => {
      const columns = ['key', ...Array.from({ length: cols }, (_, j) => `c${j}`)];
      return {
        columns,
        rows,
        intervals: Object.fromEntries(
          columns.slice(1).map((c) => [c, iv.map((x) => (x ? ([Math.min(...x), Math.max(...x)] as [number, number]) : null))]),
        ),
        spent: { epsilon: 1, delta: 0 },
        remaining: { epsilon: 9, delta: 1e-6 },
        guarantee: pure(1),
        loss: { epsilon: Rational.ONE, delta: Rational.ZERO, rho: Rational.ZERO },
        confidence: 0.95,
      } as DpSqlResult;
    });

  it('CSV has one field per column (plus the interval pair) in every row; table and Markdown state what intervals cover', () => {
    fc.assert(
      fc.property(result, (r) => {
        const csv = formatDpSqlResult(r, { format: 'csv' });
        const lines = csv.trimEnd().split('\n');
        const expected = 1 + 3 * (r.columns.length - 1);
        // Keys with commas, quotes or newlines are quoted; count fields with a small RFC 4180 reader.
        const fields = (text: string) => {
          const rows: string[][] = [[]];
          let cur = '';
          let quoted = false;
          for (let i = 0; i < text.length; i++) {
            const ch = text[i] as string;
            if (quoted) {
              if (ch === '"' && text[i + 1] === '"') (cur += '"'), i++;
              else if (ch === '"') quoted = false;
              else cur += ch;
            } else if (ch === '"') quoted = true;
            else if (ch === ',') (rows.at(-1) as string[]).push(cur), (cur = '');
            else if (ch === '\n') (rows.at(-1) as string[]).push(cur), (cur = ''), rows.push([]);
            else cur += ch;
          }
          (rows.at(-1) as string[]).push(cur);
          return rows;
        };
        const parsed = fields(csv.slice(0, -1));
        expect(parsed).toHaveLength(r.rows.length + 1);
        for (const row of parsed) expect(row).toHaveLength(expected);
        expect(lines[0]).toMatch(/^key,c0,c0_lower,c0_upper/);
        for (const f of ['table', 'markdown'] as const) {
          const text = formatDpSqlResult(r, { format: f, ledger: 'file /tmp/x' });
          expect(text).toMatch(/intervals: 95% confidence for the DP noise only/);
          expect(text).toMatch(/ledger: file \/tmp\/x/);
          expect(text).not.toMatch(/\de[+-]\d/);
        }
      }),
      { numRuns: 200, seed: 32 },
    );
  });
});

describe('the number format without ICU (issue 11: start-up)', () => {
  it('generative (fast-check, seed 1131): formatDecimal writes exactly what Intl.NumberFormat en-US writes, for every fraction digit count and grouping', () => {
    const tricky = fc.constantFrom(
      1.005,
      2.5,
      -2.5,
      0.125,
      1e21,
      2 ** 60,
      2 ** 63,
      2 ** 53 + 2,
      1e-7,
      -1e-7,
      5e-21,
      123456.5,
      1.45,
      8503778.4,
      1e300,
      5e-324,
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
          fc.integer().map((i) => i / 1000),
          fc.integer({ min: -1e6, max: 1e6 }).map((i) => i / 8 + 0.0005),
          tricky,
        ),
        fc.integer({ min: 0, max: 20 }),
        fc.boolean(),
        (x, fractionDigits, grouping) => {
          const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: fractionDigits, useGrouping: grouping });
          expect(formatDecimal(x, fractionDigits, grouping)).toBe(intl.format(x));
        },
      ),
      { numRuns: 20_000, seed: 1131 },
    );
  });
});

describe('GROUP BY keys are labels (issue 11, number format; reviewml stop 19)', () => {
  it('table and Markdown print integer keys plainly (2020, not 2,020) and still group the aggregates', () => {
    const result = {
      columns: ['y', 'n'],
      rows: [
        [2020, 12345],
        [2021, 67890],
      ],
      intervals: { n: [[12000, 12600] as [number, number], null] },
      spent: { epsilon: 1, delta: 0 },
      remaining: { epsilon: 9, delta: 0 },
      guarantee: pure(1),
      loss: { epsilon: Rational.ONE, delta: Rational.ZERO, rho: Rational.ZERO },
      confidence: 0.95,
    } as DpSqlResult;
    for (const format of ['table', 'markdown'] as const) {
      const text = formatDpSqlResult(result, { format });
      expect(text).toMatch(/\b2020\b/);
      expect(text).not.toMatch(/2,020|2,021/);
      expect(text).toMatch(/12,345 \[12,000, 12,600\]/);
    }
  });
});
