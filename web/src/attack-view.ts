/**
 * The attack the seeds tell, live: a differencing attack on averages. "The
 * donors" and "the donors outside zip 02139" differ by one person, Zoe. With
 * exact answers (plain SQL) her age falls out of two harmless-looking
 * averages; with DP answers the difference drowns in noise, and asking again
 * and again to average the noise away spends the budget until the server
 * refuses.
 *
 * Both sides come from the server, on the same engine and data: the exact
 * answers from `POST /v1/demo/plain-queries`, which the server offers only on
 * a data set its operator marked `nonPrivateDemo` (the made-up donors) — what
 * any plain SQL endpoint would answer; the DP answers from `POST /v1/queries`.
 */
import * as Plot from '@observablehq/plot';
import { api, type PlainAnswer, type QueryAnswer } from './api.js';
import { refreshBudgets } from './query-view.js';
import { errorBox, fmt, h, labelled, show } from './ui.js';

const ALL = 'SELECT COUNT(*) AS n, SUM(age) AS total_age FROM donors WHERE donated';
const WITHOUT = "SELECT COUNT(*) AS n, SUM(age) AS total_age FROM donors WHERE donated AND zip <> '02139'";
const TARGET_AGE = 67;

/** Plain SQL on the server: COUNT(*) and SUM(age) of a filter, exactly; null when the server does not offer it. */
async function exact(sql: string): Promise<{ n: number; total: number } | { error: { code: string; message: string } }> {
  const r = await api<PlainAnswer>('POST', '/v1/demo/plain-queries', { dataset: 'donors', sql });
  if (!r.ok) return { error: r.error };
  return { n: Number(r.value.rows[0]?.[0]), total: Number(r.value.rows[0]?.[1]) };
}

/** Density of the difference of two independent Laplace(b) variables, shifted by `mu`. */
function differenceDensity(mu: number, b: number): { x: number; y: number }[] {
  const out = [];
  for (let i = -400; i <= 400; i++) {
    const x = mu + (i / 400) * 8 * b;
    const t = Math.abs(x - mu) / b;
    out.push({ x, y: ((1 + t) * Math.exp(-t)) / (4 * b) });
  }
  return out;
}

