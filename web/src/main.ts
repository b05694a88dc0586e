/** The playground's entry: the API key (from the link's fragment, never sent to a server), the tabs, the views. */
import { accountantView } from './accountant-view.js';
import { apiKey, setApiKey } from './api.js';
import { attackView } from './attack-view.js';
import { ldpView } from './ldp-view.js';
import { queryView } from './query-view.js';

const VIEWS = ['query', 'attack', 'accountant', 'ldp'] as const;
type View = (typeof VIEWS)[number];

// `tsdp serve --demo` prints a link ending in #key=…: a fragment stays in the browser.
const m = /^#key=(tsdp_[A-Za-z0-9_-]+)/.exec(location.hash);
if (m?.[1]) {
  setApiKey(m[1]);
  history.replaceState(null, '', `${location.pathname}#/query`);
}

const el = (id: string) => document.getElementById(id) as HTMLElement;
const views: Record<View, { refresh: () => Promise<void> }> = {
  query: queryView(el('view-query')),
  attack: attackView(el('view-attack')),
  accountant: accountantView(el('view-accountant')),
  ldp: ldpView(el('view-ldp')),
};

function select(view: View, focus = false): void {
  for (const v of VIEWS) {
    const tab = el(`tab-${v}`);
    const on = v === view;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    el(`view-${v}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (location.hash !== `#/${view}`) history.replaceState(null, '', `#/${view}`);
  void views[view].refresh();
}

const tabs = VIEWS.map((v) => el(`tab-${v}`));
for (const [i, tab] of tabs.entries()) {
  tab.addEventListener('click', () => select(VIEWS[i] as View));
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  tab.addEventListener('keydown', (e) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (step !== 0) select(VIEWS[(i + step + VIEWS.length) % VIEWS.length] as View, true);
  });
}

const keyInput = el('api-key') as HTMLInputElement;
const keyStatus = el('key-status');
keyInput.value = apiKey();
keyStatus.textContent = apiKey() ? 'key set' : 'no key: create one with tsdp serve keys create';
el('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setApiKey(keyInput.value);
  keyStatus.textContent = keyInput.value ? 'key set' : 'no key';
  select(current());
});

function current(): View {
  const v = location.hash.replace(/^#\//, '');
  return (VIEWS as readonly string[]).includes(v) ? (v as View) : 'query';
}
select(current());
window.addEventListener('hashchange', () => select(current()));
