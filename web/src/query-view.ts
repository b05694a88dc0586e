/**
 * The query view: pick a data set, write DP SQL, choose ε with the slider,
 * explain (free) or run (charged), and read the answer as a table and a chart
 * with its intervals, beside a budget meter per data set.
 */
import * as Plot from '@observablehq/plot';
import { api, type Balance, type Dataset, type QueryAnswer } from './api.js';
import { errorBox, fmt, h, labelled, show } from './ui.js';

const EXAMPLES: Record<string, string> = {
  adult: 'SELECT education, COUNT(*) AS people, AVG(hours_per_week) AS mean_hours\nFROM adult\nWHERE age >= 25\nGROUP BY education',
  donors: 'SELECT zip, COUNT(*) AS donors, AVG(age) AS mean_age\nFROM donors\nWHERE donated\nGROUP BY zip',
};

/** Draws the budget meters of every data set of the caller. */
export async function refreshBudgets(target: HTMLElement): Promise<void> {
  const r = await api<{ budgets: Balance[] }>('GET', '/v1/budget');
  if (!r.ok) {
    show(target, errorBox(r.error));
    return;
  }
  show(
    target,
    ...r.value.budgets.map((b) => {
      const id = `meter-${b.dataset}`;
      const total = b.analyst.budget.epsilon;
      const left = b.analyst.remaining.epsilon;
      return h(
        'div',
        { class: 'row' },
        h('label', { for: id, text: `${b.dataset}: ε left` }),
        h('meter', { id, min: 0, max: total, value: left, low: total * 0.2, optimum: total, 'data-testid': `budget-${b.dataset}` }),
        h('span', { text: `${fmt(left)} of ${fmt(total)} (data set cap: ${fmt(b.cap.remaining.epsilon)} of ${fmt(b.cap.budget.epsilon)} left)` }),
      );
    }),
  );
}

function resultTable(a: QueryAnswer): HTMLTableElement {
  const pct = Math.round(a.confidence * 100);
  return h(
    'table',
    { 'data-testid': 'result-table' },
    h('thead', {}, h('tr', {}, ...a.columns.map((c) => h('th', { scope: 'col', text: a.intervals[c] ? `${c} (${pct}% interval)` : c })))),
    h(
      'tbody',
      {},
      ...a.rows.map((row, i) =>
        h(
          'tr',
          {},
          ...row.map((v, j) => {
            const iv = a.intervals[a.columns[j] ?? '']?.[i];
            return h('td', { class: typeof v === 'number' ? 'num' : '', text: iv ? `${fmt(v)}  [${fmt(iv[0])}, ${fmt(iv[1])}]` : fmt(v) });
          }),
        ),
      ),
    ),
  );
}

function resultChart(a: QueryAnswer): Element | null {
  const numeric = a.columns.findIndex((c) => a.intervals[c] !== undefined);
  if (numeric < 0) return null;
  const key = a.columns.findIndex((c, j) => j !== numeric && a.intervals[c] === undefined);
  const col = a.columns[numeric] as string;
  const data = a.rows.map((r, i) => ({
    key: key >= 0 ? String(r[key]) : '(all)',
    value: Number(r[numeric]),
    lo: a.intervals[col]?.[i]?.[0] ?? Number(r[numeric]),
    hi: a.intervals[col]?.[i]?.[1] ?? Number(r[numeric]),
  }));
  return Plot.plot({
    marginLeft: 70,
    height: 280,
    x: { label: key >= 0 ? a.columns[key] : null, type: 'band' },
    y: { label: `${col} (noisy, with ${Math.round(a.confidence * 100)}% interval)`, grid: true },
    marks: [
      Plot.barY(data, { x: 'key', y: 'value', fill: '#9db8f5' }),
      Plot.ruleX(data, { x: 'key', y1: 'lo', y2: 'hi', stroke: '#1d2430', strokeWidth: 2 }),
      Plot.ruleY([0]),
    ],
  });
}