/** Builds the attack view into `root`. */
export function attackView(root: HTMLElement): { refresh: () => Promise<void> } {
  const plain = h('div', { 'data-testid': 'plain-answers', 'aria-live': 'polite' }, h('p', { class: 'muted', text: 'Asking the plain SQL endpoint…' }));
  let plainDone = false;
  const askPlain = async () => {
    const [a, b] = [await exact(ALL), await exact(WITHOUT)];
    if ('error' in a || 'error' in b) {
      const err = 'error' in a ? a.error : 'error' in b ? b.error : { code: '', message: '' };
      show(plain, errorBox(err), h('p', { class: 'muted', text: 'This server offers no non-private demo data set named donors.' }));
      return;
    }
    plainDone = true;
    const mean = (x: { n: number; total: number }) => x.total / x.n;
    show(
      plain,
      h('pre', { text: `${ALL}\n→ ${a.n} donors, ages summing to ${a.total} (average ${fmt(mean(a), 4)})` }),
      h('pre', { text: `${WITHOUT}\n→ ${b.n} donors, ages summing to ${b.total} (average ${fmt(mean(b), 4)})` }),
      h('p', {}, `${a.total} − ${b.total} = `, h('span', { class: 'leak', 'data-testid': 'leaked-age', text: `${a.total - b.total}` }), ' — Zoe’s age, exactly.'),
    );
  };

  const eps = h('input', { id: 'attack-epsilon', type: 'range', min: 0.05, max: 1, step: 0.05, value: 0.25 });
  const epsOut = h('output', { for: 'attack-epsilon', text: '0.25' });
  eps.addEventListener('input', () => {
    epsOut.textContent = eps.value;
  });
  const once = h('button', { type: 'button', id: 'attack-once', text: 'Ask both with DP' });
  const drain = h('button', { type: 'button', id: 'attack-drain', text: 'Repeat until refused' });
  const status = h('div', { id: 'attack-status', 'aria-live': 'polite' });
  const chart = h('div', { id: 'attack-chart' });
  const budgets = h('div', { id: 'attack-budget' });
  const estimates: number[] = [];
  let scale = 0;

  const draw = () => {
    const marks = [
      ...(scale > 0 ? [Plot.line(differenceDensity(TARGET_AGE, scale), { x: 'x', y: 'y', stroke: '#9db8f5', strokeWidth: 2 })] : []),
      Plot.ruleX([TARGET_AGE], { stroke: '#a11b1b', strokeDasharray: '4,3' }),
      Plot.text([{ x: TARGET_AGE, t: "Zoe's true age (plain SQL's answer)" }], { x: 'x', text: 't', frameAnchor: 'top', dy: 6, fill: '#a11b1b' }),
      Plot.dot(
        estimates.map((x) => ({ x })),
        { x: 'x', y: 0, r: 5, fill: '#1d2430' },
      ),
      Plot.ruleY([0]),
    ];
    show(
      chart,
      Plot.plot({
        height: 260,
        marginLeft: 60,
        x: { label: 'DP estimate of the difference (years)', grid: true },
        y: { label: scale > 0 ? 'density of DP answers' : null, grid: true },
        marks,
      }),
    );
  };

  /** One round: both queries with DP. Returns false when the server refused. */
  const round = async (): Promise<boolean> => {
    const epsilon = Number(eps.value);
    const first = await api<QueryAnswer>('POST', '/v1/queries', { dataset: 'donors', sql: ALL, epsilon });
    const second = first.ok ? await api<QueryAnswer>('POST', '/v1/queries', { dataset: 'donors', sql: WITHOUT, epsilon }) : first;
    if (!first.ok || !second.ok) {
      const err = !first.ok ? first.error : !second.ok ? second.error : { code: '', message: '' };
      show(
        status,
        h('div', { 'data-testid': 'refused' }, errorBox(err)),
        h('p', { text: `The server refused after ${estimates.length} round(s): the budget that bounds what anyone can learn about Zoe is spent.` }),
      );
      return false;
    }
    const total = (r: QueryAnswer) => Number(r.rows[0]?.[1]);
    const estimate = total(first.value) - total(second.value);
    estimates.push(estimate);
    // The Laplace scale of each noisy sum, from the interval the server released with it: w = b·ln(1/(1−level)).
    const iv = first.value.intervals.total_age?.[0];
    if (iv) scale = (iv[1] - iv[0]) / 2 / Math.log(1 / (1 - first.value.confidence));
    const mean = estimates.reduce((s, x) => s + x, 0) / estimates.length;
    show(
      status,
      h(
        'p',
        { 'data-testid': 'dp-estimate' },
        `Round ${estimates.length}: with DP the difference is `,
        h('span', { class: 'safe', text: fmt(estimate, 1) }),
        ` years (average of ${estimates.length} round(s): ${fmt(mean, 1)}). Noisy averages: ${fmt(total(first.value) / Number(first.value.rows[0]?.[0]), 2)} with Zoe, ${fmt(total(second.value) / Number(second.value.rows[0]?.[0]), 2)} without.`,
      ),
    );
    draw();
    return true;
  };

  once.addEventListener('click', async () => {
    once.disabled = true;
    await round();
    once.disabled = false;
    await refreshBudgets(budgets);
  });
  drain.addEventListener('click', async () => {
    drain.disabled = true;
    once.disabled = true;
    while (await round()) await refreshBudgets(budgets);
    drain.disabled = false;
    once.disabled = false;
    await refreshBudgets(budgets);
  });

  show(
    root,
    h('h2', { text: 'The attack: the average age of the donors, with and without one person' }),
    h(
      'p',
      {},
      'Zoe, 67, is the only donor in zip 02139. Two questions that look harmless: the donors’ average age, and the average age of donors outside 02139. ',
      'Their difference is Zoe alone.',
    ),
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        { class: 'card', 'data-testid': 'plain' },
        h('h3', { text: 'Plain SQL (exact answers — NOT private)' }),
        plain,
        h('p', {
          class: 'muted',
          text: 'From the server’s plain SQL demo endpoint (POST /v1/demo/plain-queries), offered only on this made-up data set, which its operator marked non-private: what any database without DP answers.',
        }),
      ),
      h(
        'div',
        { class: 'card' },
        h('h3', { text: 'DP SQL (the server)' }),
        h('pre', { text: `${ALL}\n${WITHOUT}` }),
        h('div', { class: 'row' }, labelled('ε per query', eps), epsOut),
        h('div', { class: 'row' }, once, drain),
        status,
      ),
    ),
    h('h3', { text: 'The DP answers, and the distribution they are drawn from' }),
    chart,
    h('h3', { text: 'Budget on the donors data set' }),
    budgets,
  );
  draw();
  return {
    refresh: async () => {
      if (!plainDone) await askPlain();
      await refreshBudgets(budgets);
    },
  };
}
