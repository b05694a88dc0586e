/**
 * The utility report as one self-contained HTML page: no script, no external
 * file, every plot an inline SVG written here (bars of the real and synthetic
 * 1-way distributions side by side, heat maps of Cramér's V for the real and
 * the synthetic data and of the 2-way TVDs). Every text from the schema is
 * escaped. The page opens with the notice that the data owner computed it
 * and that it is not DP.
 * @module
 */

import { DpError } from '../core/index.js';
import { checkObject } from './params.js';
import type { UtilityReport } from './report.js';
import type { MarginalError } from './utility.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const REAL = '#3566a8';
const SYNTH = '#e08a2c';

function bars(d: UtilityReport['oneWay'][number]): string {
  const max = Math.max(1e-12, ...d.real, ...d.synthetic);
  const w = 300;
  const rowH = 14;
  const shown = d.labels.slice(0, 40);
  const rows = shown
    .map((label, k) => {
      const y = k * rowH;
      const r = ((d.real[k] ?? 0) / max) * w;
      const s = ((d.synthetic[k] ?? 0) / max) * w;
      return `<text x="0" y="${y + 10}" font-size="10">${esc(label.slice(0, 22))}</text><rect x="130" y="${y + 1}" width="${r.toFixed(1)}" height="5" fill="${REAL}"><title>real ${((d.real[k] ?? 0) * 100).toFixed(2)}%</title></rect><rect x="130" y="${y + 6}" width="${s.toFixed(1)}" height="5" fill="${SYNTH}"><title>synthetic ${((d.synthetic[k] ?? 0) * 100).toFixed(2)}%</title></rect>`;
    })
    .join('');
  const more = d.labels.length > shown.length ? `<p class="small">first ${shown.length} of ${d.labels.length} values</p>` : '';
  return `<figure><figcaption>${esc(d.column)} <span class="small">TVD ${d.tvd.toFixed(4)}</span></figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${w + 140}" height="${Math.max(1, shown.length) * rowH}" role="img" aria-label="${esc(d.column)}: real and synthetic shares">${rows}</svg>${more}</figure>`;
}

/** A square heat map of a symmetric matrix with values in [0, max], as SVG. */
function heat(
  names: readonly string[],
  value: (i: number, j: number) => number | undefined,
  max: number,
  title: string,
  colour: string,
): string {
  const cell = Math.max(10, Math.min(26, Math.floor(420 / Math.max(1, names.length))));
  const label = 110;
  const n = names.length;
  const [r0, g0, b0] = [parseInt(colour.slice(1, 3), 16), parseInt(colour.slice(3, 5), 16), parseInt(colour.slice(5, 7), 16)];
  const rects: string[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const v = value(i, j);
      if (v === undefined) continue;
      const t = Math.max(0, Math.min(1, v / max));
      const mix = (c: number) => Math.round(255 + (c - 255) * t);
      rects.push(
        `<rect x="${label + j * cell}" y="${label + i * cell}" width="${cell - 1}" height="${cell - 1}" fill="rgb(${mix(r0)},${mix(g0)},${mix(b0)})"><title>${esc(names[i] as string)} × ${esc(names[j] as string)}: ${v.toFixed(3)}</title></rect>`,
      );
    }
  const rowLabels = names
    .map(
      (s, i) =>
        `<text x="${label - 4}" y="${label + i * cell + cell * 0.7}" font-size="10" text-anchor="end">${esc(s.slice(0, 18))}</text>`,
    )
    .join('');
  const colLabels = names
    .map(
      (s, j) =>
        `<text transform="translate(${label + j * cell + cell * 0.7},${label - 4}) rotate(-60)" font-size="10">${esc(s.slice(0, 18))}</text>`,
    )
    .join('');
  const size = label + n * cell + 4;
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" role="img" aria-label="${esc(title)}">${rowLabels}${colLabels}${rects.join('')}</svg></figure>`;
}

