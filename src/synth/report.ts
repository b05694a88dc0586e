/**
 * The utility report of a synthetic data set: one self-contained HTML page
 * (no script, no external file) and the same figures as JSON — average TVD
 * over the 1-, 2- and 3-way marginals, the worst marginals, side-by-side
 * 1-way distributions, a heat map of the 2-way TVDs, the guarantee and the
 * budget. It compares against the real data, so only the data owner may
 * compute or read it; the page says so. It is not a DP release.
 * @module
 */
import { formatExactLoss, type PrivacyBudget } from '../core/index.js';
import type { SynthDomain } from './domain.js';
import { countMarginal } from './measure.js';
import type { SynthGuarantee, SynthMethod } from './synthesize.js';
import { type MarginalError, meanTvd, workloadErrors } from './utility.js';

/** The JSON form of the report. */
export interface UtilityReport {
  readonly notice: string;
  readonly method: SynthMethod;
  readonly realRows: number;
  readonly syntheticRows: number;
  readonly guarantee: { rho: number; epsilon: number; delta: number; charged: string };
  readonly budget?: { total: string; spent: string; remaining: string };
  readonly averageTvd: { oneWay: number; twoWay: number; threeWay: number };
  /** How many 3-way marginals were scored (a prefix when capped). */
  readonly threeWayScored: number;
  readonly worst: readonly MarginalError[];
  readonly oneWay: readonly { column: string; labels: string[]; real: number[]; synthetic: number[] }[];
  readonly twoWayTvd: readonly MarginalError[];
}

const NOTICE =
  'Computed by the data owner from the real data: this report compares the synthetic records with the private ones and is NOT differentially private. Do not publish it; publish the synthetic data and its guarantee.';

/** What {@link utilityReport} needs. */
export interface UtilityReportInput {
  readonly domain: SynthDomain;
  readonly real: readonly Int32Array[];
  readonly synthetic: readonly Int32Array[];
  readonly method: SynthMethod;
  readonly guarantee: SynthGuarantee;
  readonly budget?: PrivacyBudget;
  /** The most 3-way marginals to score (default 2000). */
  readonly maxThreeWay?: number;
}

function labelsOf(domain: SynthDomain, j: number): string[] {
  const c = domain.columns[j];
  const size = domain.sizes[j] as number;
  if (c?.type === 'categorical') return [...c.categories];
  return Array.from({ length: size }, (_, k) => String(k));
}

/**
 * Computes the report's figures.
 * @param input - domain, encoded real and synthetic data, method, guarantee, budget.
 * @returns the report.
 * @privacy not DP: reads the real data (for the data owner only).
 */
