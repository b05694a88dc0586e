/**
 * Plain-text rendering of a DP SQL result: each noisy value with its
 * confidence interval, then the guarantee spent and the budget left.
 * @module
 */
import type { DpSqlResult, DpSqlValue } from './run-dp-sql.js';

function fmt(v: DpSqlValue | number): string {
  if (v === null) return 'NULL';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) return v.toExponential(3);
  return v.toFixed(a >= 100 ? 1 : a >= 1 ? 2 : 4);
}

/**
 * Renders `result` as an aligned text table with intervals.
 * @param result - a DP SQL result.
 * @returns the table and a footer (guarantee spent, budget left).
 * @example
 * process.stdout.write(formatDpSqlResult(result));
 */
export function formatDpSqlResult(result: DpSqlResult): string {
  const pct = `${Math.round(result.confidence * 1000) / 10}%`;
  const header = result.columns.map((c) => (result.intervals[c] ? `${c} (${pct} CI)` : c));
  const body = result.rows.map((row, i) =>
    row.map((v, j) => {
      const name = result.columns[j] as string;
      const iv = result.intervals[name]?.[i];
      if (!result.intervals[name]) return fmt(v);
      return iv ? `${fmt(v)} [${fmt(iv[0])}, ${fmt(iv[1])}]` : `${fmt(v)} [no interval]`;
    }),
  );
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => c.padEnd(widths[j] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  if (result.rows.length === 0) out.push('(no rows)');
  const g = result.guarantee;
  // Amounts are charged exactly; shown to 12 significant digits (2.348351733, not the double just above it).
  const show = (x: number) => String(Number(x.toPrecision(12)));
  const spent =
    g.kind === 'pure'
      ? `ε=${show(g.epsilon)} (pure DP)`
      : g.kind === 'approximate'
        ? `ε=${show(g.epsilon)}, δ=${show(g.delta)}`
        : `ρ=${show(g.rho)}`;
  out.push('');
  const rho = result.spent.rho === undefined ? '' : ` (covers ρ=${fmt(result.spent.rho)} zCDP: discrete Gaussian noise)`;
  out.push(`guarantee spent: ${spent}${rho}; budget left: ε=${fmt(result.remaining.epsilon)}, δ=${fmt(result.remaining.delta)}`);
  if (result.notForRelease) out.push('NOT FOR RELEASE: made with a seeded (test) random source');
  return `${out.join('\n')}\n`;
}
