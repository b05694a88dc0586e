/**
 * Rendering a DP SQL result for people (an aligned table, Markdown) and for
 * programs (CSV), with one number format throughout.
 *
 * The number format (`formatNumber`): integers in full; other numbers with
 * six significant digits but never fewer than their integer digits (so
 * 8503778.4 is `8,503,778` and 22690000.5 is `22,690,001`, never `2.269e+7`);
 * thousands separators in the released (aggregate) columns of tables and
 * Markdown, none in CSV and none in GROUP BY key columns (a key is a label — a
 * year, a code — printed as the engine gives it, so `year(d)` reads 2020, not
 * 2,020, and can be pasted back into a WHERE: reviewml, issue 11); never exponent
 * notation (at most 20 digits after the point, so magnitudes below 5e-21
 * read 0); the digits are those `Intl.NumberFormat('en-US')` writes, made
 * without ICU (`_internal/format-decimal.ts`: ICU's start-up cost ≈ 0.16 s of
 * the CLI's). JSON output (in the CLI) keeps full-precision numbers.
 *
 * The footer says what the intervals mean: they cover **the DP noise only**
 * (at the stated confidence), not the bias from clamping to the declared
 * bounds, contribution bounding (what a unit adds past its caps), or sampling error.
 * @module
 */

import type { LedgerCap } from '../ledger/ledger.js';
import { edgeArray, edgeOptionalRecord, edgeRecord } from '../numeric/edge.js';
import { Rational } from '../numeric/rational.js';
import { formatDecimal } from './_internal/format-decimal.js';
import type { BoundingReport, DpSqlResult, DpSqlValue, QuantileNote } from './run-dp-sql.js';

/** The output formats for people and programs. */
export type ResultFormat = 'table' | 'csv' | 'markdown';

/** Significant digits of a non-integer (fewer only where the integer part has more digits). */
const SIGNIFICANT = 6;

/**
 * Formats a number the one way results are shown.
 * @param x - the number.
 * @param options - `grouping`: thousands separators (default true).
 * @returns e.g. `8,503,778`, `39.8612`, `0.001235`, `-0.5`; `NaN` / `∞` / `-∞` for non-finite values.
 * @example
 * formatNumber(8503778.4); // '8,503,778'
 */
export function formatNumber(x: number, options: { grouping?: boolean } = {}): string {
  const grouping = options.grouping ?? true;
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (Object.is(x, -0)) return '0';
  const a = Math.abs(x);
  if (Number.isInteger(x) || a >= 10 ** (SIGNIFICANT - 1)) return formatDecimal(x, 0, grouping);
  // Digits after the point for SIGNIFICANT significant digits (more for |x| < 1, where leading zeros do not count).
  const magnitude = Math.floor(Math.log10(a)) + 1;
  const fraction = Math.min(20, Math.max(0, SIGNIFICANT - magnitude));
  return formatDecimal(x, fraction, grouping);
}

/** An exact amount for people: its decimal when short and exact (0.5), else its fraction when short (1/3), else ≈ its value. */
export function formatRational(r: Rational): string {
  const fraction = r.toString();
  if (!fraction.includes('/')) return fraction;
  const decimal = formatNumber(r.toNumber(), { grouping: false });
  if (decimal.length <= 12 && Rational.parse(decimal).equals(r)) return decimal;
  return fraction.length <= 15 ? fraction : `≈${decimal}`;
}

/** `ε=0.5, δ=0.000001` (and `ρ=…` when the amount carries one). */
export function formatAmountText(a: LedgerCap): string {
  const rho = (a as { rho?: Rational }).rho;
  const parts = [`ε=${formatRational(a.epsilon)}`, `δ=${formatRational(a.delta)}`];
  if (rho && !rho.isZero()) parts.push(`ρ=${formatRational(rho)}`);
  return parts.join(', ');
}

/** Aligned text columns (two spaces apart), a rule under the header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const width = (s: string) => [...s].length;
  const widths = header.map((h, j) => Math.max(width(h), ...rows.map((r) => width(r[j] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, j) => c + ' '.repeat(Math.max(0, (widths[j] ?? 0) - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function cell(v: DpSqlValue | number, grouping: boolean): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return formatNumber(v, { grouping });
  return String(v);
}

/** The bounding report's footer line (`--report-bounding`). */
function boundingLine(b: BoundingReport, pct: string): string {
  const n = (x: number) => formatNumber(x, { grouping: false });
  const share = b.rho === undefined ? `ε=${n(b.epsilon ?? 0)}` : `ρ=${n(b.rho)}`;
  const iv = (x: readonly [number, number]) => `[${formatNumber(x[0])}, ${formatNumber(x[1])}]`;
  return `bounding capped the contributions of ≈${formatNumber(b.unitsCut)} of ≈${formatNumber(b.units)} units (DP, ${share} per count, within the charge; ${pct} intervals ${iv(b.interval.unitsCut)} and ${iv(b.interval.units)})`;
}