export function utilityReport(input: UtilityReportInput): UtilityReport {
  const { domain, real, synthetic } = input;
  const one = workloadErrors(real, synthetic, domain.sizes, domain.names, 1);
  const two = workloadErrors(real, synthetic, domain.sizes, domain.names, 2);
  const three = workloadErrors(real, synthetic, domain.sizes, domain.names, 3, input.maxThreeWay ?? 2000);
  const nr = real[0]?.length ?? 0;
  const ns = synthetic[0]?.length ?? 0;
  const share = (x: Float64Array, n: number) => Array.from(x, (v) => (n > 0 ? v / n : 0));
  const g = input.guarantee;
  return {
    notice: NOTICE,
    method: input.method,
    realRows: nr,
    syntheticRows: ns,
    guarantee: { rho: g.rho, epsilon: g.epsilon, delta: g.delta, charged: formatExactLoss(g.loss) },
    ...(input.budget === undefined
      ? {}
      : {
          budget: {
            total: String(
              input.budget.total.kind === 'approximate'
                ? `ε=${input.budget.total.epsilon}, δ=${input.budget.total.delta}`
                : JSON.stringify(input.budget.total),
            ),
            spent: JSON.stringify(input.budget.spent),
            remaining: JSON.stringify(input.budget.remaining),
          },
        }),
    averageTvd: { oneWay: meanTvd(one), twoWay: meanTvd(two), threeWay: meanTvd(three) },
    threeWayScored: three.length,
    worst: [...two, ...three].sort((a, b) => b.tvd - a.tvd).slice(0, 10),
    oneWay: domain.names.map((column, j) => ({
      column,
      labels: labelsOf(domain, j),
      real: share(countMarginal(real, domain.sizes, [j]), nr),
      synthetic: share(countMarginal(synthetic, domain.sizes, [j]), ns),
    })),
    twoWayTvd: two,
  };
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function bars(d: UtilityReport['oneWay'][number]): string {
  const max = Math.max(1e-12, ...d.real, ...d.synthetic);
  const w = 360;
  const rowH = 14;
  const shown = d.labels.slice(0, 40);
  const rows = shown
    .map((label, k) => {
      const y = k * rowH;
      const r = ((d.real[k] ?? 0) / max) * w;
      const s = ((d.synthetic[k] ?? 0) / max) * w;
      return `<text x="0" y="${y + 10}" font-size="10">${esc(label.slice(0, 18))}</text><rect x="110" y="${y + 1}" width="${r.toFixed(1)}" height="5" fill="#3566a8"/><rect x="110" y="${y + 6}" width="${s.toFixed(1)}" height="5" fill="#e08a2c"/>`;
    })
    .join('');
  const more = d.labels.length > shown.length ? `<p class="small">first ${shown.length} of ${d.labels.length} values</p>` : '';
  return `<figure><figcaption>${esc(d.column)}</figcaption><svg width="${w + 120}" height="${shown.length * rowH}" role="img">${rows}</svg>${more}</figure>`;
}

function heatmap(r: UtilityReport): string {
  const names = r.oneWay.map((d) => d.column);
  const tvd = new Map(r.twoWayTvd.map((e) => [e.columns.join('\u0000'), e.tvd]));
  const max = Math.max(1e-12, ...r.twoWayTvd.map((e) => e.tvd));
  const cell = (a: string, b: string) => {
    const v = tvd.get(`${a}\u0000${b}`) ?? tvd.get(`${b}\u0000${a}`);
    if (v === undefined) return '<td></td>';
    const t = v / max;
    return `<td style="background:rgb(255,${Math.round(255 * (1 - t))},${Math.round(255 * (1 - t))})" title="${esc(a)} × ${esc(b)}">${v.toFixed(3)}</td>`;
  };
  const head = `<tr><th></th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>`;
  const body = names.map((a) => `<tr><th>${esc(a)}</th>${names.map((b) => (a === b ? '<td>—</td>' : cell(a, b))).join('')}</tr>`).join('');
  return `<table class="heat">${head}${body}</table>`;
}

/**
 * The report as one self-contained HTML page.
 * @param r - the report.
 * @returns the HTML text.
 */
export function reportHtml(r: UtilityReport): string {
  const worst = r.worst.map((e) => `<tr><td>${esc(e.columns.join(' × '))}</td><td>${e.tvd.toFixed(4)}</td></tr>`).join('');
  const budget = r.budget
    ? `<p>Budget: total ${esc(r.budget.total)}; spent ${esc(r.budget.spent)}; remaining ${esc(r.budget.remaining)}.</p>`
    : '<p>No budget was given to this run.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tsdp synthetic data: utility report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}.notice{border:2px solid #b00;padding:.8em;background:#fff3f3}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}.heat td{text-align:center}figure{display:inline-block;margin:0 1em 1em 0}.small{font-size:11px;color:#666}
.key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}</style></head><body>
<h1>Synthetic data: utility report</h1>
<p class="notice">${esc(r.notice)}</p>
<h2>Guarantee</h2>
<p>Method ${esc(r.method.toUpperCase())}. The synthetic data is <b>${r.guarantee.rho.toPrecision(6)}-zCDP</b> for adding or removing one record, which implies <b>(ε = ${r.guarantee.epsilon.toPrecision(6)}, δ = ${r.guarantee.delta})-DP</b> (Canonne–Kamath–Steinke). Charged: ${esc(r.guarantee.charged)}.</p>
${budget}
<h2>Accuracy</h2>
<p>${r.syntheticRows} synthetic rows against ${r.realRows} real rows. Average total variation distance (½‖p − q‖₁ of the normalised marginals):</p>
<table><tr><th>1-way</th><th>2-way</th><th>3-way${r.threeWayScored < 1 ? '' : ` (${r.threeWayScored} scored)`}</th></tr><tr><td>${r.averageTvd.oneWay.toFixed(4)}</td><td>${r.averageTvd.twoWay.toFixed(4)}</td><td>${r.averageTvd.threeWay.toFixed(4)}</td></tr></table>
<h3>Worst marginals</h3><table><tr><th>marginal</th><th>TVD</th></tr>${worst}</table>
<h3>2-way TVD by pair</h3>${heatmap(r)}
<h3>1-way distributions</h3><p class="key"><span style="background:#3566a8"></span>real<span style="background:#e08a2c"></span>synthetic</p>
${r.oneWay.map(bars).join('\n')}
</body></html>
`;
}