/** Builds the query view into `root`. */
export function queryView(root: HTMLElement): { refresh: () => Promise<void> } {
  const select = h('select', { id: 'dataset' });
  const sql = h('textarea', { id: 'sql', spellcheck: false, rows: 6 });
  const eps = h('input', { id: 'epsilon', type: 'range', min: 0.05, max: 2, step: 0.05, value: 0.5 });
  const epsOut = h('output', { for: 'epsilon', id: 'epsilon-value', text: '0.5' });
  const explain = h('button', { type: 'button', id: 'explain', text: 'Explain (free)' });
  const run = h('button', { type: 'button', id: 'run', text: 'Run query (charged)' });
  const budgets = h('div', { id: 'budgets', 'aria-live': 'polite' });
  const out = h('div', { id: 'query-output', 'aria-live': 'polite' });
  const schema = h('div', { class: 'muted', id: 'schema' });
  let datasets: Dataset[] = [];

  eps.addEventListener('input', () => {
    epsOut.textContent = eps.value;
  });
  select.addEventListener('change', () => {
    sql.value = EXAMPLES[select.value] ?? sql.value;
    describe();
  });
  const describe = () => {
    const d = datasets.find((x) => x.name === select.value);
    show(
      schema,
      d
        ? h(
            'p',
            {},
            `${d.description ?? d.name}. Columns: `,
            d.tables.flatMap((t) => t.columns.map((c) => `${c.name} (${c.type}${c.lower !== undefined ? ` ${c.lower}…${c.upper}` : ''})`)).join(', '),
            '.',
          )
        : null,
    );
  };
  const body = () => ({ dataset: select.value, sql: sql.value, epsilon: Number(eps.value) });

  explain.addEventListener('click', async () => {
    const r = await api<{ text: string; charge: { epsilon: string } }>('POST', '/v1/explain', body());
    show(out, r.ok ? h('div', {}, h('p', { text: `Would charge ε = ${r.value.charge.epsilon}. Nothing was read or charged.` }), h('pre', { 'data-testid': 'explain', text: r.value.text })) : errorBox(r.error));
  });
  run.addEventListener('click', async () => {
    run.disabled = true;
    show(out, h('p', { text: 'Running…' }));
    const r = await api<QueryAnswer>('POST', '/v1/queries', body());
    run.disabled = false;
    if (!r.ok) show(out, errorBox(r.error));
    else {
      const g = r.value.guarantee as { kind?: string; epsilon?: number; delta?: number };
      show(
        out,
        h('p', { class: 'ok', 'data-testid': 'guarantee', text: `Answered under ${g.kind === 'pure' ? `ε = ${fmt(g.epsilon)}` : JSON.stringify(g)}; charged ε = ${r.value.charged.epsilon} before it ran.` }),
        resultTable(r.value),
        resultChart(r.value),
      );
    }
    await refreshBudgets(budgets);
  });

  show(
    root,
    h('h2', { text: 'Ask a question in DP SQL' }),
    h('div', { class: 'row' }, labelled('Data set', select)),
    schema,
    h('div', {}, h('label', { for: 'sql', text: 'Query' }), sql),
    h('div', { class: 'row' }, labelled('ε for this query', eps), epsOut, explain, run),
    h('h3', { text: 'Your budget' }),
    budgets,
    h('h3', { text: 'Answer' }),
    out,
  );

  return {
    refresh: async () => {
      const r = await api<{ datasets: Dataset[] }>('GET', '/v1/datasets');
      if (!r.ok) {
        show(out, errorBox(r.error));
        return;
      }
      datasets = r.value.datasets;
      const current = select.value;
      show(select, ...datasets.map((d) => h('option', { value: d.name, text: d.name })));
      if (datasets.some((d) => d.name === current)) select.value = current;
      if (!sql.value) sql.value = EXAMPLES[select.value] ?? '';
      describe();
      await refreshBudgets(budgets);
    },
  };
}