function tvdMatrix(r: UtilityReport): (i: number, j: number) => number | undefined {
  const index = new Map(r.columns.map((c, i) => [c, i]));
  const m = new Map<string, number>();
  for (const e of r.twoWayTvd as readonly MarginalError[]) {
    const [a, b] = e.columns.map((c) => index.get(c) as number) as [number, number];
    m.set(`${a},${b}`, e.tvd);
    m.set(`${b},${a}`, e.tvd);
  }
  return (i, j) => (i === j ? undefined : m.get(`${i},${j}`));
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * The report as one self-contained HTML page.
 * @param r - the report (`utilityReport`).
 * @returns the HTML text (no script, no external resource).
 * @privacy not DP (it shows figures of the real data); for the data owner only — the page says so.
 * @example
 * writeFileSync('report.html', reportHtml(report));
 */
export function reportHtml(r: UtilityReport): string {
  checkObject(r, 'report', 'a UtilityReport (from utilityReport)');
  // The report is a public, non-private object: a malformed one (a missing part) is refused as a parameter error.
  try {
    return renderHtml(r);
  } catch {
    throw new DpError('INVALID_PARAMETER', 'report must be a UtilityReport (from utilityReport)', { parameter: 'report' });
  }
}

function renderHtml(r: UtilityReport): string {
  const worst = r.worst.map((e) => `<tr><td>${esc(e.columns.join(' × '))}</td><td>${e.tvd.toFixed(4)}</td></tr>`).join('');
  const b = r.budget;
  const amount = (a: { epsilon: number; delta: number } | string) => (typeof a === 'string' ? esc(a) : `ε = ${a.epsilon}, δ = ${a.delta}`);
  const budget = b
    ? `<p>Charged to ${esc(b.source)}: total ${amount(b.total)}; spent in all ${esc(b.spent)}; left ${amount(b.remaining)}.</p>`
    : '<p>No budget or ledger was given to this run: the caller accounts for the guarantee.</p>';
  const parts =
    r.guarantee.parts.quantiles > 0
      ? ` Of ρ, ${r.guarantee.parts.quantiles.toPrecision(4)} released the DP quantile bin edges of continuous columns and ${r.guarantee.parts.marginals.toPrecision(4)} the marginals.`
      : '';
  const assoc = r.association;
  const ml = r.mlEfficacy;
  const mlTable = ml
    ? `<h2>ML efficacy</h2><p>Predicting <b>${esc(ml.target)}</b> from the other columns with a ${esc(ml.classifier)}; tested on ${ml.testRows} real records (every fifth) never used to train the real-data model.</p>
<table><tr><th>trained on</th><th>rows</th><th>accuracy</th><th>balanced accuracy</th></tr>
<tr><td>real (train on real, test on real)</td><td>${ml.trainRows.real}</td><td>${pct(ml.trainRealTestReal.accuracy)}</td><td>${pct(ml.trainRealTestReal.balancedAccuracy)}</td></tr>
<tr><td>synthetic (train on synthetic, test on real)</td><td>${ml.trainRows.synthetic}</td><td>${pct(ml.trainSyntheticTestReal.accuracy)}</td><td>${pct(ml.trainSyntheticTestReal.balancedAccuracy)}</td></tr>
<tr><td>majority class (baseline)</td><td></td><td>${pct(ml.majorityBaseline.accuracy)}</td><td>${pct(ml.majorityBaseline.balancedAccuracy)}</td></tr></table>
<p class="small">The synthesizer saw every real record, the test ones included (the usual caveat of train-on-synthetic, test-on-real).</p>`
    : '';
  const maxTvd = Math.max(1e-12, ...r.twoWayTvd.map((e) => e.tvd));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tsdp synthetic data: utility report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}.notice{border:2px solid #b00;padding:.8em;background:#fff3f3}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}figure{display:inline-block;vertical-align:top;margin:0 1em 1em 0}.small{font-size:11px;color:#666}
.key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}</style></head><body>
<h1>Synthetic data: utility report</h1>
<p class="notice"><b>Not differentially private.</b> ${esc(r.notice)}</p>
<h2>Guarantee and budget</h2>
<p>Method ${esc(r.method.toUpperCase())}. The synthetic data is <b>${r.guarantee.rho.toPrecision(6)}-zCDP</b> for adding or removing one record, which implies <b>(ε = ${r.guarantee.epsilon.toPrecision(6)}, δ = ${r.guarantee.delta})-DP</b> (Canonne–Kamath–Steinke, converted once on the total). Charged exactly: ${esc(r.guarantee.charged)}.${parts}</p>
${budget}
<h2>Accuracy of the marginals</h2>
<p>${r.syntheticRows} synthetic rows against ${r.realRows} real rows. Average total variation distance (½‖p − q‖₁ of the normalised marginals; 0 is identical, 1 disjoint):</p>
<table><tr><th>1-way</th><th>2-way</th><th>3-way${r.threeWayScored < r.threeWayTotal ? ` (first ${r.threeWayScored} of ${r.threeWayTotal})` : ''}</th></tr><tr><td>${r.averageTvd.oneWay.toFixed(4)}</td><td>${r.averageTvd.twoWay.toFixed(4)}</td><td>${r.averageTvd.threeWay.toFixed(4)}</td></tr></table>
<h3>Worst marginals</h3><table><tr><th>marginal</th><th>TVD</th></tr>${worst}</table>
<h2>Pairwise association</h2>
<p>Cramér's V of every pair of columns (0: independent, 1: one determines the other), in the real and in the synthetic data; mean |difference| ${assoc.meanAbsDifference.toFixed(4)}.</p>
${heat(r.columns, (i, j) => (i === j ? undefined : assoc.real[i]?.[j]), 1, "Cramér's V, real", REAL)}
${heat(r.columns, (i, j) => (i === j ? undefined : assoc.synthetic[i]?.[j]), 1, "Cramér's V, synthetic", SYNTH)}
${heat(r.columns, tvdMatrix(r), maxTvd, `2-way TVD by pair (darkest ${maxTvd.toFixed(3)})`, '#bb0000')}
${mlTable}
<h2>1-way distributions</h2><p class="key"><span style="background:${REAL}"></span>real<span style="background:${SYNTH}"></span>synthetic</p>
${r.oneWay.map(bars).join('\n')}
</body></html>
`;
}