/** The quantile columns' footer line: how their values and intervals were released. */
function quantileLine(q: QuantileNote, pct: string): string {
  const list = (c: readonly string[]) => c.join(', ');
  const interval =
    q.intervalShare > 0
      ? `each interval from two more (${formatNumber((q.intervalShare / 2) * 100, { grouping: false })}% of the column's share each) covers the exact quantile of the clamped values at ${pct}`
      : 'no interval (quantileIntervalShare 0)';
  const integer = q.integerColumns.length > 0 ? `; integer columns (${list(q.integerColumns)}) report integers` : '';
  return `quantiles (${list(q.columns)}): each value from an exponential mechanism; ${interval}${integer}`;
}

/** The footer lines: guarantee, budget left, what intervals cover, quantiles, bounding report, ledger. */
export function resultFooter(result: DpSqlResult, ledger?: string): string[] {
  const g = result.guarantee;
  const n = (x: number) => formatNumber(x, { grouping: false });
  const spent =
    g.kind === 'pure' ? `ε=${n(g.epsilon)} (pure DP)` : g.kind === 'approximate' ? `ε=${n(g.epsilon)}, δ=${n(g.delta)}` : `ρ=${n(g.rho)}`;
  const rho = result.spent.rho === undefined ? '' : ` (covers ρ=${n(result.spent.rho)} zCDP: discrete Gaussian noise)`;
  const pct = `${formatNumber(result.confidence * 100, { grouping: false })}%`;
  const lines = [
    `guarantee spent: ${spent}${rho}; budget left: ε=${n(result.remaining.epsilon)}, δ=${n(result.remaining.delta)}`,
    `intervals: ${pct} confidence for the DP noise only; they do not cover clamping to the declared bounds, contribution bounding (rows and groups a unit adds past its caps), or sampling error`,
  ];
  if (result.quantiles) lines.push(quantileLine(result.quantiles, pct));
  if (result.bounding) lines.push(boundingLine(result.bounding, pct));
  if (ledger) lines.push(`ledger: ${ledger}`);
  if (result.notForRelease) lines.push('NOT FOR RELEASE: made with a seeded (test) random source');
  return lines;
}

function quoteCsv(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Renders `result` as an aligned text table (default), Markdown or CSV.
 * Table and Markdown put each interval beside its value and end with the footer; CSV has one
 * `<col>_lower`/`<col>_upper` column pair per column with intervals and no footer (see `resultFooter`).
 * @param result - a DP SQL result.
 * @param options - `format` (default `table`), `ledger` (its printable name, for the footer).
 * @returns the text, ending with a newline.
 * @example
 * process.stdout.write(formatDpSqlResult(result, { format: 'markdown' }));
 */
export function formatDpSqlResult(result: DpSqlResult, options: { format?: ResultFormat; ledger?: string } = {}): string {
  edgeRecord(result, 'result');
  edgeOptionalRecord(options, 'options');
  edgeArray(result.columns, 'result.columns');
  edgeArray(result.rows, 'result.rows');
  const format = options.format ?? 'table';
  const hasInterval = (c: string) => result.intervals[c] !== undefined;
  if (format === 'csv') {
    const header = result.columns.flatMap((c) => (hasInterval(c) ? [c, `${c}_lower`, `${c}_upper`] : [c]));
    const raw = (v: DpSqlValue | number) =>
      v === null ? '' : typeof v === 'number' ? formatNumber(v, { grouping: false }) : quoteCsv(String(v));
    const rows = result.rows.map((row, i) =>
      result.columns.flatMap((c, j) => {
        const v = row[j] ?? null;
        if (!hasInterval(c)) return [raw(v)];
        const iv = result.intervals[c]?.[i];
        return [raw(v), iv ? raw(iv[0]) : '', iv ? raw(iv[1]) : ''];
      }),
    );
    return `${[header.map(quoteCsv), ...rows].map((r) => r.join(',')).join('\n')}\n`;
  }
  const pct = `${formatNumber(result.confidence * 100, { grouping: false })}%`;
  const header = result.columns.map((c) => (hasInterval(c) ? `${c} (${pct} CI)` : c));
  const body = result.rows.map((row, i) =>
    row.map((v, j) => {
      const name = result.columns[j] as string;
      // A column without intervals is a GROUP BY key: a label (a year, a code), printed as its plain value, never
      // digit-grouped (2020, not 2,020); aggregates and derived outputs are quantities and are grouped.
      if (!hasInterval(name)) return cell(v, false);
      const iv = result.intervals[name]?.[i];
      return iv ? `${cell(v, true)} [${cell(iv[0], true)}, ${cell(iv[1], true)}]` : `${cell(v, true)} [no interval]`;
    }),
  );
  const footer = resultFooter(result, options.ledger);
  if (format === 'markdown') {
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    const numeric = result.columns.map((_, j) => result.rows.some((r) => typeof r[j] === 'number'));
    const lines = [
      `| ${header.map(esc).join(' | ')} |`,
      `| ${numeric.map((isNum) => (isNum ? '---:' : '---')).join(' | ')} |`,
      ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
    ];
    if (result.rows.length === 0) lines.push('', '(no rows)');
    return `${[...lines, '', ...footer.map((f) => `${f}  `)].join('\n')}\n`;
  }
  const out = formatTable(header, body);
  if (result.rows.length === 0) out.push('(no rows)');
  return `${[...out, '', ...footer].join('\n')}\n`;
}
