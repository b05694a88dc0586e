/**
 * The accountant calculator: ε against training steps for DP-SGD settings
 * (Poisson-sampled Gaussian), from the RDP and the PLD accountants of tsdp
 * (the same code the library accounts with), and a privacy–utility curve for
 * a chosen query (the 95% interval of a noisy count or mean against ε).
 */
import * as Plot from '@observablehq/plot';
import { DpEvents } from '../../src/accounting/dp-events.js';
import { PldAccountant } from '../../src/accounting/pld-accountant.js';
import { RdpAccountant } from '../../src/accounting/rdp-accountant.js';
import { errorBox, fmt, h, labelled, show } from './ui.js';

function numberInput(id: string, value: number, min: number, max: number, step: number | 'any' = 'any'): HTMLInputElement {
  return h('input', { id, type: 'number', value, min, max, step, inputmode: 'decimal' });
}

/** Yields to the page between heavy computations. */
const tick = () => new Promise((r) => setTimeout(r, 0));

/** Builds the accountant view into `root`. */
export function accountantView(root: HTMLElement): { refresh: () => Promise<void> } {
  const n = numberInput('acc-n', 60000, 1, 1e9, 1);
  const batch = numberInput('acc-batch', 256, 1, 1e9, 1);
  const sigma = numberInput('acc-sigma', 1.1, 0.3, 100);
  const epochs = numberInput('acc-epochs', 10, 1, 1000);
  const delta = numberInput('acc-delta', 1e-5, 1e-12, 0.1);
  const compute = h('button', { type: 'button', id: 'acc-compute', text: 'Compute ε' });
  const out = h('div', { id: 'acc-output', 'aria-live': 'polite' });
  const chart = h('div', { id: 'acc-chart' });

  const queryKind = h('select', { id: 'pu-kind' }, h('option', { value: 'count', text: 'COUNT(*)' }), h('option', { value: 'mean', text: 'AVG(x), x in [0, 100], 10,000 rows' }));
  const puChart = h('div', { id: 'pu-chart' });

  const run = async () => {
    compute.disabled = true;
    show(out, h('p', { text: 'Accounting…' }));
    await tick();
    try {
      const N = Number(n.value);
      const B = Number(batch.value);
      const q = B / N;
      const totalSteps = Math.max(1, Math.round((Number(epochs.value) * N) / B));
      const d = Number(delta.value);
      const s = Number(sigma.value);
      const event = DpEvents.poissonSampled(q, DpEvents.gaussian(s));
      const points: { steps: number; epsilon: number; accountant: string }[] = [];
      const grid = [...new Set(Array.from({ length: 8 }, (_, i) => Math.max(1, Math.round((totalSteps * (i + 1)) / 8))))];
      for (const steps of grid) {
        points.push({ steps, epsilon: new RdpAccountant().compose(event, steps).epsilon(d), accountant: 'RDP' });
        await tick();
        points.push({ steps, epsilon: new PldAccountant().compose(DpEvents.selfComposed(event, steps)).epsilon(d), accountant: 'PLD' });
        await tick();
      }
      const last = (a: string) => points.filter((p) => p.accountant === a).at(-1)?.epsilon ?? Number.NaN;
      show(
        out,
        h(
          'p',
          { 'data-testid': 'acc-result' },
          `${totalSteps.toLocaleString('en')} steps at sampling rate q = ${fmt(q, 3)}, σ = ${s}: `,
          h('strong', { text: `ε = ${fmt(last('PLD'), 3)} (PLD)` }),
          `, ${fmt(last('RDP'), 3)} (RDP) at δ = ${d}. PLD is tighter; both are upper bounds.`,
        ),
      );
      show(
        chart,
        Plot.plot({
          height: 280,
          marginLeft: 50,
          color: { legend: true },
          x: { label: 'training steps', grid: true },
          y: { label: `ε at δ = ${d}`, grid: true },
          marks: [Plot.line(points, { x: 'steps', y: 'epsilon', stroke: 'accountant', marker: 'circle' })],
        }),
      );
    } catch (e) {
      show(out, errorBox({ code: (e as { code?: string }).code ?? 'ERROR', message: (e as Error).message }));
    }
    compute.disabled = false;
  };

  const utility = () => {
    const data = [];
    for (let i = 1; i <= 60; i++) {
      const epsilon = i / 20;
      // A 95% interval of Laplace noise: ±b·ln(20). COUNT: b = 1/ε. AVG over n rows of [0, 100]: ε/2 each for the sum and count, ≈ ±(100·2/ε)/n.
      const half = queryKind.value === 'count' ? Math.log(20) / epsilon : (Math.log(20) * 200) / epsilon / 10_000;
      data.push({ epsilon, half });
    }
    show(
      puChart,
      Plot.plot({
        height: 240,
        marginLeft: 60,
        x: { label: 'ε of the query', grid: true },
        y: { label: '± 95% interval (noise only)', grid: true, type: 'log' },
        marks: [Plot.line(data, { x: 'epsilon', y: 'half', stroke: '#2a6df4' })],
      }),
    );
  };
  queryKind.addEventListener('change', utility);
  compute.addEventListener('click', () => void run());

  show(
    root,
    h('h2', { text: 'Accountant: how much ε does DP-SGD spend?' }),
    h('div', { class: 'row' }, labelled('Data set size', n), labelled('Batch size', batch), labelled('Noise multiplier σ', sigma)),
    h('div', { class: 'row' }, labelled('Epochs', epochs), labelled('δ', delta), compute),
    out,
    chart,
    h('h2', { text: 'Privacy against utility for a query' }),
    h('div', { class: 'row' }, labelled('Query', queryKind)),
    puChart,
  );
  utility();
  return { refresh: async () => {} };
}
