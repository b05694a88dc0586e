/**
 * The local-DP demo: the page randomises a value in the browser
 * (`tsdp/local/client`, the platform CSPRNG) and posts only the randomised
 * report; the server's persistent aggregator updates its estimate and interval.
 */
import * as Plot from '@observablehq/plot';
import { createClient } from '../../src/local/client.js';
import type { LocalProtocolConfig } from '../../src/local/protocol-config.js';
import { api } from './api.js';
import { errorBox, fmt, h, show } from './ui.js';

interface Collector {
  name: string;
  description?: string;
  config: LocalProtocolConfig;
  labels?: string[];
}

interface Estimate {
  reports: number;
  epsilon: number;
  confidence: number;
  estimates: { value: number | string; label?: string; count: number; lower: number; upper: number }[];
}

/** Builds the local-DP view into `root`. */
export function ldpView(root: HTMLElement): { refresh: () => Promise<void> } {
  const choices = h('fieldset', { id: 'ldp-choices' });
  const send = h('button', { type: 'button', id: 'ldp-send', text: 'Randomise and send' });
  const simulate = h('button', { type: 'button', id: 'ldp-simulate', text: 'Simulate 200 more users' });
  const status = h('div', { id: 'ldp-status', 'aria-live': 'polite' });
  const chart = h('div', { id: 'ldp-chart' });
  let collector: Collector | undefined;

  const estimate = async () => {
    if (!collector) return;
    const r = await api<Estimate>('GET', `/v1/ldp/${collector.name}/estimate`);
    if (!r.ok) {
      show(chart, errorBox(r.error));
      return;
    }
    const data = r.value.estimates.map((e) => ({ ...e, key: e.label ?? String(e.value) }));
    show(
      chart,
      h('p', { 'data-testid': 'ldp-count', text: `${r.value.reports} reports, each ε = ${fmt(r.value.epsilon, 3)}-LDP; ${Math.round(r.value.confidence * 100)}% intervals.` }),
      Plot.plot({
        height: 260,
        marginLeft: 60,
        x: { type: 'band', label: null },
        y: { label: 'estimated users (unbiased)', grid: true },
        marks: [
          Plot.barY(data, { x: 'key', y: 'count', fill: '#9db8f5' }),
          Plot.ruleX(data, { x: 'key', y1: 'lower', y2: 'upper', strokeWidth: 2 }),
          Plot.ruleY([0]),
        ],
      }),
    );
  };

  const post = async (values: number[]) => {
    if (!collector) return null;
    const client = createClient(collector.config);
    const reports = values.map((v) => client.encode(v as never));
    const r = await api<{ accepted: number }>('POST', `/v1/ldp/${collector.name}`, { reports });
    return { r, reports };
  };

  send.addEventListener('click', async () => {
    const picked = choices.querySelector<HTMLInputElement>('input:checked');
    if (!picked) {
      show(status, errorBox({ code: 'CHOOSE', message: 'choose a value first' }));
      return;
    }
    const value = Number(picked.value);
    const res = await post([value]);
    if (!res) return;
    const sent = (res.reports[0] as { y?: number } | undefined)?.y;
    show(
      status,
      res.r.ok
        ? h(
            'p',
            { 'data-testid': 'ldp-sent' },
            `Your device sent value ${sent !== undefined ? (collector?.labels?.[sent] ?? sent) : '(encoded)'} — `,
            sent === value ? 'your true answer this time, by chance' : 'not your answer: randomised before it left the page',
            '. The server can never tell which.',
          )
        : errorBox(res.r.error),
    );
    await estimate();
  });
  simulate.addEventListener('click', async () => {
    // A skewed population: most users pick the first values.
    const weights = [0.45, 0.25, 0.15, 0.1, 0.05];
    const values = Array.from({ length: 200 }, () => {
      const u = crypto.getRandomValues(new Uint32Array(1))[0] as number / 2 ** 32;
      let acc = 0;
      for (let i = 0; i < weights.length; i++) {
        acc += weights[i] as number;
        if (u < acc) return i;
      }
      return weights.length - 1;
    });
    const res = await post(values);
    if (res && !res.r.ok) show(status, errorBox(res.r.error));
    await estimate();
  });

  show(
    root,
    h('h2', { text: 'Local DP: randomised in your browser, estimated on the server' }),
    h('p', { id: 'ldp-question', class: 'muted' }),
    choices,
    h('div', { class: 'row' }, send, simulate),
    status,
    chart,
  );
  return {
    refresh: async () => {
      const r = await api<{ collectors: Collector[] }>('GET', '/v1/ldp');
      if (!r.ok || r.value.collectors.length === 0) {
        show(choices, r.ok ? h('p', { text: 'This server has no local-DP collector.' }) : errorBox(r.error));
        return;
      }
      collector = r.value.collectors[0] as Collector;
      const q = root.querySelector('#ldp-question');
      if (q) q.textContent = collector.description ?? collector.name;
      const size = (collector.config as { domainSize?: number }).domainSize ?? 2;
      show(
        choices,
        h('legend', { text: collector.description ?? 'Your value' }),
        ...Array.from({ length: size }, (_, i) =>
          h('span', {}, h('input', { type: 'radio', name: 'ldp-value', id: `ldp-v${i}`, value: i }), h('label', { for: `ldp-v${i}`, text: collector?.labels?.[i] ?? String(i) }), ' '),
        ),
      );
      await estimate();
    },
  };
}
